"""Forms for writing chapters, their recommendations, and commissioners' and providers' replies."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import GovCheckboxesInput, GovDateField, GovRadioInput, choices
from portal.models import PRIORITY_LABELS, PROGRESS_LABELS, RESPONSE_DECISION_LABELS, ResponseDecision

MAX_SECTION_LENGTH = 50_000


def id_list(text: str | None) -> list[str]:
    """Indicator ids typed one a line (commas also accepted)."""
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class NewChapterForm(FlaskForm):
    """Start a chapter from a prioritised topic."""

    proposal_id = RadioField(
        "Which prioritised topic is the chapter about?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a prioritised topic")],
        validate_choice=False,
    )
    title = StringField(
        "Chapter title (optional)",
        widget=GovTextInput(),
        description="Leave blank to use the topic's title",
        validators=[Optional(), Length(max=200, message="Title must be 200 characters or fewer")],
    )
    submit = SubmitField("Start the chapter", widget=GovSubmitInput())


class SectionForm(FlaskForm):
    """One section's Markdown."""

    body = TextAreaField(
        "Section text",
        widget=GovTextArea(),
        validators=[Length(max=MAX_SECTION_LENGTH, message="The section must be 50,000 characters or fewer")],
    )
    submit = SubmitField("Save section", widget=GovSubmitInput())


class DetailsForm(FlaskForm):
    """Title, indicators projected under "Future need", and the population projection's age bands."""

    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    indicator_ids = TextAreaField(
        "Indicators to project (optional)",
        widget=GovTextArea(),
        description="One indicator id a line, as in the indicator page's web address. Up to 8.",
    )
    age_bands = StringField(
        "Age bands for the population projection (optional)",
        widget=GovTextInput(),
        description="For example, 0-4, 5-15, 65+",
        validators=[Length(max=200, message="Age bands must be 200 characters or fewer")],
    )
    submit = SubmitField("Save details", widget=GovSubmitInput())

    def indicator_id_list(self) -> list[str]:
        """The ids typed, one a line (commas also accepted)."""
        return id_list(self.indicator_ids.data)


class RecommendationForm(FlaskForm):
    """A recommendation, its priority and who it is addressed to."""

    text = TextAreaField(
        "Recommendation",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Enter the recommendation"),
            Length(max=2000, message="The recommendation must be 2,000 characters or fewer"),
        ],
    )
    priority = RadioField(
        "Priority",
        widget=GovRadioInput(),
        choices=choices((str(p), label) for p, label in PRIORITY_LABELS.items()),
        validators=[InputRequired(message="Select a priority")],
    )
    organisation_ids = SelectMultipleField(
        "Organisations asked to respond",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="A commissioner of each organisation responds for it; its other members may acknowledge it",
    )
    person_ids = SelectMultipleField(
        "For the attention of (optional)",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Name at most one person at each organisation. Their organisation is asked to respond. Only "
        "commissioners whose organisation an administrator has set are listed",
    )
    indicator_ids = TextAreaField(
        "Indicators this recommendation aims to move (optional)",
        widget=GovTextArea(),
        description="One indicator id a line, as in the indicator page's web address. Up to 5. The public tracker "
        "shows each one's value when the recommendation is first answered, its latest value and the change.",
    )
    submit = SubmitField("Save recommendation", widget=GovSubmitInput())

    def indicator_id_list(self) -> list[str]:
        """The ids typed, one a line (commas also accepted)."""
        return id_list(self.indicator_ids.data)

    def validate(self, extra_validators: Any = None) -> bool:
        """At least one organisation, chosen or through a named person."""
        ok = super().validate(extra_validators)
        if ok and not self.organisation_ids.data and not self.person_ids.data:
            self.organisation_ids.errors = [*self.organisation_ids.errors, "Select at least one organisation"]
            return False
        return ok


class ResponseForm(FlaskForm):
    """A commissioner's response to a recommendation, for their organisation."""

    decision = RadioField(
        "Does your organisation accept this recommendation?",
        widget=GovRadioInput(),
        choices=choices((str(d), label) for d, label in RESPONSE_DECISION_LABELS.items()),
        validators=[InputRequired(message="Select whether you accept the recommendation")],
    )
    rationale = TextAreaField(
        "Why?",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Enter the reason for your response"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    planned_action = TextAreaField(
        "What action will you take?",
        widget=GovCharacterCount(),
        description="Leave blank if you do not accept the recommendation",
        validators=[Length(max=2000, message="The planned action must be 2,000 characters or fewer")],
    )
    lead = StringField(
        "Who will lead the action?",
        widget=GovTextInput(),
        description="A job title or team, for example Head of Children's Commissioning",
        validators=[Length(max=200, message="The lead must be 200 characters or fewer")],
    )
    target_date = GovDateField("Target date", name_in_messages="Target date", description="For example, 31 3 2027")
    submit = SubmitField("Send response", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        """An action, a lead and a target date unless the recommendation is not accepted."""
        ok = super().validate(extra_validators)
        if self.decision.data and self.decision.data != ResponseDecision.REJECT.value:
            if not (self.planned_action.data or "").strip():
                self.planned_action.errors = [*self.planned_action.errors, "Enter the action you plan to take"]
                ok = False
            if not (self.lead.data or "").strip():
                self.lead.errors = [*self.lead.errors, "Enter who will lead the action"]
                ok = False
            if self.target_date.data is None and not self.target_date.errors:
                self.target_date.errors = [*self.target_date.errors, "Enter a target date"]
                ok = False
        return ok


class ProgressForm(FlaskForm):
    """A progress update on a planned action."""

    status = RadioField(
        "How is the action going?",
        widget=GovRadioInput(),
        choices=choices((str(s), label) for s, label in PROGRESS_LABELS.items()),
        validators=[InputRequired(message="Select how the action is going")],
    )
    note = TextAreaField(
        "Update (optional)",
        widget=GovCharacterCount(),
        validators=[Length(max=2000, message="The update must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Add progress update", widget=GovSubmitInput())


class AcknowledgeForm(FlaskForm):
    """A provider's acknowledgement, with an optional note."""

    note = TextAreaField(
        "Note (optional)",
        widget=GovCharacterCount(),
        validators=[Length(max=2000, message="The note must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Acknowledge", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that carries only the CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
