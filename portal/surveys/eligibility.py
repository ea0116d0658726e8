"""Who may answer a survey now: a respondent as the route knows them, and why they may not (not open yet, closed,
invitation only, already answered…).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select

from portal.extensions import db
from portal.models import Audience, Survey, SurveyInvitation, SurveyParticipation, SurveyStatus
from portal.surveys.state import SurveyState, survey_state


@dataclass(frozen=True)
class Respondent:
    """Who is answering, as the route knows it (services never read the request)."""

    user_id: int | None = None
    is_stakeholder: bool = False
    invitation_id: int | None = None
    draft_key: str | None = None


class Refusal(StrEnum):
    """Why someone cannot answer a survey now."""

    NOT_FOUND = "not_found"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    SIGN_IN = "sign_in"
    STAKEHOLDERS_ONLY = "stakeholders_only"
    INVITE_ONLY = "invite_only"
    ALREADY_ANSWERED = "already_answered"
    NOTHING_TO_SUBMIT = "nothing_to_submit"


class AnswerRefused(Exception):
    """The respondent may not answer (or submit) this survey now."""

    def __init__(self, refusal: Refusal, survey: Survey | None = None) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal
        self.survey = survey


def invitation_for(survey: Survey, respondent: Respondent) -> SurveyInvitation | None:
    """The invitation the respondent opened, if it is for this survey."""
    if respondent.invitation_id is None:
        return None
    invitation = db.session.get(SurveyInvitation, respondent.invitation_id)
    return invitation if invitation is not None and invitation.survey_id == survey.id else None


def has_participated(survey_id: int, user_id: int) -> bool:
    """True when this account has already answered this survey."""
    found = db.session.scalar(
        select(SurveyParticipation.id).where(
            SurveyParticipation.survey_id == survey_id, SurveyParticipation.user_id == user_id
        )
    )
    return found is not None


def refusal_for(survey: Survey | None, respondent: Respondent, today: date | None = None) -> Refusal | None:
    """Why this respondent cannot answer this survey now, or None when they can."""
    if survey is None or survey.status == SurveyStatus.DRAFT:
        return Refusal.NOT_FOUND
    state = survey_state(survey, today)
    if state is SurveyState.SCHEDULED:
        return Refusal.NOT_OPEN_YET
    if state is SurveyState.CLOSED:
        return Refusal.CLOSED
    if respondent.user_id is not None and has_participated(survey.id, respondent.user_id):
        return Refusal.ALREADY_ANSWERED
    invitation = invitation_for(survey, respondent)
    if invitation is not None:
        return Refusal.ALREADY_ANSWERED if invitation.used_on is not None else None
    if survey.audience == Audience.INVITE:
        return Refusal.INVITE_ONLY
    if survey.audience == Audience.STAKEHOLDERS:
        if respondent.user_id is None:
            return Refusal.SIGN_IN
        if not respondent.is_stakeholder:
            return Refusal.STAKEHOLDERS_ONLY
    if not survey.anonymous and respondent.user_id is None:
        # Identified answers need an identity: an account (or an invitation, handled above).
        return Refusal.SIGN_IN
    return None


def load_for_answering(
    survey_id: int, respondent: Respondent, today: date | None = None, *, finishing: bool = False
) -> Survey:
    """The survey, if this respondent may answer it now; otherwise raise AnswerRefused.

    ``finishing`` (an interrupted send being completed) lets through a respondent already marked as having answered.
    """
    survey = db.session.get(Survey, survey_id)
    refusal = refusal_for(survey, respondent, today)
    if finishing and refusal is Refusal.ALREADY_ANSWERED:
        refusal = None
    if refusal is not None:
        raise AnswerRefused(refusal, survey)
    assert survey is not None
    return survey
