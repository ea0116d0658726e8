"""Benchmark: importing a 1,000,000-row Fingertips-format file, against ``pandas.read_csv`` of the same file.

Usage: ``.venv/bin/python bench/bench_import.py [--rows 1000000] [--file PATH] [--repeats 3]``

The file is made by ``bench/make_fingertips_bench_file.py`` from the real rows of the shipped exports (kept in
/tmp between runs). Each measurement runs in a fresh subprocess, so its peak memory (``ru_maxrss``) is its own:

* ``read_csv``: ``pandas.read_csv(path)`` with default options, the baseline: the fastest of at least three runs,
  after the file has been read once, so the baseline and the imports all read it from the page cache (a first,
  cold read_csv took 3.6 s where warm ones took 1.9 s, flattering every ratio);
* ``sqlite``: the full import (read + validate + load in one transaction, as ``flask indicators import`` does) into
  a new temporary SQLite file database for each run, built with the migrations (``flask db upgrade``);
* ``postgresql``: the same into PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (its public schema
  is dropped and rebuilt, then checkpointed, so point it at a throwaway database).

Before each run the previous run's writes are flushed to disk, so they are not written during the next one.

Goals (issue 17): import ≤ 6 × read_csv on SQLite, ≤ 4 × on PostgreSQL, peak memory < 1.5 GB. Exit code 0 when every
measured goal passes, 1 otherwise. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = {"sqlite": 6.0, "postgresql": 4.0}
GOAL_PEAK_MB = 1536


def peak_mb() -> float:
    """This process's peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_read_csv(path: str) -> dict[str, float]:
    """Time pandas.read_csv of the file."""
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_csv(path)
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": len(frame), "peak_mb": peak_mb()}


def measure_import(path: str, database_url: str) -> dict[str, float]:
    """Migrate an empty database, then time import_file (read + validate + load) of the file."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.indicators.file_import import import_file

    if database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            # The previous run's million rows leave a checkpoint's worth of dirty pages; write them now, so that the
            # server's background writing of them does not land in this run's timing.
            connection.execute(text("CHECKPOINT"))
        engine.dispose()
    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        before = peak_mb()
        stages: dict[str, float] = {}

        def progress(stage: str, _done: int, _total: int) -> None:
            stages.setdefault(stage, time.perf_counter())

        started = time.perf_counter()
        outcome = import_file(path, "fingertips", progress=progress)
        elapsed = time.perf_counter() - started
        if not outcome.ok:
            raise SystemExit(f"import failed: {outcome.errors[:3]}")
        rows = outcome.data_import.row_count if outcome.data_import else 0
        db.session.remove()
        db.engine.dispose()
    loading = stages.get("loading", started + elapsed)
    return {
        "seconds": elapsed,
        "read_seconds": loading - started,  # reading and checking the file (pandas)
        "load_seconds": started + elapsed - loading,  # writing to the database, one transaction
        "rows": rows,
        "peak_mb": peak_mb(),
        "baseline_mb": before,
    }


def run_child(kind: str, path: Path, database_url: str = "") -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    # The previous run's writes (a few hundred MB) are flushed first, not by the kernel during this run.
    os.sync()
    command = [sys.executable, __file__, "--child", kind, "--file", str(path)]
    if database_url:
        command += ["--database-url", database_url]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAIL_BACKEND": "console"}
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    if completed.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def postgres_url() -> str:
    """BENCH_DATABASE_URL or TEST_DATABASE_URL with the psycopg 3 driver, or ""."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def main() -> int:
    """Generate the file if needed, run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, default=None)
    # Three by default, as for read_csv: one import on this 2-core VM ranged 4.7-5.7 s in a quarter of an hour, so a
    # single run measured the machine's noise as much as the import, against a baseline that was already a best of 3.
    parser.add_argument("--repeats", type=int, default=3, help="Runs per measurement; the fastest is reported.")
    parser.add_argument("--child", choices=["read_csv", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "read_csv":
        print(json.dumps(measure_read_csv(str(args.file))))
        return 0
    if args.child == "import":
        print(json.dumps(measure_import(str(args.file), args.database_url)))
        return 0

    path = args.file or Path(tempfile.gettempdir()) / f"portal-bench-fingertips-{args.rows}.csv"
    if not path.exists():
        print(f"Generating {path} ({args.rows:,} rows)...", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "bench/make_fingertips_bench_file.py"), str(path), "--rows", str(args.rows)],
            check=True,
        )
    print(f"File: {path} ({path.stat().st_size / 1e6:,.0f} MB)")

    def best(kind: str, url: str | Callable[[int], str]) -> dict[str, float]:
        runs = [run_child(kind, path, url(run) if callable(url) else url) for run in range(args.repeats)]
        return min(runs, key=lambda r: r["seconds"])

    with path.open("rb") as handle:  # into the page cache, as it will be for every import after the first read
        while handle.read(1 << 24):
            pass
    baseline = min((run_child("read_csv", path) for _ in range(max(3, args.repeats))), key=lambda r: r["seconds"])
    print(f"read_csv:            {baseline['seconds']:6.1f} s  peak {baseline['peak_mb']:6.0f} MB  "
          f"({baseline['rows']:,.0f} rows)")  # fmt: skip
    targets: list[tuple[str, str | Callable[[int], str]]] = []
    with tempfile.TemporaryDirectory() as scratch:

        def fresh_sqlite(run: int) -> str:
            """A new database file for each run (a second import into the same file would replace the first one's
            rows, deleting them too); the previous run's is removed first."""
            for previous in Path(scratch).glob("bench-*.sqlite3*"):
                previous.unlink()
            return f"sqlite:///{Path(scratch) / f'bench-{run}.sqlite3'}"

        targets.append(("sqlite", fresh_sqlite))
        if postgres_url():
            targets.append(("postgresql", postgres_url()))
        else:
            print("postgresql:          skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
        passed = True
        for name, url in targets:
            result = best("import", url)
            ratio = result["seconds"] / baseline["seconds"]
            ok = ratio <= GOAL_RATIO[name] and result["peak_mb"] < GOAL_PEAK_MB
            passed &= ok
            print(
                f"import → {name:10}  {result['seconds']:6.1f} s  peak {result['peak_mb']:6.0f} MB  "
                f"({result['rows']:,.0f} rows)  {ratio:.2f} × read_csv (goal ≤ {GOAL_RATIO[name]:g} ×, "
                f"< {GOAL_PEAK_MB} MB)  {'PASS' if ok else 'FAIL'}\n"
                f"    of which reading and checking {result['read_seconds']:.1f} s, "
                f"writing to the database {result['load_seconds']:.1f} s"
            )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
