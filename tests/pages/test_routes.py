"""The home page and the standard information pages."""

from __future__ import annotations

import os

import pytest
from flask import Flask

from tests.helpers import ClientRequest


def test_home_page_explains_the_jsna_and_routes_visitors(client_request: ClientRequest) -> None:
    page = client_request.get("/")
    text = page.get_text(" ", strip=True)
    assert "Health and Wellbeing Board" in text
    assert "How topics are chosen" in text
    assert "How chapters are used" in text
    for task in ("Read the data", "Propose a topic", "Take part in a survey", "Follow a recommendation"):
        assert page.find("h3", string=task), task


def test_branding_is_the_councils_not_govuk(client_request: ClientRequest) -> None:
    page = client_request.get("/")
    assert "City of Wolverhampton Council" in page.select_one(".govuk-generic-header").get_text()
    assert page.select_one(".govuk-service-navigation__service-name").get_text(strip=True) == "Wolverhampton JSNA"
    assert not page.select(".govuk-header__logotype"), "no GOV.UK crown"
    assert "GOV.UK" not in page.title.get_text()


@pytest.mark.parametrize("path", ["/cookies", "/privacy", "/accessibility"])
def test_information_pages(client_request: ClientRequest, path: str) -> None:
    page = client_request.get(path)
    assert "draft" in page.get_text().lower()


def test_unknown_page_is_a_govuk_404(client_request: ClientRequest) -> None:
    page = client_request.get("/no-such-page", expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"


def test_healthz_checks_the_database(client_request: ClientRequest) -> None:
    response = client_request.response("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store", "a load balancer must never see a cached answer"


def test_healthz_reports_an_unreachable_redis_as_unavailable(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) has no Redis: an instance that cannot reach its cache and queues must be taken out of service.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set: no Redis server")
def test_healthz_checks_redis_when_it_is_configured(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", os.environ["TEST_REDIS_URL"])
    response = app.test_client().get("/healthz")
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_flash_banners_render_markup_once_and_escape_the_message(app: object) -> None:
    from flask import flash, render_template_string

    with app.test_request_context("/"):  # type: ignore[attr-defined]
        flash("Saved <b>bold</b> & done", "success")
        html = render_template_string('{% include "components/_flash_banners.html" %}')
    assert '<p class="govuk-notification-banner__heading">Saved &lt;b&gt;bold&lt;/b&gt; &amp; done</p>' in html
    assert "&lt;p" not in html
