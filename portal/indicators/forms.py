"""Forms for the key dataset's staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.forms import GovRadioInput, choices
from portal.importers import FORMAT_DESCRIPTIONS, FORMATS
from portal.indicators.formatting import POLARITY_LABELS, VALUE_TYPE_LABELS

AUTODETECT = ""


def format_choices() -> list[tuple[str, str]]:
    """(value, label) pairs: autodetect first, then every registered format."""
    pairs = [(AUTODETECT, "Work it out from the file's header row")]
    pairs += [(name, FORMAT_DESCRIPTIONS.get(name, name)) for name in FORMATS]
    return pairs


class UploadForm(FlaskForm):
    """Upload an indicator data file and say which format it is in."""

    file = FileField(
        "Upload a data file",
        widget=GovFileInput(),
        validators=[FileRequired("Select a data file")],
    )
    format = RadioField(
        "What format is the file in?",
        description="Choose a format if the portal cannot work it out, or to check the file against that format.",
        widget=GovRadioInput(),
        choices=choices(format_choices()),
        default=AUTODETECT,
    )
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    """Confirm or correct a draft indicator's metadata, then publish it."""

    value_type = RadioField(
        "What type of value is it?",
        widget=GovRadioInput(),
        choices=choices(VALUE_TYPE_LABELS.items()),
        validators=[InputRequired("Choose the type of value")],
    )
    unit = StringField(
        "Unit",
        description="As it reads after a number, for example %, per 100,000 or years. Leave blank for a count.",
        widget=GovTextInput(),
        validators=[Length(max=64, message="The unit must be 64 characters or fewer")],
    )
    polarity = RadioField(
        "Which is better?",
        widget=GovRadioInput(),
        choices=choices((str(key), label) for key, label in POLARITY_LABELS.items()),
        validators=[InputRequired("Choose whether a higher or a lower value is better")],
    )
    source = StringField(
        "Source",
        description="Where the data comes from, for example the Fingertips profile or the statistical release.",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the source")],
    )
    publisher = StringField(
        "Publisher",
        description="The organisation that published the data.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the publisher"),
            Length(max=200, message="The publisher must be 200 characters or fewer"),
        ],
    )
    licence = StringField(
        "Licence",
        description="For example Open Government Licence v3.0.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the licence"),
            Length(max=200, message="The licence must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Publish", widget=GovSubmitInput())
