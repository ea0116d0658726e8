"""Users, their roles and their organisations."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow


class Role(StrEnum):
    """What a user may do. A user may hold several roles."""

    PUBLIC = "public"
    STAKEHOLDER = "stakeholder"
    STEERING = "steering"
    COMMISSIONER = "commissioner"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PUBLIC: "Member of the public",
    Role.STAKEHOLDER: "Stakeholder",
    Role.STEERING: "Steering group member",
    Role.COMMISSIONER: "Commissioner",
    Role.ANALYST: "Analyst",
    Role.ADMIN: "Administrator",
}

STAFF_ROLES: frozenset[Role] = frozenset({Role.STEERING, Role.ANALYST, Role.ADMIN})


class Sector(StrEnum):
    """The sector a stakeholder organisation works in."""

    NHS_PROVIDER = "nhs_provider"
    COMMISSIONER = "commissioner"
    COUNCIL = "council"
    VCS = "vcs"
    HOUSING = "housing"
    EDUCATION = "education"
    POLICE = "police"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self]


SECTOR_LABELS: dict[Sector, str] = {
    Sector.NHS_PROVIDER: "NHS provider",
    Sector.COMMISSIONER: "Commissioner or integrated care board (ICB)",
    Sector.COUNCIL: "Council service",
    Sector.VCS: "Voluntary and community sector",
    Sector.HOUSING: "Housing",
    Sector.EDUCATION: "Education",
    Sector.POLICE: "Police",
    Sector.OTHER: "Other",
}


class Organisation(Model):
    """A stakeholder organisation. Staff verify organisations before their sector is trusted."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(32))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # A verified organisation's own email domain ("example.nhs.uk"): people registering from it join without approval.
    email_domain: Mapped[str | None] = mapped_column(String(253), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def sector_label(self) -> str:
        return Sector(self.sector).label


def new_session_token() -> str:
    """A fresh random per-user session secret."""
    return secrets.token_urlsafe(24)


class User(UserMixin, Model):
    """A person with an account. Anonymous visitors have none."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    # Asked to join a verified organisation and not yet approved (by an admin or an approved member): until then the
    # person cannot change the organisation and does not answer for its sector.
    organisation_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of every session and remember-me cookie (through get_id): replacing it ends them all, everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", foreign_keys="UserRole.user_id"
    )

    @property
    def approved_organisation(self) -> Organisation | None:
        """The organisation this person may act for: theirs, unless their request to join is still pending."""
        return None if self.organisation_pending else self.organisation

    @property
    def verified_organisation(self) -> Organisation | None:
        """The organisation whose sector this person's answers count under: approved membership of a verified one."""
        organisation = self.approved_organisation
        return organisation if organisation is not None and organisation.verified else None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id for this user's sessions and remember-me cookies: the user id and the session secret."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Replace the session secret, so every session and remember-me cookie issued so far stops working.

        Not committed: the caller's transaction decides.
        """
        self.session_token = new_session_token()

    def session_id_matches(self, session_id: str) -> bool:
        """True when ``session_id`` (from a cookie) is this user's current one; compared in constant time."""
        return hmac.compare_digest(self.get_id().encode(), session_id.encode())

    @property
    def roles(self) -> set[Role]:
        return {Role(grant.role) for grant in self.role_grants}

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user holds any of the given roles."""
        return bool(self.roles & {Role(r) for r in roles})

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def name_or_email(self) -> str:
        return self.display_name or self.email


class UserRole(Model):
    """One role granted to one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class SignInThrottle(Model):
    """Wrong passwords in a row for one email address (kept as a keyed hash), and until when it is locked."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PersonalDataExport(Model):
    """A copy of everything held about a person, asked for by them: a single-use link that expires.

    Only a hash of the link's token is kept; ``downloaded_at`` is set when the link is used (and then it is dead).
    An account holder's link (``user_id``) works only while they are signed in; a link asked for by email address
    alone (``email``; proposers, invitees and subscribers without an account) works for whoever holds it.
    """

    __tablename__ = "personal_data_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=True)
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
