"""User administration: HTMX search, roles, deactivation — admins only."""

from __future__ import annotations

from collections.abc import Callable

from portal.models import AuditEvent, Organisation, Role, User
from tests.conftest import TEST_PASSWORD
from tests.helpers import ClientRequest


def test_search_returns_the_fragment_for_htmx_and_the_page_otherwise(
    client_request: ClientRequest, login_as: Callable[..., User], make_user: Callable[..., User]
) -> None:
    login_as(Role.ADMIN)
    make_user(Role.PUBLIC, email="priya@example.org")
    make_user(Role.PUBLIC, email="tom@example.org")

    page = client_request.get("/admin/users?q=priya")
    assert [a.get_text() for a in page.select("#user-results a")] == ["priya@example.org"]

    response = client_request.client.get("/admin/users?q=priya", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "priya@example.org" in fragment and "tom@example.org" not in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_admin_grants_and_revokes_roles_with_an_audit_trail(
    client_request: ClientRequest, login_as: Callable[..., User], make_user: Callable[..., User], db: object
) -> None:
    admin = login_as(Role.ADMIN)
    person = make_user(Role.PUBLIC)
    client_request.post(f"/admin/users/{person.id}", {"roles": ["public", "steering", "commissioner"]})
    db.session.expire_all()
    assert db.session.get(User, person.id).roles == {Role.PUBLIC, Role.STEERING, Role.COMMISSIONER}

    client_request.post(f"/admin/users/{person.id}", {"roles": ["commissioner"]})
    db.session.expire_all()
    assert db.session.get(User, person.id).roles == {Role.COMMISSIONER}
    events = db.session.query(AuditEvent).filter_by(object_id=str(person.id)).all()
    assert len(events) == 2 and all(e.actor_id == admin.id for e in events)
    assert "revoked: public, steering" in events[-1].detail


def test_admin_cannot_remove_their_own_admin_role(
    client_request: ClientRequest, login_as: Callable[..., User], db: object
) -> None:
    admin = login_as(Role.ADMIN)
    response = client_request.post(f"/admin/users/{admin.id}", {"roles": ["public"]}, expected_status=200)
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.expire_all()
    assert Role.ADMIN in db.session.get(User, admin.id).roles


def test_deactivated_user_is_signed_out_and_cannot_sign_in(
    client_request: ClientRequest, login_as: Callable[..., User], make_user: Callable[..., User], app: object
) -> None:
    login_as(Role.ADMIN)
    person = make_user(Role.PUBLIC)
    other_browser = ClientRequest(app.test_client())
    other_browser.post("/sign-in", {"email": person.email, "password": TEST_PASSWORD})
    assert other_browser.client.get("/account").status_code == 200

    client_request.post(f"/admin/users/{person.id}/active", {"active": "0"})
    assert other_browser.client.get("/account").status_code == 302
    response = other_browser.post("/sign-in", {"email": person.email, "password": TEST_PASSWORD}, expected_status=200)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)

    client_request.post(f"/admin/users/{person.id}/active", {"active": "1"})
    other_browser.post("/sign-in", {"email": person.email, "password": TEST_PASSWORD})


def test_non_admins_cannot_change_roles(
    client_request: ClientRequest, login_as: Callable[..., User], make_user: Callable[..., User], db: object
) -> None:
    login_as(Role.ANALYST)
    person = make_user(Role.PUBLIC)
    client_request.post(f"/admin/users/{person.id}", {"roles": ["admin"]}, expected_status=403)
    db.session.expire_all()
    assert db.session.get(User, person.id).roles == {Role.PUBLIC}


def test_admin_sets_a_users_organisation_or_adds_a_new_one_with_an_audit_trail(
    client_request: ClientRequest, login_as: Callable[..., User], make_user: Callable[..., User], db: object
) -> None:
    admin = login_as(Role.ADMIN)
    person = make_user(Role.COMMISSIONER, email="buyer@example.org")
    icb = Organisation(name="Black Country ICB", sector="commissioner", verified=True)
    db.session.add(icb)  # type: ignore[attr-defined]
    db.session.commit()  # type: ignore[attr-defined]

    page = client_request.get(f"/admin/users/{person.id}")
    options = [o.get_text() for o in page.select("select[name=organisation_id] option")]
    assert options == ["None", "Black Country ICB (Commissioner or integrated care board (ICB))"]

    client_request.post(f"/admin/users/{person.id}/organisation", {"organisation_id": str(icb.id)})
    db.session.expire_all()  # type: ignore[attr-defined]
    assert db.session.get(User, person.id).organisation_id == icb.id  # type: ignore[attr-defined]

    # An organisation that is not in the list is added, verified because an administrator added it.
    client_request.post(
        f"/admin/users/{person.id}/organisation",
        {"organisation_id": "", "new_organisation": "  City of Wolverhampton  Council ", "new_sector": "council"},
    )
    db.session.expire_all()  # type: ignore[attr-defined]
    organisation = db.session.get(User, person.id).organisation  # type: ignore[attr-defined]
    assert organisation.name == "City of Wolverhampton Council" and organisation.verified
    assert organisation.sector == "council"

    client_request.post(f"/admin/users/{person.id}/organisation", {"organisation_id": ""})
    db.session.expire_all()  # type: ignore[attr-defined]
    assert db.session.get(User, person.id).organisation is None  # type: ignore[attr-defined]

    events = db.session.query(AuditEvent).filter_by(object_id=str(person.id), action="organisation_changed").all()  # type: ignore[attr-defined]
    assert [e.detail for e in events] == [
        "none → Black Country ICB",
        "Black Country ICB → City of Wolverhampton Council",
        "City of Wolverhampton Council → none",
    ]
    assert all(e.actor_id == admin.id for e in events)

    response = client_request.post(
        f"/admin/users/{person.id}/organisation", {"organisation_id": "999999"}, expected_status=200
    )
    assert "Select an organisation from the list" in response.get_data(as_text=True)
