"""Joining a verified organisation needs its approval or its verified email domain (issue 13 item 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.auth.services import find_user_by_email
from portal.models import Area, Organisation, OrganisationWard, Role, User
from portal.models.base import utcnow
from portal.surveys.inviting import _sector_for_email
from portal.surveys.organisations import set_organisation_wards
from tests.conftest import TEST_PASSWORD, sign_in
from tests.helpers import ClientRequest


def _verified_icb(db: Any, **kw: Any) -> Organisation:
    organisation = Organisation(name="Example Integrated Care Board", sector="commissioner", verified=True, **kw)
    db.session.add_all([organisation, Area(code="E05001325", name="Bilston East", area_type="ward")])
    db.session.commit()
    return organisation


def _register_for(client_request: ClientRequest, email: str, organisation_name: str, sector: str = "vcs") -> User:
    client_request.post(
        "/register",
        {
            "email": email,
            "password": TEST_PASSWORD,
            "password_confirm": TEST_PASSWORD,
            "account_type": "stakeholder",
            "display_name": "Sam",
            "organisation_name": organisation_name,
            "sector": sector,
        },
    )
    user = find_user_by_email(email)
    assert user is not None
    user.confirmed_at = utcnow()
    return user


def _wards(db: Any, organisation: Organisation) -> list[str]:
    return list(
        db.session.scalars(
            select(OrganisationWard.ward_code).where(OrganisationWard.organisation_id == organisation.id)
        )
    )


def test_typing_a_verified_organisations_name_makes_a_pending_member_who_cannot_change_it(
    client_request: ClientRequest, client: FlaskClient, db: Any
) -> None:
    organisation = _verified_icb(db)
    user = _register_for(client_request, "someone@gmail.example", "  example INTEGRATED   care board ")
    db.session.commit()
    assert user.organisation_id == organisation.id and user.organisation_pending
    assert user.verified_organisation is None

    sign_in(client, user.email)
    assert "waiting for the organisation to approve you" in client_request.get("/account").get_text()
    page = client_request.get("/surveys/engagement")
    assert "Which wards does your organisation serve?" not in page.get_text()
    client_request.post("/surveys/engagement", {"wards": ["E05001325"]}, expected_status=200)
    with pytest.raises(PermissionError):
        set_organisation_wards(user, ["E05001325"])
    assert _wards(db, organisation) == []
    # Invited to a survey, their answers do not count under the organisation's (verified) sector.
    assert _sector_for_email(user.email) == ""


def test_an_address_at_the_organisations_verified_domain_joins_at_once(
    client_request: ClientRequest, client: FlaskClient, db: Any
) -> None:
    organisation = _verified_icb(db, email_domain="example-icb.nhs.uk")
    user = _register_for(client_request, "Lead@Example-ICB.nhs.uk", "Example Integrated Care Board")
    db.session.commit()
    assert user.organisation_id == organisation.id and not user.organisation_pending
    assert _sector_for_email(user.email) == "commissioner"
    sign_in(client, user.email)
    client_request.post("/surveys/engagement", {"wards": ["E05001325"]})
    assert _wards(db, organisation) == ["E05001325"]


def test_an_approved_member_decides_requests_and_no_one_else_can(
    client_request: ClientRequest,
    client: FlaskClient,
    make_user: Callable[..., User],
    db: Any,
) -> None:
    organisation = _verified_icb(db)
    member = make_user(Role.STAKEHOLDER, email="member@icb.example", organisation=organisation)
    outsider = make_user(
        Role.STAKEHOLDER,
        email="outsider@other.example",
        organisation=Organisation(name="Other", sector="vcs", verified=True),
    )
    applicant = _register_for(client_request, "applicant@mail.example", "Example Integrated Care Board")
    db.session.commit()

    # Another pending applicant, or a member of another organisation, cannot approve.
    sign_in(client, outsider.email)
    client_request.post(f"/account/organisation/requests/{applicant.id}", {"decision": "approve"})
    db.session.expire_all()
    assert db.session.get(User, applicant.id).organisation_pending
    client_request.post("/sign-out", {})

    sign_in(client, member.email)
    page = client_request.get("/account")
    assert "applicant@mail.example" in page.get_text()
    client_request.post(f"/account/organisation/requests/{applicant.id}", {"decision": "approve"})
    db.session.expire_all()
    approved = db.session.get(User, applicant.id)
    assert not approved.organisation_pending and approved.verified_organisation == organisation
    assert _sector_for_email(approved.email) == "commissioner"


def test_a_refused_applicant_is_left_without_the_organisation(
    client_request: ClientRequest, client: FlaskClient, make_user: Callable[..., User], db: Any
) -> None:
    organisation = _verified_icb(db)
    member = make_user(Role.STAKEHOLDER, email="member@icb.example", organisation=organisation)
    applicant = _register_for(client_request, "applicant@mail.example", "Example Integrated Care Board")
    db.session.commit()
    sign_in(client, member.email)
    client_request.post(f"/account/organisation/requests/{applicant.id}", {"decision": "refuse"})
    db.session.expire_all()
    refused = db.session.get(User, applicant.id)
    assert refused.organisation_id is None and not refused.organisation_pending


def test_joining_an_unverified_organisation_needs_no_approval(client_request: ClientRequest, db: Any) -> None:
    db.session.add(Organisation(name="Carers Support", sector="vcs", verified=False))
    db.session.commit()
    user = _register_for(client_request, "carer@mail.example", "carers support")
    assert user.organisation.name == "Carers Support" and not user.organisation_pending


def test_an_admin_saving_the_organisation_approves_a_pending_member(
    client_request: ClientRequest, login_as: Callable[..., User], db: Any
) -> None:
    organisation = _verified_icb(db)
    applicant = _register_for(client_request, "applicant@mail.example", "Example Integrated Care Board")
    db.session.commit()
    login_as(Role.ADMIN)
    client_request.post(f"/admin/users/{applicant.id}/organisation", {"organisation_id": str(organisation.id)})
    db.session.expire_all()
    assert db.session.get(User, applicant.id).verified_organisation == organisation
