"""Publishing a survey's results: which questions' charts the public sees, once enough people have answered."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import QuestionKind, Survey, SurveyResponse
from portal.surveys.lifecycle import audit_survey
from portal.surveys.questions import CONDITION_KINDS

DEFAULT_MIN_RESPONSES_TO_PUBLISH = 10


def min_responses_to_publish() -> int:
    """The fewest responses a survey needs before its results can be published (SURVEY_MIN_RESPONSES_TO_PUBLISH)."""
    return max(1, int(current_app.config.get("SURVEY_MIN_RESPONSES_TO_PUBLISH", DEFAULT_MIN_RESPONSES_TO_PUBLISH)))


class PublishRefused(Exception):
    """Results cannot be published yet (too few responses)."""


def publish_results(
    survey_id: int, question_ids: Sequence[int], actor_id: int | None, *, while_open: bool = False
) -> int:
    """Publish the chosen questions' charts on the public survey page; an empty choice unpublishes.

    Publishing needs :func:`min_responses_to_publish` responses in the results (anonymous answers still waiting to
    be released do not count). ``while_open`` lets the public see them before the survey closes (see
    ``results.results_public``); it is off unless chosen each time.
    """
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    chosen = set(question_ids)
    released = db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    if chosen and released < min_responses_to_publish():
        db.session.rollback()
        raise PublishRefused(
            f"Results can be published once {min_responses_to_publish()} people have answered. "
            f"{released} {'has' if released == 1 else 'have'} so far"
        )
    survey.results_while_open = bool(chosen) and while_open
    publishable = {k.value for k in CONDITION_KINDS | {QuestionKind.NUMBER, QuestionKind.RANKING, QuestionKind.MATRIX}}
    count = 0
    for question in survey.questions:
        question.result_public = question.id in chosen and question.kind in publishable
        count += question.result_public
    survey.results_published = count > 0
    audit_survey(actor_id, "survey_results_published" if count else "survey_results_unpublished", survey.id, str(count))
    db.session.commit()
    return count
