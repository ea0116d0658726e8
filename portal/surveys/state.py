"""Whether a survey is taking answers: its status and open and close dates, judged by the date in Wolverhampton."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from portal.clock import london_today
from portal.models.surveys import Survey, SurveyStatus


class SurveyState(StrEnum):
    """What respondents see of a survey."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "scheduled": "Not open yet", "open": "Open", "closed": "Closed"}[self.value]

    @property
    def colour(self) -> str:
        return {"draft": "grey", "scheduled": "blue", "open": "green", "closed": "red"}[self.value]


def survey_state(survey: Survey, today: date | None = None) -> SurveyState:
    """Draft until opened; then scheduled before its open date, open until the end of its close date, closed after."""
    today = today or london_today()
    if survey.status == SurveyStatus.DRAFT:
        return SurveyState.DRAFT
    if survey.status == SurveyStatus.CLOSED:
        return SurveyState.CLOSED
    if survey.opens_on is not None and today < survey.opens_on:
        return SurveyState.SCHEDULED
    if survey.closes_on is not None and today > survey.closes_on:
        return SurveyState.CLOSED
    return SurveyState.OPEN
