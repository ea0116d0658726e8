"""Saved answers not yet sent (drafts): finding a respondent's draft, by invitation, account or draft key, and
deleting drafts left for longer than a resume link lasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from portal.database import rows_changed
from portal.extensions import db
from portal.models import SurveyDraft
from portal.models.base import utcnow
from portal.surveys.eligibility import Respondent
from portal.surveys.inviting import token_hash

RESUME_MAX_AGE = 30 * 24 * 3600


# In a draft's answers: what was typed for questions whose answer could not be read yet, saved as typed ("Save and
# come back later" never checks answers). Field name -> value, as the page's form sent it. Never part of a response.
TYPED = "_typed"


def typed_answers(answers: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Question id -> the form fields typed for it, for answers saved as typed because they could not be read."""
    typed = answers.get(TYPED)
    return dict(typed) if isinstance(typed, dict) else {}


def find_draft(survey_id: int, respondent: Respondent) -> SurveyDraft | None:
    """The respondent's saved answers for this survey, if any."""
    if respondent.invitation_id is not None:
        draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.invitation_id == respondent.invitation_id))
        if draft is not None and draft.survey_id == survey_id:
            return draft
    if respondent.user_id is not None and respondent.invitation_id is None:
        draft = db.session.scalar(
            select(SurveyDraft).where(SurveyDraft.survey_id == survey_id, SurveyDraft.user_id == respondent.user_id)
        )
        if draft is not None:
            return draft
    if respondent.draft_key:
        draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(respondent.draft_key)))
        # A draft begun before signing in becomes the account's; one owned by another account is never shown.
        owner_ok = draft is not None and (draft.user_id is None or draft.user_id == respondent.user_id)
        if draft is not None and owner_ok and draft.survey_id == survey_id and draft.invitation_id is None:
            return draft
    return None


def draft_answers(survey_id: int, respondent: Respondent) -> dict[str, Any]:
    """The answers saved so far (empty when none)."""
    draft = find_draft(survey_id, respondent)
    return dict(draft.answers or {}) if draft else {}


def purge_stale_drafts() -> int:
    """Delete saved answers untouched for longer than a resume link lasts (they may identify the respondent).

    Runs in the caller's transaction; returns how many drafts were deleted.
    """
    cutoff = utcnow() - timedelta(seconds=RESUME_MAX_AGE)
    return rows_changed(delete(SurveyDraft).where(SurveyDraft.updated_at < cutoff)) or 0
