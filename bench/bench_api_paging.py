"""API paging at depth (issue 17): the first and the last page of an indicator's values, by cursor and by page number.

    python bench/bench_api_paging.py [--database sqlite:///path] [--indicator 93356] [--per-page 1000] [--repeats 5]

By default it reads its own database, instance/bench-api/portal.sqlite3: the migrations plus
make_fingertips_bench_file.py's 1,000,000 rows (most of them indicator 93356, so its pages go deep), imported with
``flask indicators import``; it is built on the first run (a minute or two) and kept. Each figure is the median of
``--repeats`` sequential requests through the app
(in-process, page cache off, no rate limits), beside a bare Flask hello-world timed the same way in the same run.
The last cursor page is reached with the cursor of the row just before it (a next link would give the same one).

Two tables: the rows' query alone (what the page's depth changes: OFFSET counts past every earlier row, the cursor
starts from the unique index), and whole requests, which also work out each row's comparisons and recent trend from
the history of the page's areas; that part depends on which areas a page holds (on the large data England has 22
series of 2,750 periods, a local authority 2), not on how deep the page is.
Goal: the last cursor page's query costs about what the first's does (ratio ≤ 1.5).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LARGE = ROOT / "instance" / "bench-api" / "portal.sqlite3"
GOAL_LAST_OVER_FIRST = 1.5


def median_ms(fetch: Callable[[], object], repeats: int) -> float:
    """The median time of ``repeats`` calls, in milliseconds (after one warm-up call)."""
    fetch()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def build_database(path: Path) -> None:
    """The migrations and the 1,000,000-row bench file, imported as an operator would; renamed into place at the end."""
    print(f"Building {path} (make_fingertips_bench_file.py, flask db upgrade, flask indicators import)...", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{building}", "PYTHONPATH": str(ROOT), "MAIL_BACKEND": "console"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    with tempfile.TemporaryDirectory() as folder:
        rows = Path(folder) / "fingertips-1m.csv"
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_fingertips_bench_file.py"), str(rows)], check=True)
        subprocess.run([*flask, "db", "upgrade"], check=True, env=env, cwd=ROOT)
        load = [*flask, "indicators", "import", str(rows), "--format", "fingertips"]
        subprocess.run(load, check=True, env=env, cwd=ROOT)
    with sqlite3.connect(building) as connection:  # every commit into the file itself before it is renamed
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    building.rename(path)


def main() -> int:
    """Time the pages and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{LARGE}")
    parser.add_argument("--indicator", default="93356")
    parser.add_argument("--per-page", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.database == f"sqlite:///{LARGE}" and not LARGE.exists():
        build_database(LARGE)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("MAIL_BACKEND", "console")
    from flask import Flask
    from sqlalchemy import func, select, tuple_

    from portal import create_app
    from portal.api.cursors import make_cursor
    from portal.extensions import db
    from portal.indicators.value_rows import KEY_FIELDS, api_rows_query, key_rows_query
    from portal.models import IndicatorValue

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, world!")
    hello_client = hello.test_client()
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=args.database,
        PAGE_CACHE_ENABLED=False,
        RATELIMIT_ENABLED=False,
        REQUEST_LOG=False,
    )
    client = app.test_client()
    per_page = args.per_page
    base = f"/api/v1/indicators/{args.indicator}/data?per_page={per_page}"
    with app.app_context():
        condition = IndicatorValue.indicator_id == args.indicator
        total = db.session.scalar(select(func.count()).select_from(IndicatorValue).where(condition)) or 0
        if total <= per_page:
            raise SystemExit(f"indicator {args.indicator} has {total} rows: nothing to page")
        columns = [getattr(IndicatorValue, name) for name in KEY_FIELDS]
        # The key of the row just before the last page: what the next link of the page before it carries.
        before_last = db.session.execute(
            select(*columns).where(condition).order_by(*(c.desc() for c in columns)).offset(per_page).limit(1)
        ).one()
        last_cursor = make_cursor(args.indicator, dict(zip(KEY_FIELDS, before_last, strict=True)))
        # The deepest page holding one local authority's rows (the same shape as the first page): the last page of
        # the last E06-E10 area; after it come the regions (E12) and England (E92), which have more series.
        authority = db.session.scalar(
            select(func.max(IndicatorValue.area_code)).where(condition, IndicatorValue.area_code < "E11")
        )
        before_authority_last = db.session.execute(
            select(*columns)
            .where(condition, IndicatorValue.area_code == authority)
            .order_by(*(c.desc() for c in columns))
            .offset(per_page)
            .limit(1)
        ).one()
        authority_cursor = make_cursor(args.indicator, dict(zip(KEY_FIELDS, before_authority_last, strict=True)))
        beyond = db.session.scalar(
            select(func.count()).where(condition, tuple_(*columns) > tuple_(*before_last)).select_from(IndicatorValue)
        )
    last_page = -(-total // per_page)

    def run(query: object) -> Callable[[], object]:
        def fetch() -> object:
            with app.app_context():
                return db.session.execute(query).all()  # type: ignore[call-overload]

        return fetch

    queries = {
        "cursor, first page": median_ms(run(key_rows_query(condition).limit(per_page + 1)), args.repeats),
        "cursor, last page": median_ms(
            run(key_rows_query(condition, after=tuple(before_last)).limit(per_page + 1)), args.repeats
        ),
        "cursor, deepest local-authority page": median_ms(
            run(key_rows_query(condition, after=tuple(before_authority_last)).limit(per_page + 1)), args.repeats
        ),
        "page=1": median_ms(run(api_rows_query(condition).limit(per_page)), args.repeats),
        f"page={last_page} (the last)": median_ms(
            run(api_rows_query(condition).offset((last_page - 1) * per_page).limit(per_page)), args.repeats
        ),
    }

    def get(url: str) -> Callable[[], object]:
        def fetch() -> object:
            response = client.get(url)
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
            return response

        return fetch

    hello_ms = median_ms(lambda: hello_client.get("/"), args.repeats * 20)
    figures = {
        "cursor, first page": median_ms(get(f"{base}&cursor=start"), args.repeats),
        "cursor, last page": median_ms(get(f"{base}&cursor={last_cursor}"), args.repeats),
        "cursor, deepest local-authority page": median_ms(get(f"{base}&cursor={authority_cursor}"), args.repeats),
        "page=1": median_ms(get(f"{base}&page=1"), args.repeats),
        f"page={last_page} (the last)": median_ms(get(f"{base}&page={last_page}"), args.repeats),
    }
    last_rows = len(client.get(f"{base}&cursor={last_cursor}").get_json())
    load = os.getloadavg()
    print(f"Indicator {args.indicator}: {total:,} rows, {per_page} a page ({last_page:,} pages); {args.database}")
    print(f"Load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; hello-world {hello_ms:.3f} ms in-process")
    print("| page | rows' query, median ms | whole request, median ms | request × hello-world |\n|---|---|---|---|")
    for name, ms in figures.items():
        print(f"| {name} | {queries[name]:,.1f} | {ms:,.0f} | {ms / hello_ms:,.0f}× |")
    ratio = queries["cursor, last page"] / queries["cursor, first page"]
    verdict = "meets" if ratio <= GOAL_LAST_OVER_FIRST else "MISSES"
    print(f"Last cursor page ({last_rows} rows, {beyond} after the cursor): query ÷ first page's {ratio:.2f} "
          f"({verdict} the goal ≤ {GOAL_LAST_OVER_FIRST}); whole request ÷ first "
          f"{figures['cursor, last page'] / figures['cursor, first page']:.2f}, the deepest local authority's page ÷ "
          f"first {figures['cursor, deepest local-authority page'] / figures['cursor, first page']:.2f}")  # fmt: skip
    return 0 if ratio <= GOAL_LAST_OVER_FIRST else 1


if __name__ == "__main__":
    raise SystemExit(main())
