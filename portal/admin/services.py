"""User administration: search, roles, organisation, deactivation — each change audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from portal.audit import record_audit
from portal.auth.services import find_or_create_organisation
from portal.extensions import db
from portal.models import AuditEvent, Organisation, Role, Sector, User, UserRole

PAGE_SIZE = 25


@dataclass(frozen=True)
class UserPage:
    """One page of users matching a search."""

    users: list[User]
    total: int
    page: int
    pages: int


def search_users(query: str = "", page: int = 1) -> UserPage:
    """Find users whose email or name contains ``query``."""
    statement = select(User)
    cleaned = query.strip().lower()
    if cleaned:
        like = f"%{cleaned.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(User.email.like(like), func.lower(User.display_name).like(like)))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    users = list(db.session.scalars(statement.order_by(User.email).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return UserPage(users=users, total=total, page=page, pages=pages)


class AdminRuleError(Exception):
    """A change an admin may not make (such as removing their own admin role)."""


def _audit(actor: User, action: str, user: User, detail: str) -> None:
    record_audit(actor.id, action, "user", user.id, detail)


def set_roles(user_id: int, roles: set[Role], actor: User) -> User:
    """Grant and revoke roles so the user holds exactly ``roles``."""
    user = db.get_or_404(User, user_id)
    if user.id == actor.id and Role.ADMIN not in roles:
        raise AdminRuleError("You cannot remove your own administrator role")
    current = user.roles
    granted, revoked = roles - current, current - roles
    user.role_grants = [g for g in user.role_grants if Role(g.role) in roles]
    for role in sorted(granted):
        user.role_grants.append(UserRole(role=str(role), granted_by_id=actor.id))
    if granted or revoked:
        user.end_sessions()  # signed in again, the user's pages and menus match their new roles
        detail = f"granted: {', '.join(sorted(granted)) or '-'}; revoked: {', '.join(sorted(revoked)) or '-'}"
        _audit(actor, "roles_changed", user, detail)
    db.session.commit()
    return user


def organisations() -> list[Organisation]:
    """Every organisation a user can belong to, by name."""
    return list(db.session.scalars(select(Organisation).order_by(func.lower(Organisation.name))))


def set_organisation(
    user_id: int, organisation_id: int | None, actor: User, *, new_name: str = "", new_sector: str = ""
) -> User:
    """Put the user in an organisation (or none), or in a new one an admin adds (verified, since an admin added it).

    A commissioner responds to recommendations for their organisation, so this decides whose name their responses
    carry from now on; responses already made keep the organisation they answered for."""
    user = db.get_or_404(User, user_id)
    organisation: Organisation | None
    if " ".join(new_name.split()):
        try:
            sector = Sector(new_sector)
        except ValueError as error:
            raise AdminRuleError("Select the new organisation's sector") from error
        organisation = find_or_create_organisation(new_name, sector)
        organisation.verified = True
    elif organisation_id is None:
        organisation = None
    else:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise AdminRuleError("Select an organisation from the list")
    before = user.organisation.name if user.organisation else "none"
    after = organisation.name if organisation else "none"
    if before != after or user.organisation_pending:
        # An admin putting someone in an organisation approves their membership.
        user.organisation = organisation
        user.organisation_pending = False
        _audit(actor, "organisation_changed", user, f"{before} → {after}")
    db.session.commit()
    return user


def set_active(user_id: int, active: bool, actor: User) -> User:
    """Deactivate or reactivate an account. A deactivated user cannot sign in."""
    user = db.get_or_404(User, user_id)
    if user.id == actor.id and not active:
        raise AdminRuleError("You cannot deactivate your own account")
    if user.active != active:
        user.active = active
        user.end_sessions()
        _audit(actor, "reactivated" if active else "deactivated", user, "")
        db.session.commit()
    return user


def audit_trail(user_id: int) -> list[AuditEvent]:
    """Administrative changes made to a user, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        )
    )
