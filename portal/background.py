"""Background work: RQ on Redis when ``REDIS_URL`` is set, otherwise an in-process executor per queue.

Each queue ("imports", "email") gets its own single-thread executor in the embedded default, so a long import never
holds up invitation emails and imports still run one at a time. With Redis, run a worker for both queues:
``python worker.py imports email`` (worker.py beside wsgi.py builds the app once and runs every job inside it).
A task is a module-level function (RQ pickles it by name) that runs inside an app context.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app, has_app_context

from portal.extensions import db

JOB_TIMEOUT_SECONDS = 3600

_executors: dict[str, ThreadPoolExecutor] = {}
_executors_lock = threading.Lock()


def submit(
    queue_name: str, task: Callable[..., Any], *args: Any, timeout: int = JOB_TIMEOUT_SECONDS
) -> Future[None] | str:
    """Run ``task(*args)`` in the background; returns the RQ job id, or the in-process executor's Future."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(queue_name, connection=Redis.from_url(redis_url))
        return str(queue.enqueue(run_job, task, *args, job_timeout=timeout).id)
    return _executor(queue_name).submit(run_in_app, app, task, *args)


def _executor(queue_name: str) -> ThreadPoolExecutor:
    """The queue's one-thread executor, created on first use."""
    with _executors_lock:
        if queue_name not in _executors:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"portal-{queue_name}")
            atexit.register(executor.shutdown, wait=False, cancel_futures=True)
            _executors[queue_name] = executor
        return _executors[queue_name]


def run_in_app(app: Flask, task: Callable[..., Any], *args: Any) -> None:
    """Run a task inside an app context with its own database session, removed afterwards."""
    with app.app_context():
        try:
            task(*args)
        finally:
            db.session.remove()


def run_job(task: Callable[..., Any], *args: Any) -> Any:
    """The RQ job: it runs in worker.py's process, inside the app that worker built once for all its jobs; RQ keeps
    the task's return value as the job's result."""
    if not has_app_context():
        raise RuntimeError("Run background jobs with `python worker.py`, which builds the portal's app for them")
    try:
        return task(*args)
    finally:
        db.session.remove()
