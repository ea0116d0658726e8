"""Forms for the key dataset's staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField

from portal.forms import choices
from portal.importers import FORMAT_DESCRIPTIONS, FORMATS

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
