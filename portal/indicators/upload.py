"""Analysts upload indicator data; large files are processed in the background."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access import role_required
from portal.htmx import render_page
from portal.importers.base import REPORT_ROWS_PER_KIND
from portal.indicators import bp, jobs, upload_processing
from portal.indicators.catalogue import get_indicator
from portal.indicators.forms import ReviewForm, UploadForm
from portal.indicators.review import PublishRefused, Review, draft_indicators, publish_indicator, review_of
from portal.models import Role

# Files up to this size are processed within the request; larger ones in the background.
DEFAULT_BACKGROUND_BYTES = 2 * 1024 * 1024
# The report shows this many problems of each kind; the rest are counted.
REPORT_ROWS_SHOWN = REPORT_ROWS_PER_KIND


@bp.route("/indicators/upload", methods=["GET", "POST"])
@role_required(Role.ANALYST, Role.ADMIN)
def upload() -> ResponseReturnValue:
    """Upload a data file; it is checked and, if every row is valid, loaded."""
    form = UploadForm()
    if form.validate_on_submit():
        stored = _store_upload(form.file.data)
        record = upload_processing.create_pending_import(
            file_name=form.file.data.filename or "upload.csv",
            stored_path=stored,
            fmt=form.format.data or None,
            imported_by_id=current_user.id,
        )
        threshold = current_app.config.get("IMPORT_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES)
        if stored.stat().st_size <= threshold:
            upload_processing.process_upload(record.id, str(stored), form.format.data or None)
        else:
            jobs.enqueue_upload(record.id, str(stored), form.format.data or None)
        return redirect(url_for("indicators.upload_status", import_id=record.id), 303)
    return render_page("indicators/upload.html", form=form, recent=upload_processing.recent_imports())


@bp.route("/indicators/imports/<int:import_id>")
@role_required(Role.ANALYST, Role.ADMIN)
def upload_status(import_id: int) -> Response:
    """An import's progress, then its summary or its row-numbered error report; HTMX polls the fragment."""
    record = upload_processing.get_import(import_id)
    if record is None:
        abort(404)
    return render_page(
        "indicators/upload_status.html",
        "indicators/_upload_status.html",
        record=record,
        live=upload_processing.live_progress(import_id),
        running=record.status in upload_processing.RUNNING_STATUSES,
        drafts=draft_indicators(record.id) if record.status == "complete" else [],
        report_limit=REPORT_ROWS_SHOWN,
    )


@bp.route("/indicators/<indicator_id>/review", methods=["GET", "POST"])
@role_required(Role.ANALYST, Role.ADMIN)
def review(indicator_id: str) -> ResponseReturnValue:
    """Confirm or correct what an import inferred about an indicator (value type, unit, polarity) and record its
    publisher, source and licence; publishing shows it to the public."""
    indicator = get_indicator(indicator_id)
    if indicator is None:
        abort(404)
    form = ReviewForm(obj=review_of(indicator))
    if form.validate_on_submit():
        reviewed = Review(*(str(getattr(form, name).data or "") for name in Review.__dataclass_fields__))
        try:
            publish_indicator(indicator.id, reviewed, actor_id=current_user.id)
        except PublishRefused as refused:
            for name, message in refused.errors.items():
                getattr(form, name).errors.append(message)
        else:
            flash(f"{indicator.name} is published", "success")
            return redirect(url_for("indicators.detail", indicator_id=indicator.id), 303)
    return render_page("indicators/review.html", form=form, indicator=indicator)


def _store_upload(file_storage: object) -> Path:
    """Save the upload under UPLOAD_DIR with a random name (never the client's), readable only by us."""
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{secrets.token_hex(16)}.upload"
    file_storage.save(path)  # type: ignore[attr-defined]
    path.chmod(0o600)
    return path
