"""Replacing one source's indicator values on PostgreSQL by swapping a partition (issue 17).

``indicator_values`` is list-partitioned by ``source_key`` (migration 0027). Inserting a million rows into the live
table fires three foreign-key checks per row; instead an import, inside the loader's one transaction:

1. builds a standalone table shaped like ``indicator_values`` and fills it with binary COPY (no index, no trigger);
2. creates its keys and indexes after loading;
3. checks every area and indicator reference with one set-based anti-join, and that no row's key is held by another
   source (both raise ``ImportRejected`` with the problems; nothing is committed);
4. adds the foreign keys ``NOT VALID`` and then ``VALIDATE``s them (one set-based check each, no per-row trigger),
   and a CHECK constraint matching the partition bound, so ATTACH need not scan the rows;
5. swaps it in: DETACH the source's old partition, ATTACH the new one. Readers see the old rows until the transaction
   commits and the new rows after, never a mixture; the DETACH takes the parent's ACCESS EXCLUSIVE lock, so it waits
   at most ``LOCK_TIMEOUT`` at a time for running readers (new readers queue behind it for no longer), and is retried.

The old table is dropped after the commit, in a short transaction of its own (dropping its foreign keys locks the
tables they point at).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, sql, text
from sqlalchemy.engine import Connection
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
# Memory for building the new table's indexes (the server's, for this transaction only).
INDEX_BUILD_MEMORY = "256MB"
FOREIGN_KEYS = (
    ("fk_{table}_area", "area_code", "areas (code)", ""),
    ("fk_{table}_import", "data_import_id", "data_imports (id)", " ON DELETE SET NULL"),
    ("fk_{table}_indicator", "indicator_id", "indicators (id)", " ON DELETE CASCADE"),
)
COPY_TYPES = {"period_sortable": "int4", "suppressed": "bool", "derived": "bool"}
FLOAT_COLUMNS = frozenset({"value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"})
MAX_REPORTED = 500


class SwapRejected(Exception):
    """The staged rows cannot replace the source's partition; ``errors`` says why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the import")
        self.errors = errors


@dataclass
class StagedValues:
    """A filled, indexed and checked table, ready to replace ``source_key``'s partition."""

    table: str
    source_key: str


def is_partitioned(connection: Connection) -> bool:
    """True when indicator_values is a partitioned table (PostgreSQL after migration 0027)."""
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT})
    return kind.scalar() == "p"


def take_import_lock(connection: Connection) -> None:
    """Wait for any other import to finish (released at the end of this transaction)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})


def stage_values(
    connection: Connection,
    rows: Iterable[list[tuple[Any, ...]]],
    *,
    import_id: int,
    source_key: str,
    on_chunk: Callable[[int], None] | None = None,
) -> StagedValues:
    """Steps 1-4: a new table holding the rows (tuples in VALUE_COLUMNS order), keyed, indexed and checked."""
    table = f"{PARTITION_PREFIX}i{int(import_id)}_{secrets.token_hex(4)}"  # unique even after a reset sequence
    source = _literal(source_key)
    run = connection.exec_driver_sql
    run(f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS)")
    # Every row of this import has the same source and import: the table's defaults fill them in.
    run(
        f"ALTER TABLE {table} ALTER COLUMN source_key SET DEFAULT {source}, "
        f"ALTER COLUMN data_import_id SET DEFAULT {int(import_id)}"
    )
    # The partition bound as a constraint lets ATTACH skip its scan; made now, COPY checks it row by row as it
    # writes (adding it afterwards would read the whole table once more).
    run(f"ALTER TABLE {table} ADD CONSTRAINT {table}_bound CHECK (source_key IS NOT NULL AND source_key = {source})")
    _copy_rows(connection, table, rows, on_chunk)
    run(f"ALTER TABLE {table} ALTER COLUMN source_key SET DEFAULT '', ALTER COLUMN data_import_id DROP DEFAULT")
    run(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
    key = ", ".join(KEY_COLUMNS)
    run(f"ALTER TABLE {table} ADD CONSTRAINT {table}_key UNIQUE ({key}, source_key)")
    run(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, source_key)")
    run(f"CREATE INDEX {table}_area ON {table} (area_code, indicator_id)")
    run(f"CREATE INDEX {table}_import ON {table} (data_import_id)")
    problems = missing_references(connection, table) + clashes(connection, table, source_key)
    if problems:
        raise SwapRejected(problems)
    for name, column, target, action in FOREIGN_KEYS:
        constraint = name.format(table=table)
        run(
            f"ALTER TABLE {table} ADD CONSTRAINT {constraint} "
            f"FOREIGN KEY ({column}) REFERENCES {target}{action} NOT VALID"
        )
        run(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")
    return StagedValues(table, source_key)


def _copy_rows(
    connection: Connection, table: str, rows: Iterable[list[tuple[Any, ...]]], on_chunk: Callable[[int], None] | None
) -> None:
    """Binary COPY of the row tuples into the new table (which has no index or trigger yet)."""
    raw = connection.connection.dbapi_connection
    columns = ", ".join(f'"{c}"' for c in VALUE_COLUMNS)
    types = [COPY_TYPES.get(c, "float8" if c in FLOAT_COLUMNS else "text") for c in VALUE_COLUMNS]
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:  # type: ignore[union-attr]
        copy.set_types(types)
        for chunk in rows:
            for row in chunk:
                copy.write_row(row)
            if on_chunk is not None:
                on_chunk(len(chunk))


def missing_references(connection: Connection, table: str) -> list[RowError]:
    """One anti-join over the new rows: each area code and indicator id no row of areas or indicators has."""
    found = connection.exec_driver_sql(
        f"SELECT s.area_code, a.code IS NULL, s.indicator_id, i.id IS NULL, count(*) FROM {table} s "  # noqa: S608
        "LEFT JOIN areas a ON a.code = s.area_code LEFT JOIN indicators i ON i.id = s.indicator_id "
        "WHERE a.code IS NULL OR i.id IS NULL GROUP BY 1, 2, 3, 4"
    ).all()
    areas: dict[str, int] = {}
    indicators: dict[str, int] = {}
    for area, no_area, indicator, no_indicator, count in found:
        if no_area:
            areas[area] = areas.get(area, 0) + count
        if no_indicator:
            indicators[indicator] = indicators.get(indicator, 0) + count
    errors = [
        RowError(0, "area_code", f"Area code {code!r} is not a known area ({_rows(count)})")
        for code, count in sorted(areas.items())
    ]
    errors += [
        RowError(0, "indicator_id", f"Indicator {code!r} has no metadata ({_rows(count)})")
        for code, count in sorted(indicators.items())
    ]
    return errors


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


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


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
    """Drop a detached partition (its own short transaction: dropping its foreign keys locks the tables they name)."""
    if not table.startswith(PARTITION_PREFIX) or table == PARENT:
        raise ValueError(f"{table} is not a partition of {PARENT}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def _literal(value: str) -> str:
    """A string as PostgreSQL prints it in a partition bound (standard_conforming_strings is on)."""
    return "'" + value.replace("'", "''") + "'"
