"""A survey's life in the builder: creating it and its settings, opening, closing and deleting it, and whether
anyone has started answering (which locks anonymity, and then the questions). Each function owns its
transaction.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict, Unpack

from sqlalchemy import func, select

from portal.audit import record_audit
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    Audience,
    Survey,
    SurveyDraft,
    SurveyPendingResponse,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
)
from portal.surveys.release import release_due


class BuilderError(Exception):
    """A change the builder refuses, with a message for the analyst (and the form field it concerns)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def audit_survey(actor_id: int | None, action: str, survey_id: int, detail: str = "") -> None:
    """Record a change to a survey in the audit trail (committed with the change)."""
    record_audit(actor_id, action, "survey", survey_id, detail)


def response_count(survey_id: int) -> int:
    """How many responses a survey has, counting anonymous ones not yet released into the results."""
    released = db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id)) or 0
    pending = db.session.scalar(select(func.count()).where(SurveyPendingResponse.survey_id == survey_id)) or 0
    return released + pending


def has_started(survey_id: int) -> bool:
    """True once anyone has saved or submitted answers: from then on anonymity is locked."""
    if response_count(survey_id):
        return True
    return bool(db.session.scalar(select(SurveyDraft.id).where(SurveyDraft.survey_id == survey_id).limit(1)))


def structure_locked(survey_id: int) -> bool:
    """True once a survey has responses: its questions can no longer change, or answers would lose meaning."""
    return response_count(survey_id) > 0


class SurveySettings(TypedDict):
    """What the settings form sets on a survey (keyword arguments of ``create_survey`` and ``update_settings``)."""

    title: str
    summary: str
    audience: Audience
    anonymous: bool
    opens_on: date | None
    closes_on: date | None
    proposal_id: int | None


def _check_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise BuilderError("The closing date must be the same as or after the opening date", "closes_on")


def _apply_settings(survey: Survey, settings: SurveySettings) -> None:
    survey.title = settings["title"].strip()
    survey.summary = settings["summary"].strip()
    survey.audience = str(settings["audience"])
    survey.anonymous = settings["anonymous"]
    survey.opens_on = settings["opens_on"]
    survey.closes_on = settings["closes_on"]
    survey.proposal_id = settings["proposal_id"]


def create_survey(*, actor_id: int | None, **settings: Unpack[SurveySettings]) -> Survey:
    """Create a draft survey with one empty section."""
    _check_dates(settings["opens_on"], settings["closes_on"])
    survey = Survey(created_by_id=actor_id, status=SurveyStatus.DRAFT.value)
    _apply_settings(survey, settings)
    survey.sections = [SurveySection(title="Section 1", position=0, description="")]
    db.session.add(survey)
    db.session.flush()
    audit_survey(actor_id, "survey_created", survey.id, survey.title)
    db.session.commit()
    return survey


def update_settings(survey_id: int, *, actor_id: int | None, **settings: Unpack[SurveySettings]) -> Survey:
    """Change a survey's settings. Whether it is anonymous cannot change once anyone has started answering."""
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    _check_dates(settings["opens_on"], settings["closes_on"])
    if settings["anonymous"] != survey.anonymous and has_started(survey_id):
        db.session.rollback()
        raise BuilderError(
            "You cannot change whether the survey is anonymous after people have started answering it", "anonymous"
        )
    _apply_settings(survey, settings)
    audit_survey(actor_id, "survey_settings_changed", survey.id)
    db.session.commit()
    return survey


def open_survey(survey_id: int, actor_id: int | None, today: date | None = None) -> Survey:
    """Open a draft or closed survey for answers (from its open date, if that is later)."""
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    today = today or london_today()
    if not survey.questions:
        db.session.rollback()
        raise BuilderError("Add at least one question before you open the survey")
    if survey.closes_on is not None and survey.closes_on < today:
        db.session.rollback()
        raise BuilderError("The closing date has passed. Change the closing date first")
    survey.status = SurveyStatus.OPEN.value
    audit_survey(actor_id, "survey_opened", survey.id)
    db.session.commit()
    return survey


def close_survey(survey_id: int, actor_id: int | None) -> Survey:
    """Stop taking answers now, whatever the closing date says."""
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    survey.status = SurveyStatus.CLOSED.value
    audit_survey(actor_id, "survey_closed", survey.id)
    db.session.commit()
    release_due(survey.id)  # the anonymous answers still waiting go into the results as a last batch
    return survey


def delete_survey(survey_id: int, actor_id: int | None) -> None:
    """Delete a survey that nobody has started answering."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    if has_started(survey_id):
        raise BuilderError("People have started answering this survey, so it cannot be deleted. Close it instead")
    audit_survey(actor_id, "survey_deleted", survey.id, survey.title)
    db.session.delete(survey)
    db.session.commit()


def all_surveys() -> list[Survey]:
    """Every survey, newest first, for the builder list."""
    return list(db.session.scalars(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())))


def response_counts() -> dict[int, int]:
    """Survey id -> number of responses (anonymous ones not yet released included)."""
    counts: dict[int, int] = {}
    for model in (SurveyResponse, SurveyPendingResponse):
        for survey_id, count in db.session.execute(select(model.survey_id, func.count()).group_by(model.survey_id)):
            counts[survey_id] = counts.get(survey_id, 0) + count
    return counts
