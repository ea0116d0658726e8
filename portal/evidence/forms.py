"""Forms for writing briefings, attaching files and searching, in GOV.UK wording."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import Form, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.evidence.inputs import BriefingError, parse_sources, parse_tags
from portal.evidence.search import SearchFilters
from portal.forms import (
    DateRequired,
    GovCheckboxesInput,
    GovDateField,
    choices,
    labelled_radios,
    text_area,
    text_input,
    title_input,
)
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

    title = title_input()
    summary = text_area(
        "Summary",
        character_count=True,
        description="One or two sentences: the question and the answer. It appears in search results.",
        required="Enter a summary",
        max_length=600,
        too_long="Summary must be 600 characters or fewer",
    )
    key_findings = text_area(
        "Key findings",
        description="Write each finding on its own line.",
        required="Enter at least one key finding",
        max_length=5000,
        too_long="Key findings must be 5,000 characters or fewer",
    )
    body = text_area(
        "Briefing",
        description="Use Markdown: # for a heading, - for a bullet, **bold**, [link text](https://…).",
        required="Enter the briefing",
        max_length=100_000,
        too_long="Briefing must be 100,000 characters or fewer",
    )
    evidence_type = labelled_radios("Type of evidence", EVIDENCE_TYPES, required="Select the type of evidence")
    grade = labelled_radios(
        "Strength of the evidence",
        EVIDENCE_GRADES,
        description="Use the GRADE scale: how confident can we be in the findings?",
        required="Select the strength of the evidence",
    )
    topics = SelectMultipleField(
        "Topics",
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
        choices=choices(EVIDENCE_TOPICS.items()),
        validators=[InputRequired(message="Select at least one topic")],
    )
    tags = text_input(
        "Tags (optional)",
        description="Separate tags with commas, for example: smoking, pregnancy.",
        optional=True,
        max_length=600,
        too_long="Tags must be 600 characters or fewer",
        validators=[_valid_tags],
    )
    sources = text_area(
        "Sources (optional)",
        description="One source per line: its title, a vertical bar (|), then its web address. For example: "
        "NICE guideline NG105 | https://www.nice.org.uk/guidance/ng105",
        optional=True,
        max_length=20_000,
        too_long="Sources must be 20,000 characters or fewer",
        validators=[_valid_sources],
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
    indicator_ids = text_input(
        "Linked indicators (optional)",
        description="Indicator IDs from the key dataset, separated by commas, for example: 41001, 93356.",
        optional=True,
        max_length=1000,
        too_long="Linked indicators must be 1,000 characters or fewer",
    )
    proposal_references = text_input(
        "Linked topic proposals (optional)",
        description="Proposal references, separated by commas, for example: JSNA-2026-0042.",
        optional=True,
        max_length=1000,
        too_long="Linked topic proposals must be 1,000 characters or fewer",
    )
    submit = SubmitField("Save briefing", widget=GovSubmitInput())

    def validate_review_by(self, field: GovDateField) -> None:
        if field.data and self.published_on.data and field.data < self.published_on.data:
            raise ValidationError("Review-by date must be the same as or after the publication date")


class AttachmentForm(FlaskForm):
    """Attach one file to a briefing."""

    file = FileField("Upload a file", widget=GovFileInput())
    submit = SubmitField("Upload file", widget=GovSubmitInput())


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
