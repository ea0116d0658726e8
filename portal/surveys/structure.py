"""Sections and questions in the builder: adding, changing, deleting and moving them, refused once a survey has
responses. Each function owns its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import QuestionKind, Survey, SurveyQuestion, SurveySection
from portal.surveys.conditions import check_conditions
from portal.surveys.lifecycle import BuilderError, audit_survey, structure_locked


def _require_unlocked(survey_id: int) -> None:
    if structure_locked(survey_id):
        raise BuilderError("This survey has responses, so its sections and questions can no longer be changed")


def _renumber(items: Sequence[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _move_and_check(items: Sequence[Any], item: Any, offset: int, survey: Survey) -> bool:
    """Swap ``item`` with its neighbour ``offset`` away and renumber, keeping display conditions valid.

    Returns False (changing nothing) when the item is already at that end; rolls back and re-raises when the
    move would put a question before the question its display condition depends on.
    """
    ordered = sorted(items, key=lambda i: i.position)
    index = ordered.index(item)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    try:
        check_conditions(survey)
    except BuilderError:
        db.session.rollback()
        raise
    return True


def add_section(survey_id: int, title: str, description: str, actor_id: int | None) -> SurveySection:
    """Add a section (a page) at the end of a survey."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    _require_unlocked(survey_id)
    section = SurveySection(survey_id=survey.id, title=title.strip(), description=description.strip())
    section.position = len(survey.sections)
    db.session.add(section)
    audit_survey(actor_id, "survey_section_added", survey.id, section.title)
    db.session.commit()
    return section


def update_section(section_id: int, title: str, description: str, actor_id: int | None) -> SurveySection:
    """Rename a section or change its introduction."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    section.title = title.strip()
    section.description = description.strip()
    audit_survey(actor_id, "survey_section_changed", section.survey_id, section.title)
    db.session.commit()
    return section


def delete_section(section_id: int, actor_id: int | None) -> None:
    """Delete a section and its questions (refused when later questions depend on them)."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    survey = section.survey
    _require_unlocked(survey.id)
    if len(survey.sections) == 1:
        raise BuilderError("A survey needs at least one section")
    ids = {q.id for q in section.questions}
    dependants = [q for q in survey.questions if q.condition_question_id in ids and q.id not in ids]
    if dependants:
        raise BuilderError("Questions in other sections depend on this section’s questions. Change them first")
    survey.sections.remove(section)
    _renumber(survey.sections)
    audit_survey(actor_id, "survey_section_deleted", survey.id, section.title)
    db.session.commit()


def move_section(section_id: int, offset: int, actor_id: int | None) -> None:
    """Move a section up (-1) or down (+1)."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    survey = section.survey
    _require_unlocked(survey.id)
    if not _move_and_check(survey.sections, section, offset, survey):
        return
    audit_survey(actor_id, "survey_section_moved", survey.id, section.title)
    db.session.commit()


@dataclass
class QuestionSpec:
    """Everything the builder form collects about a question."""

    kind: QuestionKind
    title: str
    help_text: str = ""
    required: bool = True
    options: list[str] = field(default_factory=list)
    scale: list[str] = field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None
    whole_number: bool = False
    condition_question_id: int | None = None
    condition_values: list[str] = field(default_factory=list)


def save_question(section_id: int, question_id: int | None, spec: QuestionSpec, actor_id: int | None) -> SurveyQuestion:
    """Add a question at the end of a section, or change one."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    survey = section.survey
    _require_unlocked(survey.id)
    if question_id is None:
        question = SurveyQuestion(survey_id=survey.id, kind=str(spec.kind), position=len(section.questions))
        section.questions.append(question)
    else:
        found = db.session.get(SurveyQuestion, question_id)
        if found is None or found.section_id != section.id:
            raise LookupError(question_id)
        question = found
    question.title = spec.title.strip()
    question.help_text = spec.help_text.strip()
    question.required = spec.required
    question.options = list(spec.options)
    question.scale = list(spec.scale)
    question.min_value = spec.min_value
    question.max_value = spec.max_value
    question.whole_number = spec.whole_number
    question.condition_question_id = spec.condition_question_id
    question.condition_values = list(spec.condition_values) if spec.condition_question_id else []
    try:
        check_conditions(survey)
    except BuilderError:
        db.session.rollback()
        raise
    audit_survey(actor_id, "survey_question_saved", survey.id, question.title[:200])
    db.session.commit()
    return question


def delete_question(question_id: int, actor_id: int | None) -> None:
    """Delete a question (refused when another question's display condition depends on it)."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None:
        raise LookupError(question_id)
    section = question.section
    _require_unlocked(section.survey_id)
    if db.session.scalar(select(SurveyQuestion.id).where(SurveyQuestion.condition_question_id == question.id)):
        raise BuilderError("Another question’s display condition depends on this question. Change that first")
    section.questions.remove(question)
    _renumber(section.questions)
    audit_survey(actor_id, "survey_question_deleted", section.survey_id, question.title[:200])
    db.session.commit()


def move_question(question_id: int, offset: int, actor_id: int | None) -> None:
    """Move a question up (-1) or down (+1) within its section."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None:
        raise LookupError(question_id)
    section = question.section
    _require_unlocked(section.survey_id)
    if not _move_and_check(section.questions, question, offset, section.survey):
        return
    audit_survey(actor_id, "survey_question_moved", section.survey_id, question.title[:200])
    db.session.commit()
