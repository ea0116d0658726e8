"""Emailed survey links: resume links that bring back a draft saved without an account, and invitation links."""

from __future__ import annotations

from enum import StrEnum

from flask import current_app, url_for
from sqlalchemy import select

from portal.auth.tokens import TokenError, TokenPurpose, make_token, read_token
from portal.extensions import db
from portal.mail import send_email
from portal.models import SurveyDraft, SurveyInvitation
from portal.surveys.drafts import RESUME_MAX_AGE
from portal.surveys.inviting import token_hash


def send_resume_link(survey_id: int, draft_key: str, email: str) -> bool:
    """Email a link that brings back a draft saved without an account. The address is not stored."""
    draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(draft_key)))
    if draft is None or draft.survey_id != survey_id:
        return False
    token = make_token(TokenPurpose.RESUME, {"s": survey_id, "k": draft_key})
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    send_email(
        email,
        f"Continue your survey: {draft.survey.title}",
        "survey_resume.txt",
        survey=draft.survey,
        link=base + url_for("surveys.resume", token=token),
        days=RESUME_MAX_AGE // (24 * 3600),
    )
    return True


class LinkProblem(StrEnum):
    """Why an emailed survey link cannot be used."""

    EXPIRED = "expired"
    INVALID = "invalid"
    USED = "used"


def read_resume_link(token: str) -> tuple[int, str] | LinkProblem:
    """The (survey id, draft key) a resume link brings back, or why it cannot."""
    try:
        payload = read_token(TokenPurpose.RESUME, token, RESUME_MAX_AGE)
    except TokenError as exc:
        return LinkProblem.EXPIRED if exc.expired else LinkProblem.INVALID
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str) or not isinstance(payload.get("s"), int):
        return LinkProblem.INVALID
    draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(payload["k"])))
    if draft is None or draft.survey_id != payload["s"]:
        # Submitted already (the draft is gone) or never existed.
        return LinkProblem.USED
    return payload["s"], payload["k"]


def read_invitation_link(token: str) -> SurveyInvitation | LinkProblem:
    """The invitation a link is for, or why it cannot be used (a used invitation is refused)."""
    if not token or len(token) > 200:
        return LinkProblem.INVALID
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token)))
    if invitation is None:
        return LinkProblem.INVALID
    if invitation.used_on is not None:
        return LinkProblem.USED
    return invitation
