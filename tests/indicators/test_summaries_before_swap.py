"""An import's stored summaries (issue 17): on PostgreSQL they are worked out before the partition swap, from the values
the swap is about to make visible (the staged table and the other sources' rows), so readers of indicator_values do
not wait for them; on both databases they are the summaries of the values the import leaves in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.importers.base import ImportResult
from portal.importers.fingertips import read_fingertips
from portal.indicators import partition_swap, reference_data, summaries
from portal.indicators.catalogue import published_levels, reading_values_from, stored_rows
from portal.indicators.loader import load_import_result
from portal.indicators.stored_summaries import imported_indicator_ids, refresh_summaries
from portal.models import Area, DataImport, IndicatorSummaryRecord, IndicatorValue

SUICIDE = Path(__file__).resolve().parents[2] / "data" / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"
HOME = "E08000031"
ENGLAND = "E92000001"
FIGURES = ["value", "lower_ci95", "upper_ci95"]


@pytest.fixture
def areas(app: Any) -> None:
    """Reference areas only (England, regions, authorities, Wolverhampton's wards)."""
    reference_data.seed_reference_areas()


def _ward() -> str:
    code = db.session.scalar(select(Area.code).where(Area.area_type == "ward", Area.parent_code == HOME).limit(1))
    assert code is not None
    return code


def _part(keep: Any = None, *, ward: str | None = None, doubled: bool = False, drop: str | None = None) -> ImportResult:
    """The suicide export's rows (those ``keep`` selects), optionally Wolverhampton's re-coded as one of its wards,
    with Wolverhampton's figures doubled, or without one indicator's rows."""
    result = read_fingertips(SUICIDE)
    values = result.values
    if ward is not None:
        values = values[values["area_code"] == HOME].copy()
        values["area_code"] = ward
    elif keep is not None:
        values = values[keep(values)].copy()
    if doubled:
        home = values["area_code"] == HOME
        values.loc[home, FIGURES] = values.loc[home, FIGURES] * 2
    if drop is not None:
        values = values[values["indicator_id"] != drop]
    result.values = values.reset_index(drop=True)
    return result


def _import(result: ImportResult, source_key: str) -> DataImport:
    return load_import_result(result, source_key=source_key, file_name=SUICIDE.name, checksum="5" * 64)


def _stored() -> dict[tuple[str, str, str], Any]:
    """Every stored summary by indicator, area and sex and age (without when it was worked out)."""
    record = IndicatorSummaryRecord
    query = select(record.indicator_id, record.area_code, record.breakdown, record.topic, record.summary)
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in db.session.execute(query)}


def _freshly_computed() -> dict[tuple[str, str, str], Any]:
    """Every summary worked out again now from the values in place (rolled back afterwards)."""
    refresh_summaries()
    fresh = _stored()
    db.session.rollback()
    return fresh


def _rows_key(row: Any) -> tuple[str, ...]:
    return row.indicator_id, row.area_code, row.period, row.sex, row.age, row.category_type, row.category


def test_an_import_stores_the_summaries_of_the_values_it_puts_in_place(db: Any, areas: None) -> None:
    # England's rows, a ward's and the rest in three sources: the summaries of the rest read the other two.
    _import(_part(lambda v: v["area_code"] == ENGLAND), "suicide-england")
    _import(_part(ward=_ward()), "suicide-wards")
    _import(_part(lambda v: v["area_code"] != ENGLAND), "suicide-rest")
    before = _stored()
    assert before and before == _freshly_computed()

    _import(_part(lambda v: v["area_code"] != ENGLAND, doubled=True), "suicide-rest")

    after = _stored()
    assert after.keys() == before.keys() and after != before
    assert after == _freshly_computed()

    # Another source's rows change where the data is published below the area: the summaries follow it too.
    _import(_part(ward=_ward(), drop="41001"), "suicide-wards")
    assert _stored() == _freshly_computed()


def test_value_queries_read_the_values_they_are_pointed_at(db: Any, areas: None) -> None:
    ward = _ward()
    _import(_part(), "suicide")
    _import(_part(ward=ward), "suicide-wards")
    home = [IndicatorValue.area_code.in_([HOME, ward])]
    everything = sorted(stored_rows(*home), key=_rows_key)
    ids = sorted({row.indicator_id for row in everything})
    assert published_levels(ids, HOME) == dict.fromkeys(ids, "wards")

    parent = IndicatorValue.__table__
    without_wards = select(*parent.c).where(parent.c.source_key != "suicide-wards").subquery()
    with reading_values_from(without_wards):
        assert sorted(stored_rows(*home), key=_rows_key) == [r for r in everything if r.area_code == HOME]
        assert published_levels(ids, HOME) == {}

    assert sorted(stored_rows(*home), key=_rows_key) == everything  # the table again after the block
    assert published_levels(ids, HOME) == dict.fromkeys(ids, "wards")


def test_an_import_touches_its_files_indicators_and_those_of_the_imports_it_replaces(db: Any, areas: None) -> None:
    first = _import(_part(), "suicide")
    every_id = set(read_fingertips(SUICIDE).values["indicator_id"])
    result = _part(lambda v: v["indicator_id"] == "41001")
    result.indicators = result.indicators[result.indicators["indicator_id"] == "41001"]

    assert imported_indicator_ids(result, []) == {"41001"}
    assert imported_indicator_ids(result, [first.id]) == every_id
    # A categorical column (as a reader may give) counts the ids its rows hold, not every category it knows.
    result.values["indicator_id"] = pd.Categorical(result.values["indicator_id"], categories=sorted(every_id))
    assert imported_indicator_ids(result, []) == {"41001"}


@pytest.fixture
def postgresql_only(db: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the partition swap and its locks are PostgreSQL's")


def test_readers_of_values_do_not_wait_while_the_summaries_are_worked_out(
    db: Any, areas: None, postgresql_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(_part(), "suicide")
    seen: list[tuple[int, int]] = []
    work_out = summaries.summaries_with_rows

    def read_elsewhere_then_work_out(*args: Any, **kwargs: Any) -> Any:
        # A reader on another connection while the import works the summaries out: were indicator_values locked,
        # it would wait for this very function to return, and give up after the lock timeout.
        with db.engine.connect() as reader:
            reader.execute(text("SET lock_timeout = '5s'"))
            count = reader.execute(text("SELECT count(*) FROM indicator_values WHERE source_key = 'suicide'"))
            locks = reader.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'indicator_values'::regclass "
                    "AND mode = 'AccessExclusiveLock'"
                )
            )
            seen.append((count.scalar() or 0, locks.scalar() or 0))
        return work_out(*args, **kwargs)

    monkeypatch.setattr(summaries, "summaries_with_rows", read_elsewhere_then_work_out)
    _import(_part(lambda v: v["area_code"] != ENGLAND, doubled=True), "suicide")

    assert seen == [(80, 0)]  # the old rows, read with no exclusive lock held: the import had not swapped yet
    count = db.session.scalar(text("SELECT count(*) FROM indicator_values WHERE source_key = 'suicide'"))
    assert count == 75  # and then it did
    monkeypatch.undo()
    assert _stored() == _freshly_computed()


def test_a_change_of_neighbours_waits_for_a_running_import_before_working_summaries_out(
    db: Any, areas: None, postgresql_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An import works its summaries out before its swap and commit; neighbours changed in between would leave them
    # stale. The change must hold the import lock while it works every summary out again.
    held: list[bool] = []
    work_out = reference_data.refresh_summaries

    def note_the_lock(*args: Any, **kwargs: Any) -> Any:
        held.append(
            bool(
                db.session.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid = pg_backend_pid() AND objid = :key"
                    ),
                    {"key": partition_swap.IMPORT_LOCK_KEY},
                )
            )
        )
        return work_out(*args, **kwargs)

    monkeypatch.setattr(reference_data, "refresh_summaries", note_the_lock)
    reference_data.refresh_every_summary()

    assert held == [True]
    db.session.rollback()
