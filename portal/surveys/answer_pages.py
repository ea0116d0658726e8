"""The pages a respondent goes through: each section's questions as shown (display conditions applied), which
pages come next and before, what still needs an answer, and the check-your-answers page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from portal.models import QuestionKind, Survey, SurveyQuestion, SurveySection
from portal.surveys.conditions import condition_text, question_numbers
from portal.surveys.drafts import draft_answers, typed_answers
from portal.surveys.eligibility import AnswerRefused, Refusal, Respondent
from portal.surveys.questions import (
    Display,
    FormData,
    describe_answer,
    display_on_page,
    field_name,
    form_state,
    hint_text,
    is_visible,
    parse_answer,
    raw_form_state,
    visible_answers,
)


@dataclass
class QuestionView:
    """A question as its page shows it."""

    question: SurveyQuestion
    number: int
    display: Display
    values: dict[str, Any]
    error: str | None = None
    condition_text: str = ""
    # For a condition on the same page: the field to watch and the values that show this question (for the JS).
    condition_field: str = ""
    condition_form_values: list[str] = field(default_factory=list)
    hint: str = ""


@dataclass
class SectionView:
    """One page of a survey for a respondent."""

    survey: Survey
    section: SurveySection
    number: int
    step: int
    steps: int
    questions: list[QuestionView]
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def error_list(self) -> list[dict[str, str]]:
        return [{"text": message, "href": f"#{anchor}"} for anchor, message in self.errors]


def questions_by_id(survey: Survey) -> dict[int, SurveyQuestion]:
    """A survey's questions by id."""
    return {q.id: q for q in survey.questions}


def section_shown(section: SurveySection, answers: Mapping[str, Any], by_id: Mapping[int, SurveyQuestion]) -> bool:
    """A page is skipped when every question on it is hidden by its display conditions."""
    return any(display_on_page(q, answers, by_id) is not Display.HIDDEN for q in section.questions)


def shown_sections(survey: Survey, answers: Mapping[str, Any]) -> list[int]:
    """The 1-based numbers of the pages this respondent will see, given their answers so far."""
    by_id = questions_by_id(survey)
    return [n for n, s in enumerate(survey.sections, start=1) if s.questions and section_shown(s, answers, by_id)]


def progress_sections(survey: Survey, answers: Mapping[str, Any], current: int) -> list[int]:
    """The pages counted in "Section x of y": those shown, plus later pages whose conditions hang on questions not
    answered yet (still on this page or later), so the count does not jump up as people answer.
    """
    by_id = questions_by_id(survey)
    section_number = {s.id: n for n, s in enumerate(survey.sections, start=1)}
    counted = []
    for number, section in enumerate(survey.sections, start=1):
        if not section.questions:
            continue
        undecided = number > current and any(
            q.condition_question_id in by_id
            and str(q.condition_question_id) not in answers
            and section_number[by_id[q.condition_question_id].section_id] >= current
            for q in section.questions
        )
        if undecided or section_shown(section, answers, by_id):
            counted.append(number)
    return counted


def _condition_watch(question: SurveyQuestion) -> tuple[str, list[str]]:
    target = question.condition_question
    if target is None:
        return "", []
    if target.kind == QuestionKind.LIKERT:
        scale = list(target.scale)
        return field_name(target), [str(scale.index(v) + 1) for v in question.condition_values if v in scale]
    return field_name(target), list(question.condition_values)


def stored_errors(
    survey: Survey, number: int, answers: Mapping[str, Any], *, typed_only: bool = False
) -> dict[int, tuple[str, str]]:
    """Check the saved answers on page ``number`` as if they were just sent (finds required ones left blank, and
    answers saved as typed that cannot be read). With ``typed_only``, only the latter.
    """
    section = survey.sections[number - 1]
    by_id = questions_by_id(survey)
    numbers = question_numbers(survey)
    typed = typed_answers(answers)
    errors = {}
    for question in section.questions:
        if not is_visible(question, answers, by_id):
            continue
        if typed_only and str(question.id) not in typed:
            continue
        form: MultiDict[str, str] = MultiDict()
        state = typed.get(str(question.id)) or form_state(question, answers.get(str(question.id)))
        for key, value in state.items():
            form.setlist(key, value if isinstance(value, list) else [value])
        parsed = parse_answer(question, form, numbers[question.id])
        if parsed.error:
            errors[question.id] = (parsed.anchor, parsed.error)
    return errors


def section_view(
    survey: Survey,
    number: int,
    answers: Mapping[str, Any],
    *,
    submitted: FormData | None = None,
    errors: Mapping[int, tuple[str, str]] | None = None,
    preview: bool = False,
) -> SectionView:
    """Build page ``number`` (1-based) showing ``answers``, or what was ``submitted`` with its errors."""
    if not 1 <= number <= len(survey.sections):
        raise AnswerRefused(Refusal.NOT_FOUND, survey)
    section = survey.sections[number - 1]
    by_id = questions_by_id(survey)
    numbers = question_numbers(survey)
    errors = errors or {}
    typed = typed_answers(answers)
    views = []
    for question in section.questions:
        if preview:
            # A preview shows every question, with its condition in words.
            display = Display.CONDITIONAL if question.condition_question_id else Display.SHOWN
        else:
            display = display_on_page(question, answers, by_id)
        if display is Display.HIDDEN:
            continue
        values = (
            raw_form_state(question, submitted)
            if submitted is not None
            else typed.get(str(question.id)) or form_state(question, answers.get(str(question.id)))
        )
        error = errors.get(question.id)
        watch, watch_values = _condition_watch(question)
        views.append(
            QuestionView(
                question=question,
                number=numbers[question.id],
                display=display,
                values=values,
                error=error[1] if error else None,
                condition_text=condition_text(question, numbers),
                condition_field=watch,
                condition_form_values=watch_values,
                hint=hint_text(
                    question,
                    question.help_text,
                    condition_text(question, numbers) if display is Display.CONDITIONAL else "",
                ),
            )
        )
    steps = progress_sections(survey, answers, number) if not preview else list(range(1, len(survey.sections) + 1))
    step = steps.index(number) + 1 if number in steps else 1
    return SectionView(
        survey=survey,
        section=section,
        number=number,
        step=step,
        steps=max(len(steps), 1),
        questions=views,
        errors=list(errors.values()),
    )


def first_step(survey: Survey, respondent: Respondent) -> int | None:
    """Where to start or resume: the first page with an unanswered required question, or None (check answers)."""
    answers = draft_answers(survey.id, respondent)
    if not answers:
        shown = shown_sections(survey, answers)
        return shown[0] if shown else None
    missing = first_missing(survey, answers)
    return missing


def first_missing(survey: Survey, answers: Mapping[str, Any]) -> int | None:
    """The first page with a shown question that needs attention, or None when all are answered: a required one
    with no answer, or one whose answer was saved as typed and cannot be read yet.
    """
    by_id = questions_by_id(survey)
    typed = typed_answers(answers)
    for number, section in enumerate(survey.sections, start=1):
        for question in section.questions:
            if not is_visible(question, answers, by_id):
                continue
            if str(question.id) in typed or (question.required and answers.get(str(question.id)) is None):
                return number
    return None


def next_step(survey: Survey, number: int, answers: Mapping[str, Any]) -> int | None:
    """The next page to show after page ``number``, or None for the check-your-answers page."""
    for candidate in shown_sections(survey, answers):
        if candidate > number:
            return candidate
    return None


def previous_step(survey: Survey, number: int, answers: Mapping[str, Any]) -> int | None:
    """The page before page ``number`` that the respondent saw, or None for the survey's start page."""
    earlier = [n for n in shown_sections(survey, answers) if n < number]
    return earlier[-1] if earlier else None


@dataclass(frozen=True)
class AnswerLine:
    """A question and its answer on the check-your-answers page."""

    number: int
    title: str
    lines: list[str]


def check_answers(survey: Survey, respondent: Respondent) -> list[tuple[int, SurveySection, list[AnswerLine]]]:
    """The shown pages with their questions and answers in words, for checking before submitting."""
    answers = draft_answers(survey.id, respondent)
    visible = visible_answers(survey.questions, answers)
    by_id = questions_by_id(survey)
    numbers = question_numbers(survey)
    pages = []
    for number in shown_sections(survey, answers):
        section = survey.sections[number - 1]
        lines = [
            AnswerLine(numbers[q.id], q.title, describe_answer(q, visible.get(str(q.id))))
            for q in section.questions
            if is_visible(q, answers, by_id)
        ]
        pages.append((number, section, lines))
    return pages
