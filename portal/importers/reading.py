"""Reading CSV files safely: sniffing the encoding, refusing binary files, checking the header, reading in chunks.

Problems with the whole file are raised as FileProblem, which readers turn into a row-0 RowError.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from portal.importers import halves
from portal.importers.base import FileProblem, HeaderProblem, RowError
from portal.importers.cells import text_categorical

ProgressCallback = Callable[[int, int], None]
Source = str | os.PathLike[str] | BinaryIO

# Bytes sniffed before parsing: enough to see binary content or a bad encoding without reading a huge file.
SNIFF_BYTES = 64 * 1024
# Rows per read_csv chunk: small enough for the tokenizer's buffers to stay in the CPU cache. 20,000 rows read a
# million-row Fingertips file twice as fast as 200,000 (bench/bench_import.py) and still report progress often.
CHUNK_ROWS = 20_000
# Rows read first to find the text columns that pandas would take for numbers (see _read_parts).
SAMPLE_ROWS = 1_000


def _open(source: Source) -> tuple[BinaryIO, bool]:
    """A seekable binary handle for the source, and whether we opened it (and so must close it)."""
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True  # closed by CsvFile.close()
        except OSError as exc:
            raise FileProblem(f"The file could not be opened: {exc.strerror or exc}") from exc
    if not source.seekable():
        # Uploads may arrive as non-seekable streams; they are bounded by the upload limit, so buffering is fine.
        return io.BytesIO(source.read()), True
    return source, False


def _size(handle: BinaryIO) -> int:
    """Total size in bytes of a seekable handle, leaving it at the start."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def sniff_encoding(head: bytes) -> str:
    """Pick the text encoding from the first bytes of a file, or raise FileProblem for empty or binary content."""
    body = head.removeprefix(codecs.BOM_UTF8)
    if not body.strip():
        raise FileProblem("The file is empty.")
    if body.startswith(b"PK\x03\x04") or body.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("This looks like an Excel workbook, not a CSV file. Save it as CSV UTF-8 and try again.")
    if b"\x00" in body:
        raise FileProblem("The file is not a CSV text file (it contains binary data).")
    # Control characters other than tab, CR and LF do not occur in real CSV text.
    controls = sum(body.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
    if controls > max(2, len(body) // 1000):
        raise FileProblem("The file is not a CSV text file (it contains binary data).")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        body.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileProblem("The file is not readable text. Save it as CSV UTF-8 and try again.") from exc
    # Excel's "CSV" (not "CSV UTF-8") saves in Windows-1252, where "£" and "é" are single bytes.
    return "cp1252"


@dataclass
class CsvFile:
    """An opened CSV source: handle, size, sniffed encoding and the header row."""

    handle: BinaryIO
    owned: bool
    size: int
    encoding: str
    header: list[str]  # column names stripped of spaces and any byte-order mark
    raw_header: list[str]  # the names as the parser sees them, needed to select columns
    skiprows: int

    def close(self) -> None:
        """Close the handle if this object opened it."""
        if self.owned:
            self.handle.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_csv(source: Source, *, skiprows: int = 0, encoding: str | None = None) -> CsvFile:
    """Open a CSV source, sniff its encoding and read its header row; raise FileProblem if it is not usable CSV."""
    handle, owned = _open(source)
    try:
        size = _size(handle)
        if size == 0:
            raise FileProblem("The file is empty.")
        head = handle.read(SNIFF_BYTES)
        handle.seek(0)
        sniffed = sniff_encoding(head)
        encoding = encoding or sniffed
        try:
            header_frame = pd.read_csv(
                handle, nrows=0, skiprows=skiprows, encoding=encoding, encoding_errors="strict", dtype=str
            )
        except UnicodeDecodeError:
            handle.seek(0)
            encoding = "cp1252"
            header_frame = pd.read_csv(handle, nrows=0, skiprows=skiprows, encoding=encoding, dtype=str)
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            raise FileProblem("The file has no header row.") from exc
        handle.seek(0)
        raw_header = [str(c) for c in header_frame.columns]
        header = [_clean_header(c) for c in raw_header]
        return CsvFile(handle, owned, size, encoding, header, raw_header, skiprows)
    except BaseException:
        if owned:
            handle.close()
        raise


def _clean_header(name: str) -> str:
    """A header cell without surrounding spaces or a byte-order mark."""
    return name.strip().removeprefix("\ufeff").strip()


def check_header(
    found: Sequence[str], required: Sequence[str], optional: Sequence[str] = (), *, allow_extra: bool = False
) -> list[RowError]:
    """File-level errors naming the missing and unexpected columns (empty when the header is acceptable)."""
    errors = []
    duplicated = sorted({c for c in found if list(found).count(c) > 1})
    if duplicated:
        errors.append(RowError(0, None, f"These columns appear more than once: {', '.join(duplicated)}."))
    missing = [c for c in required if c not in found]
    unexpected = [c for c in found if c not in required and c not in optional]
    if missing or (unexpected and not allow_extra):
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected columns: {', '.join(unexpected)}")
        errors.append(RowError(0, None, "The header row is not as expected: " + "; ".join(parts) + "."))
    return errors


def read_columns(
    source: Source, columns: Sequence[str], *, skiprows: int = 0, allow_extra: bool = False
) -> tuple[pd.DataFrame, pd.Series]:
    """The named columns of a CSV as categorical text, without its blank lines, and their spreadsheet row numbers.

    Raises HeaderProblem when the header lacks one of ``columns`` (or has others, unless ``allow_extra``) and
    FileProblem when the file is not usable CSV.
    """
    with open_csv(source, skiprows=skiprows) as csv:
        header_errors = check_header(csv.header, columns, allow_extra=allow_extra)
        if header_errors:
            raise HeaderProblem(header_errors)
        raw, _ = read_csv_frame(csv, columns=columns)
    raw = drop_blank_rows(raw, columns)
    return raw, spreadsheet_rows(raw.index, skiprows)


def read_csv_frame(
    csv: CsvFile,
    *,
    columns: Sequence[str],
    float_columns: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> tuple[pd.DataFrame, bool]:
    """Read the named columns of an opened CSV in chunks: float_columns as numbers, the rest as categorical text.

    Returns the frame (index = data record number from 0) and whether the numbers parsed. When a float column holds
    text, the whole file is re-read as text so that the caller can report each bad cell with parse_numbers. Blank
    lines are kept as empty rows, so they still count towards row numbers as in a spreadsheet. Categorical text keeps
    a million-row file small and makes cleaning, comparing and duplicate checks work on the few distinct values.
    Progress is reported as (bytes read, file size).
    """
    float_set = set(float_columns)
    try:
        return _read_chunks(csv, columns, float_set, progress), True
    except ValueError as exc:
        if isinstance(exc, UnicodeDecodeError):
            raise
        # A float column holds text: fall back to text so each bad cell can be reported with its row.
        return _read_chunks(csv, columns, set(), progress), False


def _read_chunks(
    csv: CsvFile, columns: Sequence[str], float_set: set[str], progress: ProgressCallback | None
) -> pd.DataFrame:
    """Read the file in chunks, retrying in cp1252 if UTF-8 fails part-way through (Excel's "CSV" is cp1252)."""
    for attempt in dict.fromkeys((csv.encoding, "cp1252")):
        csv.handle.seek(0)
        try:
            frame = _read_chunks_once(csv, attempt, columns, float_set, progress)
            csv.encoding = attempt
            return frame
        except UnicodeDecodeError:
            continue
    raise FileProblem("The file is not readable text. Save it as CSV UTF-8 and try again.")


def _read_chunks_once(
    csv: CsvFile, encoding: str, columns: Sequence[str], float_set: set[str], progress: ProgressCallback | None
) -> pd.DataFrame:
    """One pass over the file with a fixed encoding (two when pandas took a text column for numbers part-way)."""
    wanted = set(columns)
    selected = {raw: clean for raw, clean in zip(csv.raw_header, csv.header, strict=True) if clean in wanted}
    floats = {raw for raw, clean in selected.items() if clean in float_set}
    try:
        as_objects = _numeric_looking(csv, encoding, [raw for raw in selected if raw not in floats])
        parts, inferred = _read_parts(csv, encoding, list(selected), floats, as_objects, progress)
        if inferred:
            # A chunk of a text column held only numbers (or True/False), which pandas converted and so lost the text
            # as written ("0252" became 252): read those columns again as Python strings.
            again, _ = _read_parts(csv, encoding, inferred, set(), set(inferred), None)
            for part, redone in zip(parts, again, strict=True):
                for raw in inferred:
                    part[raw] = redone[raw]
    except pd.errors.ParserError as exc:
        raise FileProblem(f"The file could not be read as CSV: {_parser_message(exc)}") from exc
    except pd.errors.EmptyDataError as exc:
        raise FileProblem("The file has no header row.") from exc
    frame = pd.DataFrame(index=pd.RangeIndex(sum(len(p) for p in parts)))
    for raw, clean in selected.items():
        if not parts:
            frame[clean] = pd.Series(dtype="float64" if clean in float_set else "category")
        elif clean in float_set:
            frame[clean] = np.concatenate([p[raw].to_numpy(dtype="float64") for p in parts])
        else:
            # Each chunk has its own categories; union them rather than concatenating to (slow) plain text.
            joined = union_categoricals([p[raw] for p in parts])
            frame[clean] = pd.Series(_in_order_of_appearance(joined), index=frame.index)
    for column in columns:
        if column not in frame.columns:
            frame[column] = np.nan if column in float_set else pd.Categorical([""] * len(frame))
    if progress is not None:
        progress(csv.size, csv.size)
    return frame


def _read_options(csv: CsvFile, encoding: str, usecols: Sequence[str], floats: set[str]) -> dict[str, Any]:
    """read_csv's options for the named columns: text kept as written ("" is text, not missing), blank lines kept."""
    return {
        "skiprows": csv.skiprows,
        "usecols": list(usecols),
        "encoding": encoding,
        "encoding_errors": "strict",
        "keep_default_na": False,
        "na_values": {raw: [""] for raw in usecols if raw in floats},
        "skip_blank_lines": False,
        "low_memory": False,
    }


def _numeric_looking(csv: CsvFile, encoding: str, text_columns: Sequence[str]) -> set[str]:
    """The text columns whose first SAMPLE_ROWS rows pandas would take for numbers or booleans (Fingertips' indicator
    ids), to be read as Python strings; all of them when the sample cannot be read (the full read reports why)."""
    if not text_columns:
        return set()
    csv.handle.seek(0)
    try:
        sample = pd.read_csv(
            csv.handle,
            **_read_options(csv, encoding, text_columns, set()),
            dtype=dict.fromkeys(text_columns, "category"),
            nrows=SAMPLE_ROWS,
        )
    except ValueError:  # parser, encoding and empty-file errors alike
        return set(text_columns)
    return {raw for raw in text_columns if _parsed_text(sample[raw]) is None}


def _read_parts(
    csv: CsvFile,
    encoding: str,
    usecols: Sequence[str],
    floats: set[str],
    as_objects: set[str],
    progress: ProgressCallback | None,
) -> tuple[list[pd.DataFrame], list[str]]:
    """The file's chunks with text columns categorical, and the text columns that pandas took for numbers in a chunk.

    Text columns are read as dtype="category": the C parser then builds each chunk's categories from the raw bytes,
    without a Python string per cell (a million-row Fingertips file read 1 s faster). pandas 3 infers numeric and
    boolean categories, though, so columns in ``as_objects`` are read as Python strings (object, never dtype="str":
    pandas would check every cell is a string and copy the column back to objects to factorize it) and made
    categorical here; a chunk where the parser inferred anyway is reported, for the caller to read it again.
    A large file is parsed as two halves at once (portal/importers/halves.py), the same chunks in the same order.
    """
    text_columns = [raw for raw in usecols if raw not in floats]
    dtype: dict[str, Any] = {raw: "float64" for raw in floats} | {
        raw: (object if raw in as_objects else "category") for raw in text_columns
    }
    options = {**_read_options(csv, encoding, usecols, floats), "dtype": dtype, "chunksize": CHUNK_ROWS}
    split = halves.split_point(csv.handle, csv.size, encoding)
    if split is not None:
        try:
            return _read_halves(csv, split, options, text_columns, as_objects, progress)
        except (ValueError, OSError):
            pass  # e.g. the split fell inside a quoted cell: one pass reports any real problem as it always did
    csv.handle.seek(0)
    inferred: list[str] = []

    def report() -> None:
        if progress is not None:
            progress(min(csv.handle.tell(), csv.size), csv.size)

    return _parse_chunks(csv.handle, options, text_columns, as_objects, inferred, report), inferred


def _read_halves(
    csv: CsvFile,
    split: int,
    options: dict[str, Any],
    text_columns: list[str],
    as_objects: set[str],
    progress: ProgressCallback | None,
) -> tuple[list[pd.DataFrame], list[str]]:
    """The first half in this thread and the second in another (raising ValueError if either cannot be parsed)."""
    # The second half has no header: its columns are named as the first half's header names them.
    tail_options = {**options, "skiprows": 0, "header": None, "names": csv.raw_header}
    head_inferred: list[str] = []
    tail_inferred: list[str] = []
    with (
        halves.second_half(csv.handle, split, csv.size) as tail,
        ThreadPoolExecutor(1, thread_name_prefix="csv-second-half") as pool,
    ):
        later = pool.submit(_parse_chunks, tail, tail_options, text_columns, as_objects, tail_inferred, None)
        head, head_range = halves.first_half(csv.handle, split)

        def report() -> None:
            # Progress through the first half, as a share of the file (the halves go at about the same pace).
            if progress is not None:
                progress(min(head_range.consumed() * csv.size // split, csv.size), csv.size)

        try:
            parts = _parse_chunks(head, options, text_columns, as_objects, head_inferred, report)
        finally:
            tail_parts = later.result() if later.exception() is None else None
        if tail_parts is None:
            raise ValueError("the second half could not be parsed on its own")
    return parts + tail_parts, list(dict.fromkeys(head_inferred + tail_inferred))


def _parse_chunks(
    stream: BinaryIO,
    options: dict[str, Any],
    text_columns: list[str],
    as_objects: set[str],
    inferred: list[str],
    on_chunk: Callable[[], None] | None,
) -> list[pd.DataFrame]:
    """read_csv's chunks of a stream with the text columns made categorical; appends to ``inferred`` the text columns
    the parser took for numbers in some chunk."""
    parts = []
    with pd.read_csv(stream, **options) as reader:
        for chunk in reader:
            if not isinstance(chunk.index, pd.RangeIndex):
                # A first row longer than the header makes pandas use its first cells as the index; mid-file, as in a
                # second half, that row is an error instead.
                raise ValueError("a row has more fields than the header")
            for raw in text_columns:
                if raw in as_objects:
                    chunk[raw] = text_categorical(chunk[raw])
                    continue
                categorical = _parsed_text(chunk[raw])
                if categorical is None:
                    if raw not in inferred:
                        inferred.append(raw)
                else:
                    chunk[raw] = categorical
            parts.append(chunk)
            if on_chunk is not None:
                on_chunk()
    return parts


def _parsed_text(series: pd.Series) -> pd.Categorical | None:
    """A chunk's column parsed as dtype="category", with str categories, or None when pandas converted the text to
    numbers or booleans."""
    categories = series.cat.categories
    if len(categories) and pd.api.types.infer_dtype(categories, skipna=False) != "string":
        return None
    if categories.dtype == "str":
        return series.array
    # A chunk with no text at all (every cell missing) gets object categories, which union_categoricals would refuse.
    return pd.Categorical.from_codes(series.cat.codes.to_numpy(), categories=pd.Index(categories, dtype="str"))


def _in_order_of_appearance(categorical: pd.Categorical) -> pd.Categorical:
    """The categorical with its categories in order of first appearance, as factorizing the file's strings gives
    them (the parser sorts each chunk's categories). Done once on the joined column: 868 times per chunk cost 0.3 s
    of a million-row read, once per column 0.1 s."""
    codes = categorical.codes
    order = pd.unique(codes[codes >= 0])  # category numbers in order of first appearance
    if len(order) == len(categorical.categories) and (order == np.arange(len(order))).all():
        return categorical
    # One slot more than there are categories: code -1 (missing) picks it and stays -1.
    renumber = np.full(len(categorical.categories) + 1, -1, dtype=codes.dtype)
    renumber[order] = np.arange(len(order), dtype=codes.dtype)
    return pd.Categorical.from_codes(renumber[codes], categories=categorical.categories.take(order))


def _parser_message(exc: Exception) -> str:
    """The useful part of a pandas parser error, with its line number."""
    text = str(exc).strip()
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        return f"line {match.group(2)} has {match.group(3)} values but the header has {match.group(1)} columns."
    return text


def drop_blank_rows(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Drop rows where every listed column is blank (blank lines in the file), keeping the original index."""
    blank = np.ones(len(frame), dtype=bool)
    for column in columns:
        series = frame[column]
        if series.dtype.kind == "f":
            blank &= series.isna().to_numpy()
        else:
            blank &= (series.isna() | (series == "")).to_numpy()
    return frame[~blank] if blank.any() else frame


def spreadsheet_rows(index: pd.Index, skiprows: int = 0) -> pd.Series:
    """Spreadsheet row numbers for data records: record index + 2 (the header is row 1) + preamble lines."""
    return pd.Series(np.asarray(index, dtype="int64") + 2 + skiprows, index=index)
