"""Sessions end when they should: a copied session or remember-me cookie stops working after sign-out, a password
change or reset, a role change or deactivation; "Sign out everywhere"; a fresh CSRF token at sign-in."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from portal.admin import services as admin
from portal.models import Role, User
from tests.conftest import TEST_PASSWORD, sign_in
from tests.helpers import ClientRequest

NEW_PASSWORD = "a much longer new passphrase"


def _copy_cookie(source: FlaskClient, target: FlaskClient, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie to copy"
    target.set_cookie(name, cookie.value)


def _opens_account(client: FlaskClient) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _stolen_session(app: Flask, victim: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of the victim's session cookie."""
    thief = app.test_client()
    _copy_cookie(victim, thief, "session")
    assert _opens_account(thief), "the copied cookie should work while the victim is signed in"
    return thief


def _stolen_remember_cookie(app: Flask, victim: FlaskClient) -> FlaskClient:
    """A second browser holding only a copy of the victim's remember-me cookie (no session)."""
    thief = app.test_client()
    _copy_cookie(victim, thief, "remember_token")
    for _ in range(2):  # and keeps working after the first request, as "Keep me signed in" promises
        assert _opens_account(thief), "the copied remember-me cookie should work while the victim is signed in"
    return thief


def _sign_in_remembered(client: FlaskClient, user: User) -> None:
    ClientRequest(client).post("/sign-in", {"email": user.email, "password": TEST_PASSWORD, "remember": "y"})


def test_a_copied_session_cookie_stops_working_after_sign_out(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    sign_in(client, user.email)
    thief = _stolen_session(app, client)
    ClientRequest(client).post("/sign-out")
    assert not _opens_account(thief)


def test_a_copied_remember_me_cookie_stops_working_after_sign_out(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _sign_in_remembered(client, user)
    thief = _stolen_remember_cookie(app, client)
    ClientRequest(client).post("/sign-out")
    assert not _opens_account(thief)
    # Signing in again does not bring the old cookie back to life.
    _sign_in_remembered(client, user)
    assert not _opens_account(thief)


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _sign_in_remembered(client, user)
    session_thief = _stolen_session(app, client)
    remember_thief = _stolen_remember_cookie(app, client)
    ClientRequest(client).post(
        "/account/change-password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert _opens_account(client), "the person who changed the password stays signed in"
    assert not _opens_account(session_thief)
    assert not _opens_account(remember_thief)


def test_resetting_the_password_ends_every_session(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], mailbox: object
) -> None:
    from portal.auth import services as accounts

    user = make_user()
    _sign_in_remembered(client, user)
    session_thief = _stolen_session(app, client)
    remember_thief = _stolen_remember_cookie(app, client)
    accounts.set_password(user, NEW_PASSWORD)
    assert not _opens_account(session_thief)
    assert not _opens_account(remember_thief)
    assert not _opens_account(client)


def test_a_role_change_or_deactivation_ends_the_users_sessions(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    administrator = make_user(Role.ADMIN)
    user = make_user(Role.STEERING)
    _sign_in_remembered(client, user)
    remember_thief = _stolen_remember_cookie(app, client)
    admin.set_roles(user.id, {Role.STEERING, Role.ANALYST}, administrator)
    assert not _opens_account(client)
    assert not _opens_account(remember_thief)

    _sign_in_remembered(client, user)
    remember_thief = _stolen_remember_cookie(app, client)
    admin.set_active(user.id, False, administrator)
    admin.set_active(user.id, True, administrator)
    assert not _opens_account(client), "reactivating does not bring back sessions from before the deactivation"
    assert not _opens_account(remember_thief)


def test_sign_out_everywhere_from_the_account_page(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    sign_in(client, user.email)
    page = ClientRequest(client).get("/account")
    form = page.find("form", action="/account/sign-out-everywhere")
    assert form is not None and "Sign out everywhere" in form.get_text()
    other_device = app.test_client()
    _sign_in_remembered(other_device, user)
    ClientRequest(client).post("/account/sign-out-everywhere")
    assert not _opens_account(other_device)
    assert not _opens_account(client)
    # Signing in afresh works as before.
    sign_in(client, user.email)
    assert _opens_account(client)


def test_sessions_of_other_users_are_untouched_by_a_sign_out(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    first, second = make_user(), make_user()
    sign_in(client, first.email)
    other = app.test_client()
    sign_in(other, second.email)
    ClientRequest(client).post("/sign-out")
    assert _opens_account(other)


def test_the_csrf_token_is_renewed_at_sign_in(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user()
    request = ClientRequest(client)
    before = request.csrf_token()
    sign_in(client, user.email)
    after = request.csrf_token()
    assert after != before
    # A form planted with the token from before sign-in is refused.
    response = client.post(
        "/account/change-password",
        data={
            "csrf_token": before,
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
