"""Registration, confirmation, sign-in, reset and change password, end to end with real emails."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.auth.services import find_user_by_email
from portal.models import Role, User
from tests.conftest import TEST_PASSWORD, Mailbox, sign_in
from tests.helpers import ClientRequest, email_body, error_summary_texts, links_in

NEW_PASSWORD = "purple elephant umbrella"


def _path(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _register(client_request: ClientRequest, email: str, **extra: str) -> None:
    data = {
        "email": email,
        "password": TEST_PASSWORD,
        "password_confirm": TEST_PASSWORD,
        "account_type": "public",
        "display_name": "Sam",
    }
    data.update(extra)
    response = client_request.post("/register", data)
    assert response.headers["Location"].endswith("/check-your-email?purpose=register")


def test_register_confirm_by_email_then_sign_in(client_request: ClientRequest, mailbox: Mailbox, db: object) -> None:
    _register(client_request, "new.person@example.org")
    user = find_user_by_email("new.person@example.org")
    assert user is not None and user.confirmed_at is None and user.roles == {Role.PUBLIC}
    assert user.password_hash.startswith("$argon2id$")

    # Unconfirmed: signing in with the right password explains and re-sends the link.
    page = client_request.post("/sign-in", {"email": "new.person@example.org", "password": TEST_PASSWORD}, 200)
    assert "confirm your email address" in page.get_data(as_text=True)

    confirmation = mailbox.last_to("new.person@example.org")
    assert confirmation["Subject"] == "Confirm your email address"
    response = client_request.response(_path(links_in(confirmation)[0]))
    assert response.status_code == 303
    db.session.expire_all()
    assert find_user_by_email("new.person@example.org").confirmed_at is not None

    response = client_request.post("/sign-in", {"email": "new.person@example.org", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/account"
    assert "new.person@example.org" in client_request.get("/account").get_text()


def test_register_as_stakeholder_creates_unverified_organisation(client_request: ClientRequest) -> None:
    _register(
        client_request,
        "lead@vcs.example.org",
        account_type="stakeholder",
        organisation_name="Wolverhampton Carers Support",
        sector="vcs",
    )
    user = find_user_by_email("lead@vcs.example.org")
    assert user.roles == {Role.STAKEHOLDER}
    assert user.organisation.name == "Wolverhampton Carers Support"
    assert user.organisation.sector == "vcs" and not user.organisation.verified


def test_register_form_errors_keep_what_was_typed(client_request: ClientRequest) -> None:
    response = client_request.post(
        "/register",
        {
            "email": "kept@example.org",
            "display_name": "Kept Name",
            "password": "short",
            "password_confirm": "other",
            "account_type": "stakeholder",
        },
        expected_status=200,
    )
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    errors = error_summary_texts(page)
    assert "Password must be 10 characters or more" in errors
    assert "Passwords must match" in errors
    assert "Enter your organisation's name" in errors
    assert page.title.get_text().startswith("Error: ")
    assert page.find("input", {"name": "email"})["value"] == "kept@example.org"
    assert page.find("input", {"name": "display_name"})["value"] == "Kept Name"


@pytest.mark.parametrize("password", ["password123", "wolverhampton", "aaaaaaaaaaaa"])
def test_common_passwords_are_refused(client_request: ClientRequest, password: str) -> None:
    response = client_request.post(
        "/register",
        {"email": "x@example.org", "password": password, "password_confirm": password, "account_type": "public"},
        expected_status=200,
    )
    assert "too easy to guess" in response.get_data(as_text=True)


def test_registering_an_existing_email_looks_the_same_and_warns_the_owner(
    client_request: ClientRequest, make_user: Callable[..., User], mailbox: Mailbox
) -> None:
    make_user(Role.PUBLIC, email="taken@example.org")
    _register(client_request, "taken@example.org")
    assert mailbox.last_to("taken@example.org")["Subject"] == "You already have an account"


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client_request: ClientRequest, make_user: Callable[..., User]
) -> None:
    make_user(Role.PUBLIC, email="known@example.org")
    wrong = client_request.post("/sign-in", {"email": "known@example.org", "password": "not it at all"}, 200)
    unknown = client_request.post("/sign-in", {"email": "nobody@example.org", "password": "not it at all"}, 200)
    for response in (wrong, unknown):
        assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert wrong.status_code == unknown.status_code


def test_deactivated_account_cannot_sign_in(
    client_request: ClientRequest, make_user: Callable[..., User], db: object
) -> None:
    user = make_user(Role.PUBLIC, email="gone@example.org")
    user.active = False
    db.session.commit()
    response = client_request.post("/sign-in", {"email": "gone@example.org", "password": TEST_PASSWORD}, 200)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_is_throttled(app: Flask, client_request: ClientRequest) -> None:
    statuses = [
        client_request.client.post(
            "/sign-in", data={"email": "a@example.org", "password": "x", "csrf_token": client_request.csrf_token()}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429
    throttled = client_request.client.post("/sign-in", data={"csrf_token": client_request.csrf_token()})
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.get_data(as_text=True)


@pytest.mark.parametrize("evil", ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client: FlaskClient, make_user: Callable[..., User], evil: str) -> None:
    user = make_user(Role.PUBLIC)
    request = ClientRequest(client)
    response = request.post(f"/sign-in?next={evil}", {"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/account"


def test_next_returns_to_a_same_site_page(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.ADMIN)
    response = ClientRequest(client).post(
        "/sign-in?next=/admin/users", {"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/users"


def test_protected_page_sends_you_to_sign_in_and_back(client: FlaskClient) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_password_reset_by_email_is_single_use(
    client_request: ClientRequest, make_user: Callable[..., User], mailbox: Mailbox
) -> None:
    make_user(Role.PUBLIC, email="forgetful@example.org")
    client_request.post("/forgot-password", {"email": "forgetful@example.org"})
    reset = mailbox.last_to("forgetful@example.org")
    assert reset["Subject"] == "Reset your password"
    link = _path(links_in(reset)[0])
    client_request.get(link)
    client_request.post(link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    sign_in(client_request.client, "forgetful@example.org", NEW_PASSWORD)
    # Reused link: refused with a clear page.
    page = client_request.get(link, expected_status=400)
    assert page.h1.get_text(strip=True) == "This link cannot be used"


def test_expired_reset_link_is_refused(
    app: Flask, client_request: ClientRequest, make_user: Callable[..., User], mailbox: Mailbox
) -> None:
    make_user(Role.PUBLIC, email="slow@example.org")
    client_request.post("/forgot-password", {"email": "slow@example.org"})
    link = _path(links_in(mailbox.last_to("slow@example.org"))[0])
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        page = client_request.get(link, expected_status=410)
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    assert page.h1.get_text(strip=True) == "This link has expired"


def test_tampered_reset_link_is_refused(client_request: ClientRequest) -> None:
    page = client_request.get("/reset-password/not-a-real-token", expected_status=400)
    assert "cannot be used" in page.h1.get_text()


def test_reset_request_for_unknown_email_looks_identical(client_request: ClientRequest, mailbox: Mailbox) -> None:
    response = client_request.post("/forgot-password", {"email": "ghost@example.org"})
    assert response.headers["Location"].endswith("purpose=reset")
    time.sleep(0.05)
    assert mailbox.to("ghost@example.org") == []


def test_change_password(client_request: ClientRequest, login_as: Callable[..., User]) -> None:
    user = login_as(Role.PUBLIC)
    wrong = client_request.post(
        "/account/change-password",
        {"current_password": "not my password", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        expected_status=200,
    )
    assert "Your current password is incorrect" in wrong.get_data(as_text=True)
    client_request.post(
        "/account/change-password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    client_request.post("/sign-out", {})
    sign_in(client_request.client, user.email, NEW_PASSWORD)


def test_sign_out_needs_post_with_csrf(client_request: ClientRequest, login_as: Callable[..., User]) -> None:
    login_as(Role.PUBLIC)
    assert client_request.client.get("/sign-out").status_code == 405
    assert client_request.client.post("/sign-out").status_code == 400  # no CSRF token
    client_request.post("/sign-out", {})
    assert client_request.client.get("/account").status_code == 302


def test_missing_csrf_token_gets_a_clear_400(client_request: ClientRequest) -> None:
    response = client_request.post("/sign-in", {"email": "a@example.org", "password": "x"}, 400, csrf=False)
    assert "nothing was saved" in response.get_data(as_text=True)


def test_remember_me_cookie_lasts_at_most_30_days(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.PUBLIC)
    response = ClientRequest(client).post("/sign-in", {"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    import re
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert (expires - datetime.now(UTC)).days <= 30


def test_confirmation_email_is_plain_and_addressed(client_request: ClientRequest, mailbox: Mailbox) -> None:
    _register(client_request, "plain@example.org")
    body = email_body(mailbox.last_to("plain@example.org"))
    assert "Confirm your email address" in body and "http://localhost/confirm-email/" in body
