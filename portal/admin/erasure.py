"""UK GDPR right to erasure: an admin, or the person themselves from their account page, erases a person.

The account stays as an anonymous placeholder ("Erased person 12"), so what others rely on keeps adding up: supports
still count, prioritisation scores still make the round's results, published text is unchanged. Everything that says
who the person was goes: name, email, password, organisation, roles, sessions, their contact details on proposals
(reusing the proposer's own removal), survey drafts (their unsent answers) and the emails on their survey invitations,
topic opt-ins, copies of their data, and their sign-in lockout record. Sent survey answers were never linked to them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from sqlalchemy import CursorResult, Result, delete, or_, select, update
from werkzeug.wrappers import Response
from wtforms import PasswordField, SubmitField

from portal.access import role_required, signed_in
from portal.audit import record_audit
from portal.auth import throttle
from portal.auth.passwords import hash_password, verify_password
from portal.extensions import db
from portal.models import (
    EngagementOptIn,
    PersonalDataExport,
    Proposal,
    Role,
    SurveyDraft,
    SurveyInvitation,
    User,
)
from portal.proposals.personal_data import erase_proposer

bp = Blueprint("erasure", __name__)
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never be a real address, so nothing is ever sent there


class ErasureRefused(Exception):
    """This erasure may not be made."""


@dataclass(frozen=True)
class ErasureReport:
    """What erasing one person changed."""

    user_id: int
    proposals: int
    survey_drafts: int
    invitations: int


def erased_email(user_id: int) -> str:
    """The placeholder address an erased account keeps (email is unique and required)."""
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    """True for an account that has been erased."""
    return user.email == erased_email(user.id)


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount or 0


def erase_person(user_id: int, actor_id: int | None) -> ErasureReport:
    """De-personalise everything held about one person, in one transaction. Audited (by account id only)."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise LookupError(user_id)
    if is_erased(user):
        raise ErasureRefused("This person has already been erased")
    email = user.email
    proposals = list(
        db.session.scalars(
            select(Proposal).where(or_(Proposal.proposer_id == user.id, Proposal.proposer_email == email))
        )
    )
    for proposal in proposals:
        erase_proposer(proposal, actor_id, commit=False)
    drafts = _rowcount(db.session.execute(delete(SurveyDraft).where(SurveyDraft.user_id == user.id)))
    invitations = _rowcount(
        db.session.execute(
            update(SurveyInvitation).where(SurveyInvitation.email == email).values(email=erased_email(user.id))
        )
    )
    db.session.execute(delete(EngagementOptIn).where(EngagementOptIn.user_id == user.id))
    db.session.execute(delete(PersonalDataExport).where(PersonalDataExport.user_id == user.id))
    throttle.clear(email)
    user.email = erased_email(user.id)
    user.display_name = ""
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # a password no one knows
    user.active = False
    user.confirmed_at = None
    user.last_sign_in_at = None
    user.organisation = None
    user.organisation_pending = False
    user.role_grants = []
    user.end_sessions()
    record_audit(actor_id, "person_erased", "user", user.id, f"{len(proposals)} proposals de-personalised")
    db.session.commit()
    return ErasureReport(user.id, len(proposals), drafts, invitations)


class EraseAccountForm(FlaskForm):
    """The person confirms erasing their own account with their password."""

    password = PasswordField("Your password", widget=GovPasswordInput())
    submit = SubmitField("Erase my account and personal data", widget=GovSubmitInput())


@bp.route("/account/erase", methods=["GET", "POST"])
@signed_in
def erase_own_account() -> Response | str:
    """The signed-in person erases their own account and personal data (UK GDPR right to erasure)."""
    form = EraseAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.password.data or ""):
            form.password.errors = [*form.password.errors, "Your password is incorrect"]
        elif user.has_role(Role.ADMIN):
            form.password.errors = [*form.password.errors, "Ask another administrator to erase an administrator"]
        else:
            erase_person(user.id, user.id)
            logout_user()
            flash("Your account and personal data have been erased", "success")
            return redirect(url_for("pages.home"), 303)
    return render_template("auth/erase_account.html", form=form)


@bp.route("/admin/users/<int:user_id>/erase", methods=["POST"])
@role_required(Role.ADMIN)
def erase_user(user_id: int) -> Response:
    """An admin erases a person's account and personal data."""
    form = FlaskForm()
    if form.validate_on_submit():
        if user_id == current_user.id:
            flash("You cannot erase your own account here: use your account page", "error")
        else:
            try:
                report = erase_person(user_id, current_user.id)
            except LookupError:
                flash("There is no such person", "error")
            except ErasureRefused as exc:
                flash(str(exc), "error")
            else:
                flash(
                    f"Person {report.user_id} erased: {report.proposals} proposals de-personalised, "
                    f"{report.survey_drafts} survey drafts deleted",
                    "success",
                )
    return redirect(url_for("admin.user_detail", user_id=user_id), 303)
