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


class PortalWorker(SimpleWorker):
    """RQ's SimpleWorker, stopping promptly on SIGTERM."""

    def unsubscribe(self) -> None:
        """Stop listening for RQ's commands before the shutdown.

        RQ unsubscribes first and lowers its listener thread's running flag second; when the thread reads the
        unsubscribe reply in between, it goes back to waiting (up to 60 s) for a subscription that never comes, and
        redis-py 8's ``stop()`` waits for it, so a warm shutdown could take a minute. Lowering the flag first lets the
        reply end the thread's loop at once. The thread is a daemon, so a bounded join is enough.
        """
        thread, pubsub = self.pubsub_thread, self.pubsub
        if thread is None or pubsub is None:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        thread._running.clear()  # redis-py's PubSubWorkerThread has no public way to do only this
        pubsub.unsubscribe()
        thread.join(timeout=5)
        pubsub.close()


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
        worker = PortalWorker([Queue(name, connection=connection) for name in options.queues], connection=connection)
        worker.work(burst=options.burst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
