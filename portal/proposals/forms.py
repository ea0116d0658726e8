"""Forms for the question pages, supports, the proposer's own actions and moderation, in GOV.UK wording."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.forms import GovCheckboxesInput, GovRadioInput, choices, email_validators
from portal.models import SECTOR_LABELS, ProposalStatus
from portal.proposals.finding import normalise_reference
from portal.proposals.submission import existing_indicator_ids
from portal.proposals.vocabulary import (
    AGE_GROUPS,
    NOT_PUBLISHED_REASONS,
    POPULATION_GROUPS,
    PROPOSER_TYPES,
    REFERENCE_PATTERN,
    STATUS_LABELS,
    WHOLE_CITY,
    clean_text,
)

TITLE_MAX = 200
LONG_TEXT_MAX = 5000
DECISIONS_MAX = 3000
ANSWER_MAX = 3000


def _strip(value: Any) -> Any:
    """Trim text and drop control characters, keeping what was typed otherwise."""
    return clean_text(value) if isinstance(value, str) else value


def _one_line(value: Any) -> Any:
    return clean_text(value, single_line=True) if isinstance(value, str) else value


class QuestionForm(FlaskForm):
    """A question page. ``ANSWERS`` names the fields saved to the draft (field name = answer key)."""

    ANSWERS: tuple[str, ...] = ()

    submit = SubmitField("Continue", widget=GovSubmitInput())

    def answers(self) -> dict[str, Any]:
        """The validated answers of this page."""
        return {name: self[name].data for name in self.ANSWERS}

    @classmethod
    def from_answers(cls, answers: dict[str, Any], **kwargs: Any) -> QuestionForm:
        """A form showing the saved answers (a GET, or Back from a later page)."""
        return cls(data={name: answers.get(name) for name in cls.ANSWERS}, **kwargs)


class TitleForm(QuestionForm):
    """What is the topic?"""

    ANSWERS = ("title",)

    title = StringField(
        "What is the topic?",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[
            DataRequired(message="Enter a title for your topic"),
            Length(max=TITLE_MAX, message=f"Title must be {TITLE_MAX} characters or fewer"),
        ],
    )
    # A field people never see; bots fill it in.
    website = StringField("Leave this field empty")
    # The signed time the question pages were first shown (the minimum fill time is measured from it).
    started = HiddenField()


class NeedForm(QuestionForm):
    """The need or problem."""

    ANSWERS = ("need",)

    need = TextAreaField(
        "What is the need or problem?",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            DataRequired(message="Describe the need or problem"),
            Length(max=LONG_TEXT_MAX, message="The need or problem must be 5,000 characters or fewer"),
        ],
    )


class WhoForm(QuestionForm):
    """Which groups of people are affected."""

    ANSWERS = ("population_groups", "population_other")

    population_groups = SelectMultipleField(
        "Who is affected?",
        widget=GovCheckboxesInput(),
        choices=choices(POPULATION_GROUPS.items()),
        invalid_choice_message="Select groups from the list",  # type: ignore[call-arg]  # in wtforms 3.2+, not yet in its stubs
        validators=[InputRequired(message="Select who is affected")],
    )
    population_other = StringField(
        "Which other group?",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[Optional(), Length(max=200, message="The other group must be 200 characters or fewer")],
    )

    def validate_population_groups(self, field: SelectMultipleField) -> None:
        if "everyone" in (chosen := field.data or []) and len(chosen) > 1:
            raise ValidationError("Select ‘Everyone’ or particular groups, not both")

    def validate_population_other(self, field: StringField) -> None:
        if "other" in (self.population_groups.data or []) and not field.data:
            raise ValidationError("Enter the other group affected")

    def answers(self) -> dict[str, Any]:
        chosen = list(self.population_groups.data or [])
        return {
            "population_groups": chosen,
            "population_other": self.population_other.data if "other" in chosen else "",
        }


class AgesForm(QuestionForm):
    """Which age groups are affected."""

    ANSWERS = ("age_groups",)

    age_groups = SelectMultipleField(
        "Which age groups are affected?",
        widget=GovCheckboxesInput(),
        choices=choices(AGE_GROUPS.items()),
        invalid_choice_message="Select age groups from the list",  # type: ignore[call-arg]  # in wtforms 3.2+, not yet in its stubs
        validators=[InputRequired(message="Select the age groups affected")],
    )

    def validate_age_groups(self, field: SelectMultipleField) -> None:
        if "all" in (chosen := field.data or []) and len(chosen) > 1:
            raise ValidationError("Select ‘All ages’ or particular age groups, not both")


class WardsForm(QuestionForm):
    """Which wards are affected (from the real ward list), or the whole city."""

    ANSWERS = ("wards",)

    wards = SelectMultipleField(
        "Which parts of Wolverhampton are affected?",
        invalid_choice_message="Select wards from the list",  # type: ignore[call-arg]  # in wtforms 3.2+, not yet in its stubs
        validators=[InputRequired(message="Select the wards affected, or select the whole city")],
    )

    def __init__(self, *args: Any, ward_list: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ward_list = ward_list or []
        self.wards.choices = choices([*self.ward_list, (WHOLE_CITY, "The whole city")])

    def validate_wards(self, field: SelectMultipleField) -> None:
        if WHOLE_CITY in (chosen := field.data or []) and len(chosen) > 1:
            raise ValidationError("Select particular wards or the whole city, not both")


class EvidenceForm(QuestionForm):
    """Why now: the evidence of need."""

    ANSWERS = ("evidence_of_need",)

    evidence_of_need = TextAreaField(
        "Why does this topic need looking at now?",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            DataRequired(message="Tell us why this topic needs looking at now"),
            Length(max=LONG_TEXT_MAX, message="Why now must be 5,000 characters or fewer"),
        ],
    )


class IndicatorsForm(QuestionForm):
    """Optional links to indicators in the key dataset."""

    ANSWERS = ("indicators",)

    indicators = SelectMultipleField("Indicators", validate_choice=False)
    q = StringField("Search the indicators", filters=[_one_line], validators=[Optional(), Length(max=100)])

    def answers(self) -> dict[str, Any]:
        return {"indicators": existing_indicator_ids(self.indicators.data or [])}


class DecisionsForm(QuestionForm):
    """Which decisions it would inform."""

    ANSWERS = ("decisions_informed",)

    decisions_informed = TextAreaField(
        "Which decisions would it inform?",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            DataRequired(message="Tell us which decisions this would inform"),
            Length(max=DECISIONS_MAX, message="Decisions it would inform must be 3,000 characters or fewer"),
        ],
    )


class ProposerForm(QuestionForm):
    """Member of the public or stakeholder organisation."""

    ANSWERS = ("proposer_type",)

    proposer_type = RadioField(
        "Are you proposing this topic as a member of the public or for an organisation?",
        widget=GovRadioInput(),
        choices=choices(PROPOSER_TYPES.items()),
        validators=[InputRequired(message="Select if you are a member of the public or proposing for an organisation")],
    )


class OrganisationForm(QuestionForm):
    """The stakeholder organisation and its sector."""

    ANSWERS = ("organisation", "sector")

    organisation = StringField(
        "Organisation name",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[
            DataRequired(message="Enter the name of your organisation"),
            Length(max=200, message="Organisation name must be 200 characters or fewer"),
        ],
    )
    sector = RadioField(
        "Which sector does your organisation work in?",
        widget=GovRadioInput(),
        choices=choices((str(key), label) for key, label in SECTOR_LABELS.items()),
        validators=[InputRequired(message="Select your organisation’s sector")],
    )


class ContactForm(QuestionForm):
    """Optional name and email for updates, with explicit consent."""

    ANSWERS = ("name", "email", "consent")

    name = StringField(
        "Your name (optional)",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")],
    )
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=email_validators(required=False),
    )
    consent = BooleanField(
        "I agree to the JSNA team emailing me about this proposal",
        widget=GovCheckboxInput(),
    )

    def validate_consent(self, field: BooleanField) -> None:
        if self.email.data and not field.data:
            raise ValidationError("Select the box to agree to emails about your proposal, or delete your email address")
        if field.data and not self.email.data:
            raise ValidationError("Enter your email address to get emails about your proposal")


class SubmitProposalForm(FlaskForm):
    """The final submit on "Check your answers"."""

    idempotency_key = HiddenField()
    started = HiddenField()
    website = StringField("Leave this field empty")
    submit = SubmitField("Send proposal", widget=GovSubmitInput())


class NewManageLinkForm(FlaskForm):
    """Ask for a fresh "follow or manage your proposal" link, sent to the email address given with the proposal."""

    reference = StringField(
        "Reference number",
        widget=GovTextInput(),
        filters=[_one_line],
        description="For example, JSNA-2026-0042. It is in the emails we sent you.",
        validators=[
            InputRequired(message="Enter the reference number of your proposal"),
            Length(max=20, message="Enter a reference number like JSNA-2026-0042"),
        ],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_one_line],
        description="The email address you gave when you sent the proposal.",
        validators=email_validators(required=True),
    )
    submit = SubmitField("Send me a new link", widget=GovSubmitInput())

    def validate_reference(self, field: StringField) -> None:
        if not REFERENCE_PATTERN.match(normalise_reference(field.data or "")):
            raise ValidationError("Enter a reference number like JSNA-2026-0042")


# ---------------------------------------------------------------------------------------------------------------------
# Moderation. Each form gives its fields their own ids, so several can share the review page.
# ---------------------------------------------------------------------------------------------------------------------

_ANSWER_VALIDATORS = [Optional(), Length(max=ANSWER_MAX, message="The answer must be 3,000 characters or fewer")]


class PublishForm(FlaskForm):
    """Publish a proposal with a public answer."""

    public_answer = TextAreaField(
        "Public answer", id="publish-answer", widget=GovTextArea(), filters=[_strip], validators=_ANSWER_VALIDATORS
    )
    submit = SubmitField("Publish", id="publish-submit", widget=GovSubmitInput())


class NotPublishForm(FlaskForm):
    """Decline to publish, with a reason."""

    reason = RadioField(
        "Why is it not being published?",
        id="not-publish-reason",
        widget=GovRadioInput(),
        choices=choices(NOT_PUBLISHED_REASONS.items()),
        validators=[InputRequired(message="Select why the proposal is not being published")],
    )
    duplicate_of = StringField(
        "Reference of the proposal it duplicates",
        id="not-publish-duplicate-of",
        widget=GovTextInput(),
        filters=[_one_line],
        # No Optional(): it would stop validate_duplicate_of from running on an empty field.
        validators=[Length(max=20, message="Enter a reference like JSNA-2026-0042")],
    )
    public_answer = TextAreaField(
        "Public answer", id="not-publish-answer", widget=GovTextArea(), filters=[_strip], validators=_ANSWER_VALIDATORS
    )
    submit = SubmitField("Do not publish", id="not-publish-submit", widget=GovSubmitInput())

    def validate_duplicate_of(self, field: StringField) -> None:
        if self.reason.data == "duplicate" and not field.data:
            raise ValidationError("Enter the reference of the proposal it duplicates")


class MergeForm(FlaskForm):
    """Merge this proposal into another."""

    target = StringField(
        "Reference of the proposal to merge it into",
        id="merge-target",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[
            DataRequired(message="Enter the reference of the proposal to merge it into"),
            Length(max=20, message="Enter a reference like JSNA-2026-0042"),
        ],
    )
    public_answer = TextAreaField(
        "Public answer", id="merge-answer", widget=GovTextArea(), filters=[_strip], validators=_ANSWER_VALIDATORS
    )
    submit = SubmitField("Merge", id="merge-submit", widget=GovSubmitInput())


class StatusForm(FlaskForm):
    """Move a proposal to another status in its lifecycle (shortlist, for example)."""

    status = RadioField(
        "New status",
        id="status-new",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the new status")],
    )
    public_answer = TextAreaField(
        "Public answer", id="status-answer", widget=GovTextArea(), filters=[_strip], validators=_ANSWER_VALIDATORS
    )
    submit = SubmitField("Change status", id="status-submit", widget=GovSubmitInput())

    def __init__(self, *args: Any, allowed: Sequence[ProposalStatus] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = choices((str(status), STATUS_LABELS[status]) for status in allowed or [])


class EditForm(FlaskForm):
    """Edit personal data out of a proposal; the original is kept for staff."""

    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[
            DataRequired(message="Enter a title"),
            Length(max=TITLE_MAX, message="Title must be 200 characters or fewer"),
        ],
    )
    need = TextAreaField(
        "The need or problem",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            DataRequired(message="Enter the need or problem"),
            Length(max=LONG_TEXT_MAX, message="The need or problem must be 5,000 characters or fewer"),
        ],
    )
    population_other = StringField(
        "Other groups affected",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[Optional(), Length(max=200, message="The other group must be 200 characters or fewer")],
    )
    evidence_of_need = TextAreaField(
        "Why now",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Optional(), Length(max=LONG_TEXT_MAX, message="Why now must be 5,000 characters or fewer")],
    )
    decisions_informed = TextAreaField(
        "Decisions it would inform",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=DECISIONS_MAX, message="Decisions it would inform must be 3,000 characters or fewer"),
        ],
    )
    proposer_organisation = StringField(
        "Organisation",
        widget=GovTextInput(),
        filters=[_one_line],
        validators=[Optional(), Length(max=200, message="Organisation name must be 200 characters or fewer")],
    )
    reason = TextAreaField(
        "Why are you editing it?",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            DataRequired(message="Enter why you are editing this proposal"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())
