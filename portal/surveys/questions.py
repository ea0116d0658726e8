"""Question logic without Flask or the database: read a submitted form into a typed answer, check it, decide
whether a question is shown (display conditions), and describe an answer in words.

Answers are kept as a dict keyed by the question id as a string (JSON keys are strings):
short and long text -> str; single choice -> the option; multiple choice -> list of options; Likert -> 1..5;
number -> int (whole numbers) or float; ranking -> every option, top first; matrix -> {row: scale label}.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from portal.models.surveys import QuestionKind

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
# Kinds whose answers can drive a display condition.
CONDITION_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.LIKERT})


class QuestionLike(Protocol):
    """What the logic needs from a question (a SurveyQuestion or a stand-in in tests)."""

    id: int
    section_id: int
    kind: str
    title: str
    required: bool
    options: list
    scale: list
    min_value: float | None
    max_value: float | None
    whole_number: bool
    condition_question_id: int | None
    condition_values: list


class FormData(Protocol):
    """A submitted form (werkzeug's MultiDict)."""

    def get(self, key: str) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Parsed:
    """A question's answer read from a form: the value (None when unanswered) or an error and where it points."""

    value: Any = None
    error: str | None = None
    anchor: str = ""


def field_name(question: QuestionLike) -> str:
    """The form field name (and element id) of a question."""
    return f"q{question.id}"


def ranking_field(question: QuestionLike, index: int) -> str:
    """The field holding the rank given to option ``index`` of a ranking question."""
    return f"q{question.id}-o{index}"


def matrix_field(question: QuestionLike, index: int) -> str:
    """The field holding the answer for row ``index`` of a matrix question."""
    return f"q{question.id}-r{index}"


def _format_number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _number_range_error(question: QuestionLike, label: str) -> str | None:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return f"{label} must be between {_format_number(low)} and {_format_number(high)}"
    if low is not None:
        return f"{label} must be {_format_number(low)} or more"
    if high is not None:
        return f"{label} must be {_format_number(high)} or less"
    return None


def _missing(question: QuestionLike, message: str, anchor: str) -> Parsed:
    """No answer given: an error for a required question, otherwise simply unanswered."""
    return Parsed(error=message, anchor=anchor) if question.required else Parsed()


def parse_answer(question: QuestionLike, form: FormData, number: int) -> Parsed:
    """Read and check one question's answer. ``number`` is the question's number shown to respondents."""
    kind = QuestionKind(question.kind)
    name = field_name(question)
    label = f"Question {number}"
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = (form.get(name) or "").strip()
        limit = SHORT_TEXT_MAX if kind is QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
        if not text:
            return _missing(question, f"Enter an answer to question {number}", name)
        if len(text) > limit:
            return Parsed(value=text, error=f"{label} must be {limit:,} characters or fewer", anchor=name)
        return Parsed(value=text)
    if kind is QuestionKind.SINGLE:
        choice = form.get(name) or ""
        if not choice:
            return _missing(question, f"Select an answer to question {number}", name)
        if choice not in question.options:
            return Parsed(error=f"Select an answer to question {number} from the list", anchor=name)  # noqa: S608 - a message, not SQL
        return Parsed(value=choice)
    if kind is QuestionKind.MULTIPLE:
        chosen = [c for c in form.getlist(name) if c]
        if not chosen:
            if question.required:
                return Parsed(error=f"Select at least one answer to question {number}", anchor=name)
            return Parsed()
        if any(c not in question.options for c in chosen):
            return Parsed(error=f"Select answers to question {number} from the list", anchor=name)  # noqa: S608 - a message, not SQL
        # Keep the builder's order and drop repeats, whatever order the browser sent.
        return Parsed(value=[option for option in question.options if option in chosen])
    if kind is QuestionKind.LIKERT:
        raw = form.get(name) or ""
        if not raw:
            return _missing(question, f"Select an answer to question {number}", name)
        if raw not in {str(point) for point in range(1, len(question.scale) + 1)}:
            return Parsed(error=f"Select an answer to question {number} from the scale", anchor=name)  # noqa: S608 - a message, not SQL
        return Parsed(value=int(raw))
    if kind is QuestionKind.NUMBER:
        return _parse_number(question, form, number)
    if kind is QuestionKind.RANKING:
        return _parse_ranking(question, form, number)
    return _parse_matrix(question, form, number)


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _parse_number(question: QuestionLike, form: FormData, number: int) -> Parsed:
    name = field_name(question)
    label = f"Question {number}"
    raw = (form.get(name) or "").strip()
    if not raw:
        return _missing(question, f"Enter a number for question {number}", name)
    # Commas are read only as thousands separators ("1,234"): "1,2,3" is a list, and must not become 123.
    if "," in raw and not _THOUSANDS.fullmatch(raw):
        return Parsed(value=raw, error=f"{label} must be a number, like 12", anchor=name)
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        return Parsed(value=raw, error=f"{label} must be a number, like 12", anchor=name)
    if not math.isfinite(value):
        return Parsed(value=raw, error=f"{label} must be a number, like 12", anchor=name)
    if question.whole_number and not value.is_integer():
        return Parsed(value=raw, error=f"{label} must be a whole number, like 12", anchor=name)
    too_low = question.min_value is not None and value < question.min_value
    too_high = question.max_value is not None and value > question.max_value
    if too_low or too_high:
        return Parsed(value=raw, error=_number_range_error(question, label), anchor=name)
    return Parsed(value=int(value) if question.whole_number else value)


def _parse_ranking(question: QuestionLike, form: FormData, number: int) -> Parsed:
    options = list(question.options)
    first = ranking_field(question, 0)
    raw = [(form.get(ranking_field(question, i)) or "").strip() for i in range(len(options))]
    if not any(raw):
        return _missing(question, f"Rank the options in question {number}", first)
    allowed = {str(rank) for rank in range(1, len(options) + 1)}
    for index, value in enumerate(raw):
        if value not in allowed:
            return Parsed(
                error=f"Give every option in question {number} a rank from 1 to {len(options)}",
                anchor=ranking_field(question, index),
            )
    if len(set(raw)) != len(raw):
        seen: set[str] = set()
        for index, value in enumerate(raw):
            if value in seen:
                return Parsed(
                    error=f"Give each option in question {number} a different rank",
                    anchor=ranking_field(question, index),
                )
            seen.add(value)
    ordered = sorted(range(len(options)), key=lambda i: int(raw[i]))
    return Parsed(value=[options[i] for i in ordered])


def _parse_matrix(question: QuestionLike, form: FormData, number: int) -> Parsed:
    answers: dict[str, str] = {}
    for index, row in enumerate(question.options):
        value = form.get(matrix_field(question, index)) or ""
        if not value:
            if question.required:
                return Parsed(
                    error=f"Select an answer for ‘{row}’ in question {number}", anchor=matrix_field(question, index)
                )
            continue
        if value not in question.scale:
            return Parsed(
                error=f"Select an answer for ‘{row}’ in question {number} from the scale",  # noqa: S608
                anchor=matrix_field(question, index),
            )
        answers[row] = value
    return Parsed(value=answers or None)


def condition_met(question: QuestionLike, answer: Any, condition_question: QuestionLike) -> bool:
    """True when ``answer`` (to ``condition_question``) is one of the values ``question`` is shown for."""
    wanted = set(question.condition_values or [])
    if answer is None or not wanted:
        return False
    kind = QuestionKind(condition_question.kind)
    if kind is QuestionKind.MULTIPLE and isinstance(answer, list):
        return bool(wanted & set(answer))
    if kind is QuestionKind.LIKERT and isinstance(answer, int):
        scale = list(condition_question.scale)
        return 1 <= answer <= len(scale) and scale[answer - 1] in wanted
    return isinstance(answer, str) and answer in wanted


def is_visible(question: QuestionLike, answers: Mapping[str, Any], by_id: Mapping[int, QuestionLike]) -> bool:
    """Whether a question is shown, given the answers so far. A question hangs on a hidden one stays hidden."""
    seen: set[int] = set()
    current = question
    while current.condition_question_id is not None:
        if current.id in seen:  # a loop cannot be built, but never spin on bad data
            return False
        seen.add(current.id)
        condition_question = by_id.get(current.condition_question_id)
        if condition_question is None:
            return True  # the condition's question was deleted: the condition no longer applies
        if not condition_met(current, answers.get(str(condition_question.id)), condition_question):
            return False
        current = condition_question
    return True


class Display(StrEnum):
    """How a question appears on its section's page."""

    SHOWN = "shown"
    HIDDEN = "hidden"
    # Its condition is on the same page: shown with a hint, hidden by JavaScript until the condition is met.
    CONDITIONAL = "conditional"


def display_on_page(question: QuestionLike, answers: Mapping[str, Any], by_id: Mapping[int, QuestionLike]) -> Display:
    """Decide how a question appears when its page is drawn, from the answers on earlier pages."""
    condition_id = question.condition_question_id
    if condition_id is None or condition_id not in by_id:
        return Display.SHOWN
    condition_question = by_id[condition_id]
    if condition_question.section_id == question.section_id:
        parent = display_on_page(condition_question, answers, by_id)
        return Display.HIDDEN if parent is Display.HIDDEN else Display.CONDITIONAL
    return Display.SHOWN if is_visible(question, answers, by_id) else Display.HIDDEN


def visible_answers(questions: Sequence[QuestionLike], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions that are shown, given all the answers (hidden ones are dropped)."""
    by_id = {q.id: q for q in questions}
    return {
        str(q.id): answers[str(q.id)]
        for q in questions
        if str(q.id) in answers and answers[str(q.id)] is not None and is_visible(q, answers, by_id)
    }


def hint_text(question: QuestionLike, help_text: str = "", condition: str = "") -> str:
    """The hint under a question: its condition (when shown on the same page), help text, and how to answer."""
    parts = [f"{condition}." if condition else "", help_text.strip()]
    kind = QuestionKind(question.kind)
    if kind is QuestionKind.NUMBER:
        low, high = question.min_value, question.max_value
        whole = " Enter a whole number." if question.whole_number else ""
        if low is not None and high is not None:
            parts.append(f"Enter a number from {_format_number(low)} to {_format_number(high)}.{whole}")
        elif low is not None:
            parts.append(f"Enter a number of {_format_number(low)} or more.{whole}")
        elif high is not None:
            parts.append(f"Enter a number of {_format_number(high)} or less.{whole}")
        else:
            parts.append(whole.strip())
    elif kind is QuestionKind.MULTIPLE:
        parts.append("Select all that apply.")
    elif kind is QuestionKind.RANKING:
        parts.append("Give each option a different position: 1 for the one that matters most.")
    return " ".join(p for p in parts if p)


def describe_answer(question: QuestionLike, value: Any) -> list[str]:
    """An answer in words, one line per item (empty when unanswered)."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    kind = QuestionKind(question.kind)
    if kind is QuestionKind.MULTIPLE and isinstance(value, list):
        return [str(v) for v in value]
    if kind is QuestionKind.LIKERT and isinstance(value, int):
        scale = list(question.scale)
        return [scale[value - 1]] if 1 <= value <= len(scale) else [str(value)]
    if kind is QuestionKind.RANKING and isinstance(value, list):
        return [f"{rank}. {option}" for rank, option in enumerate(value, start=1)]
    if kind is QuestionKind.MATRIX and isinstance(value, dict):
        return [f"{row}: {value[row]}" for row in question.options if row in value]
    if kind is QuestionKind.NUMBER and isinstance(value, int | float):
        return [_format_number(value)]
    return [str(value)]


def flat_answer(question: QuestionLike, value: Any) -> str | int | float | None:
    """An answer as one spreadsheet cell: numbers stay numbers, lists are joined with "; "."""
    kind = QuestionKind(question.kind)
    if value is None:
        return None
    if kind is QuestionKind.NUMBER and isinstance(value, int | float):
        return value
    if kind is QuestionKind.LIKERT and isinstance(value, int):
        return value
    if kind is QuestionKind.RANKING and isinstance(value, list):
        return " > ".join(str(v) for v in value)
    lines = describe_answer(question, value)
    return "; ".join(lines) if lines else None


def form_state(question: QuestionLike, value: Any) -> dict[str, Any]:
    """What a page needs to show an answer back in its fields: field name -> value (or list of values)."""
    kind = QuestionKind(question.kind)
    name = field_name(question)
    if value is None:
        return {}
    if kind is QuestionKind.MULTIPLE:
        return {name: list(value) if isinstance(value, list) else [value]}
    if kind is QuestionKind.RANKING:
        if isinstance(value, list):
            return {
                ranking_field(question, i): str(value.index(option) + 1)
                for i, option in enumerate(question.options)
                if option in value
            }
        return {}
    if kind is QuestionKind.MATRIX:
        if isinstance(value, dict):
            return {matrix_field(question, i): value[row] for i, row in enumerate(question.options) if row in value}
        return {}
    if kind is QuestionKind.NUMBER and isinstance(value, int | float):
        return {name: _format_number(value).replace(",", "")}
    return {name: str(value)}


def raw_form_state(question: QuestionLike, form: FormData) -> dict[str, Any]:
    """What was typed, to show back after an error (so a failed form keeps the answer)."""
    kind = QuestionKind(question.kind)
    name = field_name(question)
    if kind is QuestionKind.MULTIPLE:
        return {name: form.getlist(name)}
    if kind is QuestionKind.RANKING:
        fields = [ranking_field(question, i) for i in range(len(question.options))]
        return {f: form.get(f) or "" for f in fields}
    if kind is QuestionKind.MATRIX:
        fields = [matrix_field(question, i) for i in range(len(question.options))]
        return {f: form.get(f) or "" for f in fields}
    return {name: form.get(name) or ""}
