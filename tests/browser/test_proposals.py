"""Proposing a topic in real Chromium, page by page, with axe on every page; then supporting and moderating."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Area, Indicator, Proposal, ProposalStatus, Role, User
from portal.proposals import services
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.usefixtures("no_minimum_fill_time")


@pytest.fixture
def key_dataset(app: Flask) -> None:
    """Wards and indicators to choose from, and a published proposal to be found as similar."""
    db.session.add(Area(code="E08000031", name="Wolverhampton", area_type="county_ua"))
    for code, name in [("E05001321", "Bilston East"), ("E05001322", "Bilston North"), ("E05001323", "Blakenhall")]:
        db.session.add(Area(code=code, name=name, area_type="ward", parent_code="E08000031"))
    db.session.add(Indicator(id="90001", name="Loneliness in adults", topic="wellbeing"))
    db.session.add(Indicator(id="90002", name="Emergency admissions for falls", topic="health"))
    db.session.commit()
    result = services.submit_proposal(
        {
            "title": "Loneliness among older people",
            "need": "Older people live alone.",
            "population_groups": ["everyone"],
            "age_groups": ["65_plus"],
            "evidence_of_need": "Waiting lists.",
            "decisions_informed": "Befriending.",
            "proposer_type": "public",
        },
        idempotency_key="browser-existing",
    )
    services.change_status(result.proposal.id, ProposalStatus.PUBLISHED, "", None)


def continue_(page: Any) -> None:
    page.get_by_role("button", name="Continue").click()


def test_the_whole_proposal_journey(
    page: Any, key_dataset: None, assert_accessible: Callable[[Any], None], app: Flask
) -> None:
    page.goto("/topics/propose")
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    page.wait_for_url("**/topics/propose/title")
    assert_accessible(page)
    continue_(page)  # nothing typed: the error summary, and the page still passes axe
    page.locator(".govuk-error-summary").get_by_text("Enter a title for your topic").wait_for()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    with page.expect_response(lambda r: "/topics/propose/similar?title=" in r.url):
        page.get_by_label("What is the topic?").fill("Lonely older residents")
    suggestions = page.locator("#similar-proposals")
    suggestions.get_by_text("Has your topic already been proposed?").wait_for()
    support_it = suggestions.get_by_role("link", name=re.compile(r"^Support it"))
    assert re.search(r"/topics/JSNA-\d{4}-\d{4}#support$", support_it.get_attribute("href"))
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/need")
    assert_accessible(page)
    page.get_by_label("What is the need or problem?").fill("Many older people rarely see anyone.")
    page.go_back()  # Back keeps the answer already given
    page.wait_for_url("**/topics/propose/title")
    assert page.get_by_label("What is the topic?").input_value() == "Lonely older residents"
    continue_(page)
    page.get_by_label("What is the need or problem?").fill("Many older people rarely see anyone.")
    continue_(page)

    page.wait_for_url("**/topics/propose/who")
    page.get_by_label("Carers").check()
    page.get_by_label("Another group").check()
    page.get_by_label("Which other group?").fill("Widowers")  # revealed by govuk-frontend
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/ages")
    page.get_by_label("Older people (65 and over)").check()
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/wards")
    page.get_by_label("Bilston East").check()
    page.get_by_label("Blakenhall").check()
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/evidence")
    page.get_by_label("Why does this topic need looking at now?").fill("Befriending services have waiting lists.")
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/indicators")
    with page.expect_response(lambda r: "/topics/propose/indicators?" in r.url and "q=lonel" in r.url):
        page.get_by_label("Search the indicators").fill("lonel")
    page.locator("#indicator-choices").get_by_text("Indicators matching ‘lonel’").wait_for()
    page.get_by_label("Loneliness in adults").check()
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/decisions")
    page.get_by_label("Which decisions would it inform?").fill("Commissioning of befriending services.")
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/proposer")
    page.get_by_label("For an organisation").check()
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/organisation")
    page.get_by_label("Organisation name").fill("Age Concern Wolverhampton")
    page.get_by_label("Voluntary and community sector").check()
    assert_accessible(page)
    continue_(page)

    page.wait_for_url("**/topics/propose/contact")
    page.get_by_label("Your name (optional)").fill("Ada")
    page.get_by_label("Email address (optional)").fill("ada@example.org")
    continue_(page)  # an address without consent is refused
    page.locator(".govuk-error-summary").get_by_text("Select the box to agree").wait_for()
    assert_accessible(page)
    page.get_by_label("I agree to the JSNA team emailing me about this proposal").check()
    continue_(page)

    page.wait_for_url("**/topics/propose/check")
    assert_accessible(page)
    summary = page.locator(".govuk-summary-list")
    assert "Lonely older residents" in summary.inner_text() and "Loneliness in adults" in summary.inner_text()
    page.get_by_role("link", name="Change topic").click()
    page.wait_for_url("**/topics/propose/title?change=1")
    page.get_by_label("What is the topic?").fill("Loneliness in later life")
    continue_(page)
    page.wait_for_url("**/topics/propose/check")
    assert "Loneliness in later life" in page.locator(".govuk-summary-list").inner_text()
    page.get_by_role("button", name="Send proposal").click()

    page.wait_for_url("**/topics/propose/confirmation")
    reference = page.locator(".govuk-panel strong").inner_text()
    assert re.fullmatch(r"JSNA-\d{4}-\d{4}", reference)
    assert_accessible(page)
    db.session.expire_all()
    proposal = services.get_by_reference(reference)
    assert proposal is not None and proposal.title == "Loneliness in later life"
    assert (proposal.proposer_organisation, proposal.proposer_sector) == ("Age Concern Wolverhampton", "vcs")
    assert [link.indicator_id for link in proposal.indicator_links] == ["90001"]

    # Without an account: follow the proposal through the link on the confirmation page, and withdraw it.
    page.get_by_role("link", name=f"Follow or manage proposal {reference}").click()
    page.wait_for_url("**/topics/manage/**")
    expect(page.locator("h1")).to_have_text("Loneliness in later life")
    assert_accessible(page)
    page.get_by_role("link", name="Withdraw your proposal").click()
    page.wait_for_url("**/withdraw")
    assert_accessible(page)
    page.get_by_role("button", name="Withdraw proposal").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"You have withdrawn {reference}")
    assert_accessible(page)


def test_an_unusable_manage_link_offers_a_new_one(page: Any, assert_accessible: Callable[[Any], None]) -> None:
    page.goto("/topics/manage/not-a-real-link")
    expect(page.locator("h1")).to_have_text("This link cannot be used")
    assert_accessible(page)
    page.get_by_role("button", name="Send me a new link").click()
    page.wait_for_url("**/topics/manage/new-link")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reference number of your proposal")
    assert_accessible(page)
    page.get_by_label("Reference number").fill("JSNA-2026-0001")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_role("button", name="Send me a new link").click()
    page.wait_for_url("**/topics/manage/link-sent")
    expect(page.locator("h1")).to_have_text("Check your email")
    assert_accessible(page)


def sign_in(page: Any, user: User) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def test_finding_supporting_and_moderating(
    page: Any, key_dataset: None, make_user: Callable[..., User], assert_accessible: Callable[[Any], None]
) -> None:
    waiting = services.submit_proposal(
        {
            "title": "Air quality near schools",
            "need": "Fumes at the school gate.",
            "population_groups": ["everyone"],
            "age_groups": ["5_15"],
            "evidence_of_need": "Busy roads.",
            "decisions_informed": "School streets.",
            "proposer_type": "public",
        },
        idempotency_key="browser-waiting",
    ).proposal
    existing = services.get_by_idempotency_key("browser-existing")

    page.goto("/topics")
    assert_accessible(page)
    with page.expect_response(lambda r: "/topics?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search topics").fill("lonel")
    page.locator("#proposal-count").get_by_text("1 topic matching").wait_for()
    page.locator("#proposal-results").get_by_role("link", name="Loneliness among older people").click()
    page.wait_for_url(f"**/topics/{existing.reference}")
    assert_accessible(page)

    supporter = make_user(Role.PUBLIC, email="supporter@example.org")
    sign_in(page, supporter)
    page.goto(f"/topics/{existing.reference}")
    page.evaluate("window.__notReloaded = true")
    page.get_by_role("button", name="Support this topic").click()
    page.locator("#support-panel").get_by_text("You support this proposal").wait_for()
    assert page.evaluate("window.__notReloaded") is True, "HTMX swapped the panel in place"
    assert page.locator("#support-count").inner_text() == "1"
    assert_accessible(page)
    page.goto("/topics/mine")
    assert_accessible(page)

    analyst = make_user(Role.ANALYST, email="moderator@example.org")
    page.context.clear_cookies()
    sign_in(page, analyst)
    page.goto("/staff/moderation")
    assert_accessible(page)
    row = page.locator(f"#row-{waiting.reference}")
    row.get_by_role("button", name=re.compile("Publish")).click()
    page.locator(f"#row-{waiting.reference}").get_by_text(f"{waiting.reference} is published").wait_for()
    assert_accessible(page)
    page.goto(f"/staff/moderation/{existing.reference}")
    assert_accessible(page)
    page.goto(f"/staff/moderation/{existing.reference}/edit")
    assert_accessible(page)
    db.session.expire_all()
    assert db.session.get(Proposal, waiting.id).status == ProposalStatus.PUBLISHED


def test_proposing_and_filtering_work_without_javascript(browser: Any, live_server: str, key_dataset: None) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/topics/propose/title")
        tab.get_by_label("What is the topic?").fill("Lonely older residents")
        tab.get_by_role("button", name="Continue").click()
        tab.wait_for_url("**/topics/propose/need")
        # The suggestions HTMX would have shown while typing appear on the next page instead.
        expect(tab.get_by_text("Has your topic already been proposed?")).to_be_visible()
        tab.get_by_role("link", name="Back").click()
        assert tab.get_by_label("What is the topic?").input_value() == "Lonely older residents"

        tab.goto("/topics")
        tab.get_by_label("Status").select_option("shortlisted")
        tab.get_by_role("button", name="Apply filters").click()
        assert "status=shortlisted" in tab.url
        assert tab.locator("#proposal-count").inner_text().startswith("0 topics")
    finally:
        context.close()
