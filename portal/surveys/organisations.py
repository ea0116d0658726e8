"""The stakeholder registry: organisations and the wards they serve, and their verification by staff."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.extensions import db
from portal.models import Area, Organisation, OrganisationWard, Sector, User

ORGANISATIONS_PER_PAGE = 25


def ward_choices() -> list[tuple[str, str]]:
    """Every ward as (code, name), by name."""
    rows = db.session.execute(select(Area.code, Area.name).where(Area.area_type == "ward").order_by(Area.name))
    return [(code, name) for code, name in rows]


def organisation_ward_codes(organisation_id: int) -> list[str]:
    """The codes of the wards an organisation serves."""
    return list(
        db.session.scalars(
            select(OrganisationWard.ward_code).where(OrganisationWard.organisation_id == organisation_id)
        )
    )


def ward_names(codes: Sequence[str]) -> list[str]:
    """Ward names for codes, by name."""
    if not codes:
        return []
    return list(db.session.scalars(select(Area.name).where(Area.code.in_(codes)).order_by(Area.name)))


def set_organisation_wards(user: User, ward_codes: Sequence[str]) -> None:
    """Set the wards the user's own organisation serves (a person can only change their own organisation's, and only
    once their request to join it is approved)."""
    organisation = user.approved_organisation
    if organisation is None:
        raise PermissionError("You are not an approved member of an organisation")
    valid = set(db.session.scalars(select(Area.code).where(Area.area_type == "ward", Area.code.in_(ward_codes))))
    current = {link.ward_code: link for link in _ward_links(organisation.id)}
    for code in set(current) - valid:
        db.session.delete(current[code])
    for code in sorted(valid - set(current)):
        db.session.add(OrganisationWard(organisation_id=organisation.id, ward_code=code))
    try:
        db.session.commit()
    except IntegrityError:
        # Two members saved at once: the other save stands, which lists the same wards or theirs.
        db.session.rollback()


def _ward_links(organisation_id: int) -> list[OrganisationWard]:
    return list(db.session.scalars(select(OrganisationWard).where(OrganisationWard.organisation_id == organisation_id)))


@dataclass(frozen=True)
class OrganisationRow:
    """An organisation on the verification list."""

    organisation: Organisation
    members: int
    wards: list[str]


@dataclass(frozen=True)
class OrganisationPage:
    """One page of the organisation list."""

    rows: list[OrganisationRow]
    total: int
    page: int
    pages: int


def list_organisations(show: str = "unverified", page: int = 1) -> OrganisationPage:
    """Organisations for staff to verify: unverified first by default, or all, newest first."""
    query = select(Organisation)
    if show == "unverified":
        query = query.where(Organisation.verified.is_(False))
    elif show == "verified":
        query = query.where(Organisation.verified.is_(True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / ORGANISATIONS_PER_PAGE))
    page = min(max(page, 1), pages)
    organisations = list(
        db.session.scalars(
            query.order_by(Organisation.created_at.desc(), Organisation.id.desc())
            .limit(ORGANISATIONS_PER_PAGE)
            .offset((page - 1) * ORGANISATIONS_PER_PAGE)
        )
    )
    ids = [o.id for o in organisations]
    members = dict(
        db.session.execute(
            select(User.organisation_id, func.count())
            .where(User.organisation_id.in_(ids))
            .group_by(User.organisation_id)
        ).all()
    )
    wards: dict[int, list[str]] = {i: [] for i in ids}
    for organisation_id, name in db.session.execute(
        select(OrganisationWard.organisation_id, Area.name)
        .join(Area, Area.code == OrganisationWard.ward_code)
        .where(OrganisationWard.organisation_id.in_(ids))
        .order_by(Area.name)
    ):
        wards[organisation_id].append(name)
    rows = [OrganisationRow(o, members.get(o.id, 0), wards[o.id]) for o in organisations]
    return OrganisationPage(rows, total, page, pages)


def organisation_members(organisation_id: int) -> list[User]:
    """The people registered for an organisation."""
    return list(db.session.scalars(select(User).where(User.organisation_id == organisation_id).order_by(User.email)))


def set_verified(
    organisation_id: int, verified: bool, actor_id: int | None, sector: Sector | None = None
) -> Organisation:
    """Verify an organisation (optionally correcting its sector), or remove its verification. Audited."""
    organisation = db.session.get(Organisation, organisation_id, with_for_update=True)
    if organisation is None:
        raise LookupError(organisation_id)
    organisation.verified = verified
    detail = "verified" if verified else "verification removed"
    if sector is not None and str(sector) != organisation.sector:
        detail += f"; sector changed from {organisation.sector} to {sector}"
        organisation.sector = str(sector)
    action = "organisation_verified" if verified else "organisation_unverified"
    record_audit(actor_id, action, "organisation", organisation.id, detail)
    db.session.commit()
    return organisation
