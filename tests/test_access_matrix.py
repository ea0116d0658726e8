"""Every route declares who may reach it, and the declaration is enforced for every role."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.access import AccessRule, access_rule_for
from portal.models import Role, User
from tests.conftest import sign_in


def test_every_route_declares_an_access_rule(app: Flask) -> None:
    missing = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if access_rule_for(app, rule.endpoint) is None
    ]
    assert not missing, f"routes without @public / @signed_in / @role_required: {missing}"


def test_a_route_without_a_rule_is_refused(app: Flask) -> None:
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    fresh.add_url_rule("/__undeclared", "undeclared_probe", lambda: "secret")
    response = fresh.test_client().get("/__undeclared")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


def _fill_url(rule_text: str) -> str:
    """Turn /x/<int:id>/<slug> into /x/1/example so the access check runs before any lookup."""
    url = re.sub(r"<int:[^>]+>", "1", rule_text)
    url = re.sub(r"<path:[^>]+>", "example.txt", url)
    return re.sub(r"<[^>]+>", "example", url)


def _protected_get_routes(app: Flask) -> list[tuple[str, AccessRule]]:
    routes = []
    for rule in app.url_map.iter_rules():
        access = access_rule_for(app, rule.endpoint)
        if access is None or access.kind == "anonymous" or "GET" not in (rule.methods or set()):
            continue
        routes.append((_fill_url(rule.rule), access))
    return routes


def test_anonymous_visitors_are_sent_to_sign_in_for_protected_pages(app: Flask, client: FlaskClient) -> None:
    routes = _protected_get_routes(app)
    assert routes, "there should be protected pages"
    for url, _ in routes:
        response = client.get(url)
        assert response.status_code == 302, f"{url}: anonymous visitors should be redirected to sign in"
        assert "/sign-in" in response.headers["Location"], url


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_what_its_rules_allow(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], role: Role
) -> None:
    user = make_user(role)
    sign_in(client, user.email)
    for url, access in _protected_get_routes(app):
        status = client.get(url).status_code
        if access.allows(user):
            assert status != 403, f"{role} should reach {url} (got 403)"
            assert status != 302 or "/sign-in" not in client.get(url).headers.get("Location", ""), url
        else:
            assert status == 403, f"{role} must not reach {url} (got {status})"


def test_state_changing_requests_need_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()):
            continue
        response = client.post(_fill_url(rule.rule), data={"anything": "x"})
        assert response.status_code == 400, f"POST {rule.rule} without a CSRF token gave {response.status_code}"
