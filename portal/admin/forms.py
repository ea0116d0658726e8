"""Forms for user administration."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SelectMultipleField, SubmitField

from portal.forms import GovCheckboxesInput, choices
from portal.models import ROLE_LABELS


class RolesForm(FlaskForm):
    """Choose exactly which roles a user holds."""

    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=choices((str(role), label) for role, label in ROLE_LABELS.items()),
    )
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
