"""Replacing one source's indicator values on PostgreSQL by swapping a partition (issue 17).

``indicator_values`` is list-partitioned by ``source_key`` (migration 0027). Inserting a million rows into the live
table fires three foreign-key checks per row; instead an import, holding the import lock (one import at a time):

1. creates a standalone "staged" table shaped like ``indicator_values`` and fills it with binary COPY FREEZE (no
   index, no trigger; ids from the sequence a block at a time), on a connection of its own whose transaction
   commits: the table is not attached, so no reader of ``indicator_values`` sees it;
2. builds its four indexes on two more connections at once (CREATE INDEX takes a SHARE lock, which does not conflict
   with itself; each build commits), so the server uses two cores; these connections lock only the staged table, so
   they never wait for a lock the loader's transaction holds;
then, in the loader's one transaction, which can see this import's uncommitted areas and indicators:
3. once the unique key and the area index are built, runs the caller's work that only reads the staged table (the
   loader's stored summaries) beside the other two builds; then makes the unique and primary-key indexes
   constraints (``USING INDEX``: metadata only) and checks that no row's key is held by another source
   (``SwapRejected`` with the problems);
4. adds the foreign keys ``NOT VALID`` and then ``VALIDATE``s them (one set-based check each, no per-row trigger:
   the guarantee; the loader has already refused, before staging anything, a file whose distinct area codes or
   indicator ids the database does not have, with a report of each); a
   CHECK constraint matching the partition bound, made with the table, lets ATTACH skip its scan;
5. swaps it in: DETACH the source's old partition, ATTACH the new one (its keys and indexes are attached to the
   parent's, not rebuilt). Readers see the old rows until the transaction commits and the new rows after, never a
   mixture; the DETACH takes the parent's ACCESS EXCLUSIVE lock, so it waits at most ``LOCK_TIMEOUT`` at a time for
   running readers (new readers queue behind it for no longer), and is retried.

The staged table is committed before its import is: if the import fails or is rejected, the loader drops it after
its rollback (``drop_quietly``), and each import, once it holds the import lock, drops every unattached table named
as this module stages them (``sweep_staged``), so a crash leaves nothing behind for longer than until the next import.
The replaced partition is dropped after the commit the same way (dropping its foreign keys locks the tables they
name, so in a short transaction of its own); if that fails, the next import's sweep drops it. Neither ever drops an
attached partition.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, sql, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Subquery

from portal.database import PARTITION_PREFIX
from portal.importers.base import KEY_COLUMNS, VALUE_COLUMNS, RowError
from portal.models import IndicatorValue

logger = logging.getLogger(__name__)

PARENT = "indicator_values"
# One import of any source at a time: the check that no key is held by another source is then exact.
IMPORT_LOCK_KEY = 7_170_017
LOCK_TIMEOUT = "1s"
SWAP_ATTEMPTS = 10
# Memory for building each of the new table's indexes (the server's, for that build's transaction only).
INDEX_BUILD_MEMORY = "256MB"
# The names new_staged gives (the sweep drops only these, and only when they are not attached).
STAGED_NAME = f"^{PARTITION_PREFIX}i[0-9]+_[0-9a-f]{{8}}$"
# Connections building the new table's indexes at once, and the parallel workers each build may add: on the 2-core
# server measured, two builds of one process each used both cores and beat one build with 2 workers (bench/README.md).
INDEX_BUILDERS = 2
# The first _index_statements, which the reads run beside the builds (``meanwhile``) wait for.
READ_INDEXES = 2
WORKERS_PER_INDEX = 0
FOREIGN_KEYS = (
    ("fk_{table}_area", "area_code", "areas (code)", ""),
    ("fk_{table}_import", "data_import_id", "data_imports (id)", " ON DELETE SET NULL"),
    ("fk_{table}_indicator", "indicator_id", "indicators (id)", " ON DELETE CASCADE"),
)
COPY_TYPES = {"period_sortable": "int4", "suppressed": "bool", "derived": "bool"}
FLOAT_COLUMNS = frozenset({"value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"})
MAX_REPORTED = 500
# Ids of the id sequence a staging connection takes at a time (_ids_taken_in_blocks).
ID_BLOCK = 10_000


class SwapRejected(Exception):
    """The staged rows cannot replace the source's partition; ``errors`` says why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the import")
        self.errors = errors


@dataclass
class StagedValues:
    """The table a PostgreSQL import fills, indexes and checks, to replace ``source_key``'s partition."""

    table: str
    source_key: str
    import_id: int


def is_partitioned(connection: Connection) -> bool:
    """True when indicator_values is a partitioned table (PostgreSQL after migration 0027)."""
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT})
    return kind.scalar() == "p"


def take_import_lock(connection: Connection) -> None:
    """Wait for any other import to finish (released at the end of this transaction)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})


def new_staged(import_id: int, source_key: str) -> StagedValues:
    """The name of the table that will hold an import's rows (made by ``stage_values``)."""
    # Unique even after a reset sequence; STAGED_NAME matches it (the sweep).
    return StagedValues(f"{PARTITION_PREFIX}i{int(import_id)}_{secrets.token_hex(4)}", source_key, int(import_id))


def stage_values(
    connection: Connection,
    staged: StagedValues,
    rows: Iterable[list[tuple[Any, ...]]],
    *,
    on_chunk: Callable[[int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Steps 1-4: the staged table holding the rows (tuples in VALUE_COLUMNS order), keyed, indexed and checked.

    Steps 1 and 2 run on other connections than ``connection`` (the loader's) and commit, so that two of them can
    build the indexes at once; the table is then committed but not attached, and the caller must drop it
    (``drop_quietly``) if its own transaction does not commit. Steps 3 and 4 need the loader's uncommitted areas and
    indicators and run in ``connection``'s transaction. While the indexes are built, ``connection``'s transaction
    runs ``meanwhile`` (which may read the staged table, whose rows are committed, but must not change it)."""
    table, source = staged.table, _literal(staged.source_key)
    with connection.engine.begin() as own:
        run = own.exec_driver_sql
        run(f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS)")
        # Every row of this import has the same source and import: the table's defaults fill them in.
        run(
            f"ALTER TABLE {table} ALTER COLUMN source_key SET DEFAULT {source}, "
            f"ALTER COLUMN data_import_id SET DEFAULT {staged.import_id}"
        )
        # The partition bound as a constraint lets ATTACH skip its scan; made now, COPY checks it row by row as it
        # writes (adding it afterwards would read the whole table once more).
        bound = f"CHECK (source_key IS NOT NULL AND source_key = {source})"
        run(f"ALTER TABLE {table} ADD CONSTRAINT {table}_bound {bound}")
        with _ids_taken_in_blocks(own):
            _copy_rows(own, table, rows, on_chunk)
        run(f"ALTER TABLE {table} ALTER COLUMN source_key SET DEFAULT '', ALTER COLUMN data_import_id DROP DEFAULT")
    with ThreadPoolExecutor(max_workers=INDEX_BUILDERS, thread_name_prefix="index-build") as builders:
        builds = [builders.submit(_build, connection.engine, statement) for statement in _index_statements(table)]
        # The builders lock only the staged table (SHARE); reading it here (ACCESS SHARE) does not conflict. The
        # caller's reads (the summaries: a few areas' rows of the imported indicators) wait for the unique key and the
        # area index, built first, and use them beside the last two builds: while all four were being built they
        # scanned the whole table three times, and took 1.6 s instead of 1.0 s.
        if meanwhile is not None:
            for build in builds[:READ_INDEXES]:
                build.result()
            meanwhile()
    failed = [build.exception() for build in builds if build.exception() is not None]
    if failed:
        raise failed[0]  # type: ignore[misc]
    run = connection.exec_driver_sql
    # Metadata only: the indexes built above become the keys (ATTACH then merges them with the parent's).
    run(f"ALTER TABLE {table} ADD CONSTRAINT {table}_key UNIQUE USING INDEX {table}_key")
    run(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY USING INDEX {table}_pkey")
    problems = clashes(connection, table, staged.source_key)
    if problems:
        raise SwapRejected(problems)
    for name, column, target, action in FOREIGN_KEYS:
        constraint = name.format(table=table)
        run(
            f"ALTER TABLE {table} ADD CONSTRAINT {constraint} "
            f"FOREIGN KEY ({column}) REFERENCES {target}{action} NOT VALID"
        )
        run(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")


def _index_statements(table: str) -> list[str]:
    """The staged table's four indexes, largest first: INDEX_BUILDERS connections take them in turn (CREATE INDEX takes
    a SHARE lock, which does not conflict with itself)."""
    key = ", ".join(KEY_COLUMNS)
    return [
        f"CREATE UNIQUE INDEX {table}_key ON {table} ({key}, source_key)",
        f"CREATE INDEX {table}_area ON {table} (area_code, indicator_id)",
        f"CREATE UNIQUE INDEX {table}_pkey ON {table} (id, source_key)",
        f"CREATE INDEX {table}_import ON {table} (data_import_id)",
    ]


def _build(engine: Engine, statement: str) -> None:
    """One index build on a connection of its own, committed."""
    with engine.begin() as own:
        own.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        own.exec_driver_sql(f"SET LOCAL max_parallel_maintenance_workers = {WORKERS_PER_INDEX}")
        # A scan that starts while another scans the same big table joins it part-way and wraps around: the rows,
        # written in key order, would then reach the unique key's sort in two runs, and it would sort them all (2 s
        # instead of 0.8 s for a million rows).
        own.exec_driver_sql("SET LOCAL synchronize_seqscans = off")
        own.exec_driver_sql(statement)


@contextmanager
def _ids_taken_in_blocks(connection: Connection) -> Iterator[None]:
    """Within the block, this connection takes the id sequence's values ID_BLOCK at a time.

    Each row's id default calls nextval; with the sequence's usual cache of 1, each call locks and updates the
    sequence's page and every 32nd writes WAL: 0.2-0.3 s of the server's time for a million rows, while it is the
    COPY's bottleneck. With a larger cache the backend hands out values from memory. ALTER SEQUENCE holds a lock that
    makes other sessions' nextval wait until this transaction ends (the import lock already keeps other imports out,
    and nothing else adds values), and putting the cache back clears this backend's unused values, so at most
    ID_BLOCK - 1 ids are skipped per import."""
    run = connection.exec_driver_sql
    found = run(
        f"SELECT seqrelid::regclass::text, seqcache FROM pg_sequence "  # noqa: S608 - PARENT is a constant
        f"WHERE seqrelid = pg_get_serial_sequence('{PARENT}', 'id')::regclass"
    ).first()
    if found is None:
        yield
        return
    sequence, previous = found[0], int(found[1])
    run(f"ALTER SEQUENCE {sequence} CACHE {max(previous, ID_BLOCK)}")
    # No finally: if the block raises, the transaction's rollback puts the cache back.
    yield
    run(f"ALTER SEQUENCE {sequence} CACHE {previous}")


def _copy_rows(
    connection: Connection, table: str, rows: Iterable[list[tuple[Any, ...]]], on_chunk: Callable[[int], None] | None
) -> None:
    """Binary COPY of the row tuples into the new table (which has no index or trigger yet)."""
    raw = connection.connection.dbapi_connection
    columns = ", ".join(f'"{c}"' for c in VALUE_COLUMNS)
    types = [COPY_TYPES.get(c, "float8" if c in FLOAT_COLUMNS else "text") for c in VALUE_COLUMNS]
    # FREEZE (the table is new in this transaction): the rows are written frozen and the pages all-visible, so neither
    # the index builds nor any later reader or vacuum rewrites every page to set hint bits or freeze them.
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY, FREEZE)"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        copy.set_types(types)
        for chunk in rows:
            for row in chunk:
                copy.write_row(row)
            if on_chunk is not None:
                on_chunk(len(chunk))


def clashes(connection: Connection, table: str, source_key: str) -> list[RowError]:
    """Rows whose key another source already holds (the unique key includes the source, so this is checked here)."""
    key, staged_key = ", ".join(KEY_COLUMNS), ", ".join(f"s.{c}" for c in KEY_COLUMNS)
    found = connection.execute(
        text(
            f"SELECT {staged_key}, coalesce(d.file_name, '') FROM {table} s "  # noqa: S608 - fixed names
            f"JOIN {PARENT} v USING ({key}) LEFT JOIN data_imports d ON d.id = v.data_import_id "
            f"WHERE v.source_key <> :source ORDER BY {staged_key} LIMIT {MAX_REPORTED + 1}"
        ),
        {"source": source_key},
    ).all()
    errors = [
        RowError(
            0,
            None,
            f"Indicator {r[0]}, area {r[1]}, period {r[2]} ({r[3]}, {r[4]}{', ' + r[6] if r[6] else ''}) is already "
            f"loaded from {r[7] or 'another source'}",
        )
        for r in found[:MAX_REPORTED]
    ]
    if len(found) > MAX_REPORTED:
        errors.append(RowError(0, None, "… and more rows already loaded from another source"))
    return errors


def incoming_values(staged: StagedValues) -> Subquery:
    """indicator_values as it will read once the staged table is swapped in: the other sources' rows and the staged
    ones (for working out what depends on them before the swap takes its lock)."""
    parent = IndicatorValue.__table__
    new = sql.table(staged.table, *(sql.column(c.name, c.type) for c in parent.c))
    others = select(*parent.c).where(parent.c.source_key != staged.source_key)
    return others.union_all(select(*new.c)).subquery("incoming_values")


def swap_in(connection: Connection, staged: StagedValues) -> str | None:
    """Step 5: DETACH the source's old partition (if any) and ATTACH the new table in its place, in the caller's
    transaction. Returns the old table's name, to drop after the commit (``drop_detached``)."""
    old = partition_of(connection, staged.source_key)
    bound = f"FOR VALUES IN ({_literal(staged.source_key)})"
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        savepoint = connection.begin_nested()
        try:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            if old is not None:
                connection.exec_driver_sql(f"ALTER TABLE {PARENT} DETACH PARTITION {old}")
            connection.exec_driver_sql(f"ALTER TABLE {PARENT} ATTACH PARTITION {staged.table} {bound}")
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
        except OperationalError as exc:
            savepoint.rollback()
            if "lock timeout" not in str(exc):
                raise
            if attempt == SWAP_ATTEMPTS:
                message = (
                    "The values were being read for too long to swap in the new ones. Nothing was changed: try again."
                )
                raise SwapRejected([RowError(0, None, message)]) from exc
            logger.info("Swapping in %s: readers hold %s, attempt %d", staged.table, PARENT, attempt)
            continue
        savepoint.commit()
        break
    connection.exec_driver_sql(f"ALTER TABLE {staged.table} DROP CONSTRAINT {staged.table}_bound")
    return old


def partition_of(connection: Connection, source_key: str) -> str | None:
    """The partition holding a source's rows, if there is one."""
    expected = f"FOR VALUES IN ({_literal(source_key)})"
    partitions = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'indicator_values'::regclass"
    ).all()
    return next((name for name, bound in partitions if bound == expected), None)


def drop_detached(connection: Connection, table: str) -> None:
    """Drop a detached partition or a staged table that was never attached (its own short transaction: dropping
    foreign keys locks the tables they name). Never drops a partition of indicator_values."""
    if not table.startswith(PARTITION_PREFIX) or table == PARENT:
        raise ValueError(f"{table} is not a partition of {PARENT}")
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    # IF EXISTS, and only while not attached: the next import's sweep may drop the same table first.
    connection.exec_driver_sql(
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_class WHERE oid = to_regclass(" + _literal(table) + ") "
        f"AND NOT relispartition) THEN DROP TABLE IF EXISTS {table}; END IF; END $$"
    )


def drop_quietly(engine: Engine, table: str) -> bool:
    """``drop_detached`` in a transaction of its own; a failure (e.g. readers holding a table its foreign keys name
    past LOCK_TIMEOUT) is logged and leaves the table for the next import's sweep. True when dropped."""
    try:
        with engine.begin() as connection:
            drop_detached(connection, table)
    except Exception:  # whatever failed, the next import sweeps the table
        logger.warning("Could not drop the unattached values table %s", table, exc_info=True)
        return False
    return True


def sweep_staged(engine: Engine) -> list[str]:
    """Drop every table this module staged that is not a partition of indicator_values: left by a crash between
    staging and the end of an import, or a replaced partition whose drop failed. Call it while holding the import
    lock (no other import is staging); each drop is a short transaction of its own on another connection. Returns the
    tables dropped."""
    with engine.connect() as connection:
        orphans = connection.exec_driver_sql(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition "
            "AND relnamespace = current_schema()::regnamespace AND relname ~ %(pattern)s ORDER BY relname",
            {"pattern": STAGED_NAME},
        ).scalars()
        names = list(orphans)
    return [table for table in names if drop_quietly(engine, table)]


def _literal(value: str) -> str:
    """A string as PostgreSQL prints it in a partition bound (standard_conforming_strings is on)."""
    return "'" + value.replace("'", "''") + "'"
