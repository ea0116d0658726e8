"""Accounts: registration, confirmation, sign-in, password reset and change."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.auth import throttle
from portal.auth.passwords import dummy_verify, hash_password, verify_password
from portal.auth.tokens import TokenError, TokenPurpose, make_token, read_token
from portal.extensions import db
from portal.mail import external_url, send_email
from portal.models import Organisation, Role, Sector, User, UserRole
from portal.models.base import utcnow


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding space."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Return the user with this email, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_or_create_organisation(name: str, sector: Sector) -> Organisation:
    """Return the organisation with this name (case-insensitive), creating an unverified one if new."""
    cleaned = " ".join(name.split())
    existing = db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == cleaned.lower()))
    if existing:
        return existing
    organisation = Organisation(name=cleaned, sector=str(sector), verified=False)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def email_domain(email: str) -> str:
    """The domain of an email address, lower case ("" when there is none)."""
    return normalise_email(email).rpartition("@")[2]


def needs_approval(organisation: Organisation, email: str) -> bool:
    """Whether joining ``organisation`` with this email needs approval: a verified organisation lets in, unasked, only
    addresses at its own verified email domain. Anyone typing its name otherwise waits for an admin or a member."""
    if not organisation.verified:
        return False
    domain = (organisation.email_domain or "").strip().lower()
    return not domain or email_domain(email) != domain


def pending_members(organisation_id: int) -> list[User]:
    """People waiting for approval to join an organisation, by email."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id, User.organisation_pending.is_(True))
            .order_by(User.email)
        )
    )


class MembershipError(Exception):
    """A membership decision the person may not make."""


def decide_membership(approver: User, member_id: int, approve: bool) -> User:
    """An approved member of a verified organisation (or an admin) approves or refuses someone's request to join it.

    Refusing leaves the person with no organisation. Audited."""
    member = db.session.get(User, member_id, with_for_update=True)
    if member is None or not member.organisation_pending or member.organisation_id is None:
        raise MembershipError("There is no such request to join")
    if not approver.has_role(Role.ADMIN) and (
        approver.organisation_pending or approver.organisation_id != member.organisation_id or approver.id == member.id
    ):
        raise MembershipError("Only an approved member of the organisation can decide this request")
    organisation_name = member.organisation.name if member.organisation else ""
    if approve:
        member.organisation_pending = False
    else:
        member.organisation = None
        member.organisation_pending = False
    record_audit(
        approver.id,
        "organisation_member_approved" if approve else "organisation_member_refused",
        "user",
        member.id,
        organisation_name,
    )
    db.session.commit()
    return member


def create_user(
    email: str,
    password: str,
    roles: list[Role],
    *,
    display_name: str = "",
    confirmed: bool = False,
    organisation: Organisation | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user with roles (no commit: the caller's transaction decides); ``password_hash`` if already made."""
    user = User(
        email=normalise_email(email),
        password_hash=password_hash or hash_password(password),
        display_name=display_name.strip(),
        confirmed_at=utcnow() if confirmed else None,
        organisation=organisation,
    )
    user.role_grants = [UserRole(role=str(role)) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def send_confirmation_email(user: User) -> None:
    """Email a link that confirms the user's address."""
    token = make_token(TokenPurpose.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})
    send_email(
        user.email,
        "Confirm your email address",
        "confirm_email.txt",
        user=user,
        link=external_url("auth.confirm_email", token=token),
    )


def register_account(
    email: str,
    password: str,
    display_name: str,
    *,
    stakeholder_organisation: str | None = None,
    sector: Sector | None = None,
) -> None:
    """Register an account and email a confirmation link.

    The outcome looks the same whether or not the email already has an account: an existing
    account holder is emailed a sign-in reminder instead, so the page leaks nothing.
    """
    # Hashed whether or not the address is taken, so the time the page takes says nothing about which it is.
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing:
        send_email(
            existing.email,
            "You already have an account",
            "already_registered.txt",
            sign_in_link=external_url("auth.sign_in"),
            reset_link=external_url("auth.forgot_password"),
        )
        return
    roles = [Role.PUBLIC]
    organisation = None
    if stakeholder_organisation and sector:
        roles = [Role.STAKEHOLDER]
        organisation = find_or_create_organisation(stakeholder_organisation, sector)
    try:
        user = create_user(
            email, password, roles, display_name=display_name, organisation=organisation, password_hash=password_hash
        )
        user.organisation_pending = organisation is not None and needs_approval(organisation, user.email)
        db.session.commit()
    except IntegrityError:
        # Two registrations for the same email at once: the other one won; say nothing different.
        db.session.rollback()
        return
    send_confirmation_email(user)


class ConfirmOutcome(StrEnum):
    """What a confirmation link did."""

    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"
    INVALID = "invalid"


def confirm_email(token: str) -> ConfirmOutcome:
    """Confirm the address a link was sent to."""
    try:
        payload = read_token(TokenPurpose.CONFIRM_EMAIL, token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return ConfirmOutcome.EXPIRED if exc.expired else ConfirmOutcome.INVALID
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return ConfirmOutcome.INVALID
    if user.confirmed_at is not None:
        return ConfirmOutcome.ALREADY_CONFIRMED
    user.confirmed_at = utcnow()
    db.session.commit()
    return ConfirmOutcome.CONFIRMED


class SignInOutcome(StrEnum):
    """What a sign-in attempt found."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    UNCONFIRMED = "unconfirmed"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    """The outcome and, when it succeeded, the user; when locked, how many seconds to wait."""

    outcome: SignInOutcome
    user: User | None = None
    retry_seconds: int = 0


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials. Unknown emails, wrong passwords and deactivated accounts look identical, locked ones too."""
    wait = throttle.locked_for(email)
    if wait:
        # Not even a correct password gets in: the guesser cannot learn that they found it.
        return SignInResult(SignInOutcome.LOCKED, retry_seconds=wait)
    user = find_user_by_email(email)
    if user is None:
        dummy_verify(password)
        throttle.record_failure(email)
        return SignInResult(SignInOutcome.BAD_CREDENTIALS)
    if not verify_password(user.password_hash, password) or not user.active:
        throttle.record_failure(email)
        return SignInResult(SignInOutcome.BAD_CREDENTIALS)
    throttle.clear(email)
    if user.confirmed_at is None:
        db.session.commit()
        # Only someone who knows the password learns this, so it leaks nothing.
        send_confirmation_email(user)
        return SignInResult(SignInOutcome.UNCONFIRMED, user)
    user.last_sign_in_at = utcnow()
    db.session.commit()
    return SignInResult(SignInOutcome.OK, user)


def _password_fingerprint(user: User) -> str:
    # Part of the hash: changes whenever the password does, which makes reset links single-use.
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an active account; do nothing visible otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = make_token(TokenPurpose.RESET_PASSWORD, {"uid": user.id, "fp": _password_fingerprint(user)})
    send_email(
        user.email,
        "Reset your password",
        "reset_password.txt",
        user=user,
        link=external_url("auth.reset_password", token=token),
        minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )


class ResetLinkProblem(StrEnum):
    """Why a reset link cannot be used."""

    EXPIRED = "expired"
    USED_OR_INVALID = "used_or_invalid"


def user_for_reset_token(token: str) -> User | ResetLinkProblem:
    """Return the user a reset link is for, or why the link cannot be used."""
    try:
        payload = read_token(TokenPurpose.RESET_PASSWORD, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return ResetLinkProblem.EXPIRED if exc.expired else ResetLinkProblem.USED_OR_INVALID
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or payload.get("fp") != _password_fingerprint(user):
        return ResetLinkProblem.USED_OR_INVALID
    return user


def set_password(user: User, new_password: str) -> None:
    """Store a new password and end every session; a reset also proves the email address."""
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    throttle.clear(user.email)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember-me cookie issued so far stops working."""
    user.end_sessions()
    db.session.commit()


def change_password(user: User, current_password: str, new_password: str) -> bool:
    """Change a signed-in user's password after checking the current one."""
    if not verify_password(user.password_hash, current_password):
        return False
    set_password(user, new_password)
    return True
