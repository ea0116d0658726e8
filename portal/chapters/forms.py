"""Forms for writing chapters, their recommendations, and commissioners' and providers' replies."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import RadioField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired

from portal.forms import (
    GovCheckboxesInput,
    GovDateField,
    GovRadioInput,
    labelled_radios,
    text_area,
    text_input,
    title_input,
)
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
    title = text_input(
        "Chapter title (optional)",
        description="Leave blank to use the topic's title",
        optional=True,
        max_length=200,
        too_long="Title must be 200 characters or fewer",
    )
    submit = SubmitField("Start the chapter", widget=GovSubmitInput())


class SectionForm(FlaskForm):
    """One section's Markdown."""

    body = text_area(
        "Section text",
        max_length=MAX_SECTION_LENGTH,
        too_long="The section must be 50,000 characters or fewer",
    )
    submit = SubmitField("Save section", widget=GovSubmitInput())


class DetailsForm(FlaskForm):
    """Title, indicators projected under "Future need", and the population projection's age bands."""

    title = title_input()
    indicator_ids = text_area(
        "Indicators to project (optional)",
        description="One indicator id a line, as in the indicator page's web address. Up to 8.",
    )
    age_bands = text_input(
        "Age bands for the population projection (optional)",
        description="For example, 0-4, 5-15, 65+",
        max_length=200,
        too_long="Age bands must be 200 characters or fewer",
    )
    submit = SubmitField("Save details", widget=GovSubmitInput())

    def indicator_id_list(self) -> list[str]:
        """The ids typed, one a line (commas also accepted)."""
        return id_list(self.indicator_ids.data)


class RecommendationForm(FlaskForm):
    """A recommendation, its priority and who it is addressed to."""

    text = text_area(
        "Recommendation",
        character_count=True,
        required="Enter the recommendation",
        max_length=2000,
        too_long="The recommendation must be 2,000 characters or fewer",
    )
    priority = labelled_radios("Priority", PRIORITY_LABELS, required="Select a priority")
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
    indicator_ids = text_area(
        "Indicators this recommendation aims to move (optional)",
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

    decision = labelled_radios(
        "Does your organisation accept this recommendation?",
        RESPONSE_DECISION_LABELS,
        required="Select whether you accept the recommendation",
    )
    rationale = text_area(
        "Why?",
        character_count=True,
        required="Enter the reason for your response",
        max_length=2000,
        too_long="The reason must be 2,000 characters or fewer",
    )
    planned_action = text_area(
        "What action will you take?",
        character_count=True,
        description="Leave blank if you do not accept the recommendation",
        max_length=2000,
        too_long="The planned action must be 2,000 characters or fewer",
    )
    lead = text_input(
        "Who will lead the action?",
        description="A job title or team, for example Head of Children's Commissioning",
        max_length=200,
        too_long="The lead must be 200 characters or fewer",
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

    status = labelled_radios("How is the action going?", PROGRESS_LABELS, required="Select how the action is going")
    note = text_area(
        "Update (optional)",
        character_count=True,
        max_length=2000,
        too_long="The update must be 2,000 characters or fewer",
    )
    submit = SubmitField("Add progress update", widget=GovSubmitInput())


class AcknowledgeForm(FlaskForm):
    """A provider's acknowledgement, with an optional note."""

    note = text_area(
        "Note (optional)",
        character_count=True,
        max_length=2000,
        too_long="The note must be 2,000 characters or fewer",
    )
    submit = SubmitField("Acknowledge", widget=GovSubmitInput())
