"""Forms for criteria, rounds, scoring, conflicts of interest and decisions, in GOV.UK wording."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from portal.forms import (
    DateRequired,
    GovCheckboxesInput,
    GovDateField,
    GovRadioInput,
    choices,
    labelled_radios,
    text_area,
    text_input,
    title_input,
)
from portal.models import DECISION_LABELS, SCORE_LEVELS, Criterion
from portal.models.prioritisation import BOARD_DECISION_LABELS
from portal.prioritisation.board import MINUTE_MAX, URL_MAX
from portal.prioritisation.criteria import WEIGHT_MAX
from portal.prioritisation.rounds import NOTE_MAX, REASON_MAX
from portal.prioritisation.scoring import COMMENT_MAX


def _optional_int(value: object) -> int | None:
    """An id from a select, or None for the empty "Select…" option."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _descriptor(level: int) -> StringField:
    return text_input(
        f"What a score of {level} means",
        required=f"Enter what a score of {level} means",
        max_length=300,
        too_long=f"What a score of {level} means must be 300 characters or fewer",
    )


class CriterionForm(FlaskForm):
    """Add or change a criterion (saving makes a new version of the criteria)."""

    based_on_version = HiddenField()
    name = text_input("Name", required="Enter a name", max_length=120, too_long="Name must be 120 characters or fewer")
    question = text_input(
        "Question members answer",
        required="Enter the question members answer",
        max_length=300,
        too_long="Question must be 300 characters or fewer",
    )
    descriptor_1 = _descriptor(1)
    descriptor_2 = _descriptor(2)
    descriptor_3 = _descriptor(3)
    descriptor_4 = _descriptor(4)
    descriptor_5 = _descriptor(5)
    weight = DecimalField(
        "Weight",
        widget=GovTextInput(),
        places=None,
        validators=[
            InputRequired(message="Enter a weight"),
            NumberRange(min=0, max=WEIGHT_MAX, message=f"Weight must be between 0 and {WEIGHT_MAX:g}"),
        ],
    )
    change_note = text_input(
        "Why are you making this change? (optional)",
        optional=True,
        max_length=300,
        too_long="Reason must be 300 characters or fewer",
    )
    submit = SubmitField("Save as a new version", widget=GovSubmitInput())

    def descriptors(self) -> tuple[str, ...]:
        """The five descriptors as typed."""
        return tuple((getattr(self, f"descriptor_{level}").data or "").strip() for level in SCORE_LEVELS)

    def fill_from(self, criterion: Criterion) -> None:
        """Start from an existing criterion's values."""
        self.name.data = criterion.name
        self.question.data = criterion.question
        for level, text in zip(SCORE_LEVELS, criterion.descriptors, strict=True):
            getattr(self, f"descriptor_{level}").data = text
        self.weight.data = criterion.weight  # type: ignore[assignment]


class VersionForm(FlaskForm):
    """A button that acts on the current version of the criteria (remove, move)."""

    based_on_version = HiddenField()


class RoundForm(FlaskForm):
    """Open or change a round: its topics, members, chair and deadline."""

    title = title_input()
    description = text_area(
        "Description (optional)",
        optional=True,
        max_length=2000,
        too_long="Description must be 2000 characters or fewer",
    )
    deadline = GovDateField(
        "Deadline for scores",
        name_in_messages="Deadline for scores",
        validators=[DateRequired("Enter the deadline for scores")],
    )
    chair_id = SelectField("Chair", widget=GovSelect(), coerce=_optional_int, validate_choice=False)
    member_ids = SelectMultipleField(
        "Members", widget=GovCheckboxesInput(), coerce=_optional_int, validate_choice=False
    )
    proposal_ids = SelectMultipleField(
        "Topics to score", widget=GovCheckboxesInput(), coerce=int, validate_choice=False
    )
    top_k = IntegerField(
        "How many topics can the board take forward?",
        widget=GovTextInput(),
        default=5,
        validators=[
            InputRequired(message="Enter how many topics the board can take forward"),
            NumberRange(min=1, max=100, message="Number of topics must be between 1 and 100"),
        ],
    )
    quorum = IntegerField(
        "How many members must score a topic before it is ranked? (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message="Number of members must be between 1 and 100"),
        ],
    )
    submit = SubmitField("Open the round", widget=GovSubmitInput())

    def set_choices(self, users: list[Any], proposals: list[Any]) -> None:
        """Offer the steering group and the shortlisted topics."""
        people = [(str(u.id), f"{u.display_name} ({u.email})" if u.display_name else u.email) for u in users]
        self.chair_id.choices = choices([("", "Select the chair"), *people])
        self.member_ids.choices = choices(people)
        self.proposal_ids.choices = choices((str(p.id), f"{p.reference}: {p.title}") for p in proposals)

    def validate_chair_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the chair")

    def validate_proposal_ids(self, field: SelectMultipleField) -> None:
        if len(field.data or []) < 2:
            raise ValidationError("Select at least 2 topics")


class ConflictForm(FlaskForm):
    """Declare a conflict of interest in a topic."""

    note = text_area(
        "Describe your interest",
        character_count=True,
        required="Describe your interest in this topic",
        max_length=NOTE_MAX,
        too_long=f"Your description must be {NOTE_MAX} characters or fewer",
    )
    submit = SubmitField("Declare a conflict of interest", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    """The chair's decision on a topic, with the public reason."""

    decision = labelled_radios("What has the steering group decided?", DECISION_LABELS, required="Select the decision")
    reason = text_area(
        "Reason",
        character_count=True,
        required="Enter the reason for the decision",
        max_length=REASON_MAX,
        too_long=f"Reason must be {REASON_MAX} characters or fewer",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class BoardDecisionForm(FlaskForm):
    """The health and wellbeing board's decision on a recommended topic, from its minutes."""

    decision = labelled_radios(
        "What did the health and wellbeing board decide?",
        BOARD_DECISION_LABELS,
        required="Select what the board decided",
    )
    meeting_date = GovDateField(
        "Date of the meeting",
        name_in_messages="Date of the meeting",
        validators=[DateRequired("Enter the date of the meeting")],
    )
    minute_reference = text_input(
        "Minute reference",
        required="Enter the minute reference",
        max_length=MINUTE_MAX,
        too_long=f"Minute reference must be {MINUTE_MAX} characters or fewer",
    )
    papers_url = text_input(
        "Link to the meeting papers",
        required="Enter the link to the meeting papers",
        max_length=URL_MAX,
        too_long=f"Link must be {URL_MAX} characters or fewer",
    )
    submit = SubmitField("Record the board's decision", widget=GovSubmitInput())


def _score_validator(criterion: Criterion) -> Any:
    def check(form: FlaskForm, field: RadioField) -> None:
        if field.data in (None, "", "None"):
            field.data = None
            return
        if str(field.data) not in {str(level) for level in SCORE_LEVELS}:
            raise ValidationError(f"Select a score from 1 to {SCORE_LEVELS[-1]} for {criterion.name}")  # noqa: S608

    return check


class ScoreFormBase(FlaskForm):
    """A member's scores for one topic: one radio group and one comment per criterion (built per criteria set)."""

    submit = SubmitField("Save and continue", widget=GovSubmitInput())
    criteria: list[Criterion]

    def score_field(self, criterion: Criterion) -> RadioField:
        return self[f"score_{criterion.id}"]

    def comment_field(self, criterion: Criterion) -> TextAreaField:
        return self[f"comment_{criterion.id}"]


def score_form(criteria: list[Criterion], **kwargs: Any) -> ScoreFormBase:
    """Build the scoring form for a round's criteria."""
    attributes: dict[str, Any] = {}
    for criterion in criteria:
        attributes[f"score_{criterion.id}"] = RadioField(
            criterion.name,
            widget=GovRadioInput(),
            choices=choices(
                (str(level), f"{level}: {text}")
                for level, text in zip(SCORE_LEVELS, criterion.descriptors, strict=True)
            ),
            validate_choice=False,
            validators=[_score_validator(criterion)],
        )
        attributes[f"comment_{criterion.id}"] = text_area(
            f"Comment on {criterion.name.lower()} (optional)",
            optional=True,
            max_length=COMMENT_MAX,
            too_long=f"Comment must be {COMMENT_MAX} characters or fewer",
        )
    form_class = type("ScoreForm", (ScoreFormBase,), attributes)
    form = form_class(**kwargs)
    form.criteria = criteria
    return form
