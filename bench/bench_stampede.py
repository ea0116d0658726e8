"""p99 of a heavy page over a window in which the data version changes, with and without the build guard (issue 17).

    python bench/bench_stampede.py [--path /indicators] [--seconds 20] [--bumps 4] [--redis redis://127.0.0.1:6379/6]

Runs the portal under gunicorn (gunicorn.conf.py, 2 sync workers, production settings, the page cache in Redis) on
a copy of the seeded bench database (instance/bench/portal.sqlite3, made by bench_pages.py), twice: with
PAGE_CACHE_BUILD_WAIT_SECONDS=0 (every request that misses builds the page) and with the default guard (one build
per miss, the others wait for it). During each wrk run (-t2 -c16 --latency) the data version is bumped ``--bumps``
times, as an import would (the row in the database, and the version in Redis dropped so every worker re-reads it).
Prints requests per second, p50, p99 and the load average for each. Needs wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import parse_duration_ms, seeded_database, start_gunicorn, stop  # noqa: E402


def _copy(source: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "portal.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def _bump(database: Path, redis_url: str) -> None:
    import redis

    with sqlite3.connect(database, timeout=30) as connection:
        connection.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
    redis.Redis.from_url(redis_url).delete("portal:data_version")


def run(wait: str, args: argparse.Namespace, database: Path) -> dict[str, float | str]:
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "bench-stampede-secret-key-not-for-production",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": args.redis,
        "RATELIMIT_STORAGE_URI": args.redis,
        "WEB_CONCURRENCY": "2",
        "REQUEST_LOG": "0",
        "PAGE_CACHE_BUILD_WAIT_SECONDS": wait,
        "PYTHONPATH": str(ROOT),
    }
    process, base = start_gunicorn("wsgi:app", ROOT, env)
    try:
        for _ in range(3):
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + args.path], check=True)
        done = threading.Event()

        def bumper() -> None:
            interval = args.seconds / (args.bumps + 1)
            for _ in range(args.bumps):
                if done.wait(interval):
                    return
                _bump(database, args.redis)

        thread = threading.Thread(target=bumper)
        thread.start()
        command = ["wrk", "-t2", "-c16", f"-d{args.seconds}s", "--latency", "--timeout", "30s", base + args.path]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        done.set()
        thread.join()
        load = os.getloadavg()[0]
    finally:
        stop(process)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%\s+(\S+)", output)
    p99 = re.search(r"99%\s+(\S+)", output)
    assert rate and p50 and p99, output
    return {
        "wait": wait,
        "req/s": float(rate.group(1)),
        "p50 ms": parse_duration_ms(p50.group(1)),
        "p99 ms": parse_duration_ms(p99.group(1)),
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="/indicators")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "20")))
    parser.add_argument("--bumps", type=int, default=4, help="changes of data version during each run")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--source", help="a seeded SQLite database to copy (default: bench_pages.py's)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk")
    folder = ROOT / "instance" / "bench-stampede"
    database = _copy(args.source or seeded_database(), folder)
    print(f"{args.path}: wrk -t2 -c16 -d{args.seconds}s, {args.bumps} data version changes, gunicorn -w 2 sync")
    for wait in ("0", "5"):
        result = run(wait, args, database)
        guard = "off" if wait == "0" else f"on ({wait} s)"
        print(
            f"guard {guard:10} {result['req/s']:8.1f} req/s  p50 {result['p50 ms']:7.1f} ms  "
            f"p99 {result['p99 ms']:7.1f} ms  load average {result['load']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
