"""The life of a web upload: a pending DataImport row, its live progress, processing (here or on the "imports"
queue) and the recorded outcome."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from portal.extensions import db
from portal.importers.base import RowError
from portal.indicators.file_import import import_file, record_failed_import
from portal.indicators.loader import file_checksum
from portal.models import DataImport
from portal.models.base import utcnow

# ---------------------------------------------------------------------------------------------------------------
# Web uploads: a pending DataImport row whose progress is shown while the file is processed

RUNNING_STATUSES = frozenset({"pending", "reading", "loading"})
# Live progress of imports running in THIS process (the in-process executor or the request itself): the loading
# stage runs inside one transaction, so its progress cannot be committed to the row until it is over.
_live_progress: dict[int, tuple[str, int, int]] = {}
_live_lock = threading.Lock()


def live_progress(import_id: int) -> tuple[str, int, int] | None:
    """(stage, done, total) of an import running in this process, if any."""
    with _live_lock:
        return _live_progress.get(import_id)


class RowProgress:
    """Progress callback for an upload: always kept in memory; committed to the DataImport row (throttled) while no
    import transaction is open, i.e. while reading and at the start of loading."""

    def __init__(self, import_id: int, min_interval: float = 0.5) -> None:
        self.import_id = import_id
        self.min_interval = min_interval
        self.last_write = 0.0
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        with _live_lock:
            _live_progress[self.import_id] = (stage, done, total)
        new_stage = stage != self.stage
        self.stage = stage
        now = time.monotonic()
        # Writing while loading would wait on the import's own transaction (SQLite's write lock, or the row lock).
        if stage == "loading" and not new_stage:
            return
        if stage == "done" or (not new_stage and now - self.last_write < self.min_interval):
            return
        self.last_write = now
        with db.engine.begin() as connection:
            connection.execute(
                update(DataImport)
                .where(DataImport.id == self.import_id)
                .values(status=stage, progress_done=done, progress_total=total)
            )

    def forget(self) -> None:
        """Drop the in-memory progress once the import has finished."""
        with _live_lock:
            _live_progress.pop(self.import_id, None)


def create_pending_import(
    *, file_name: str, stored_path: str | os.PathLike[str], fmt: str | None, imported_by_id: int | None
) -> DataImport:
    """Record an uploaded file as a pending import (committed, so its status page exists at once)."""
    name = Path(file_name.replace("\\", "/")).name.strip() or "upload.csv"  # old browsers send a Windows path
    record = DataImport(
        source_key=name[:120],
        format=fmt or "",
        file_name=name[:255],
        checksum_sha256=file_checksum(stored_path),
        imported_by_id=imported_by_id,
        status="pending",
        started_at=utcnow(),
    )
    db.session.add(record)
    db.session.commit()
    return record


def process_upload(import_id: int, stored_path: str, fmt: str | None) -> DataImport | None:
    """Read, validate and load an uploaded file for its pending DataImport; record the outcome on that row (the
    error report when it failed) and delete the stored upload. Safe to run in a worker: it never raises for bad data.
    """
    record = db.session.get(DataImport, import_id)
    if record is None or record.status not in RUNNING_STATUSES:
        return record
    file_name, source_key, user_id = record.file_name, record.source_key, record.imported_by_id
    db.session.rollback()  # release the read before a progress write on another connection (SQLite)
    progress = RowProgress(import_id)
    try:
        outcome = import_file(
            stored_path,
            fmt or None,
            imported_by_id=user_id,
            progress=progress,
            source_key=source_key,
            file_name=file_name,
            data_import_id=import_id,
        )
        if not outcome.ok:
            record_failed_import(import_id, outcome.errors, fmt=outcome.format, checksum=outcome.checksum)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Import %s failed", import_id)
        message = "The import stopped because of an unexpected problem. Nothing was saved. Try again, or tell us."
        record_failed_import(import_id, [RowError(0, None, message)])
    finally:
        progress.forget()
        Path(stored_path).unlink(missing_ok=True)
    return db.session.get(DataImport, import_id)


def recent_imports(limit: int = 10) -> list[DataImport]:
    """The latest imports, newest first."""
    return list(db.session.scalars(select(DataImport).order_by(DataImport.id.desc()).limit(limit)))


def get_import(import_id: int) -> DataImport | None:
    """One import by id."""
    return db.session.get(DataImport, import_id)
