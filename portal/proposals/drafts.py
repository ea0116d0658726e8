"""Drafts: the question pages' answers so far, kept on the server under a random id (the routes keep that id in the
browser's session). Abandoned drafts, which may hold personal data, are purged."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete

from portal.extensions import db
from portal.models import ProposalDraft
from portal.models.base import utcnow
from portal.proposals.vocabulary import DRAFT_MAX_AGE


def get_draft(draft_id: str | None) -> ProposalDraft | None:
    """The draft with this id, if it exists and is not too old."""
    if not draft_id:
        return None
    draft = db.session.get(ProposalDraft, draft_id)
    if draft is None or draft.updated_at < utcnow() - DRAFT_MAX_AGE:
        return None
    return draft


def create_draft(started_at: datetime | None = None) -> ProposalDraft:
    """Start a draft (and purge abandoned ones, which may hold personal data)."""
    db.session.execute(delete(ProposalDraft).where(ProposalDraft.updated_at < utcnow() - DRAFT_MAX_AGE))
    now = utcnow()
    started = started_at if started_at is not None and started_at <= now else now
    draft = ProposalDraft(
        id=secrets.token_urlsafe(32),
        answers={},
        idempotency_key=secrets.token_urlsafe(32),
        started_at=started,
        updated_at=now,
    )
    db.session.add(draft)
    db.session.commit()
    return draft


def save_answers(draft: ProposalDraft, answers: dict[str, Any]) -> ProposalDraft:
    """Merge answers into the draft and commit."""
    merged = dict(draft.answers or {})
    merged.update(answers)
    draft.answers = merged
    draft.updated_at = utcnow()
    db.session.commit()
    return draft
