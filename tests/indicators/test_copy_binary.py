"""The PostgreSQL binary COPY stream built a column at a time (portal/indicators/copy_binary.py): byte for byte what a
plain row-by-row encoding of the format gives, in any block size, and on PostgreSQL stored exactly as the values were.
A wrong byte here would corrupt every imported value, or make PostgreSQL refuse the import."""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import pandas as pd
import pytest

from portal.indicators import copy_binary

TYPES = {"name": "text", "year": "int4", "value": "float8", "low": "float8", "flag": "bool", "note": "text"}
NAN = float("nan")


def _frame() -> pd.DataFrame:
    """Values that break naive encoders: NULLs in every pattern, -0.0, infinities, multi-byte text, empty text,
    missing text (NaN and None), a categorical with categories no row uses."""
    note = pd.Categorical(["≤5 suppressed", "", "Ynys Môn", "", "note", "ŵ"], categories=["unused", "", "note",
                          "≤5 suppressed", "Ynys Môn", "ŵ"])  # fmt: skip
    return pd.DataFrame(
        {
            "name": ["Wolverhampton", "Sandwell", "", None, NAN, "Dudley"],
            "year": [20240000, -1, 0, 2_147_483_647, 19990101, 7],
            "value": [1.5, NAN, -0.0, math.inf, -math.inf, 1e300],
            "low": [NAN, NAN, 2.25, NAN, 0.0, -3.5],
            "flag": [True, False, True, False, False, True],
            "note": note,
        }
    )


def _reference(frame: pd.DataFrame, order: list[int]) -> bytes:
    """The format as the PostgreSQL documentation describes it, one field at a time with struct."""
    out = [copy_binary.SIGNATURE]
    for position in order:
        row = frame.iloc[position]
        out.append(struct.pack(">h", len(TYPES)))
        for column, kind in TYPES.items():
            cell = row[column]
            if kind == "text":
                data = ("" if cell is None or (isinstance(cell, float) and math.isnan(cell)) else str(cell)).encode()
                out.append(struct.pack(">i", len(data)) + data)
            elif kind == "float8" and math.isnan(cell):
                out.append(struct.pack(">i", -1))
            elif kind == "float8":
                out.append(struct.pack(">id", 8, cell))
            elif kind == "int4":
                out.append(struct.pack(">ii", 4, int(cell)))
            else:
                out.append(struct.pack(">iB", 1, int(bool(cell))))
    out.append(struct.pack(">h", -1))
    return b"".join(out)


def _stream(frame: pd.DataFrame, order: np.ndarray, rows_per_block: int) -> tuple[bytes, list[int]]:
    blocks = list(copy_binary.copy_blocks(copy_binary.plan(frame, TYPES), order, rows_per_block=rows_per_block))
    return b"".join(data for data, _ in blocks), [rows for _, rows in blocks]


@pytest.mark.parametrize("rows_per_block", [1, 4, 1000])
def test_the_stream_is_the_documented_format_byte_for_byte_in_any_block_size(rows_per_block: int) -> None:
    frame = _frame()
    order = np.array([5, 0, 3, 1, 4, 2])

    stream, counts = _stream(frame, order, rows_per_block)

    assert stream == _reference(frame, order.tolist())
    assert sum(counts) == len(frame)
    assert all(0 < count <= rows_per_block for count in counts)


def test_no_rows_is_a_signature_and_a_trailer() -> None:
    frame = _frame().iloc[:0]
    stream, counts = _stream(frame, np.arange(0), 10)
    assert stream == copy_binary.SIGNATURE + struct.pack(">h", -1)
    assert counts == [0]


def test_rows_sort_by_their_text_as_python_sorts_it() -> None:
    frame = pd.DataFrame({"a": ["b", "a", "b", "a", "é"], "b": ["2", "9", "1", "10", ""]})
    encoded = copy_binary.plan(frame, {"a": "text", "b": "text"})

    order = encoded.key_order(["a", "b"])

    assert [tuple(frame.iloc[i]) for i in order] == sorted(tuple(frame.iloc[i]) for i in range(len(frame)))


def test_a_year_outside_postgresqls_integer_range_is_refused_not_wrapped() -> None:
    frame = _frame()
    frame.loc[0, "year"] = 2**31
    with pytest.raises(ValueError, match="integer range"):
        copy_binary.plan(frame, TYPES)


def test_postgresql_stores_exactly_the_values_sent(db: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    frame = _frame()
    connection = db.session.connection()
    connection.exec_driver_sql(
        "CREATE TEMP TABLE copied (n serial, name text, year int4, value float8, low float8, flag bool, note text)"
    )
    raw = connection.connection.dbapi_connection
    encoded = copy_binary.plan(frame, TYPES, raw.info.encoding)
    statement = "COPY copied (name, year, value, low, flag, note) FROM STDIN (FORMAT BINARY)"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for block, _ in copy_binary.copy_blocks(encoded, np.arange(len(frame)), rows_per_block=4):
            copy.write(block)

    stored = connection.exec_driver_sql("SELECT name, year, value, low, flag, note FROM copied ORDER BY n").all()

    expected = [
        ("" if not isinstance(name, str) else name, year, value, low, flag, str(note))
        for name, year, value, low, flag, note in frame.itertuples(index=False)
    ]
    assert len(stored) == len(expected)
    for got, want in zip(stored, expected, strict=True):
        assert got[0] == want[0] and got[1] == want[1] and got[4] == want[4] and got[5] == want[5]
        for stored_number, sent in ((got[2], want[2]), (got[3], want[3])):
            if math.isnan(sent):
                assert stored_number is None  # NULL, not NaN
            else:
                assert stored_number == sent and math.copysign(1, stored_number) == math.copysign(1, sent)
    db.session.rollback()
