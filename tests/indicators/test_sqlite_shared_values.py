"""SQLite: values the same in every row of a chunk (an indicator, a sex, an empty category, missing 99.8 % limits…)
are bound once per INSERT statement instead of once per row. Whatever each chunk shares, every row is stored exactly
as the reader gave it, in every column."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from portal.importers.base import VALUE_COLUMNS, key_order
from portal.importers.fingertips import read_fingertips
from portal.indicators import bulk_insert
from portal.indicators.loader import file_checksum, load_import_result
from portal.models import IndicatorValue

DATA = Path(__file__).resolve().parents[2] / "data" / "fingertips"
SCREENING = DATA / "fingertips_cervical_screening_93560_25-49_all_areas.csv"  # about 6,100 rows
CAMPYLOBACTER = DATA / "fingertips_campylobacter_93356_countyua_2015-2017.csv"  # 852 rows


def _inserts(db: Any) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO indicator_values"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def _stored(db: Any) -> list[tuple[Any, ...]]:
    columns = [getattr(IndicatorValue, name) for name in bulk_insert.INSERT_COLUMNS]
    return [tuple(row) for row in db.session.execute(select(*columns).order_by(IndicatorValue.id))]


@pytest.mark.parametrize("path", [SCREENING, CAMPYLOBACTER], ids=["screening", "campylobacter"])
def test_every_row_is_stored_as_read_whatever_its_chunk_shares(db: Any, sqlite_areas: None, monkeypatch, path) -> None:
    # Small chunks and statements, so chunks share different columns and some rows are left over per chunk.
    monkeypatch.setattr(bulk_insert, "CHUNK_ROWS", 53)
    monkeypatch.setattr(bulk_insert, "ROWS_PER_STATEMENT", 7)
    inserts = _inserts(db)
    result = read_fingertips(path)

    record = load_import_result(result, source_key=path.name, file_name=path.name, checksum=file_checksum(path))

    # The rows every column of which is bound per row, in the same key order.
    expected = [row for rows in bulk_insert.value_chunks(result.values, record.id, path.name) for row in rows]
    assert _stored(db) == expected
    # Shared values really were bound once per statement: some statements name columns after the source key.
    shared = [statement for statement in inserts if '"source_key", "' in statement]
    assert shared and len(shared) < len(inserts) + 1
    assert any('"lower_ci998"' in statement.split('"source_key"')[1] for statement in shared)


def test_a_chunk_with_a_missing_value_among_equal_ones_keeps_both(db: Any, sqlite_areas: None, monkeypatch) -> None:
    monkeypatch.setattr(bulk_insert, "CHUNK_ROWS", 4)
    first = read_fingertips(CAMPYLOBACTER).values.head(8)
    values = first.iloc[key_order(first)].reset_index(drop=True)  # as stored, so chunks are these fours
    values["value"] = [1.5, 1.5, 1.5, None, 2.0, 2.0, 2.0, 2.0]  # the first chunk differs only by a missing value
    values["value_note"] = ["", "", "", "", "a", "a", "a", "a"]
    values["suppressed"] = [False, False, False, True, False, False, False, False]
    reference = read_fingertips(CAMPYLOBACTER)
    reference.values = values

    record = load_import_result(reference, source_key="eight.csv", file_name="eight.csv", checksum="2" * 64)

    stored = _stored(db)
    assert [row[VALUE_COLUMNS.index("value")] for row in stored] == [1.5, 1.5, 1.5, None, 2.0, 2.0, 2.0, 2.0]
    assert [row[VALUE_COLUMNS.index("value_note")] for row in stored] == ["", "", "", "", "a", "a", "a", "a"]
    assert [row[VALUE_COLUMNS.index("suppressed")] for row in stored] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert {row[-2] for row in stored} == {record.id}


def test_rows_identical_in_every_column_are_refused_by_the_unique_key(db: Any, sqlite_areas: None) -> None:
    # The readers refuse duplicate keys first; should two identical rows ever get here, the unique key refuses them
    # (no statement is built that binds nothing per row).
    row = read_fingertips(CAMPYLOBACTER).values.head(1)
    twice = pd.concat([row, row], ignore_index=True)
    db.session.execute(text("PRAGMA foreign_keys=OFF"))

    with pytest.raises(IntegrityError, match="UNIQUE"):
        bulk_insert.bulk_insert_values(twice, 1, "twice.csv", None)
    db.session.rollback()


def test_an_sqlite_library_allowing_fewer_parameters_gets_fewer_rows_a_statement(db: Any, sqlite_areas: None) -> None:
    # SQLite before 3.32 allows 999 parameters per statement; 80 rows of up to 21 values would be refused there.
    limit = 999

    def fewer_parameters(dbapi_connection: Any, *args: Any) -> None:
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)

    event.listen(db.engine, "checkout", fewer_parameters)
    db.session.close()  # the next checkout has the limit
    inserts = _inserts(db)
    try:
        result = read_fingertips(SCREENING)
        import_id = load_import_result(
            result, source_key=SCREENING.name, file_name=SCREENING.name, checksum=file_checksum(SCREENING)
        ).id
    finally:
        event.remove(db.engine, "checkout", fewer_parameters)
        db.session.close()
        db.engine.dispose()  # the pooled connections keep their limit; later tests get new ones

    expected = [row for rows in bulk_insert.value_chunks(result.values, import_id, SCREENING.name) for row in rows]
    assert _stored(db) == expected
    # Numbered parameters: the highest number is how many a statement binds.
    numbers = [int(number) for statement in inserts for number in re.findall(r"\?(\d+)", statement)]
    assert numbers and max(numbers) <= limit
    assert any(statement.count("), (") for statement in inserts)  # still several rows a statement
