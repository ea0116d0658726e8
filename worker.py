"""RQ worker entry point, beside wsgi.py: ``python worker.py [--burst] [QUEUE ...]`` (default: imports email).

It builds the app once from the environment (DATABASE_URL, REDIS_URL, ...) and runs every job inside that app's
context, so feature code queues plain functions and never builds an app itself. Jobs run in this process
(SimpleWorker): no fork shares the database pool between processes.
"""

from __future__ import annotations

import argparse

from redis import Redis
from rq import Queue, SimpleWorker

from portal import create_app

DEFAULT_QUEUES = ("imports", "email")


def main(argv: list[str] | None = None) -> int:
    """Work the named queues until stopped (or, with --burst, until they are empty)."""
    parser = argparse.ArgumentParser(description="Run the JSNA portal's background jobs.")
    parser.add_argument("queues", nargs="*", default=list(DEFAULT_QUEUES), help="queues to work, in priority order")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--url", help="Redis URL (default: the REDIS_URL setting)")
    options = parser.parse_args(argv)
    app = create_app()
    redis_url = options.url or app.config.get("REDIS_URL")
    if not redis_url:
        parser.error("set REDIS_URL (or pass --url): the worker takes its jobs from Redis")
    connection = Redis.from_url(redis_url)
    with app.app_context():
        worker = SimpleWorker([Queue(name, connection=connection) for name in options.queues], connection=connection)
        worker.work(burst=options.burst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
