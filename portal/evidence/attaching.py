"""Attaching files to briefings: the attachment records, where their files live and who may download them.

The bytes themselves are checked and stored by ``attachments``.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from flask import current_app

from portal.evidence import attachments
from portal.evidence.reading import get_for_viewer
from portal.evidence.writing import audit_briefing
from portal.extensions import db
from portal.models import EvidenceAttachment, EvidenceBriefing

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def attachment_directory() -> Path:
    """Where attachment files live: ``UPLOAD_DIR/evidence``."""
    return Path(current_app.config["UPLOAD_DIR"]) / "evidence"


def max_attachment_bytes() -> int:
    """The largest attachment accepted (``EVIDENCE_MAX_ATTACHMENT_BYTES``, 10MB unless configured)."""
    return int(current_app.config.get("EVIDENCE_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


def add_attachment(briefing_id: int, file_name: str, stream: BinaryIO, actor_id: int | None) -> EvidenceAttachment:
    """Check and store a file for a briefing; raises attachments.AttachmentError (nothing stored) when refused."""
    briefing = db.session.get(EvidenceBriefing, briefing_id)
    if briefing is None:
        raise LookupError(briefing_id)
    limit = max_attachment_bytes()
    checked = attachments.check_upload(file_name, attachments.read_limited(stream, limit), limit)
    directory = attachment_directory()
    stored_name = attachments.new_stored_name()
    attachments.store(directory, stored_name, checked.data)
    attachment = EvidenceAttachment(
        briefing_id=briefing.id,
        stored_name=stored_name,
        original_name=checked.download_name,
        kind=checked.kind,
        size_bytes=len(checked.data),
        sha256=checked.sha256,
        uploaded_by_id=actor_id,
    )
    db.session.add(attachment)
    try:
        db.session.flush()
        audit_briefing(actor_id, "attachment_added", briefing, f"{checked.download_name} ({checked.kind})")
        db.session.commit()
    except Exception:
        db.session.rollback()
        attachments.remove(directory, stored_name)  # the row was not saved: leave no file behind either
        raise
    return attachment


def delete_attachment(briefing_id: int, attachment_id: int, actor_id: int | None) -> EvidenceAttachment:
    """Remove an attachment that belongs to this briefing (and only this one) and delete its file."""
    attachment = db.session.get(EvidenceAttachment, attachment_id)
    if attachment is None or attachment.briefing_id != briefing_id:
        raise LookupError(attachment_id)
    stored_name, briefing = attachment.stored_name, attachment.briefing
    db.session.delete(attachment)
    audit_briefing(actor_id, "attachment_removed", briefing, attachment.original_name)
    db.session.commit()
    attachments.remove(attachment_directory(), stored_name)
    return attachment


def attachment_for_download(
    slug: str, attachment_id: int, *, include_drafts: bool
) -> tuple[EvidenceAttachment, Path] | None:
    """The attachment and its file, if it belongs to a briefing the viewer may see; otherwise None."""
    briefing = get_for_viewer(slug, include_drafts=include_drafts)
    if briefing is None:
        return None
    attachment = db.session.get(EvidenceAttachment, attachment_id)
    if attachment is None or attachment.briefing_id != briefing.id:
        return None
    path = attachments.stored_path(attachment_directory(), attachment.stored_name)
    if path is None:
        current_app.logger.error("Attachment %s is missing its file %s", attachment.id, attachment.stored_name)
        return None
    return attachment, path
