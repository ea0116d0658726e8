"""Background processing of large uploads, on the "imports" queue of ``portal.background``.

The embedded default runs imports one at a time in the web process (fine for one council's analysts). With Redis,
run a worker with ``python worker.py imports email``.
"""

from __future__ import annotations

from concurrent.futures import Future

from portal import background

QUEUE_NAME = "imports"


def enqueue_upload(import_id: int, stored_path: str, fmt: str | None) -> Future[None] | str:
    """Process an upload in the background; returns the RQ job id, or the executor's Future."""
    from portal.indicators.upload_processing import process_upload

    return background.submit(QUEUE_NAME, process_upload, import_id, stored_path, fmt)
