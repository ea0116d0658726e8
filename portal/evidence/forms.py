"""Forms for writing briefings, attaching files and searching, in GOV.UK wording."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Form, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.evidence.inputs import BriefingError, parse_sources, parse_tags
from portal.evidence.search import SearchFilters
from portal.forms import DateRequired, GovCheckboxesInput, GovDateField, GovRadioInput, choices
from portal.models import EVIDENCE_GRADES, EVIDENCE_TOPICS, EVIDENCE_TYPES


def _valid_sources(form: Form, field: TextAreaField) -> None:
    try:
        parse_sources(field.data or "")
    except BriefingError as exc:
        raise ValidationError(exc.message) from exc


def _valid_tags(form: Form, field: StringField) -> None:
    try:
        parse_tags(field.data or "")
    except BriefingError as exc:
        raise ValidationError(exc.message) from exc


class BriefingForm(FlaskForm):
    """Write or edit an evidence briefing."""

    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovCharacterCount(),
        description="One or two sentences: the question and the answer. It appears in search results.",
        validators=[
            InputRequired(message="Enter a summary"),
            Length(max=600, message="Summary must be 600 characters or fewer"),
        ],
    )
    key_findings = TextAreaField(
        "Key findings",
        widget=GovTextArea(),
        description="Write each finding on its own line.",
        validators=[
            InputRequired(message="Enter at least one key finding"),
            Length(max=5000, message="Key findings must be 5,000 characters or fewer"),
        ],
    )
    body = TextAreaField(
        "Briefing",
        widget=GovTextArea(),
        description="Use Markdown: # for a heading, - for a bullet, **bold**, [link text](https://…).",
        validators=[
            InputRequired(message="Enter the briefing"),
            Length(max=100_000, message="Briefing must be 100,000 characters or fewer"),
        ],
    )
    evidence_type = RadioField(
        "Type of evidence",
        widget=GovRadioInput(),
        choices=choices(EVIDENCE_TYPES.items()),
        validators=[InputRequired(message="Select the type of evidence")],
    )
    grade = RadioField(
        "Strength of the evidence",
        widget=GovRadioInput(),
        description="Use the GRADE scale: how confident can we be in the findings?",
        choices=choices(EVIDENCE_GRADES.items()),
        validators=[InputRequired(message="Select the strength of the evidence")],
    )
    topics = SelectMultipleField(
        "Topics",
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
        choices=choices(EVIDENCE_TOPICS.items()),
        validators=[InputRequired(message="Select at least one topic")],
    )
    tags = StringField(
        "Tags (optional)",
        widget=GovTextInput(),
        description="Separate tags with commas, for example: smoking, pregnancy.",
        validators=[Optional(), Length(max=600, message="Tags must be 600 characters or fewer"), _valid_tags],
    )
    sources = TextAreaField(
        "Sources (optional)",
        widget=GovTextArea(),
        description="One source per line: its title, a vertical bar (|), then its web address. For example: "
        "NICE guideline NG105 | https://www.nice.org.uk/guidance/ng105",
        validators=[
            Optional(),
            Length(max=20_000, message="Sources must be 20,000 characters or fewer"),
            _valid_sources,
        ],
    )
    published_on = GovDateField(
        "Publication date",
        name_in_messages="Publication date",
        description="For example, 27 3 2026",
        validators=[DateRequired("Enter the publication date")],
    )
    review_by = GovDateField(
        "Review by",
        name_in_messages="Review-by date",
        description="After this date the briefing is shown as possibly out of date. For example, 27 3 2028",
        validators=[DateRequired("Enter the review-by date")],
    )
    indicator_ids = StringField(
        "Linked indicators (optional)",
        widget=GovTextInput(),
        description="Indicator IDs from the key dataset, separated by commas, for example: 41001, 93356.",
        validators=[Optional(), Length(max=1000, message="Linked indicators must be 1,000 characters or fewer")],
    )
    proposal_references = StringField(
        "Linked topic proposals (optional)",
        widget=GovTextInput(),
        description="Proposal references, separated by commas, for example: JSNA-2026-0042.",
        validators=[Optional(), Length(max=1000, message="Linked topic proposals must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Save briefing", widget=GovSubmitInput())

    def validate_review_by(self, field: GovDateField) -> None:
        if field.data and self.published_on.data and field.data < self.published_on.data:
            raise ValidationError("Review-by date must be the same as or after the publication date")


class AttachmentForm(FlaskForm):
    """Attach one file to a briefing."""

    file = FileField("Upload a file", widget=GovFileInput())
    submit = SubmitField("Upload file", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class SearchForm(Form):
    """The public search and filters (a GET form: no CSRF, nothing changes)."""

    q = StringField("Search briefings", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    topic = SelectField(
        "Topic",
        widget=GovSelect(),
        choices=choices([("", "All topics"), *EVIDENCE_TOPICS.items()]),
        validate_choice=False,
    )
    type = SelectField(
        "Type of evidence",
        widget=GovSelect(),
        choices=choices([("", "All types"), *EVIDENCE_TYPES.items()]),
        validate_choice=False,
    )
    grade = SelectField(
        "Strength of evidence",
        widget=GovSelect(),
        choices=choices([("", "Any strength"), *EVIDENCE_GRADES.items()]),
        validate_choice=False,
    )

    def filters(self) -> SearchFilters:
        """The filters with unknown values dropped, as search_briefings keywords."""
        return {
            "topic": self.topic.data if self.topic.data in EVIDENCE_TOPICS else None,
            "evidence_type": self.type.data if self.type.data in EVIDENCE_TYPES else None,
            "grade": self.grade.data if self.grade.data in EVIDENCE_GRADES else None,
        }
