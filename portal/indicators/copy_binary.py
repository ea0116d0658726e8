"""PostgreSQL's binary COPY format, built a whole column at a time (issue 17).

The import's COPY was bound by Python, not PostgreSQL: a tuple per row, then psycopg formatting each of its 21 fields
(3 s of a million-row import). Here each column is encoded once per block of rows with numpy:

* a text column is factorized, so each distinct value is encoded once (its 4-byte length and UTF-8 bytes) and rows
  take a reference to it;
* runs of fixed-width columns (numbers and booleans) become one byte string per row, built from a numpy record
  array; a NULL float is the length -1 with no bytes, so the rows are grouped by which of their floats are NULL and
  each group gets its own record layout;
* each row is then the join of its pieces, and a block the join of its rows.

The format (PostgreSQL documentation, "COPY", Binary Format): an 11-byte signature, 32-bit flags and header-extension
length, then per row a 16-bit field count and per field a 32-bit length (-1 for NULL) and the field's bytes in
network order (float8 as IEEE 754 big-endian, int4 big-endian, bool one byte), then the 16-bit trailer -1.

Pure functions without Flask or database imports: ``tests/indicators/test_copy_binary.py`` checks them byte for byte
against a plain ``struct`` encoding of the same rows, and on PostgreSQL against what the server stores.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL_LENGTH = -1
# The binary formats of the PostgreSQL types the portal copies, as numpy big-endian scalars.
FIXED_TYPES = {"float8": ">f8", "int4": ">i4", "bool": "u1"}
INT4_RANGE = (-(2**31), 2**31 - 1)
ROWS_PER_BLOCK = 50_000


@dataclass(frozen=True)
class TextColumn:
    """A text column as codes into its distinct values, each already encoded as a field (length and bytes)."""

    codes: np.ndarray
    fields: np.ndarray  # object array of bytes; the last one is the empty string, for missing cells (code -1)
    ranks: np.ndarray  # each code's place in the sorted distinct values, so rows can be sorted by the column

    def sort_keys(self) -> np.ndarray:
        """Per row, a number that sorts as the row's text does."""
        return self.ranks[self.codes]


@dataclass(frozen=True)
class FixedRun:
    """Consecutive fixed-width columns (their PostgreSQL types and values) encoded together as one piece per row."""

    types: tuple[str, ...]
    arrays: tuple[np.ndarray, ...]


Piece = TextColumn | FixedRun


def encode_field(text: str, encoding: str = "utf-8") -> bytes:
    """One text field: its length in bytes and the bytes."""
    data = text.encode(encoding)
    return len(data).to_bytes(4, "big") + data


def text_column(series: pd.Series, encoding: str = "utf-8") -> TextColumn:
    """A text column factorized (categorical codes are reused as they are); NaN and None are the empty string."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        uniques = [str(value) for value in series.cat.categories]
    else:
        codes, found = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
        uniques = [str(value) for value in found]
    values = [*uniques, ""]
    fields = np.array([encode_field(value, encoding) for value in values], dtype=object)
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(np.array(values, dtype=object), kind="stable")] = np.arange(len(values))
    return TextColumn(np.where(codes < 0, len(uniques), codes), fields, ranks)


@dataclass(frozen=True)
class Plan:
    """How a frame's rows are encoded: its pieces in column order, and its text columns by name."""

    pieces: list[Piece]
    text: dict[str, TextColumn]

    def key_order(self, key_columns: Sequence[str]) -> np.ndarray:
        """Row positions sorted by these text columns (the first varies slowest)."""
        return np.lexsort([self.text[column].sort_keys() for column in reversed(key_columns)])


def plan(frame: pd.DataFrame, types: Mapping[str, str], encoding: str = "utf-8") -> Plan:
    """The frame's columns (in ``types`` order; type "text" or one of FIXED_TYPES) as pieces: each text column on
    its own, consecutive fixed-width columns together."""
    pieces: list[Piece] = []
    text: dict[str, TextColumn] = {}
    run_types: list[str] = []
    run_arrays: list[np.ndarray] = []

    def close_run() -> None:
        if run_types:
            pieces.append(FixedRun(tuple(run_types), tuple(run_arrays)))
            run_types.clear()
            run_arrays.clear()

    for column, kind in types.items():
        series = frame[column]
        if kind == "text":
            close_run()
            text[column] = text_column(series, encoding)
            pieces.append(text[column])
            continue
        if kind not in FIXED_TYPES:
            raise ValueError(f"Cannot encode {column} as {kind}")
        array = series.to_numpy(dtype="float64" if kind == "float8" else "int64")
        if kind == "int4" and array.size and (array.min() < INT4_RANGE[0] or array.max() > INT4_RANGE[1]):
            raise ValueError(f"{column} has a number outside PostgreSQL's integer range")
        run_types.append(kind)
        run_arrays.append(array)
    close_run()
    return Plan(pieces, text)


def _fixed_pieces(run: FixedRun, positions: np.ndarray) -> np.ndarray:
    """One byte string per row for a run of fixed-width columns: each field's length and value, or -1 for a NULL
    (a NaN float), grouped by the rows' pattern of NULLs so each group is one numpy record array."""
    values = [array[positions] for array in run.arrays]
    nulls = np.zeros(len(positions), dtype=np.int64)
    for index, (kind, array) in enumerate(zip(run.types, values, strict=True)):
        if kind == "float8":
            nulls |= np.isnan(array).astype(np.int64) << index
    out = np.empty(len(positions), dtype=object)
    for pattern in np.unique(nulls):
        rows = np.flatnonzero(nulls == pattern)
        layout: list[tuple[str, str]] = []
        for index, kind in enumerate(run.types):
            layout.append((f"length{index}", ">i4"))
            if not pattern >> index & 1:
                layout.append((f"value{index}", FIXED_TYPES[kind]))
        records = np.empty(len(rows), dtype=layout)
        for index, kind in enumerate(run.types):
            if pattern >> index & 1:
                records[f"length{index}"] = NULL_LENGTH
                continue
            records[f"length{index}"] = np.dtype(FIXED_TYPES[kind]).itemsize
            records[f"value{index}"] = values[index][rows]
        out[rows] = records.view(f"V{records.dtype.itemsize}").tolist()
    return out


def encode_rows(pieces: Sequence[Piece], positions: np.ndarray) -> bytes:
    """The rows at ``positions`` (in that order) in binary COPY format, without signature or trailer."""
    field_count = sum(1 if isinstance(piece, TextColumn) else len(piece.types) for piece in pieces)
    matrix = np.empty((len(positions), len(pieces) + 1), dtype=object)
    matrix[:, 0] = field_count.to_bytes(2, "big")
    for index, piece in enumerate(pieces, start=1):
        if isinstance(piece, TextColumn):
            matrix[:, index] = piece.fields[piece.codes[positions]]
        else:
            matrix[:, index] = _fixed_pieces(piece, positions)
    return b"".join(matrix.ravel().tolist())


def copy_blocks(
    encoded: Plan, positions: np.ndarray, *, rows_per_block: int | None = None
) -> Iterator[tuple[bytes, int]]:
    """The whole COPY stream for the planned rows at ``positions``, in that order: (bytes, rows in them) blocks, the
    first starting with the signature and the last ending with the trailer."""
    pieces, rows_per_block = encoded.pieces, rows_per_block or ROWS_PER_BLOCK
    if not len(positions):
        yield SIGNATURE + TRAILER, 0
        return
    for start in range(0, len(positions), rows_per_block):
        block = positions[start : start + rows_per_block]
        data = encode_rows(pieces, block)
        if start == 0:
            data = SIGNATURE + data
        if start + rows_per_block >= len(positions):
            data += TRAILER
        yield data, len(block)
