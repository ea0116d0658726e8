"""Writing an import's values fast in the loader's transaction (split from ``loader`` by job): rows as plain tuples in
unique-key order, binary COPY into a table that is not partitioned on PostgreSQL, several rows per INSERT on SQLite
with the values a chunk's rows share bound once."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.importers.base import VALUE_COLUMNS, key_order
from portal.models import IndicatorValue

# (stage, done, total): stage is "reading" (bytes), "loading" (rows) or "done".
Progress = Callable[[str, int, int], None]

CHUNK_ROWS = 10_000
INSERT_COLUMNS = [*VALUE_COLUMNS, "data_import_id", "source_key"]
# Rows per INSERT statement on SQLite (at most 21 parameters each besides those shared): for a million rows 80 insert
# 1 s faster than 20, and 160 are no faster. Fewer when the SQLite library allows fewer parameters per statement
# (999 before SQLite 3.32, still found on long-term-support systems).
ROWS_PER_STATEMENT = 80
# SQLite settings for loads of at least BULK_SETTINGS_ROWS rows: 256 MB of page cache, 256 MB memory-mapped.
BULK_SETTINGS_ROWS = 50_000
BULK_PRAGMAS = {"cache_size": -262_144, "mmap_size": 268_435_456}
FLOAT_COLUMNS = frozenset({"value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"})


def value_chunks(
    values: pd.DataFrame,
    import_id: int,
    source_key: str,
    *,
    with_source: bool = True,
    order: np.ndarray | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as plain tuples in INSERT_COLUMNS order (VALUE_COLUMNS alone when not ``with_source``: the import id and
    source are then filled in by the database) and key order, CHUNK_ROWS at a time; NaN becomes None (NULL)."""
    for rows, columns, _ in _column_chunks(values, order, shorten_single=False):
        if with_source:
            columns = [*columns, [import_id] * rows, [source_key] * rows]
        yield list(zip(*columns, strict=True))


def _column_chunks(
    values: pd.DataFrame, order: np.ndarray | None, *, shorten_single: bool
) -> Iterator[tuple[int, list[list[Any]], list[bool]]]:
    """The values in key order, CHUNK_ROWS rows at a time: the chunk's number of rows, one list of Python values per
    VALUE_COLUMNS column (NaN becomes None and missing text ''), and whether each column holds a single value
    throughout the chunk. Only with ``shorten_single`` are those found, each given as a list of just that value."""
    total, size = len(values), CHUNK_ROWS
    # Key order keeps a live table's indexes growing at their ends (SQLite), and lets PostgreSQL build the swap's
    # unique key from already sorted rows.
    if order is None:
        order = key_order(values)
    arrays: list[tuple[str, np.ndarray]] = []
    for column in VALUE_COLUMNS:
        series = values[column]
        if column in FLOAT_COLUMNS:
            arrays.append(("float", series.to_numpy(dtype="float64")))
        elif column == "period_sortable":
            arrays.append(("plain", series.to_numpy(dtype="int64")))
        elif column in {"suppressed", "derived"}:
            arrays.append(("plain", series.to_numpy(dtype="bool")))
        else:
            arrays.append(("text", _text_array(series)))
    for start in range(0, total, size):
        positions = order[start : start + size]
        columns: list[list[Any]] = []
        single: list[bool] = []
        for kind, array in arrays:
            part = array[positions]
            if kind == "float":
                missing = np.isnan(part)
                some_missing = bool(missing.any())
                same = shorten_single and (bool(missing.all()) if some_missing else bool(part.min() == part.max()))
                if same:
                    part, missing = part[:1], missing[:1]
                if some_missing:
                    # Python floats with None put in by numpy: twice as fast as testing each float in a comprehension.
                    boxed = part.astype(object)
                    boxed[missing] = None
                    part = boxed
            elif kind == "plain":
                same = shorten_single and bool(part.min() == part.max())
            else:
                same = shorten_single and bool((part == part[0]).all())  # numpy compares without making a list
            single.append(same)
            columns.append((part[:1] if same else part).tolist())
        yield len(positions), columns, single


def _text_array(series: pd.Series) -> np.ndarray:
    """A text column as an object array of str, missing values as ''. Read only: it may be the column's own array."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "python":
        # The readers' text columns: every value is already a str (or missing), held in an object array that needs no
        # copy; converting eleven columns of a million rows as below took 0.2 s.
        held = np.asarray(series.array, dtype=object)
        return np.where(series.isna().to_numpy(), "", held) if series.hasnans else held
    return series.fillna("").astype(str).to_numpy(dtype=object)


def _sqlite_chunks(
    values: pd.DataFrame, order: np.ndarray | None
) -> Iterator[tuple[list[str], list[Any], list[str], list[tuple[Any, ...]]]]:
    """For each chunk: the columns that hold one value in all its rows with those values, then the other columns'
    names and rows. In key order a chunk mostly shares its indicator, sex, category and note, and often has no 99.8 %
    limits: binding those once per statement instead of once per row halves the values bound for a Fingertips
    export, and spares making them into Python values at all (the two are most of the insert's time)."""
    for rows, columns, single in _column_chunks(values, order, shorten_single=True):
        if all(single):
            # One row, or identical rows (a duplicate key, which the readers refuse first): every column is bound
            # per row, each row as its own, so the unique key refuses duplicates as it would any others.
            yield [], [], list(VALUE_COLUMNS), [tuple(column[0] for column in columns)] * rows
            continue
        pairs = list(zip(VALUE_COLUMNS, columns, single, strict=True))
        yield (
            [name for name, _, same in pairs if same],
            [column[0] for _, column, same in pairs if same],
            [name for name, _, same in pairs if not same],
            list(zip(*(column for _, column, same in pairs if not same), strict=True)),
        )


def bulk_insert_values(
    values: pd.DataFrame,
    import_id: int,
    source_key: str,
    progress: Progress | None,
    order: np.ndarray | None = None,
) -> None:
    """Insert the values fast on the session's connection (same transaction): COPY on PostgreSQL, executemany of
    plain tuples on SQLite. ``order``: the rows' positions in key order, when the reader worked them out."""
    total = len(values)
    if progress is not None:
        progress("loading", 0, total)
    if not total:
        return
    connection = db.session.connection()
    done = 0
    if connection.dialect.name == "postgresql":
        import psycopg

        raw = connection.connection.dbapi_connection
        columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
        statement = f"COPY indicator_values ({columns}) FROM STDIN"
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for rows in value_chunks(values, import_id, source_key, order=order):
                    for row in rows:
                        copy.write_row(row)
                    done += len(rows)
                    if progress is not None:
                        progress("loading", done, total)
        except psycopg.errors.IntegrityError as exc:
            # The raw cursor bypasses SQLAlchemy's exception wrapping; wrap it as the ORM path would.
            raise IntegrityError(statement, None, exc) from exc
        return
    # Several rows per INSERT save a statement step per row; values the same in every row of a chunk (always the
    # import id and source) are bound once per statement. Building the next chunk in a helper thread meanwhile was
    # no faster: both halves hold the GIL most of the time (see bench/README.md).
    raw_sqlite: sqlite3.Connection = connection.connection.dbapi_connection  # type: ignore[assignment]
    most_parameters = raw_sqlite.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    for constant_names, constants, varying_names, rows in _sqlite_chunks(values, order):
        shared = [import_id, source_key, *constants]
        per_statement = max(1, min(ROWS_PER_STATEMENT, (most_parameters - len(shared)) // len(varying_names)))
        for statement, parameters, rows_each in _sqlite_batch(
            constant_names, shared, varying_names, rows, per_statement
        ):
            connection.exec_driver_sql(statement, parameters)
            done += len(parameters) * rows_each
        if progress is not None:
            progress("loading", done, total)


def _sqlite_batch(
    constant_names: list[str],
    constants: list[Any],
    varying_names: list[str],
    rows: list[tuple[Any, ...]],
    per_statement: int,
) -> list[tuple[str, list[tuple[Any, ...]], int]]:
    """One chunk's INSERT statements with their parameter tuples and rows per tuple: ``per_statement`` rows per
    statement, then one row per statement for those left over. Each tuple starts with the constants (?1, ?2, …),
    which every row of the statement shares, and goes on with each row's varying values."""
    columns = ", ".join(f'"{name}"' for name in [*varying_names, "data_import_id", "source_key", *constant_names])
    insert = f"INSERT INTO indicator_values ({columns}) VALUES "  # noqa: S608 - fixed column names
    shared, width = tuple(constants), len(varying_names)
    whole = len(rows) - len(rows) % per_statement
    batch = []
    if whole:
        grouped = [
            tuple(itertools.chain(shared, *rows[start : start + per_statement]))
            for start in range(0, whole, per_statement)
        ]
        batch.append((insert + _sqlite_row_marks(per_statement, len(shared), width), grouped, per_statement))
    if whole < len(rows):
        batch.append((insert + _sqlite_row_marks(1, len(shared), width), [shared + row for row in rows[whole:]], 1))
    return batch


@cache
def _sqlite_row_marks(rows: int, shared: int, width: int) -> str:
    """``(?4, …, ?1, ?2, ?3), (…)``: numbered parameters for ``rows`` rows of ``width`` values each, every row
    ending with the ``shared`` parameters ?1 … that all rows bind alike."""
    tail = "".join(f", ?{number}" for number in range(1, shared + 1))
    first = shared + 1
    return ", ".join(
        "(" + ", ".join(f"?{first + row * width + column}" for column in range(width)) + tail + ")"
        for row in range(rows)
    )


@contextmanager
def sqlite_bulk_settings(rows: int) -> Iterator[None]:
    """On SQLite, for a load of at least BULK_SETTINGS_ROWS rows, a bigger page cache and memory-mapped reads for the
    block, restored afterwards. Neither touches durability (journal_mode and synchronous stay WAL and FULL); they
    spare the page reads a large index needs, while rows go in and while indexes set aside are built again (1.3 s
    of a million-row import with the default cache, 0.7 s with this one)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite" or rows < BULK_SETTINGS_ROWS:
        yield
        return
    previous = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in BULK_PRAGMAS}
    try:
        for name, value in BULK_PRAGMAS.items():
            connection.exec_driver_sql(f"PRAGMA {name}={value}")
        yield
    finally:
        for name, before in previous.items():
            connection.exec_driver_sql(f"PRAGMA {name}={int(before or 0)}")


@contextmanager
def indexes_set_aside(rows: int, replaced_import_ids: list[int]) -> Iterator[None]:
    """On SQLite, for a load of at least BULK_SETTINGS_ROWS rows and no fewer than the table will hold besides them,
    drop indicator_values' own indexes (not the unique key, which guards every row) for the block, which deletes the
    source's previous rows and inserts the new ones, and build them again after it: one sorted build instead of a
    million changes all over each index (for a million rows, 1 s less to insert and 0.6 s less to delete the old
    ones). It is all in the loader's transaction: readers (WAL) keep the old table and its indexes until the commit,
    and a rollback restores both. A small load into a big table keeps its indexes, since rebuilding them would read
    every other source's rows. On PostgreSQL it does nothing (the import builds a partition instead)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite" or rows < BULK_SETTINGS_ROWS:
        yield
        return
    # The rows the table keeps besides the new ones: every row but the replaced imports' (a source has a few).
    kept = IndicatorValue.data_import_id.is_(None) | IndicatorValue.data_import_id.not_in(replaced_import_ids)
    if (db.session.scalar(select(func.count()).select_from(IndicatorValue).where(kept)) or 0) > rows:
        yield
        return
    # SQLite's own CREATE INDEX text for each (a constraint's index has none and stays), so they come back as made.
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicator_values' AND sql IS NOT NULL"
    ).all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield  # on an exception the loader rolls the transaction back, which restores them
    for _, statement in indexes:
        connection.exec_driver_sql(statement)
