"""Each question type's validation and the display-condition logic, without a database."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from werkzeug.datastructures import MultiDict

from portal.models import DEFAULT_LIKERT_LABELS, SurveyQuestion
from portal.surveys.questions import (
    Display,
    describe_answer,
    display_on_page,
    flat_answer,
    form_state,
    is_visible,
    parse_answer,
    visible_answers,
)


def make(kind: str, qid: int = 7, section_id: int = 1, **fields: Any) -> SurveyQuestion:
    fields.setdefault("required", True)
    fields.setdefault("options", [])
    fields.setdefault("scale", [])
    fields.setdefault("whole_number", False)
    fields.setdefault("condition_values", [])
    return SurveyQuestion(id=qid, section_id=section_id, kind=kind, title="A question", **fields)


def form(**values: Any) -> MultiDict:
    data: MultiDict = MultiDict()
    for key, value in values.items():
        name = key.replace("_", "-")
        for item in value if isinstance(value, list) else [value]:
            data.add(name, item)
    return data


class TestText:
    def test_required_short_text_must_be_answered(self) -> None:
        parsed = parse_answer(make("short_text"), form(q7="   "), 3)
        assert parsed.error == "Enter an answer to question 3"
        assert parsed.anchor == "q7"

    def test_optional_text_may_be_blank(self) -> None:
        assert parse_answer(make("long_text", required=False), form(), 3).error is None

    def test_text_is_trimmed_and_kept(self) -> None:
        assert parse_answer(make("short_text"), form(q7="  Whitmore Reans  "), 1).value == "Whitmore Reans"

    @pytest.mark.parametrize(("kind", "limit"), [("short_text", 300), ("long_text", 5000)])
    def test_text_has_a_length_limit(self, kind: str, limit: int) -> None:
        parsed = parse_answer(make(kind), form(q7="x" * (limit + 1)), 2)
        assert parsed.error == f"Question 2 must be {limit:,} characters or fewer"
        assert parse_answer(make(kind), form(q7="x" * limit), 2).error is None


class TestSingleChoice:
    question = make("single", options=["Yes", "No"])

    def test_must_choose(self) -> None:
        assert parse_answer(self.question, form(), 4).error == "Select an answer to question 4"

    def test_only_offered_answers_are_accepted(self) -> None:
        assert parse_answer(self.question, form(q7="Maybe"), 4).error == "Select an answer to question 4 from the list"

    def test_valid_choice(self) -> None:
        assert parse_answer(self.question, form(q7="No"), 4).value == "No"


class TestMultipleChoice:
    question = make("multiple", options=["GP", "Pharmacy", "Dentist"])

    def test_must_choose_at_least_one(self) -> None:
        assert parse_answer(self.question, form(), 1).error == "Select at least one answer to question 1"

    def test_rejects_an_answer_not_offered(self) -> None:
        assert parse_answer(self.question, form(q7=["GP", "Hospital"]), 1).error is not None

    def test_keeps_the_builders_order_without_repeats(self) -> None:
        parsed = parse_answer(self.question, form(q7=["Dentist", "GP", "GP"]), 1)
        assert parsed.value == ["GP", "Dentist"]


class TestLikert:
    question = make("likert", scale=list(DEFAULT_LIKERT_LABELS))

    def test_points_are_1_to_5(self) -> None:
        assert parse_answer(self.question, form(q7="5"), 1).value == 5
        assert parse_answer(self.question, form(q7="6"), 1).error == "Select an answer to question 1 from the scale"
        assert parse_answer(self.question, form(q7="0"), 1).error is not None

    def test_required(self) -> None:
        assert parse_answer(self.question, form(), 1).error == "Select an answer to question 1"

    def test_described_with_its_own_labels(self) -> None:
        custom = make("likert", scale=["Never", "Rarely", "Sometimes", "Often", "Always"])
        assert describe_answer(custom, 4) == ["Often"]


class TestNumber:
    question = make("number", min_value=16, max_value=120, whole_number=True)

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "Enter a number for question 2"),
            ("twenty", "Question 2 must be a number, like 12"),
            ("nan", "Question 2 must be a number, like 12"),
            ("inf", "Question 2 must be a number, like 12"),
            ("30.5", "Question 2 must be a whole number, like 12"),
            ("15", "Question 2 must be between 16 and 120"),
            ("121", "Question 2 must be between 16 and 120"),
        ],
    )
    def test_errors(self, typed: str, message: str) -> None:
        parsed = parse_answer(self.question, form(q7=typed), 2)
        assert parsed.error == message

    def test_valid_numbers_with_commas_and_bounds(self) -> None:
        assert parse_answer(self.question, form(q7="16"), 2).value == 16
        assert parse_answer(self.question, form(q7=" 120 "), 2).value == 120
        assert parse_answer(make("number"), form(q7="1,234.5"), 2).value == 1234.5

    @pytest.mark.parametrize("typed", ["1,2,3", "12,34", "1,2345", ",123", "1,234,56", "1 2 3", "1,,234"])
    def test_commas_that_are_not_thousands_separators_are_refused(self, typed: str) -> None:
        """A list such as 1,2,3 is not the number 123: storing 123 would change what the person said."""
        parsed = parse_answer(make("number"), form(q7=typed), 2)
        assert parsed.error == "Question 2 must be a number, like 12"
        assert parsed.value == typed

    @pytest.mark.parametrize(("typed", "value"), [("1,234", 1234), ("12,345,678", 12345678), ("-1,000.5", -1000.5)])
    def test_thousands_separators_are_accepted(self, typed: str, value: float) -> None:
        assert parse_answer(make("number"), form(q7=typed), 2).value == value

    def test_one_sided_ranges(self) -> None:
        assert parse_answer(make("number", min_value=0), form(q7="-1"), 5).error == "Question 5 must be 0 or more"
        assert parse_answer(make("number", max_value=10), form(q7="11"), 5).error == "Question 5 must be 10 or less"

    def test_a_bad_number_is_shown_back_as_typed(self) -> None:
        assert parse_answer(self.question, form(q7="twenty"), 2).value == "twenty"


class TestRanking:
    question = make("ranking", options=["Housing", "Jobs", "Health"])

    def test_gives_the_options_in_rank_order(self) -> None:
        parsed = parse_answer(self.question, form(q7_o0="2", q7_o1="3", q7_o2="1"), 6)
        assert parsed.value == ["Health", "Housing", "Jobs"]

    def test_every_option_needs_a_rank(self) -> None:
        parsed = parse_answer(self.question, form(q7_o0="1", q7_o1="2"), 6)
        assert parsed.error == "Give every option in question 6 a rank from 1 to 3"
        assert parsed.anchor == "q7-o2"

    def test_ranks_must_differ(self) -> None:
        parsed = parse_answer(self.question, form(q7_o0="1", q7_o1="1", q7_o2="2"), 6)
        assert parsed.error == "Give each option in question 6 a different rank"
        assert parsed.anchor == "q7-o1"

    def test_out_of_range_rank(self) -> None:
        assert parse_answer(self.question, form(q7_o0="1", q7_o1="2", q7_o2="4"), 6).error is not None

    def test_required_and_optional(self) -> None:
        assert parse_answer(self.question, form(), 6).error == "Rank the options in question 6"
        assert parse_answer(make("ranking", options=["A", "B"], required=False), form(), 6).value is None


class TestMatrix:
    question = make("matrix", options=["GP", "Dentist"], scale=["Difficult", "Neither", "Easy"])

    def test_every_row_of_a_required_matrix(self) -> None:
        parsed = parse_answer(self.question, form(q7_r0="Easy"), 7)
        assert parsed.error == "Select an answer for ‘Dentist’ in question 7"
        assert parsed.anchor == "q7-r1"

    def test_values_must_be_on_the_scale(self) -> None:
        assert parse_answer(self.question, form(q7_r0="Easy", q7_r1="Great"), 7).error is not None

    def test_valid_matrix(self) -> None:
        assert parse_answer(self.question, form(q7_r0="Easy", q7_r1="Difficult"), 7).value == {
            "GP": "Easy",
            "Dentist": "Difficult",
        }

    def test_optional_matrix_keeps_rows_answered(self) -> None:
        optional = make("matrix", options=["GP", "Dentist"], scale=["Difficult", "Easy"], required=False)
        assert parse_answer(optional, form(q7_r1="Easy"), 7).value == {"Dentist": "Easy"}
        assert parse_answer(optional, form(), 7).value is None


@pytest.mark.parametrize(
    ("question", "value"),
    [
        (make("multiple", options=["GP", "Pharmacy"]), ["Pharmacy"]),
        (make("ranking", options=["A", "B", "C"]), ["C", "A", "B"]),
        (make("matrix", options=["GP", "Dentist"], scale=["Bad", "Good"]), {"GP": "Good", "Dentist": "Bad"}),
        (make("number"), 12.5),
        (make("likert", scale=list(DEFAULT_LIKERT_LABELS)), 2),
    ],
)
def test_saved_answers_reload_into_the_form_unchanged(question: SurveyQuestion, value: Any) -> None:
    """What is shown back (for "Change" and resuming) reads back to the same answer."""
    state = form_state(question, value)
    data: MultiDict = MultiDict()
    for key, item in state.items():
        data.setlist(key, item if isinstance(item, list) else [item])
    assert parse_answer(question, data, 1).value == value


class TestConditions:
    smokes = make("single", qid=1, section_id=1, options=["Yes", "No"])
    help_to_stop = make(
        "likert",
        qid=2,
        section_id=2,
        scale=list(DEFAULT_LIKERT_LABELS),
        condition_question_id=1,
        condition_values=["Yes"],
    )
    detail = make(
        "short_text", qid=3, section_id=2, condition_question_id=2, condition_values=["Agree", "Strongly agree"]
    )
    services = make("multiple", qid=4, section_id=1, options=["GP", "Pharmacy"])
    pharmacy = make("short_text", qid=5, section_id=1, condition_question_id=4, condition_values=["Pharmacy"])
    by_id: ClassVar[dict[int, SurveyQuestion]] = {x.id: x for x in (smokes, help_to_stop, detail, services, pharmacy)}

    def test_shown_only_for_the_chosen_answer(self) -> None:
        """Show question 2 only if question 1 is Yes."""
        assert is_visible(self.help_to_stop, {"1": "Yes"}, self.by_id)
        assert not is_visible(self.help_to_stop, {"1": "No"}, self.by_id)
        assert not is_visible(self.help_to_stop, {}, self.by_id)

    def test_likert_conditions_use_the_labels(self) -> None:
        assert is_visible(self.detail, {"1": "Yes", "2": 4}, self.by_id)
        assert not is_visible(self.detail, {"1": "Yes", "2": 3}, self.by_id)

    def test_a_question_depending_on_a_hidden_question_is_hidden(self) -> None:
        # Question 2's stale answer says "Agree", but question 2 is hidden because question 1 is now "No".
        assert not is_visible(self.detail, {"1": "No", "2": 4}, self.by_id)

    def test_multiple_choice_conditions_match_any_chosen(self) -> None:
        assert is_visible(self.pharmacy, {"4": ["GP", "Pharmacy"]}, self.by_id)
        assert not is_visible(self.pharmacy, {"4": ["GP"]}, self.by_id)

    def test_hidden_answers_are_dropped(self) -> None:
        questions = list(self.by_id.values())
        kept = visible_answers(questions, {"1": "No", "2": 5, "3": "old text", "4": ["GP"], "5": "stale"})
        assert kept == {"1": "No", "4": ["GP"]}

    def test_page_display(self) -> None:
        # On its own page, decided from earlier answers; on the same page as its condition, left to the page.
        assert display_on_page(self.help_to_stop, {"1": "No"}, self.by_id) is Display.HIDDEN
        assert display_on_page(self.help_to_stop, {"1": "Yes"}, self.by_id) is Display.SHOWN
        assert display_on_page(self.pharmacy, {}, self.by_id) is Display.CONDITIONAL
        assert display_on_page(self.detail, {"1": "Yes"}, self.by_id) is Display.CONDITIONAL
        assert display_on_page(self.detail, {"1": "No"}, self.by_id) is Display.HIDDEN


def test_flat_answers_for_spreadsheets() -> None:
    assert flat_answer(make("multiple", options=["A", "B"]), ["A", "B"]) == "A; B"
    assert flat_answer(make("ranking", options=["A", "B"]), ["B", "A"]) == "B > A"
    assert flat_answer(make("number"), 4) == 4
    assert flat_answer(make("short_text"), None) is None
