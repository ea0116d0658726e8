"""Background processing of large uploads: RQ on Redis when REDIS_URL is set, otherwise an in-process executor.

The embedded default is a ``concurrent.futures.ThreadPoolExecutor`` with one worker, so imports run one at a time
in the web process (fine for one council's analysts). With Redis, run a worker with
``rq worker imports --url $REDIS_URL`` (the job builds its own app with ``create_app()``).
"""

from __future__ import annotations

import atexit
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app

from portal.extensions import db

QUEUE_NAME = "imports"
JOB_TIMEOUT_SECONDS = 3600

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-import")
atexit.register(_executor.shutdown, wait=False, cancel_futures=True)


def enqueue_upload(import_id: int, stored_path: str, fmt: str | None) -> Future[None] | str:
    """Process an upload in the background; returns the RQ job id, or the executor's Future."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        job = queue.enqueue(run_upload_job, import_id, stored_path, fmt, job_timeout=JOB_TIMEOUT_SECONDS)
        return str(job.id)
    return _executor.submit(_run_in_app, app, import_id, stored_path, fmt)


def _run_in_app(app: Flask, import_id: int, stored_path: str, fmt: str | None) -> None:
    """The executor's task: process the upload inside an app context with its own database session."""
    from portal.indicators.imports import process_upload

    with app.app_context():
        try:
            process_upload(import_id, stored_path, fmt)
        finally:
            db.session.remove()


def run_upload_job(import_id: int, stored_path: str, fmt: str | None) -> None:
    """The RQ job: runs in a worker process, so it builds the app from the environment first."""
    from portal import create_app

    _run_in_app(create_app(), import_id, stored_path, fmt)
