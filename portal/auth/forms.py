"""Forms for accounts, in GOV.UK wording."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput

from portal.auth.passwords import password_problem
from portal.forms import GovRadioInput, choices, email_validators
from portal.models import SECTOR_LABELS


def _new_password_rules(form: FlaskForm, field: PasswordField) -> None:
    email = getattr(getattr(form, "email", None), "data", None)
    problem = password_problem(field.data or "", current_app.config["PASSWORD_MIN_LENGTH"], email)
    if problem:
        raise ValidationError(problem)


EMAIL_VALIDATORS = email_validators(required=True)


class SignInForm(FlaskForm):
    """Sign in with email and password."""

    email = StringField("Email address", widget=GovTextInput(), validators=EMAIL_VALIDATORS)
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[InputRequired(message="Enter your password")]
    )
    remember = BooleanField("Keep me signed in on this device for 30 days", widget=CheckboxInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class RegisterForm(FlaskForm):
    """Create an account as a member of the public or a stakeholder."""

    display_name = StringField(
        "Your name (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")],
    )
    email = StringField("Email address", widget=GovTextInput(), validators=EMAIL_VALIDATORS)
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password"), _new_password_rules],
    )
    password_confirm = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Confirm your password"), EqualTo("password", "Passwords must match")],
    )
    account_type = RadioField(
        "Are you registering as a member of the public or for an organisation?",
        widget=GovRadioInput(),
        choices=choices([("public", "Member of the public"), ("stakeholder", "For an organisation (a stakeholder)")]),
        default="public",
        validators=[InputRequired(message="Select how you are registering")],
    )
    # Required only for stakeholders, so checked in the validate_* methods below rather than with Optional().
    organisation_name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Organisation name must be 200 characters or fewer")],
    )
    sector = RadioField(
        "Sector",
        widget=GovRadioInput(),
        choices=choices([(str(key), label) for key, label in SECTOR_LABELS.items()]),
        validate_choice=False,
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_organisation_name(self, field: StringField) -> None:
        if self.account_type.data == "stakeholder" and not (field.data or "").strip():
            raise ValidationError("Enter your organisation's name")

    def validate_sector(self, field: RadioField) -> None:
        if self.account_type.data == "stakeholder" and field.data not in {str(s) for s in SECTOR_LABELS}:
            raise ValidationError("Select your organisation's sector")


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset link."""

    email = StringField("Email address", widget=GovTextInput(), validators=EMAIL_VALIDATORS)
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a new password"), _new_password_rules],
    )
    password_confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Confirm your new password"), EqualTo("password", "Passwords must match")],
    )
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(ResetPasswordForm):
    """Change the password while signed in."""

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
