"""Forms for the key dataset's staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import RadioField, SubmitField

from portal.forms import GovRadioInput, choices, labelled_radios, text_input
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

    value_type = labelled_radios("What type of value is it?", VALUE_TYPE_LABELS, required="Choose the type of value")
    unit = text_input(
        "Unit",
        description="As it reads after a number, for example %, per 100,000 or years. Leave blank for a count.",
        max_length=64,
        too_long="The unit must be 64 characters or fewer",
    )
    polarity = labelled_radios(
        "Which is better?", POLARITY_LABELS, required="Choose whether a higher or a lower value is better"
    )
    source = text_input(
        "Source",
        description="Where the data comes from, for example the Fingertips profile or the statistical release.",
        required="Enter the source",
    )
    publisher = text_input(
        "Publisher",
        description="The organisation that published the data.",
        required="Enter the publisher",
        max_length=200,
        too_long="The publisher must be 200 characters or fewer",
    )
    licence = text_input(
        "Licence",
        description="For example Open Government Licence v3.0.",
        required="Enter the licence",
        max_length=200,
        too_long="The licence must be 200 characters or fewer",
    )
    submit = SubmitField("Publish", widget=GovSubmitInput())
