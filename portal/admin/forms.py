"""Forms for user administration."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SelectMultipleField, SubmitField

from portal.forms import GovCheckboxesInput, choices, text_input
from portal.models import ROLE_LABELS, SECTOR_LABELS


class RolesForm(FlaskForm):
    """Choose exactly which roles a user holds."""

    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=choices((str(role), label) for role, label in ROLE_LABELS.items()),
    )
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    """The organisation a user belongs to: commissioners respond, and stakeholders acknowledge, for it."""

    organisation_id = SelectField("Organisation", widget=GovSelect(), validate_choice=False)
    new_organisation = text_input(
        "Or add an organisation that is not in the list",
        max_length=200,
        too_long="The organisation's name must be 200 characters or fewer",
    )
    new_sector = SelectField(
        "Sector of the new organisation",
        widget=GovSelect(),
        choices=choices((str(sector), label) for sector, label in SECTOR_LABELS.items()),
        validate_choice=False,  # only read when a new organisation is named; the service checks it then
    )
    save_organisation = SubmitField("Save organisation", widget=GovSubmitInput())
