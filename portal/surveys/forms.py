"""Forms for the survey builder, invitations, resume links, engagement preferences and publishing, in GOV.UK
wording. (Respondents' answer pages are drawn from the questions themselves; see questions.py.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, ValidationError

from portal.forms import (
    GovCheckboxesInput,
    GovDateField,
    GovRadioInput,
    choices,
    email_validators,
    labelled_radios,
    text_area,
    text_input,
)
from portal.models import AUDIENCE_LABELS, DEFAULT_LIKERT_LABELS, QUESTION_KIND_LABELS, QuestionKind

MAX_OPTIONS = 30
MAX_OPTION_LENGTH = 200
MAX_SCALE_POINTS = 7


def yes_no() -> list[Any]:
    return choices([("yes", "Yes"), ("no", "No")])


class SurveySettingsForm(FlaskForm):
    """A survey's title, audience, anonymity, dates and linked topic."""

    title = text_input(
        "Survey title", required="Enter a title", max_length=200, too_long="Title must be 200 characters or fewer"
    )
    summary = text_area(
        "What the survey is about",
        character_count=True,
        description="Shown on the survey’s start page. Say why you are asking and how answers will be used.",
        max_length=2000,
        too_long="Description must be 2,000 characters or fewer",
    )
    audience = labelled_radios("Who can answer?", AUDIENCE_LABELS, default="public", required="Select who can answer")
    anonymous = RadioField(
        "Are answers anonymous?",
        widget=GovRadioInput(),
        choices=choices(
            [
                ("yes", "Yes – we keep no name, account, IP address or time, only the date"),
                ("no", "No – answers are linked to the person’s account or invitation"),
            ]
        ),
        default="yes",
        description="This is stated on the survey page. It cannot be changed once anyone has started answering.",
        validators=[InputRequired(message="Select whether answers are anonymous")],
    )
    opens_on = GovDateField(
        "Opening date (optional)", name_in_messages="Opening date", description="For example, 27 3 2027"
    )
    closes_on = GovDateField(
        "Closing date (optional)", name_in_messages="Closing date", description="For example, 30 4 2027"
    )
    proposal_id = SelectField("Linked topic (optional)", widget=GovSelect(), choices=[], validate_choice=True)
    submit = SubmitField("Save survey", widget=GovSubmitInput())

    def validate_closes_on(self, field: GovDateField) -> None:
        opens: date | None = self.opens_on.data
        if field.data and opens and field.data < opens:
            raise ValidationError("Closing date must be the same as or after the opening date")


class SectionForm(FlaskForm):
    """A section (page) title and introduction."""

    title = text_input(
        "Section title",
        required="Enter a section title",
        max_length=200,
        too_long="Section title must be 200 characters or fewer",
    )
    description = text_area(
        "Introduction (optional)", max_length=2000, too_long="Introduction must be 2,000 characters or fewer"
    )
    submit = SubmitField("Save section", widget=GovSubmitInput())


class QuestionKindForm(FlaskForm):
    """The first step of adding a question: its type."""

    kind = labelled_radios("What type of question is it?", QUESTION_KIND_LABELS, required="Select the type of question")
    submit = SubmitField("Continue", widget=GovSubmitInput())


def lines(text: str | None) -> list[str]:
    """Non-blank lines, trimmed, repeats removed."""
    found: list[str] = []
    for line in (text or "").splitlines():
        cleaned = " ".join(line.split())
        if cleaned and cleaned not in found:
            found.append(cleaned)
    return found


def _number(text: str | None) -> float | None:
    cleaned = (text or "").replace(",", "").strip()
    return float(cleaned) if cleaned else None


class QuestionForm(FlaskForm):
    """A question of one type: its wording, whether it is required, its answers and its display condition."""

    title = text_area(
        "Question", required="Enter the question", max_length=300, too_long="Question must be 300 characters or fewer"
    )
    help_text = text_area(
        "Help text (optional)",
        description="Shown under the question, for example to explain a term",
        max_length=1000,
        too_long="Help text must be 1,000 characters or fewer",
    )
    required = RadioField(
        "Must people answer this question?",
        widget=GovRadioInput(),
        choices=yes_no(),
        default="yes",
        validators=[InputRequired(message="Select whether people must answer this question")],
    )
    options = TextAreaField("Answers to choose from", widget=GovTextArea(), description="Put each answer on a new line")
    likert_1 = StringField("Point 1 (most negative)", widget=GovTextInput(), default=DEFAULT_LIKERT_LABELS[0])
    likert_2 = StringField("Point 2", widget=GovTextInput(), default=DEFAULT_LIKERT_LABELS[1])
    likert_3 = StringField("Point 3 (middle)", widget=GovTextInput(), default=DEFAULT_LIKERT_LABELS[2])
    likert_4 = StringField("Point 4", widget=GovTextInput(), default=DEFAULT_LIKERT_LABELS[3])
    likert_5 = StringField("Point 5 (most positive)", widget=GovTextInput(), default=DEFAULT_LIKERT_LABELS[4])
    scale = TextAreaField(
        "Scale",
        widget=GovTextArea(),
        description="Put each point of the scale on a new line, most negative first (2 to 7 points)",
        default="\n".join(["Very difficult", "Difficult", "Neither", "Easy", "Very easy"]),
    )
    min_value = StringField("Lowest number allowed (optional)", widget=GovTextInput())
    max_value = StringField("Highest number allowed (optional)", widget=GovTextInput())
    whole_number = RadioField(
        "Must the answer be a whole number?", widget=GovRadioInput(), choices=yes_no(), default="yes"
    )
    condition = SelectMultipleField(
        "Only show this question if (optional)",
        widget=GovCheckboxesInput(),
        choices=[],
        description="Select one or more answers to one earlier question. Leave all unselected to always show it.",
    )
    submit = SubmitField("Save question", widget=GovSubmitInput())

    def __init__(self, *args: Any, kind: QuestionKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind is QuestionKind.MATRIX:
            self.options.label.text = "Rows"
            self.options.description = "Put each row (the things being rated) on a new line"
        elif kind is QuestionKind.RANKING:
            self.options.label.text = "Options to put in order"

    # Which fields each type uses (the template shows only these).
    def uses(self, name: str) -> bool:
        kinds = {
            "options": {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.MATRIX},
            "likert": {QuestionKind.LIKERT},
            "scale": {QuestionKind.MATRIX},
            "number": {QuestionKind.NUMBER},
        }
        return self.kind in kinds[name]

    def validate_options(self, field: Field) -> None:
        if not self.uses("options"):
            return
        found = lines(field.data)
        least = 2
        noun = "rows" if self.kind is QuestionKind.MATRIX else "answers"
        if len(found) < least:
            raise ValidationError(f"Enter at least {least} {noun}, each on a new line")
        if len(found) > MAX_OPTIONS:
            raise ValidationError(f"Enter {MAX_OPTIONS} {noun} or fewer")
        if any(len(line) > MAX_OPTION_LENGTH for line in found):
            raise ValidationError(f"Each of the {noun} must be {MAX_OPTION_LENGTH} characters or fewer")

    def _likert(self, field: Field) -> None:
        if not self.uses("likert"):
            return
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(f"Enter a label for {field.label.text.split(' (')[0].lower()}")
        if len(text) > 100:
            raise ValidationError("Each label must be 100 characters or fewer")

    validate_likert_1 = validate_likert_2 = validate_likert_3 = validate_likert_4 = validate_likert_5 = _likert

    def validate_scale(self, field: Field) -> None:
        if not self.uses("scale"):
            return
        found = lines(field.data)
        if not 2 <= len(found) <= MAX_SCALE_POINTS:
            raise ValidationError(f"Enter between 2 and {MAX_SCALE_POINTS} points for the scale, each on a new line")
        if any(len(line) > 100 for line in found):
            raise ValidationError("Each point of the scale must be 100 characters or fewer")

    def _number_field(self, field: Field, what: str) -> None:
        if not self.uses("number"):
            return
        try:
            _number(field.data)
        except ValueError:
            raise ValidationError(f"{what} must be a number, like 10") from None

    def validate_min_value(self, field: Field) -> None:
        self._number_field(field, "Lowest number")

    def validate_max_value(self, field: Field) -> None:
        self._number_field(field, "Highest number")
        try:
            low, high = _number(self.min_value.data), _number(field.data)
        except ValueError:
            return
        if low is not None and high is not None and high <= low:
            raise ValidationError("Highest number must be more than the lowest number")

    # Values for the service, by type.
    def option_list(self) -> list[str]:
        return lines(self.options.data) if self.uses("options") else []

    def scale_list(self) -> list[str]:
        if self.uses("likert"):
            return [" ".join((getattr(self, f"likert_{n}").data or "").split()) for n in range(1, 6)]
        if self.uses("scale"):
            return lines(self.scale.data)
        return []

    def number_range(self) -> tuple[float | None, float | None, bool]:
        if not self.uses("number"):
            return None, None, False
        return _number(self.min_value.data), _number(self.max_value.data), self.whole_number.data == "yes"


class InvitationsForm(FlaskForm):
    """Email addresses to invite, one per line."""

    emails = text_area(
        "Email addresses",
        description="Put each email address on a new line. People already invited are skipped.",
        required="Enter at least one email address",
    )
    submit = SubmitField("Send invitations", widget=GovSubmitInput())


class ResumeEmailForm(FlaskForm):
    """Where to send a link to come back to a survey."""

    email = StringField(
        "Email address",
        widget=GovTextInput(),
        description="We will email you a link to come back to your answers. We do not keep your email address.",
        validators=email_validators(required=True),
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class EngagementForm(FlaskForm):
    """Topics of interest and, for people registered for an organisation, the wards it serves."""

    topics = SelectMultipleField(
        "Which topics do you want to be invited to take part in?",
        widget=GovCheckboxesInput(),
        choices=[],
        description="We will invite you to surveys and engagement on these topics. Select all that apply.",
    )
    wards = SelectMultipleField(
        "Which wards does your organisation serve?",
        widget=GovCheckboxesInput(),
        choices=[],
        description="Select all that apply",
    )
    submit = SubmitField("Save preferences", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    """Which questions' charts the public sees on the survey page."""

    questions = SelectMultipleField(
        "Which charts should the public see?",
        widget=GovCheckboxesInput(),
        choices=[],
        description="Results are only shown once at least 5 people have answered. Free-text answers are never "
        "published.",
    )
    while_open = RadioField(
        "When can the public see them?",
        widget=GovRadioInput(),
        choices=choices(
            [
                ("closed", "After the survey closes"),
                ("open", "Now, while the survey is still open (anonymous surveys only)"),
            ]
        ),
        default="closed",
        description="While a survey is open its results stay private unless you choose otherwise. Only an "
        "anonymous survey's results can be shown while it is open: its answers reach the results in shuffled "
        "batches of 5 or more, so nobody can see one person's answers appear by refreshing the page.",
    )
    submit = SubmitField("Save published results", widget=GovSubmitInput())
