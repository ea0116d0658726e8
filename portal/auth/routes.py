"""Account routes: thin wrappers around auth.services."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.access import public, signed_in
from portal.auth import bp, personal_data
from portal.auth import services as accounts
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, RegisterForm, ResetPasswordForm, SignInForm
from portal.clock import london_today
from portal.downloads import download_response
from portal.extensions import limiter
from portal.forms import add_field_error
from portal.models import Sector
from portal.security import safe_next

SIGN_IN_FAILED = "Enter a correct email address and password"


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in() -> Response | str:
    """Sign in with email and password."""
    next_path = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(next_path, url_for("auth.account")), 303)
    form = SignInForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data or "", form.password.data or "")
        if result.outcome is accounts.SignInOutcome.OK and result.user:
            # A token planted before sign-in (or seen by someone else) must not carry over into the account.
            session.pop("csrf_token", None)
            login_user(result.user, remember=form.remember.data)
            flash("You are signed in", "success")
            return redirect(safe_next(next_path, url_for("auth.account")), 303)
        if result.outcome is accounts.SignInOutcome.UNCONFIRMED:
            return render_template("auth/check_email.html", purpose="unconfirmed")
        if result.outcome is accounts.SignInOutcome.LOCKED:
            minutes = -(-result.retry_seconds // 60)
            add_field_error(
                form.email,
                f"There have been too many attempts to sign in with this email address. Wait {minutes} "
                f"minute{'s' if minutes != 1 else ''}, then try again, or reset your password",
            )
        else:
            add_field_error(form.email, SIGN_IN_FAILED)
    return render_template("auth/sign_in.html", form=form, next_path=next_path if safe_next(next_path, "") else None)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Response:
    """Sign out: this session, copies of its cookie and the remember-me cookie all stop working."""
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)
    logout_user()
    flash("You have signed out", "success")
    return redirect(url_for("pages.home"), 303)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@signed_in
def sign_out_everywhere() -> Response:
    """End every session of this account, on every device, including this one."""
    accounts.end_sessions(current_user)
    logout_user()
    flash("You have signed out on every device", "success")
    return redirect(url_for("auth.sign_in"), 303)


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def register() -> Response | str:
    """Create an account; a confirmation link is emailed."""
    form = RegisterForm()
    if form.validate_on_submit():
        stakeholder = form.account_type.data == "stakeholder"
        accounts.register_account(
            form.email.data or "",
            form.password.data or "",
            form.display_name.data or "",
            stakeholder_organisation=form.organisation_name.data if stakeholder else None,
            sector=Sector(form.sector.data) if stakeholder and form.sector.data else None,
        )
        return redirect(url_for("auth.check_email", purpose="register"), 303)
    return render_template("auth/register.html", form=form)


@bp.route("/check-your-email")
@public
def check_email() -> str:
    """Tell the user a link is on its way (the same page whether or not the account exists)."""
    purpose = request.args.get("purpose", "register")
    if purpose not in {"register", "reset", "unconfirmed"}:
        purpose = "register"
    return render_template("auth/check_email.html", purpose=purpose)


@bp.route("/confirm-email/<token>")
@public
def confirm_email(token: str) -> tuple[str, int] | Response:
    """Confirm an email address from the emailed link."""
    outcome = accounts.confirm_email(token)
    if outcome in (accounts.ConfirmOutcome.CONFIRMED, accounts.ConfirmOutcome.ALREADY_CONFIRMED):
        flash("Your email address is confirmed. You can now sign in", "success")
        return redirect(url_for("auth.sign_in"), 303)
    status = 410 if outcome is accounts.ConfirmOutcome.EXPIRED else 400
    return render_template("auth/link_problem.html", problem=str(outcome), kind="confirm"), status


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> Response | str:
    """Ask for a password reset link; the response never says whether the email is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data or "")
        return redirect(url_for("auth.check_email", purpose="reset"), 303)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Response | str | tuple[str, int]:
    """Choose a new password from a single-use, expiring link."""
    found = accounts.user_for_reset_token(token)
    if isinstance(found, accounts.ResetLinkProblem):
        status = 410 if found is accounts.ResetLinkProblem.EXPIRED else 400
        return render_template("auth/link_problem.html", problem=str(found), kind="reset"), status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(found, form.password.data or "")
        logout_user()
        flash("Your password has been changed. Sign in with your new password", "success")
        return redirect(url_for("auth.sign_in"), 303)
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account")
@signed_in
def account() -> str:
    """The signed-in user's account summary."""
    organisation = current_user.approved_organisation
    requests = accounts.pending_members(organisation.id) if organisation is not None and organisation.verified else []
    return render_template("auth/account.html", membership_requests=requests)


@bp.route("/account/organisation/requests/<int:user_id>", methods=["POST"])
@signed_in
def decide_membership(user_id: int) -> Response:
    """An approved member approves or refuses someone's request to join their organisation."""
    approve = request.form.get("decision") == "approve"
    try:
        member = accounts.decide_membership(current_user, user_id, approve)
    except accounts.MembershipError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{member.email} is {'approved' if approve else 'not approved'}", "success")
    return redirect(url_for("auth.account"), 303)


@bp.route("/account/change-password", methods=["GET", "POST"])
@signed_in
def change_password() -> Response | str:
    """Change the password while signed in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if accounts.change_password(user, form.current_password.data or "", form.password.data or ""):
            # Every other session has ended; this one carries on under the new session secret.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)
            flash("Your password has been changed. You have been signed out on other devices", "success")
            return redirect(url_for("auth.account"), 303)
        add_field_error(form.current_password, "Your current password is incorrect")
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/your-data", methods=["POST"])
@signed_in
@limiter.limit("5 per hour")
def personal_data_request() -> Response:
    """Email a single-use, expiring link to a copy of everything held about the signed-in person."""
    personal_data.request_export(current_user)
    flash(
        f"We have emailed a link to {current_user.email}. It works once and expires in "
        f"{current_app.config['PERSONAL_DATA_LINK_HOURS']} hours",
        "success",
    )
    return redirect(url_for("auth.account"), 303)


@bp.route("/account/your-data/<token>")
@signed_in
def personal_data_download(token: str) -> Response | tuple[str, int]:
    """Download the copy of your data, once, while the link lasts."""
    body = personal_data.claim_export(token, current_user.id)
    if body is None:
        return render_template("auth/link_problem.html", problem="used_or_invalid", kind="personal_data"), 410
    filename = f"your-data-{london_today().isoformat()}.json"
    return download_response(body, filename, "application/json", private=True)
