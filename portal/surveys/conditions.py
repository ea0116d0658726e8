"""Question order as respondents see it: question numbers, and the display conditions the builder sets (which
answers of an earlier question show a later one), checked whenever the order or a question changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from portal.models import QuestionKind, Survey, SurveyQuestion, SurveySection
from portal.surveys.lifecycle import BuilderError
from portal.surveys.questions import CONDITION_KINDS


def _ordered_questions(survey: Survey) -> list[SurveyQuestion]:
    sections = sorted(survey.sections, key=lambda s: s.position)
    return [q for s in sections for q in sorted(s.questions, key=lambda q: q.position)]


def check_conditions(survey: Survey) -> None:
    """Every display condition must point at an earlier choice question and at answers it offers."""
    seen: dict[int, SurveyQuestion] = {}
    for number, question in enumerate(_ordered_questions(survey), start=1):
        if question.condition_question_id is not None:
            target = seen.get(question.condition_question_id)
            if target is None:
                raise BuilderError(
                    f"Question {number} depends on a question that would no longer come before it. "
                    "Change or remove its display condition first"
                )
            allowed = target.scale if target.kind == QuestionKind.LIKERT else target.options
            if not set(question.condition_values or []) <= set(allowed):
                raise BuilderError(f"Question {number} depends on an answer that question no longer offers")
        seen[question.id] = question


def question_numbers(survey: Survey) -> dict[int, int]:
    """Question id -> the number respondents see (1, 2, 3… through the whole survey)."""
    return {q.id: n for n, q in enumerate(_ordered_questions(survey), start=1)}


def condition_choices(survey: Survey, question: SurveyQuestion | None, section: SurveySection) -> list[tuple[str, str]]:
    """The (value, label) pairs a new or changed question may depend on: answers of earlier choice questions.

    Values are "<question id>:<index of the answer>" so any text in an answer is safe in a form.
    """
    ordered = _ordered_questions(survey)
    if question is not None and question in ordered:
        earlier = ordered[: ordered.index(question)]
    else:
        # A new question goes at the end of its section.
        earlier = [q for q in ordered if q.section.position <= section.position]
    numbers = question_numbers(survey)
    pairs = []
    for candidate in earlier:
        if candidate.kind not in {k.value for k in CONDITION_KINDS}:
            continue
        answers = candidate.scale if candidate.kind == QuestionKind.LIKERT else candidate.options
        short = candidate.title if len(candidate.title) <= 60 else candidate.title[:57].rstrip() + "…"
        for index, answer in enumerate(answers):
            pairs.append((f"{candidate.id}:{index}", f"Question {numbers[candidate.id]} ({short}) is ‘{answer}’"))
    return pairs


def decode_condition(survey: Survey, values: Sequence[str]) -> tuple[int | None, list[str]]:
    """Turn chosen "<question id>:<index>" values into (question id, answers); all must be one question's."""
    if not values:
        return None, []
    by_id = {q.id: q for q in survey.questions}
    question_ids: set[int] = set()
    answers: list[str] = []
    for value in values:
        raw_id, _, raw_index = value.partition(":")
        if not (raw_id.isdigit() and raw_index.isdigit()) or int(raw_id) not in by_id:
            raise BuilderError("Select answers from the list", "condition")
        target = by_id[int(raw_id)]
        offered = target.scale if target.kind == QuestionKind.LIKERT else target.options
        if int(raw_index) >= len(offered):
            raise BuilderError("Select answers from the list", "condition")
        question_ids.add(target.id)
        answers.append(offered[int(raw_index)])
    if len(question_ids) > 1:
        raise BuilderError("Select answers from one question only", "condition")
    return question_ids.pop(), answers


def encode_condition(question: SurveyQuestion) -> list[str]:
    """The form values for a question's current display condition."""
    target = question.condition_question
    if target is None:
        return []
    offered = target.scale if target.kind == QuestionKind.LIKERT else target.options
    return [f"{target.id}:{offered.index(v)}" for v in question.condition_values if v in offered]


def condition_text(question: SurveyQuestion, numbers: Mapping[int, int]) -> str:
    """A display condition in words, for respondents and the builder."""
    target = question.condition_question
    if target is None:
        return ""
    values = " or ".join(f"‘{v}’" for v in question.condition_values)
    return f"Answer this if your answer to question {numbers.get(target.id, '?')} was {values}"
