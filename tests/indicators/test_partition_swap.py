"""Replacing a source's indicator values (issue 17): other sources untouched, bad references refused with the old rows
kept, readers on other connections seeing the old rows or the new ones and never half, foreign keys valid. On
PostgreSQL the import swaps the source's partition (portal/indicators/partition_swap.py); on SQLite it replaces the
rows in one transaction. The behaviour is the same on both."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from portal.importers.fingertips import read_fingertips
from portal.indicators import bulk_insert, partition_swap, reference_data
from portal.indicators.loader import ImportRejected, file_checksum, load_import_result, value_count
from portal.models import DataImport, IndicatorValue

DATA = Path(__file__).resolve().parents[2] / "data"
SUICIDE = DATA / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"
CAMPYLOBACTER = DATA / "fingertips" / "fingertips_campylobacter_93356_countyua_2015-2017.csv"
WAIT_SECONDS = 60


@pytest.fixture
def areas(app: Any) -> None:
    """Reference areas only."""
    reference_data.seed_reference_areas()


def _load(path: Path, source_key: str | None = None, drop_last: int = 0) -> DataImport:
    result = read_fingertips(path)
    if drop_last:
        result.values = result.values.iloc[:-drop_last]
    key = source_key or path.name
    return load_import_result(result, source_key=key, file_name=path.name, checksum=file_checksum(path))


def _count_elsewhere(db: Any, source_key: str) -> int:
    """Rows of a source, counted on another connection than the import's."""
    with db.engine.connect() as connection:
        query = select(func.count()).select_from(IndicatorValue).where(IndicatorValue.source_key == source_key)
        return connection.scalar(query) or 0


def _snapshot(db: Any, import_id: int) -> set[tuple[Any, ...]]:
    rows = db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.sex,
               IndicatorValue.age, IndicatorValue.value, IndicatorValue.id)
        .where(IndicatorValue.data_import_id == import_id)
    )  # fmt: skip
    return set(rows.all())


def _postgresql(db: Any) -> bool:
    return db.engine.dialect.name == "postgresql"


def _partitions(db: Any) -> set[str]:
    """The partitions of indicator_values (PostgreSQL; tests leave empty ones of earlier sources behind)."""
    return set(
        db.session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'indicator_values'::regclass"
            )
        )
    )


def test_reimporting_a_source_replaces_its_rows_and_leaves_other_sources_alone(db: Any, areas: None) -> None:
    campylobacter = _load(CAMPYLOBACTER)
    first = _load(SUICIDE)
    kept = _snapshot(db, campylobacter.id)
    partitions = _partitions(db) if _postgresql(db) else set()

    second = _load(SUICIDE, drop_last=3)

    db.session.expire_all()
    by_source = dict(
        db.session.execute(select(IndicatorValue.source_key, func.count()).group_by(IndicatorValue.source_key)).all()
    )
    assert by_source == {CAMPYLOBACTER.name: len(kept), SUICIDE.name: 77}
    assert _snapshot(db, campylobacter.id) == kept  # the same rows, ids and values
    assert _snapshot(db, first.id) == set()
    assert db.session.get(DataImport, first.id).status == "replaced"
    assert db.session.get(DataImport, second.id).status == "complete"
    if _postgresql(db):
        now = _partitions(db)
        replaced = partition_swap.partition_of(db.session.connection(), SUICIDE.name)
        assert len(now) == len(partitions) and replaced not in partitions  # one partition swapped for another
        assert partition_swap.partition_of(db.session.connection(), CAMPYLOBACTER.name) in partitions
        leftovers = db.session.execute(
            text(
                "SELECT count(*) FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE 'indicator\\_values\\_%' "
                "AND NOT c.relispartition"
            )
        ).scalar()
        assert leftovers == 0


def test_a_source_key_with_a_quote_is_replaced_too(db: Any, areas: None) -> None:
    _load(SUICIDE, source_key="O'Brien's file.csv")
    second = _load(SUICIDE, source_key="O'Brien's file.csv", drop_last=1)

    assert value_count() == 79
    assert {v.data_import_id for v in db.session.scalars(select(IndicatorValue))} == {second.id}


def test_a_file_with_an_unknown_reference_is_refused_before_staging_and_the_old_rows_stay(
    db: Any, areas: None, monkeypatch: Any
) -> None:
    first = _load(SUICIDE)
    result = read_fingertips(SUICIDE)
    result.areas = result.areas.iloc[0:0]
    result.values.loc[[3, 4], "area_code"] = "E99999999"
    result.values.loc[5, "indicator_id"] = "no-such-indicator"
    # Refused on the file's distinct codes: nothing is copied to PostgreSQL for a file that cannot load.
    monkeypatch.setattr(partition_swap, "stage_values", _fail)

    with pytest.raises(ImportRejected) as raised:
        load_import_result(result, source_key=SUICIDE.name, file_name=SUICIDE.name, checksum="9" * 64)

    messages = [error.message for error in raised.value.errors]
    assert "Area code 'E99999999' is not a known area (2 rows)" in messages, messages
    assert "Indicator 'no-such-indicator' has no metadata (1 row)" in messages, messages
    assert _count_elsewhere(db, SUICIDE.name) == 80
    db.session.expire_all()
    assert {v.data_import_id for v in db.session.scalars(select(IndicatorValue))} == {first.id}
    assert db.session.scalar(select(func.count()).select_from(DataImport)) == 1
    if _postgresql(db):
        staged = db.session.execute(
            text(
                "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'indicator\\_values\\_i%' "
                "AND NOT relispartition"
            )
        ).scalar()
        assert staged == 0  # the new table went with the rolled-back transaction


def test_readers_see_the_old_rows_until_the_import_commits(db: Any, areas: None, monkeypatch: Any) -> None:
    _load(CAMPYLOBACTER, source_key="campylobacter")
    old = _count_elsewhere(db, "campylobacter")
    seen: list[int] = []
    # The point where every new row is written but nothing is committed: the new table is staged (PostgreSQL) or the
    # rows are inserted into the live table (SQLite).
    if _postgresql(db):
        _after(monkeypatch, partition_swap, "stage_values", lambda: seen.append(_count_elsewhere(db, "campylobacter")))
    else:
        _after(
            monkeypatch, bulk_insert, "bulk_insert_values", lambda: seen.append(_count_elsewhere(db, "campylobacter"))
        )

    _load(CAMPYLOBACTER, source_key="campylobacter", drop_last=7)

    assert seen == [old]
    assert _count_elsewhere(db, "campylobacter") == old - 7


def _after(monkeypatch: Any, module: Any, name: str, hook: Callable[[], None]) -> None:
    original = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        outcome = original(*args, **kwargs)
        hook()
        return outcome

    monkeypatch.setattr(module, name, wrapped)


@pytest.fixture
def postgresql_only(db: Any) -> None:
    if not _postgresql(db):
        pytest.skip("partitions, locks and pg_constraint are PostgreSQL's")


def _in_thread(app: Any, work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run work in its own app context (its own session and connection) on a thread."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        with app.app_context():
            try:
                outcome["value"] = work()
            except BaseException as exc:  # handed to the test
                outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_until(condition: Callable[[], bool]) -> None:
    """Poll a condition (not a timing assertion: it only bounds how long the test waits for it)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.02)


def _waiting_locks(db: Any, locktype: str) -> int:
    with db.engine.connect() as connection:
        query = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = :kind"
        if locktype == "relation":
            query += " AND relation = 'indicator_values'::regclass"
        return connection.execute(text(query), {"kind": locktype}).scalar() or 0


@pytest.fixture
def reader(db: Any) -> Iterator[Any]:
    connection = db.engine.connect()
    yield connection
    connection.close()


def test_a_reader_in_a_transaction_keeps_the_old_rows_and_the_swap_waits_for_it(
    app: Any, db: Any, areas: None, postgresql_only: None, reader: Any, monkeypatch: Any
) -> None:
    _load(CAMPYLOBACTER, source_key="campylobacter")
    monkeypatch.setattr(partition_swap, "SWAP_ATTEMPTS", 10_000)
    monkeypatch.setattr(partition_swap, "LOCK_TIMEOUT", "200ms")
    count = text("SELECT count(*) FROM indicator_values WHERE source_key = 'campylobacter'")
    reader.begin()
    old = reader.execute(count).scalar()

    thread, outcome = _in_thread(app, lambda: _load(CAMPYLOBACTER, source_key="campylobacter", drop_last=7).id)
    _wait_until(lambda: _waiting_locks(db, "relation") > 0)  # the DETACH waits for the reader

    assert reader.execute(count).scalar() == old  # the reader is not blocked and sees every old row
    reader.commit()
    thread.join(WAIT_SECONDS)
    assert "error" not in outcome, outcome.get("error")
    assert reader.execute(count).scalar() == old - 7


def test_an_import_that_cannot_swap_in_changes_nothing(
    db: Any, areas: None, postgresql_only: None, reader: Any, monkeypatch: Any
) -> None:
    first = _load(SUICIDE)
    monkeypatch.setattr(partition_swap, "SWAP_ATTEMPTS", 2)
    monkeypatch.setattr(partition_swap, "LOCK_TIMEOUT", "50ms")
    reader.begin()
    reader.execute(text("SELECT count(*) FROM indicator_values")).scalar()  # a reader that never finishes

    with pytest.raises(ImportRejected) as raised:
        _load(SUICIDE, drop_last=5)

    assert "Nothing was changed" in raised.value.errors[0].message
    reader.rollback()
    assert _count_elsewhere(db, SUICIDE.name) == 80
    db.session.expire_all()
    assert [(d.id, d.status) for d in db.session.scalars(select(DataImport))] == [(first.id, "complete")]


def test_imports_wait_for_each_other(app: Any, db: Any, areas: None, postgresql_only: None, reader: Any) -> None:
    # One import at a time, so the check that no other source holds a row's key cannot race.
    reader.execute(text("SELECT pg_advisory_lock(:key)"), {"key": partition_swap.IMPORT_LOCK_KEY})
    thread, outcome = _in_thread(app, lambda: _load(SUICIDE).id)
    _wait_until(lambda: _waiting_locks(db, "advisory") > 0)

    assert _count_elsewhere(db, SUICIDE.name) == 0
    reader.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": partition_swap.IMPORT_LOCK_KEY})
    thread.join(WAIT_SECONDS)
    assert "error" not in outcome, outcome.get("error")
    assert _count_elsewhere(db, SUICIDE.name) == 80


def test_foreign_keys_are_valid_after_an_import(db: Any, areas: None, postgresql_only: None) -> None:
    _load(SUICIDE)

    partition = partition_swap.partition_of(db.session.connection(), SUICIDE.name)
    constraints = db.session.execute(
        text(
            "SELECT confrelid::regclass::text, convalidated, conparentid <> 0 FROM pg_constraint "
            "WHERE conrelid = to_regclass(:partition) AND contype = 'f' ORDER BY 1"
        ),
        {"partition": partition},
    ).all()
    assert constraints == [("areas", True, True), ("data_imports", True, True), ("indicators", True, True)]
    parent = db.session.execute(
        text("SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid = 'indicator_values'::regclass")
    ).scalar()
    assert parent is True


def _unattached(db: Any) -> set[str]:
    """Tables named as the import stages them that are not partitions of indicator_values (committed, seen from
    another connection)."""
    with db.engine.connect() as connection:
        query = "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition AND relname ~ :pattern"
        return set(connection.execute(text(query), {"pattern": partition_swap.STAGED_NAME}).scalars())


def _fail(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("the import failed here")


@pytest.mark.parametrize(
    ("failing", "raised"),
    [("clashes", RuntimeError), ("refresh_summaries", RuntimeError), ("swap_in", RuntimeError)],
)
def test_an_import_that_fails_after_staging_leaves_no_staged_table_and_the_old_rows(
    db: Any, areas: None, postgresql_only: None, monkeypatch: Any, failing: str, raised: type[Exception]
) -> None:
    from portal.indicators import loader

    first = _load(SUICIDE)
    module = loader if failing == "refresh_summaries" else partition_swap
    monkeypatch.setattr(module, failing, _fail)

    with pytest.raises(raised):
        _load(SUICIDE, drop_last=5)

    assert _unattached(db) == set()  # the staged table, committed before the failure, was dropped after it
    assert _count_elsewhere(db, SUICIDE.name) == 80
    db.session.expire_all()
    assert [(d.id, d.status) for d in db.session.scalars(select(DataImport))] == [(first.id, "complete")]


def test_a_rejected_import_and_a_swap_that_cannot_lock_leave_no_staged_table(
    db: Any, areas: None, postgresql_only: None, reader: Any, monkeypatch: Any
) -> None:
    _load(SUICIDE)
    result = read_fingertips(SUICIDE)
    result.areas = result.areas.iloc[0:0]
    result.values.loc[3, "area_code"] = "E99999999"
    with pytest.raises(ImportRejected):
        load_import_result(result, source_key=SUICIDE.name, file_name=SUICIDE.name, checksum="9" * 64)
    assert _unattached(db) == set()

    monkeypatch.setattr(partition_swap, "SWAP_ATTEMPTS", 1)
    monkeypatch.setattr(partition_swap, "LOCK_TIMEOUT", "50ms")
    reader.begin()
    reader.execute(text("SELECT count(*) FROM indicator_values")).scalar()
    with pytest.raises(ImportRejected):
        _load(SUICIDE, drop_last=5)
    reader.rollback()
    assert _unattached(db) == set()


def test_tables_left_by_a_crash_are_swept_by_the_next_import_and_partitions_never_are(
    db: Any, areas: None, postgresql_only: None, monkeypatch: Any
) -> None:
    _load(CAMPYLOBACTER)
    _load(SUICIDE)
    # A swap that committed but whose process died before it dropped the replaced partition, then a crash after a
    # staged table was committed, before the loader could drop it: both tables outlive their import.
    monkeypatch.setattr(partition_swap, "drop_quietly", lambda engine, table: False)
    _load(SUICIDE)
    monkeypatch.setattr(partition_swap, "_build", _fail)
    with pytest.raises(RuntimeError):
        _load(SUICIDE)
    monkeypatch.undo()
    leftovers = _unattached(db)
    assert len(leftovers) == 2
    attached = _partitions(db)

    _load(CAMPYLOBACTER, drop_last=1)

    assert _unattached(db) == set()
    replaced = attached - _partitions(db)
    assert len(replaced) == 1 and partition_swap.partition_of(db.session.connection(), SUICIDE.name) in attached
    assert _count_elsewhere(db, SUICIDE.name) == 80


def test_a_sweep_that_cannot_lock_gives_up_and_the_import_goes_on(
    db: Any, areas: None, postgresql_only: None, reader: Any, monkeypatch: Any
) -> None:
    _load(SUICIDE)
    monkeypatch.setattr(partition_swap, "drop_quietly", lambda engine, table: False)
    _load(SUICIDE)  # the replaced partition, with its foreign keys, outlives the import
    monkeypatch.undo()
    leftover = _unattached(db)
    assert len(leftover) == 1
    # Dropping it locks the tables its foreign keys name; a reader of areas holds it back for the whole sweep.
    monkeypatch.setattr(partition_swap, "LOCK_TIMEOUT", "50ms")
    reader.begin()
    reader.execute(text("SELECT count(*) FROM areas")).scalar()
    sweep = partition_swap.sweep_staged
    swept: list[list[str]] = []

    def sweep_then_let_go(engine: Any) -> list[str]:
        swept.append(sweep(engine))
        reader.rollback()  # the swap needs the lock too
        return swept[-1]

    monkeypatch.setattr(partition_swap, "sweep_staged", sweep_then_let_go)
    _load(SUICIDE, drop_last=2)

    assert swept == [[]]
    assert _unattached(db) == leftover  # left for the next import
    assert _count_elsewhere(db, SUICIDE.name) == 78
    monkeypatch.undo()
    _load(SUICIDE)
    assert _unattached(db) == set()


def test_dropping_a_replaced_table_never_drops_an_attached_partition(
    db: Any, areas: None, postgresql_only: None
) -> None:
    _load(SUICIDE)
    partition = partition_swap.partition_of(db.session.connection(), SUICIDE.name)
    db.session.commit()

    assert partition_swap.drop_quietly(db.engine, partition) is True  # nothing to drop: it is attached
    assert partition_swap.drop_quietly(db.engine, partition + "0") is True  # already gone (e.g. swept)

    assert partition_swap.partition_of(db.session.connection(), SUICIDE.name) == partition
    assert _count_elsewhere(db, SUICIDE.name) == 80


def _index_and_constraint_shape(db: Any, table: str) -> dict[str, Any]:
    """A table's indexes and constraints with its own name taken out of their definitions, and the parent's index
    and constraint each is attached to."""
    indexes = db.session.execute(
        text(
            "SELECT x.indisunique, x.indisprimary, replace(regexp_replace(pg_get_indexdef(x.indexrelid), "
            "'^.* ON (ONLY )?', ''), :table, 'T'), "
            "coalesce(p.inhparent::regclass::text, '') FROM pg_index x "
            "LEFT JOIN pg_inherits p ON p.inhrelid = x.indexrelid WHERE x.indrelid = to_regclass(:table)"
        ),
        {"table": table},
    ).all()
    constraints = db.session.execute(
        text(
            "SELECT contype, pg_get_constraintdef(oid), convalidated, "
            "coalesce((SELECT conname FROM pg_constraint p WHERE p.oid = c.conparentid), '') "
            "FROM pg_constraint c WHERE conrelid = to_regclass(:table)"
        ),
        {"table": table},
    ).all()
    return {"indexes": sorted(indexes), "constraints": sorted(constraints)}


def test_the_swapped_in_partition_has_the_parents_keys_and_indexes_attached_not_rebuilt(
    db: Any, areas: None, postgresql_only: None, monkeypatch: Any
) -> None:
    before_swap: list[set[tuple[int, int]]] = []
    files = "SELECT x.indexrelid::int, c.relfilenode::int FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
    original = partition_swap.swap_in

    def swap_in(connection: Any, staged: partition_swap.StagedValues) -> str | None:
        query = text(files + "WHERE x.indrelid = to_regclass(:t)")
        before_swap.append(set(connection.execute(query, {"t": staged.table}).all()))
        return original(connection, staged)

    monkeypatch.setattr(partition_swap, "swap_in", swap_in)
    _load(SUICIDE)

    partition = partition_swap.partition_of(db.session.connection(), SUICIDE.name)
    after = set(db.session.execute(text(files + "WHERE x.indrelid = to_regclass(:t)"), {"t": partition}).all())
    assert len(after) == 4 and after == before_swap[0]  # the same indexes and files: attaching rebuilt nothing
    shape = _index_and_constraint_shape(db, partition)
    parent = _index_and_constraint_shape(db, "indicator_values")
    # Each of the parent's indexes has one on the partition, attached to it and defined the same way.
    assert [index[:3] for index in parent["indexes"]] == [index[:3] for index in shape["indexes"]]
    assert sorted(index[3] for index in shape["indexes"]) == sorted(
        db.session.scalars(
            text("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'indicator_values'::regclass")
        )
    )
    # Each of the parent's constraints (unique, primary and foreign keys) is on the partition, valid and attached.
    assert [(kind, definition, valid) for kind, definition, valid, _ in shape["constraints"]] == [
        (kind, definition, True) for kind, definition, _, _ in parent["constraints"]
    ]
    assert sorted(name for *_, name in shape["constraints"]) == sorted(
        db.session.scalars(text("SELECT conname FROM pg_constraint WHERE conrelid = 'indicator_values'::regclass"))
    )


SEQUENCE_CACHE = "SELECT seqcache FROM pg_sequence WHERE seqrelid = 'indicator_values_id_seq'::regclass"


def _sequence_cache(db: Any) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text(SEQUENCE_CACHE)).scalar_one())


@pytest.mark.parametrize("operators_cache", [None, 20])
def test_an_import_takes_ids_a_block_at_a_time_and_leaves_the_sequence_as_it_found_it(
    db: Any, areas: None, postgresql_only: None, operators_cache: int | None, monkeypatch: Any
) -> None:
    if operators_cache is not None:
        with db.engine.begin() as connection:
            connection.execute(text(f"ALTER SEQUENCE indicator_values_id_seq CACHE {operators_cache}"))
    before = _sequence_cache(db)
    earlier = _load(CAMPYLOBACTER)
    caches_while_copying: list[int] = []
    copy_rows = partition_swap._copy_rows

    def copy_and_look(connection: Any, *args: Any) -> None:
        caches_while_copying.append(connection.exec_driver_sql(SEQUENCE_CACHE).scalar_one())
        copy_rows(connection, *args)

    monkeypatch.setattr(partition_swap, "_copy_rows", copy_and_look)
    later = _load(SUICIDE)

    assert caches_while_copying == [max(before, partition_swap.ID_BLOCK)]
    assert _sequence_cache(db) == before == (operators_cache or 1)
    earlier_ids = {row[-1] for row in _snapshot(db, earlier.id)}
    later_ids = [row[-1] for row in _snapshot(db, later.id)]
    assert len(set(later_ids)) == len(later_ids) == later.row_count  # every row its own id
    assert min(later_ids) > max(earlier_ids)  # from the same sequence, after the earlier import's
    # At most one block's unused ids skipped: the next id the sequence gives is close behind.
    with db.engine.begin() as connection:
        following = connection.execute(text("SELECT nextval('indicator_values_id_seq')")).scalar_one()
    assert max(later_ids) < following <= max(later_ids) + partition_swap.ID_BLOCK


def test_a_failed_copy_leaves_the_sequence_cache_as_it_was(
    db: Any, areas: None, postgresql_only: None, monkeypatch: Any
) -> None:
    before = _sequence_cache(db)

    def failing_copy(*_args: Any) -> None:
        raise RuntimeError("the connection dropped mid-COPY")

    monkeypatch.setattr(partition_swap, "_copy_rows", failing_copy)
    with pytest.raises(RuntimeError):
        _load(SUICIDE)
    assert _sequence_cache(db) == before


def test_the_summaries_are_worked_out_once_the_unique_key_and_area_index_exist(
    db: Any, areas: None, postgresql_only: None, monkeypatch: Any
) -> None:
    seen: list[set[str]] = []
    stage = partition_swap.stage_values

    def stage_and_look(connection: Any, staged: Any, rows: Any, **kwargs: Any) -> None:
        meanwhile = kwargs["meanwhile"]

        def look_then_work_out() -> None:
            indexes = connection.execute(
                text("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = to_regclass(:t)"),
                {"t": staged.table},
            )
            seen.append({name.removeprefix(staged.table) for name in indexes.scalars()})
            meanwhile()

        stage(connection, staged, rows, **{**kwargs, "meanwhile": look_then_work_out})

    monkeypatch.setattr(partition_swap, "stage_values", stage_and_look)
    _load(SUICIDE)
    assert len(seen) == 1 and {"_key", "_area"} <= seen[0]
