"""Security headers, the CSP nonce, cookies, HTMX's CSRF header and page-or-fragment rendering."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from portal.security import is_safe_next
from tests.conftest import TEST_PASSWORD
from tests.helpers import ClientRequest


def test_every_response_has_the_security_headers(client: FlaskClient) -> None:
    for url in ("/", "/sign-in", "/no-such-page", "/static/css/portal.css"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_hsts_is_sent_over_https(client: FlaskClient) -> None:
    response = client.get("/", base_url="https://jsna.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_inline_scripts_carry_the_per_request_nonce(client: FlaskClient) -> None:
    first, second = client.get("/"), client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    html = first.get_data(as_text=True)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts, "govuk-frontend's js-enabled script is inline"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline_scripts)
    assert nonce not in second.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, make_user: object) -> None:
    user = make_user()  # type: ignore[operator]
    response = ClientRequest(client).post("/sign-in", {"email": user.email, "password": TEST_PASSWORD})
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # development and tests run on plain HTTP


def test_production_config_requires_secure_cookies_and_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.config import Production

    monkeypatch.delenv("SECRET_KEY", raising=False)
    try:
        Production()
    except RuntimeError as exc:
        assert "SECRET_KEY" in str(exc)
    else:
        raise AssertionError("production must refuse to start without SECRET_KEY")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    production = Production()
    assert production.SESSION_COOKIE_SECURE and production.REMEMBER_COOKIE_SECURE


def test_htmx_requests_carry_the_csrf_token(client_request: ClientRequest) -> None:
    page = client_request.get("/")
    headers = page.body["hx-headers"]
    assert '"X-CSRFToken"' in headers
    token = client_request.csrf_token()
    # A POST with the token only in the header (as HTMX sends it) passes CSRF protection.
    response = client_request.client.post(
        "/sign-in",
        data={"email": "a@example.org", "password": "x"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200


def test_safe_next() -> None:
    assert is_safe_next("/topics?page=2")
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example", "http:/evil", "", None, "/ok\n/x"):
        assert not is_safe_next(evil), evil


def test_behind_a_trusted_proxy_https_and_the_client_address_are_recognised(app: object) -> None:
    from portal import create_app

    url = app.config["SQLALCHEMY_DATABASE_URI"]  # type: ignore[attr-defined]
    proxied = create_app("test", SQLALCHEMY_DATABASE_URI=url, TRUSTED_PROXY_HOPS=1).test_client()
    direct = create_app("test", SQLALCHEMY_DATABASE_URI=url).test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" in proxied.get("/", headers=forwarded).headers
    # Not trusted by default: a client cannot claim HTTPS (or another address) by sending the header itself.
    assert "Strict-Transport-Security" not in direct.get("/", headers=forwarded).headers
