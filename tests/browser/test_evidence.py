"""Evidence briefings in a real browser: HTMX search, an analyst writing, attaching and publishing; axe throughout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from portal.clock import london_today
from portal.evidence import examples, writing
from portal.models import Role, User
from tests.conftest import TEST_PASSWORD
from tests.evidence.conftest import PDF_BYTES, briefing_input


def _sign_in(page: Any, user: User) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def test_public_searches_and_filters_without_reloading(page: Any, app: Any, assert_accessible: Callable) -> None:
    examples.seed()
    today = london_today()
    for title, topic in (
        ("Falls prevention in older people", "older_people"),
        ("Alcohol and falls", "substance_misuse"),
    ):
        briefing = writing.create_briefing(
            briefing_input(title=title, topics=[topic], review_by=today + timedelta(days=90)), None
        )
        writing.set_published(briefing.id, True, None)

    page.goto("/evidence")
    assert_accessible(page)
    page.evaluate("window.__notReloaded = true")
    with page.expect_response(lambda r: "/evidence?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search briefings").fill("falls")
    page.locator("#evidence-results").get_by_text("2 briefings matching ‘falls’").wait_for()
    with page.expect_response(lambda r: "topic=substance_misuse" in r.url):
        page.get_by_label("Topic").select_option("substance_misuse")
    page.locator("#evidence-results").get_by_text("1 briefing matching ‘falls’").wait_for()
    assert page.evaluate("window.__notReloaded") is True, "filters should not reload the page"
    assert "topic=substance_misuse" in page.url, "the address keeps the search, so it can be shared or reloaded"
    assert_accessible(page)

    page.get_by_role("link", name="Alcohol and falls").click()
    page.get_by_role("heading", level=1, name="Alcohol and falls").wait_for()
    assert_accessible(page)

    page.goto("/evidence/example-self-harm-assessment-and-support")
    expect(page.locator(".govuk-warning-text").get_by_text("may be out of date")).to_be_visible()
    assert_accessible(page)


def test_analyst_writes_attaches_and_publishes(
    page: Any, make_user: Callable[..., User], assert_accessible: Callable, tmp_path: Path
) -> None:
    analyst = make_user(Role.ANALYST)
    _sign_in(page, analyst)
    page.goto("/evidence/manage")
    assert_accessible(page)
    page.get_by_role("link", name="Write a briefing").click()
    assert_accessible(page)

    # A first try with nothing filled in shows the GOV.UK error summary.
    page.get_by_role("button", name="Save briefing").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.get_by_label("Title").fill("Loneliness in older people")
    page.get_by_label("Summary").fill("What reduces loneliness.")
    page.get_by_label("Key findings").fill("Befriending helps some people")
    page.get_by_label("Briefing", exact=True).fill("# Background\n\nSome evidence.")
    page.get_by_label("Local audit or service evaluation").check()
    page.get_by_label("Moderate").check()
    page.get_by_label("Older people and ageing well").check()
    for legend, (day, month, year) in (("Publication date", ("1", "9", "2026")), ("Review by", ("1", "9", "2028"))):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Save briefing").click()
    page.get_by_text("is saved as a draft").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Attach a file").click()
    assert_accessible(page)
    upload = tmp_path / "Survey results.pdf"
    upload.write_bytes(PDF_BYTES)
    page.get_by_label("Upload a file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload file").click()
    page.get_by_text("Survey results.pdf is attached").wait_for()

    page.get_by_role("button", name="Publish this briefing").click()
    page.get_by_text("is published").wait_for()
    assert_accessible(page)

    page.goto("/evidence")
    page.get_by_role("link", name="Loneliness in older people").click()
    expect(page.get_by_role("link", name="Survey results.pdf")).to_be_visible()
    assert_accessible(page)
