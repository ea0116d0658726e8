"""Forms for writing outcome pages and for asking to hear an outcome."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import EmailField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import GovRadioInput, choices
from portal.models import ACTION_KIND_LABELS


class OutcomeTextForm(FlaskForm):
    """The page's title, "We asked" and "You said"."""

    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    we_asked = TextAreaField(
        "We asked", widget=GovTextArea(), validators=[InputRequired(message="Enter what we asked")]
    )
    you_said = TextAreaField(
        "You said",
        widget=GovTextArea(),
        description="Drafted from the results, with small numbers left out. Lines starting with “- ” show as a list.",
        validators=[InputRequired(message="Enter what people said")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ThemeForm(FlaskForm):
    """A theme free-text answers were coded into."""

    theme = StringField(
        "Theme",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the theme"),
            Length(max=200, message="Theme must be 200 characters or fewer"),
        ],
    )
    answer_count = IntegerField(
        "How many answers are about this theme?",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter how many answers are about this theme"),
            NumberRange(min=0, max=1_000_000, message="Enter a whole number, 0 or more"),
        ],
    )
    quotes = TextAreaField(
        "Quotes (optional)",
        widget=GovTextArea(),
        description="Up to 5 quotes, with a blank line between them. Quotes with names, email addresses or phone "
        "numbers cannot be published.",
        validators=[Optional()],
    )
    submit = SubmitField("Add the theme", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A "We did" link."""

    kind = RadioField(
        "What did the input inform?",
        widget=GovRadioInput(),
        choices=choices((str(k), label) for k, label in ACTION_KIND_LABELS.items()),
        validators=[InputRequired(message="Select what the input informed")],
    )
    label = StringField(
        "Link text",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the link text"),
            Length(max=200, message="Link text must be 200 characters or fewer"),
        ],
    )
    url = StringField(
        "Link",
        widget=GovTextInput(),
        description="A page on this site (starting with /) or elsewhere (starting with https://)",
        validators=[
            InputRequired(message="Enter the link"),
            Length(max=500, message="Link must be 500 characters or fewer"),
        ],
    )
    sentence = TextAreaField(
        "What did we do?", widget=GovTextArea(), validators=[InputRequired(message="Enter what we did")]
    )
    submit = SubmitField("Add the link", widget=GovSubmitInput())


class SubscribeForm(FlaskForm):
    """Ask to be emailed when an outcome is published."""

    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Email me the outcome", widget=GovSubmitInput())
