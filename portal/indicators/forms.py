"""Forms for the key dataset's staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField

from portal.forms import choices
from portal.importers import FORMATS

AUTODETECT = ""
# What analysts see for each reader in portal.importers.FORMATS; a format without a label shows its key.
FORMAT_LABELS: dict[str, str] = {
    "fingertips": "Fingertips data export (OHID public health profiles)",
    "generic": "Generic long CSV (the portal's format for local data)",
    "trafford": "Fingertips data processed by Trafford Data Lab",
    "dfe-cin": "DfE children in need (Explore Education Statistics)",
    "dfe-cla": "DfE children looked after (Explore Education Statistics)",
    "ons-subnational": "ONS subnational indicators",
    "imd-lsoa": "Indices of Deprivation 2019, LSOA deciles and ranks",
    "imd-ward": "Indices of Deprivation 2019, ward aggregation",
    "iod-lad": "Indices of Deprivation, local authority summaries",
    "mye": "ONS mid-year population estimates workbook (.xlsx)",
    "house-prices": "ONS median house price by LSOA",
    "lsoa-population": "ONS LSOA population estimates",
}


def format_choices() -> list[tuple[str, str]]:
    """(value, label) pairs: autodetect first, then every registered format."""
    pairs = [(AUTODETECT, "Work it out from the file's header row")]
    pairs += [(name, FORMAT_LABELS.get(name, name)) for name in FORMATS]
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
