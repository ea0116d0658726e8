"""Benchmark: the least a million-row write can cost on each database, to judge the import goals against.

Usage: ``.venv/bin/python bench/bench_write_floor.py [--file PATH]`` (``BENCH_DATABASE_URL`` for PostgreSQL).

``bench_import.py`` times the whole import. This script times only the writing, in simplified forms the portal does
NOT use, to show how much of the ratio to ``pandas.read_csv`` is spent before any index, constraint or foreign key
is maintained:

* SQLite: ``executemany`` of the already-built row tuples into a bare copy of ``indicator_values`` (no primary key,
  no unique key, no indexes, no foreign keys); then into the real table.
* PostgreSQL: binary ``COPY`` into a TEMP table (no WAL, no indexes); then ``INSERT … SELECT`` from it into the real
  table, with its foreign keys checked as usual, and, when connected as a superuser, once more with the foreign-key
  triggers switched off (``session_replication_role = replica``), which the portal must never do.
* PostgreSQL, the bound on streaming rows to the COPY while the file is read: the reader, then the loader's own
  staging COPY (``value_chunks`` and ``partition_swap._copy_rows``) of an already-read frame, one after the other
  and then at once (the COPY in a thread), with this process's and the server's CPU. Streaming can only gain what
  running both at once gains.

Reading and checking the file is done once, outside the timings; read_csv is the fastest of three runs.
Every write is rolled back. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(label: str, action: Callable[[], Any], baseline: float) -> float:
    """Run an action and print its time and its ratio to read_csv."""
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"  {label:58} {elapsed:6.2f} s  {elapsed / baseline:5.2f} × read_csv", flush=True)
    return elapsed


def sqlite_floor(rows: list[tuple[Any, ...]], columns: list[str], baseline: float) -> None:
    """executemany into a bare table, then into the migrated table, on a WAL database with synchronous=FULL."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "floor.sqlite3"
        app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        with app.app_context():
            upgrade()
            db.engine.dispose()
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        _sqlite_parents(connection, rows, columns)
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        connection.execute("CREATE TABLE bare AS SELECT * FROM indicator_values WHERE 0")
        print("SQLite (WAL, synchronous=FULL)")
        for table, label in (
            ("bare", "executemany into a bare table (nothing to maintain)"),
            ("indicator_values", "executemany into indicator_values (keys, indexes, FKs)"),
        ):
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - fixed names
            connection.execute("BEGIN")
            timed(label, lambda insert=insert: connection.executemany(insert, rows), baseline)
            connection.execute("ROLLBACK")
        connection.close()


def _sqlite_parents(connection: sqlite3.Connection, rows: list[tuple[Any, ...]], columns: list[str]) -> None:
    """The areas, indicators and import record the rows refer to."""
    area, indicator = columns.index("area_code"), columns.index("indicator_id")
    connection.executemany(
        "INSERT INTO areas (code, name, area_type) VALUES (?, ?, 'county_ua')",
        [(code, code) for code in {row[area] for row in rows}],
    )
    connection.executemany(
        "INSERT INTO indicators (id, name, definition, unit, value_type, multiplier, polarity, topic, source, "
        "publisher, licence, comparison_confidence) VALUES (?, ?, '', '', '', 1, 'no_judgement', 'health', '', '', "
        "'', 95)",
        [(code, code) for code in {row[indicator] for row in rows}],
    )
    connection.execute(
        "INSERT INTO data_imports (id, source_key, format, file_name, checksum_sha256, row_count, status, "
        "progress_done, progress_total, started_at) VALUES (1, 'bench', 'fingertips', 'bench', '', 0, 'loading', 0, "
        "0, '2026-01-01')"
    )


def postgres_floor(rows: list[tuple[Any, ...]], columns: list[str], url: str, baseline: float) -> None:
    """COPY into a TEMP table, then INSERT … SELECT into indicator_values with and without FK triggers."""
    import psycopg
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from portal import create_app
    from portal.extensions import db

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://", 1))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    names = ", ".join(f'"{c}"' for c in columns)
    types = {"period_sortable": "int4", "data_import_id": "int4", "suppressed": "bool", "derived": "bool"}
    floats = {"value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"}
    copy_types = [types.get(c, "float8" if c in floats else "text") for c in columns]
    with psycopg.connect(url) as connection:
        area, indicator = columns.index("area_code"), columns.index("indicator_id")
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO areas (code, name, area_type) VALUES (%s, %s, 'county_ua')",
                [(code, code) for code in {row[area] for row in rows}],
            )
            cursor.executemany(
                "INSERT INTO indicators (id, name, definition, unit, value_type, multiplier, polarity, topic, source, "
                "publisher, licence, comparison_confidence) VALUES (%s, %s, '', '', '', 1, 'no_judgement', 'health', "
                "'', '', '', 95)",
                [(code, code) for code in {row[indicator] for row in rows}],
            )
            cursor.execute(
                "INSERT INTO data_imports (id, source_key, format, file_name, checksum_sha256, row_count, status, "
                "progress_done, progress_total, started_at) VALUES (1, 'bench', 'fingertips', 'bench', '', 0, "
                "'loading', 0, 0, now())"
            )
            # indicator_values is partitioned by source (migration 0027): the rows' source needs its partition.
            cursor.execute("CREATE TABLE indicator_values_bench PARTITION OF indicator_values FOR VALUES IN ('bench')")
        connection.commit()
        superuser = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()

        def copy_to_stage() -> None:
            with connection.cursor() as cursor, cursor.copy(f"COPY stage ({names}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(copy_types)
                for row in rows:
                    cp.write_row(row)

        print("PostgreSQL")
        for label, replica in (("INSERT … SELECT into indicator_values (keys, indexes, FKs)", False),
                               ("INSERT … SELECT, FK triggers off (never done by the portal)", True)):  # fmt: skip
            if replica and not (superuser and superuser[0]):
                print("  (FK triggers off: skipped, not a superuser)")
                continue
            connection.execute("CREATE TEMP TABLE stage (LIKE indicator_values INCLUDING DEFAULTS) ON COMMIT DROP")
            connection.execute("ALTER TABLE stage ALTER COLUMN id DROP NOT NULL")
            if not replica:
                timed("binary COPY into a TEMP table (no WAL, nothing to maintain)", copy_to_stage, baseline)
            else:
                copy_to_stage()
                connection.execute("SET LOCAL session_replication_role = replica")
            insert = f"INSERT INTO indicator_values ({names}) SELECT {names} FROM stage"  # noqa: S608 - fixed names
            timed(label, lambda insert=insert: connection.execute(insert), baseline)
            connection.rollback()


def server_cpu_seconds() -> float:
    """CPU time used so far by every process named postgres on this machine (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else []):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_overlap(path: Path, url: str, baseline: float, repeats: int = 3) -> None:
    """The reader and the loader's staging COPY of an already-read frame: one after the other, then at once."""
    import threading

    from sqlalchemy import create_engine

    from portal import create_app
    from portal.importers.fingertips import read_fingertips
    from portal.indicators import partition_swap
    from portal.indicators.bulk_insert import value_chunks

    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    engine = create_engine(url)
    with app.app_context():
        frame = read_fingertips(path)

    def read() -> None:
        with app.app_context():
            read_fingertips(path)

    def copy() -> None:
        with engine.begin() as connection:
            run = connection.exec_driver_sql
            run("CREATE TABLE overlap_stage (LIKE indicator_values INCLUDING DEFAULTS)")
            run(
                "ALTER TABLE overlap_stage ALTER COLUMN source_key SET DEFAULT 'bench', "
                "ALTER COLUMN data_import_id SET DEFAULT 1"
            )
            chunks = value_chunks(frame.values, 1, "bench", with_source=False, order=frame.key_order())
            partition_swap._copy_rows(connection, "overlap_stage", chunks, None)
            run("DROP TABLE overlap_stage")

    def together() -> None:
        copying = threading.Thread(target=copy)
        copying.start()
        read()
        copying.join()

    print("PostgreSQL: reading and the staging COPY, one after the other and at once (streaming's bound)")
    for _ in range(repeats):
        for label, action in (("the reader, then the COPY", lambda: (read(), copy())), ("both at once", together)):
            process, server = time.process_time(), server_cpu_seconds()
            elapsed = timed(label, action, baseline)
            used = time.process_time() - process
            print(
                f"    CPU: this process {used:.2f} s ({used / elapsed:.2f} cores), "
                f"the server {server_cpu_seconds() - server:.2f} s",
                flush=True,
            )
    engine.dispose()


def main() -> int:
    """Read the file once, build the row tuples as the loader does, and time each write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_file = Path(tempfile.gettempdir()) / "portal-bench-fingertips-1000000.csv"
    parser.add_argument("--file", type=Path, default=default_file)
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"{args.file} does not exist: run bench/bench_import.py first, which generates it")
    import pandas as pd

    from portal.importers.fingertips import read_fingertips
    from portal.indicators.bulk_insert import INSERT_COLUMNS, value_chunks

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        pd.read_csv(args.file)
        timings.append(time.perf_counter() - started)
    baseline = min(timings)
    print(f"pandas.read_csv: {baseline:.2f} s (fastest of 3)")
    result = read_fingertips(args.file)
    rows = [row for chunk in value_chunks(result.values, 1, "bench") for row in chunk]
    print(f"{len(rows):,} rows, in key order, as the loader builds them")
    sqlite_floor(rows, INSERT_COLUMNS, baseline)
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        postgres_floor(rows, INSERT_COLUMNS, url.replace("postgresql+psycopg://", "postgresql://", 1), baseline)
        del rows, result
        postgres_overlap(args.file, url.replace("postgresql+psycopg://", "postgresql://", 1), baseline)
    else:
        print("PostgreSQL: skipped (set BENCH_DATABASE_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
