"""The importer contract: result types, column lists, safe CSV reading and the shared validation of value rows.

Importers are pure (pandas only). Each reader returns an ImportResult whose `values` frame has exactly
VALUE_COLUMNS; problems are returned as RowError objects, never raised.

Row numbers in errors are spreadsheet rows: the header is row 1 and the first data record is row 2 (plus any
preamble lines skipped before the header). A record whose quoted text contains a newline still counts as one row,
as it does when the file is opened in a spreadsheet, so it may span two physical lines of the file.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

INDICATOR_COLUMNS = [
    "indicator_id", "name", "definition", "unit", "value_type", "multiplier", "polarity", "topic", "source",
    "publisher", "licence",
]  # fmt: skip
# area_type is the portal's kind of area (AREA_TYPES); area_type_label is the publisher's own words for it, kept as
# written (e.g. Fingertips' "County & UA (4/21-3/23)").
AREA_COLUMNS = ["code", "name", "area_type", "parent_code", "area_type_label"]
VALUE_COLUMNS = [
    "indicator_id", "area_code", "period", "period_sortable", "sex", "age", "category_type", "category",
    "value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator", "value_note",
    "suppressed", "derived", "source_compared_to_england", "source_compared_to_region", "source_recent_trend",
]  # fmt: skip
KEY_COLUMNS = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
NUMERIC_VALUE_COLUMNS = ["value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"]
TEXT_VALUE_COLUMNS = [
    "indicator_id", "area_code", "period", "sex", "age", "category_type", "category", "value_note",
    "source_compared_to_england", "source_compared_to_region", "source_recent_trend",
]  # fmt: skip
BOOL_VALUE_COLUMNS = ["suppressed", "derived"]

VALUE_TYPES = frozenset({"proportion", "crude_rate", "dsr", "count", "mean", "median", "score", "rank", "decile"})
POLARITIES = frozenset({"high_is_good", "low_is_good", "no_judgement"})
TOPICS = frozenset({"health", "social_care", "children", "housing", "economy", "deprivation", "population"})
# Every kind of area the portal keeps, widest first (the same list as portal.models.indicators.AREA_TYPES; a test
# keeps the two in step). Fingertips publishes all of them; "other" keeps an area of a type not listed here.
AREA_TYPE_ORDER = (
    "country", "nhs_region", "region", "phe_centre", "combined_auth", "icb", "stp", "county_ua", "district",
    "ccg", "sub_icb", "pcn", "msoa", "ward", "gp", "lsoa", "ons_group", "other",
)  # fmt: skip
AREA_TYPES = frozenset(AREA_TYPE_ORDER)
# "Not applicable" is Fingertips' sex for indicators of households or places rather than people.
SEXES = frozenset({"Persons", "Male", "Female", "Not applicable"})
SEX_RULE = "Sex must be Persons, Male, Female or Not applicable"
# The longest text each stored column takes (the database's column lengths; a test keeps the two in step). A longer
# cell is a row error, never a failure at the database.
TEXT_LIMITS: dict[str, int] = {
    "indicator_id": 64, "area_code": 16, "period": 64, "sex": 32, "age": 64, "category_type": 255,
    "category": 255, "source_compared_to_england": 64, "source_compared_to_region": 64, "source_recent_trend": 120,
}  # fmt: skip
AREA_TEXT_LIMITS: dict[str, int] = {"code": 16, "name": 200, "area_type_label": 120}
INDICATOR_NAME_LIMIT = 400
# DfE marks c (confidential), x (not available), z (not applicable), u (low reliability); ONS uses ':'.
SUPPRESSION_MARKERS = frozenset({"c", "x", "z", "u", ":"})

ENGLAND = "E92000001"
WEST_MIDLANDS = "E12000005"
WOLVERHAMPTON = "E08000031"

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_METADATA_PATH = DATA_DIR / "indicator_metadata.csv"

OGL = "Open Government Licence v3.0"

ProgressCallback = Callable[[int, int], None]
Source = str | os.PathLike[str] | BinaryIO

# Bytes sniffed before parsing: enough to see binary content or a bad encoding without reading a huge file.
SNIFF_BYTES = 64 * 1024
# Rows per read_csv chunk: small enough for the tokenizer's buffers to stay in the CPU cache. 20,000 rows read a
# million-row Fingertips file twice as fast as 200,000 (bench/bench_import.py) and still report progress often.
CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class RowError:
    """One problem found in an imported file."""

    row: int  # spreadsheet row (header = row 1); 0 for a problem with the whole file
    column: str | None
    message: str
    # What kind of problem it is, for the report's counts ("Value is not a number"); derived from the message when
    # blank. Not part of equality: two errors at the same place with the same message are the same problem.
    kind: str = field(default="", compare=False)

    @property
    def problem_kind(self) -> str:
        """The kind of problem, as the report groups it."""
        if self.kind:
            return self.kind
        if not self.row:
            return "Problems with the whole file"
        text = re.sub(r"'[^']*'|\"[^\"]*\"", "…", self.message)
        text = re.sub(r"\d[\d,.]*", "N", text)
        return f"{self.column}: {text}" if self.column else text


@dataclass(frozen=True)
class ProblemGroup:
    """One kind of problem in a refused file: how many rows have it, and the first few of them."""

    kind: str
    count: int
    examples: list[RowError]


# The report lists this many rows of each kind of problem; the rest are counted.
REPORT_ROWS_PER_KIND = 20


def group_problems(errors: Sequence[RowError], shown: int = REPORT_ROWS_PER_KIND) -> list[ProblemGroup]:
    """Every problem counted by kind (whole-file problems first, then the kinds in order of their first row), with
    the first ``shown`` rows of each kind in row order."""
    groups: dict[str, list[RowError]] = {}
    for error in sorted(errors, key=lambda e: e.row):
        groups.setdefault(error.problem_kind, []).append(error)
    return [ProblemGroup(kind, len(found), found[:shown]) for kind, found in groups.items()]


def problem_report(errors: Sequence[RowError], shown: int = REPORT_ROWS_PER_KIND) -> dict[str, object]:
    """The refused file's report as plain data (stored with the import and shown on its status page)."""
    return {
        "total": len(errors),
        "groups": [
            {
                "kind": group.kind,
                "count": group.count,
                "problems": [{"row": e.row, "column": e.column, "message": e.message} for e in group.examples],
            }
            for group in group_problems(errors, shown)
        ],
    }


@dataclass
class ImportResult:
    """What a reader returns: normalised frames plus any problems found."""

    format: str
    indicators: pd.DataFrame
    values: pd.DataFrame
    areas: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    variant: str = ""  # which layout of the format the file is in, when a format has several (Fingertips)

    @property
    def ok(self) -> bool:
        """True when the file imported without any error."""
        return not self.errors


class FileProblem(Exception):
    """A problem with the whole file (empty, binary, wrong headers); readers turn it into RowError(row=0)."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def as_error(self) -> RowError:
        """The file-level RowError for this problem."""
        return RowError(0, self.column, self.message)


# ---------------------------------------------------------------------------------------------------------------
# Empty frames and result helpers


def empty_values() -> pd.DataFrame:
    """A values frame with no rows and the contract's columns and dtypes."""
    return finalise_values(pd.DataFrame({column: [] for column in VALUE_COLUMNS}))


def empty_indicators() -> pd.DataFrame:
    """An indicators frame with no rows."""
    return indicators_frame([])


def empty_areas() -> pd.DataFrame:
    """An areas frame with no rows."""
    return areas_frame(pd.DataFrame(columns=AREA_COLUMNS))


def failed(format_name: str, errors: Sequence[RowError]) -> ImportResult:
    """A result with no data, only errors."""
    return ImportResult(format_name, empty_indicators(), empty_values(), empty_areas(), list(errors))


def indicators_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Indicator metadata rows as a frame with exactly INDICATOR_COLUMNS (text "" and multiplier NaN if missing)."""
    frame = pd.DataFrame(list(rows), columns=INDICATOR_COLUMNS)
    for column in INDICATOR_COLUMNS:
        if column == "multiplier":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        else:
            frame[column] = _text(frame[column])
    return frame.drop_duplicates("indicator_id").reset_index(drop=True)


def areas_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Areas as a frame with exactly AREA_COLUMNS, one row per code (first definition wins)."""
    out = frame.reindex(columns=AREA_COLUMNS)
    for column in AREA_COLUMNS:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = _categorical_to_text(series)
        out[column] = _text(series).str.strip()
    return out[out["code"] != ""].drop_duplicates("code").reset_index(drop=True)


def finalise_values(frame: pd.DataFrame, *, categorical: bool = False) -> pd.DataFrame:
    """Put a values frame into contract shape: VALUE_COLUMNS in order, text "" not NaN, floats, ints and bools.

    With categorical=True text columns stay categorical, which readers use to validate a large frame cheaply before
    calling this again to get the contract's plain text columns.
    """
    out = pd.DataFrame(index=frame.index)
    for column in VALUE_COLUMNS:
        series = frame[column] if column in frame.columns else None
        if column in NUMERIC_VALUE_COLUMNS:
            out[column] = np.nan if series is None else pd.to_numeric(series, errors="coerce")
        elif column == "period_sortable":
            out[column] = 0 if series is None else pd.to_numeric(series, errors="coerce").fillna(0)
        elif column in BOOL_VALUE_COLUMNS:
            out[column] = False if series is None else series.fillna(False).astype(bool)
        elif series is None:
            out[column] = ""
        elif categorical:
            out[column] = map_text(series, lambda index: index)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            out[column] = _categorical_to_text(series)
        else:
            out[column] = _text(series)
    text_dtype = "category" if categorical else "str"
    # Explicit dtypes: columns assigned from scalars would otherwise be object when the frame is empty.
    return out.astype(
        dict.fromkeys(NUMERIC_VALUE_COLUMNS, "float64")
        | {"period_sortable": "int64"}
        | dict.fromkeys(BOOL_VALUE_COLUMNS, "bool")
        | dict.fromkeys(TEXT_VALUE_COLUMNS, text_dtype)
    )


def _text(series: pd.Series) -> pd.Series:
    """Any column as str with missing values as "" (an all-missing column may arrive as float NaN)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _categorical_to_text(series)
    return series.astype(object).where(series.notna(), "").astype(str)


def _categorical_to_text(series: pd.Series) -> pd.Series:
    """A categorical column as str, with missing entries as ""."""
    categories = np.append(np.asarray(series.cat.categories.astype(str), dtype=object), "")
    codes = series.cat.codes.to_numpy()
    return pd.Series(categories[codes], index=series.index, dtype="str")  # code -1 picks the final ""


def load_indicator_metadata(path: str | os.PathLike[str] = DEFAULT_METADATA_PATH) -> pd.DataFrame | None:
    """Read data/indicator_metadata.csv (all its columns, ids as text), or None when the file does not exist."""
    if not Path(path).exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame["multiplier"] = pd.to_numeric(frame["multiplier"], errors="coerce")
    if "comparison_confidence" in frame.columns:
        frame["comparison_confidence"] = pd.to_numeric(frame["comparison_confidence"], errors="coerce")
    return frame


def metadata_rows(
    ids_and_names: Mapping[str, str], metadata: pd.DataFrame | None, defaults: Mapping[str, object]
) -> pd.DataFrame:
    """Indicator rows for the given ids: from `metadata` when it has the id, else a minimal row from `defaults`."""
    known = {} if metadata is None else {str(r["indicator_id"]): r for r in metadata.to_dict("records")}
    rows = []
    for indicator_id, name in ids_and_names.items():
        if indicator_id in known:
            rows.append({c: known[indicator_id].get(c) for c in INDICATOR_COLUMNS})
        else:
            rows.append({**defaults, "indicator_id": indicator_id, "name": name})
    return indicators_frame(rows)


# ---------------------------------------------------------------------------------------------------------------
# Reading files safely


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
    """One pass over the file with a fixed encoding."""
    wanted = set(columns)
    selected = {raw: clean for raw, clean in zip(csv.raw_header, csv.header, strict=True) if clean in wanted}
    # Text is read as str, never dtype="category": pandas 3 infers numeric categories ("0252" would become 252, and
    # a chunk of numbers could not be joined to a chunk of words). Each chunk is then made categorical on its own.
    dtype = {raw: ("float64" if clean in float_set else "str") for raw, clean in selected.items()}
    text_columns = [raw for raw, clean in selected.items() if clean not in float_set]
    parts = []
    try:
        reader = pd.read_csv(
            csv.handle,
            skiprows=csv.skiprows,
            usecols=list(selected),
            dtype=dtype,
            encoding=encoding,
            encoding_errors="strict",
            keep_default_na=False,
            na_values={raw: [""] for raw, clean in selected.items() if clean in float_set},
            skip_blank_lines=False,
            chunksize=CHUNK_ROWS,
            low_memory=False,
        )
        with reader:
            for chunk in reader:
                for raw in text_columns:
                    chunk[raw] = text_categorical(chunk[raw])
                parts.append(chunk)
                if progress is not None:
                    progress(min(csv.handle.tell(), csv.size), csv.size)
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
            frame[clean] = pd.Series(union_categoricals([p[raw] for p in parts]), index=frame.index)
    for column in columns:
        if column not in frame.columns:
            frame[column] = np.nan if column in float_set else pd.Categorical([""] * len(frame))
    if progress is not None:
        progress(csv.size, csv.size)
    return frame


def text_categorical(series: pd.Series) -> pd.Categorical:
    """Text cells as a categorical with str categories, in order of first appearance (factorize: no sorting)."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str"))


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


# ---------------------------------------------------------------------------------------------------------------
# Cleaning and parsing cells

_NUMBER_WITH_COMMAS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def as_categorical(series: pd.Series) -> pd.Series:
    """The series as categorical text (a no-op when it already is)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def map_text(series: pd.Series, transform: Callable[[pd.Index], pd.Index]) -> pd.Series:
    """Apply a text transform to the distinct values only; returns categorical text with missing values as ""."""
    cat = as_categorical(series)
    transformed = transform(pd.Index(cat.cat.categories.astype(str)))
    new_codes, uniques = pd.factorize(np.asarray(transformed, dtype=object), sort=False)
    categories = list(uniques)
    if "" not in categories:
        categories.append("")
    empty = categories.index("")
    old = cat.cat.codes.to_numpy()
    codes = np.where(old >= 0, new_codes[old] if len(new_codes) else empty, empty)
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(categories)), index=series.index)


def clean_text(series: pd.Series) -> pd.Series:
    """Strip text and collapse runs of whitespace, including newlines inside quoted names, to one space.

    Returns categorical text ("" for missing); the work is done on the distinct values only, so it is cheap on a
    million rows with few distinct names.
    """
    return map_text(series, lambda index: index.str.replace(r"\s+", " ", regex=True).str.strip())


def parse_numbers(
    text: pd.Series,
    *,
    label: str,
    row_numbers: pd.Series,
    suppression_markers: frozenset[str] = frozenset(),
    missing_tokens: frozenset[str] = frozenset({""}),
    column: str | None = None,
) -> tuple[pd.Series, pd.Series, list[RowError]]:
    """Parse a text column into floats; return (numbers, suppressed flags, one RowError per bad cell).

    `label` names the column in messages ("Value must be a number, not 'abc'"); `column` is the header reported in
    RowError.column (default: the label). Thousands separators ("216,489") are accepted. Suppression markers give NaN
    with suppressed=True, never 0. Missing tokens (compared case-insensitively) give NaN. Each distinct text is parsed
    once.
    """
    column = column or label
    if text.dtype.kind in "fi":
        numbers = text.astype("float64")
        return numbers, pd.Series(False, index=text.index), _non_finite_errors(numbers, label, column, row_numbers)
    cat = clean_text(text)
    distinct = pd.Series(np.asarray(cat.cat.categories, dtype=object), dtype="str")
    parsed = pd.to_numeric(distinct, errors="coerce").astype("float64")
    lowered = distinct.str.lower()
    is_missing = lowered.isin(missing_tokens | {""})
    is_suppressed = lowered.isin(suppression_markers) & ~is_missing
    with_commas = parsed.isna() & distinct.str.match(_NUMBER_WITH_COMMAS)
    parsed[with_commas] = pd.to_numeric(distinct[with_commas].str.replace(",", "", regex=False))
    is_bad = parsed.isna() & ~is_missing & ~is_suppressed
    codes = cat.cat.codes.to_numpy()
    numbers = pd.Series(parsed.to_numpy()[codes], index=text.index)
    suppressed = pd.Series(is_suppressed.to_numpy()[codes], index=text.index)
    bad = is_bad.to_numpy()[codes]
    bad_rows = row_numbers.reindex(text.index).to_numpy()[bad]
    bad_text = distinct.to_numpy()[codes[bad]]
    errors = [
        RowError(int(row), column, f"{label} must be a number, not {str(shown)[:40]!r}", f"{label} is not a number")
        for row, shown in zip(bad_rows, bad_text, strict=True)
    ]
    errors.extend(_non_finite_errors(numbers, label, column, row_numbers))
    numbers = numbers.where(np.isfinite(numbers.to_numpy()) | numbers.isna().to_numpy())
    return numbers.where(~bad & ~suppressed.to_numpy()), suppressed, errors


def _non_finite_errors(numbers: pd.Series, label: str, column: str, row_numbers: pd.Series) -> list[RowError]:
    """Errors for infinite values, which no indicator can hold."""
    infinite = np.isinf(numbers.to_numpy(dtype="float64", na_value=np.nan))
    rows = row_numbers.reindex(numbers.index).to_numpy()[infinite]
    return [RowError(int(row), column, f"{label} must be a finite number", f"{label} is not finite") for row in rows]


def sortable_from_period(period: pd.Series) -> pd.Series:
    """yyyy0000 from the first four-digit year in each period label (0 where there is none)."""
    cat = as_categorical(period)
    years = pd.Index(cat.cat.categories.astype(str)).str.extract(r"((?:19|20)\d\d)", expand=False)
    sortable = np.append(pd.to_numeric(years, errors="coerce").fillna(0).astype("int64").to_numpy() * 10000, 0)
    return pd.Series(sortable[cat.cat.codes.to_numpy()], index=period.index, dtype="int64")


# GSS code prefixes (ONS Register of Geographic Codes) of the English areas the portal keeps.
CODE_PREFIX_TYPES: dict[str, str] = {
    "E92": "country",
    "E40": "nhs_region",
    "E12": "region",
    "E45": "phe_centre",
    "E47": "combined_auth",
    "E54": "icb",
    "E06": "county_ua",  # unitary authorities, metropolitan districts and London boroughs are both tiers
    "E08": "county_ua",
    "E09": "county_ua",
    "E10": "county_ua",
    "E07": "district",
    "E38": "sub_icb",  # CCGs until July 2022, sub-ICB locations since (same codes)
    "E02": "msoa",
    "E05": "ward",
    "E01": "lsoa",
}


def area_type_from_code(code: str) -> str | None:
    """The portal area type implied by an English GSS code prefix, or None when the prefix is not one we use."""
    return CODE_PREFIX_TYPES.get(code[:3])


# ---------------------------------------------------------------------------------------------------------------
# Shared validation of value rows

_DEFAULT_LABELS = {c: c for c in VALUE_COLUMNS}


def validate_values(
    values: pd.DataFrame,
    *,
    known_area_codes: set[str] | None,
    row_numbers: pd.Series,
    column_labels: Mapping[str, str] | None = None,
    absent: Iterable[str] = (),
) -> list[RowError]:
    """Check value rows: required columns and types, known area codes, duplicate keys, CI order, non-negative counts,
    and text that is longer than the database holds (TEXT_LIMITS).

    `row_numbers` is aligned with `values.index` and gives each record's spreadsheet row: the data record's index + 2,
    the header being row 1 (plus any preamble lines). That is not the physical line number when quoted text spans
    lines, as Fingertips indicator names do. Text columns may be str or categorical and are expected to be stripped
    already. `column_labels` maps contract column names to the file's own headers for the messages. Every failing
    row is reported (every row of every duplicated key); nothing is raised. Columns named in ``absent`` are missing
    from the file (already reported once for the whole file), so their cells are not reported as blank on every row.
    """
    labels = {**_DEFAULT_LABELS, **(column_labels or {})}
    missing = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing:
        return [RowError(0, None, f"Missing columns: {', '.join(missing)}.")]
    errors: list[RowError] = []
    for column in NUMERIC_VALUE_COLUMNS:
        if values[column].dtype.kind not in "fi":
            errors.append(RowError(0, labels[column], f"{labels[column]} must be numeric."))
    if values["period_sortable"].dtype.kind not in "iu":
        errors.append(RowError(0, labels["period_sortable"], f"{labels['period_sortable']} must be whole numbers."))
    for column in BOOL_VALUE_COLUMNS:
        if values[column].dtype.kind != "b":
            errors.append(RowError(0, labels[column], f"{column} must be true or false."))
    if errors:
        return errors
    rows = row_numbers.reindex(values.index).to_numpy()

    skipped = set(absent)

    def report(mask: pd.Series | np.ndarray, column: str, message: Callable[..., str], kind: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any() and column not in skipped:
            cells = values[column].to_numpy()[mask]
            label = labels.get(column, column)
            for row, cell in zip(rows[mask], cells, strict=True):
                errors.append(RowError(int(row), label, message(cell), kind.format(label=label)))

    for column, what in (("indicator_id", "an indicator id"), ("area_code", "an area code"), ("period", "a period")):
        report(_blank(values[column]), column, lambda _c, w=what: f"Enter {w}", "{label} is blank")
    report(~values["sex"].isin(SEXES), "sex", lambda c: f"{SEX_RULE}, not {str(c)!r}", "Unknown sex")
    report(_blank(values["age"]), "age", lambda _c: "Enter an age group, for example All ages", "{label} is blank")
    for column, limit in TEXT_LIMITS.items():
        too_long = _longer_than(values[column], limit)
        report(
            too_long,
            column,
            lambda c, n=limit: f"Too long: {len(str(c))} characters where at most {n} fit ({str(c)[:40]!r}…)",
            "{label} is too long",
        )
    if known_area_codes is not None:
        unknown = ~values["area_code"].isin(known_area_codes) & ~_blank(values["area_code"])
        report(unknown, "area_code", lambda c: f"Area code {str(c)!r} is not a known area", "Unknown area code")
    errors.extend(_duplicate_errors(values, rows))
    value = values["value"].to_numpy(dtype="float64")
    for level, lower_col, upper_col in (("95%", "lower_ci95", "upper_ci95"), ("99.8%", "lower_ci998", "upper_ci998")):
        lower = values[lower_col].to_numpy(dtype="float64")
        upper = values[upper_col].to_numpy(dtype="float64")
        # A relative tolerance absorbs limits published to fewer decimal places than the value.
        tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(value)))
        with np.errstate(invalid="ignore"):
            crossed = lower > upper + tol
            below = ~crossed & (lower > value + tol)
            above = ~crossed & (value > upper + tol)
        crossed_kind = f"Lower {level} limit above the upper limit"
        report(
            crossed, lower_col, lambda _c, lv=level: f"The lower {lv} limit is above the upper {lv} limit", crossed_kind
        )
        report(
            below,
            lower_col,
            lambda _c, lv=level: f"The value is below its lower {lv} limit",
            "Value outside its limits",
        )
        report(
            above,
            upper_col,
            lambda _c, lv=level: f"The value is above its upper {lv} limit",
            "Value outside its limits",
        )
    for column, noun in (("count", "Count"), ("denominator", "Denominator")):
        with np.errstate(invalid="ignore"):
            negative = values[column].to_numpy(dtype="float64") < 0
        report(negative, column, lambda c, n=noun: f"{n} must not be negative, not {c:g}", "{label} is negative")
    suppressed_with_value = values["suppressed"].to_numpy() & ~np.isnan(value)
    report(suppressed_with_value, "value", lambda _c: "A suppressed value must be left blank", "Suppressed value given")
    errors.sort(key=lambda e: e.row)
    return errors


def _longer_than(series: pd.Series, limit: int) -> np.ndarray:
    """True where a text cell has more than ``limit`` characters (measured on the distinct values only)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        lengths = pd.Index(series.cat.categories.astype(str)).str.len().to_numpy()
        codes = series.cat.codes.to_numpy()
        return np.append(lengths > limit, False)[codes]  # code -1 (missing) picks the final False
    return (_text(series).str.len() > limit).to_numpy()


def _blank(series: pd.Series) -> np.ndarray:
    """True where a text cell is missing or empty."""
    return (series.isna() | (series == "")).to_numpy()


def _key_codes(series: pd.Series) -> np.ndarray:
    """Integer codes for a key column, so duplicate detection hashes ints rather than strings."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy()
    return pd.factorize(_text(series), sort=False)[0]


def _duplicate_errors(values: pd.DataFrame, rows: np.ndarray) -> list[RowError]:
    """One error per row whose key (indicator, area, period, sex, age, category type, category) is repeated."""
    codes = pd.DataFrame({c: _key_codes(values[c]) for c in KEY_COLUMNS})
    duplicated = codes.duplicated(keep=False).to_numpy()
    if not duplicated.any():
        return []
    dup = codes[duplicated].assign(_row=rows[duplicated])
    together = dup.groupby(KEY_COLUMNS, sort=False)["_row"].transform(lambda r: ", ".join(str(x) for x in r))
    message = "Duplicate row: the same indicator, area, period, sex, age and category are on rows {}"
    return [
        RowError(int(row), None, message.format(text), "Duplicate rows")
        for row, text in zip(dup["_row"].to_numpy(), together.to_numpy(), strict=True)
    ]
