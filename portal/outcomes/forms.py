"""Forms for writing outcome pages and for asking to hear an outcome."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, IntegerField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from portal.forms import labelled_radios, text_area, text_input, title_input
from portal.models import ACTION_KIND_LABELS


class OutcomeTextForm(FlaskForm):
    """The page's title, "We asked" and "You said"."""

    title = title_input()
    we_asked = text_area("We asked", required="Enter what we asked")
    you_said = text_area(
        "You said",
        description="Drafted from the results, with small numbers left out. Lines starting with “- ” show as a list.",
        required="Enter what people said",
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ThemeForm(FlaskForm):
    """A theme free-text answers were coded into."""

    theme = text_input(
        "Theme",
        required="Enter the theme",
        max_length=200,
        too_long="Theme must be 200 characters or fewer",
    )
    answer_count = IntegerField(
        "How many answers are about this theme?",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter how many answers are about this theme"),
            NumberRange(min=0, max=1_000_000, message="Enter a whole number, 0 or more"),
        ],
    )
    quotes = text_area(
        "Quotes (optional)",
        description="Up to 5 quotes, with a blank line between them. Quotes with names, email addresses or phone "
        "numbers cannot be published.",
        optional=True,
    )
    submit = SubmitField("Add the theme", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A "We did" link."""

    kind = labelled_radios("What did the input inform?", ACTION_KIND_LABELS, required="Select what the input informed")
    label = text_input(
        "Link text",
        required="Enter the link text",
        max_length=200,
        too_long="Link text must be 200 characters or fewer",
    )
    url = text_input(
        "Link",
        description="A page on this site (starting with /) or elsewhere (starting with https://)",
        required="Enter the link",
        max_length=500,
        too_long="Link must be 500 characters or fewer",
    )
    sentence = text_area("What did we do?", required="Enter what we did")
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
