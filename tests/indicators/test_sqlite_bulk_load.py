"""SQLite: a load at least as large as what the table will hold besides it drops indicator_values' own indexes
(before deleting the source's previous rows) and builds them again after its rows are in, inside the loader's
transaction, so the indexes always come back as they were, and a failure restores them with the old rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from portal.importers.fingertips import read_fingertips
from portal.indicators import bulk_insert
from portal.indicators.loader import file_checksum, load_import_result, value_count
from portal.models import IndicatorValue

DATA = Path(__file__).resolve().parents[2] / "data" / "fingertips"
SCREENING = DATA / "fingertips_cervical_screening_93560_25-49_all_areas.csv"  # about 6,100 rows
SUICIDE = DATA / "fingertips_suicide_west_midlands_countyua.csv"  # 80 rows


def _load(path: Path, **kw: Any) -> Any:
    return load_import_result(
        read_fingertips(path), source_key=path.name, file_name=path.name, checksum=file_checksum(path), **kw
    )


def _indexes(db: Any) -> list[tuple[str, str | None]]:
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicator_values' ORDER BY name"
    return [tuple(row) for row in db.session.execute(text(query))]


def _statements(db: Any) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def test_a_large_load_rebuilds_the_same_indexes_and_the_planner_uses_them(db: Any, sqlite_areas: None, monkeypatch):
    before = _indexes(db)
    assert any(sql is None for _, sql in before) and any(sql for _, sql in before)  # the unique key and the others
    monkeypatch.setattr(bulk_insert, "BULK_SETTINGS_ROWS", 1_000)
    seen = _statements(db)

    record = _load(SCREENING)

    assert any(statement.startswith("DROP INDEX") for statement in seen)
    assert _indexes(db) == before
    assert value_count() == record.row_count > 6_000
    plan = " ".join(
        str(row[-1])
        for row in db.session.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM indicator_values WHERE area_code = 'E08000031'")
        )
    )
    assert "ix_indicator_values_area_indicator" in plan
    assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_load_that_fails_after_dropping_them_gets_them_back_with_the_old_rows(
    db: Any, sqlite_areas: None, monkeypatch: Any
) -> None:
    original = _load(SCREENING)
    before, count = _indexes(db), value_count()
    monkeypatch.setattr(bulk_insert, "BULK_SETTINGS_ROWS", 1_000)
    monkeypatch.setattr(bulk_insert, "CHUNK_ROWS", 1_000)
    seen = _statements(db)

    def fail_part_way(stage: str, done: int, total: int) -> None:
        if stage == "loading" and done >= 2_000:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _load(SCREENING, progress=fail_part_way)

    assert any(statement.startswith("DROP INDEX") for statement in seen)
    db.session.expire_all()
    assert _indexes(db) == before
    assert value_count() == count
    assert {v.data_import_id for v in db.session.scalars(select(IndicatorValue))} == {original.id}


def test_a_load_smaller_than_the_table_keeps_its_indexes(db: Any, sqlite_areas: None, monkeypatch: Any) -> None:
    _load(SCREENING)
    monkeypatch.setattr(bulk_insert, "BULK_SETTINGS_ROWS", 10)
    seen = _statements(db)

    _load(SUICIDE)  # 80 rows into a table of 6,000: rebuilding would read them all

    assert not any(statement.startswith("DROP INDEX") for statement in seen)
    assert value_count() > 6_000


def test_reimporting_a_large_source_sets_them_aside_before_deleting_its_old_rows(
    db: Any, sqlite_areas: None, monkeypatch: Any
) -> None:
    _load(SUICIDE)  # another source's 80 rows stay
    _load(SCREENING)
    before = _indexes(db)
    monkeypatch.setattr(bulk_insert, "BULK_SETTINGS_ROWS", 1_000)
    seen = _statements(db)

    second = _load(SCREENING)

    drop = next(i for i, statement in enumerate(seen) if statement.startswith("DROP INDEX"))
    delete = next(i for i, statement in enumerate(seen) if statement.startswith("DELETE FROM indicator_values"))
    assert drop < delete
    assert _indexes(db) == before
    assert value_count() == second.row_count + 80


def test_a_large_load_has_the_big_page_cache_while_its_indexes_are_built_again_and_then_the_usual_one(
    db: Any, sqlite_areas: None, monkeypatch: Any
) -> None:
    usual = db.session.execute(text("PRAGMA cache_size")).scalar()
    monkeypatch.setattr(bulk_insert, "BULK_SETTINGS_ROWS", 1_000)
    seen = _statements(db)

    _load(SCREENING)

    bigger = seen.index(f"PRAGMA cache_size={bulk_insert.BULK_PRAGMAS['cache_size']}")
    restored = seen.index(f"PRAGMA cache_size={usual}")
    rebuilt = [i for i, statement in enumerate(seen) if statement.startswith("CREATE INDEX")]
    assert rebuilt and bigger < min(rebuilt) and max(rebuilt) < restored
    assert db.session.execute(text("PRAGMA cache_size")).scalar() == usual
