"""Closing the loop in a real browser: an analyst publishes a chapter, the commissioner responds, and the response
appears on the public tracker — with axe on every page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from playwright.sync_api import expect

from portal.chapters import services
from portal.clock import london_today
from portal.extensions import db
from portal.models import Indicator, Organisation, ProposalIndicator, ProposalStatus, Role, User
from portal.proposals import services as proposals
from tests.chapters.conftest import LINEAR_ID, REQUIRED_TEXT, known_series  # noqa: F401 - a projectable series for the chapter
from tests.conftest import TEST_PASSWORD


def _sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def _chapter_in_review(analyst: User, commissioner: User, app: Any) -> tuple[int, str]:
    """A chapter ready to publish, from a topic that went through the real proposal lifecycle."""
    app.config["PROPOSAL_MIN_FILL_SECONDS"] = 0
    answers = {
        "title": "Food insecurity in families with young children",
        "need": "Families go without enough food.",
        "population_groups": ["low_income"],
        "age_groups": ["0_4"],
        "wards": [],
        "evidence_of_need": "Food bank referrals have risen.",
        "decisions_informed": "Cost of living response.",
        "proposer_type": "public",
    }
    proposal = proposals.submit_proposal(answers, idempotency_key="browser-chapter", send_confirmation=False).proposal
    for step in (ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED, ProposalStatus.PRIORITISED):
        proposals.change_status(proposal.id, step, "", None)
    db.session.add(ProposalIndicator(proposal_id=proposal.id, indicator_id=LINEAR_ID))
    db.session.commit()
    chapter = services.create_chapter(proposal.id, "", analyst.id)
    for key, body in REQUIRED_TEXT.items():
        services.save_section(chapter.id, key, body, analyst.id)
    services.save_section(chapter.id, "future_need", "Demand is likely to keep rising.", analyst.id)
    services.add_recommendation(
        chapter.id,
        services.RecommendationInput(
            "Increase uptake of Healthy Start vouchers.", "high", person_ids=[commissioner.id]
        ),
        analyst.id,
    )
    services.submit_for_review(chapter.id, analyst.id)
    return chapter.id, chapter.slug


def test_the_loop_from_publishing_a_chapter_to_a_response_on_the_public_tracker(
    app: Any,
    page: Any,
    make_user: Callable[..., User],
    assert_accessible: Callable[[Any], None],
    known_series: Indicator,  # noqa: F811
    mailbox: Any,
) -> None:
    analyst = make_user(Role.ANALYST, email="analyst.loop@example.org")
    reviewer = make_user(Role.ANALYST, email="reviewer.loop@example.org")
    icb = Organisation(name="Black Country Integrated Care Board", sector="commissioner", verified=True)
    db.session.add(icb)
    db.session.commit()
    commissioner = make_user(Role.COMMISSIONER, email="commissioner.loop@example.org", organisation=icb)
    chapter_id, slug = _chapter_in_review(analyst, commissioner, app)

    # Another analyst, who did not send it for review, publishes the chapter.
    _sign_in(page, reviewer.email)
    page.goto(f"/chapters/manage/{chapter_id}")
    assert_accessible(page)
    page.get_by_role("button", name="Publish the chapter").click()
    page.get_by_text("Chapter published. 1 email sent").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="View the published chapter").click()
    page.get_by_role("heading", level=1, name="Food insecurity in families with young children").wait_for()
    page.locator("[data-bokeh-json]").first.scroll_into_view_if_needed()  # charts are drawn as they near the screen
    page.locator('[data-bokeh-state="rendered"]').first.wait_for()  # the projection chart drew, under the CSP
    expect(page.get_by_text("Projection: A test series").first).to_be_visible()
    assert_accessible(page)
    assert "Increase uptake of Healthy Start vouchers." in mailbox.last_to(commissioner.email).get_content()

    # The commissioner signs in, finds it under "My recommendations" and responds.
    page.context.clear_cookies()
    _sign_in(page, commissioner.email)
    page.goto("/chapters/my-recommendations")
    page.get_by_text("Increase uptake of Healthy Start vouchers.").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Respond to recommendation 1 of Food insecurity").click()
    page.get_by_role("heading", level=1, name="Respond to recommendation 1").wait_for()
    assert_accessible(page)
    page.get_by_label("Partially accepted").check()
    page.get_by_label("Why?").fill("Vouchers help, but outreach needs new money.")
    page.get_by_label("What action will you take?").fill("Outreach in two children's centres this year.")
    page.get_by_label("Who will lead the action?").fill("Head of Children's Commissioning")
    target = london_today() + timedelta(days=180)
    page.get_by_label("Day").fill(str(target.day))
    page.get_by_label("Month").fill(str(target.month))
    page.get_by_label("Year").fill(str(target.year))
    page.get_by_role("button", name="Send response").click()
    page.get_by_text("Response sent. It is now shown on the public tracker").wait_for()
    assert_accessible(page)

    # Anyone can now follow it on the public tracker, and walk back to the chapter and the proposal.
    page.context.clear_cookies()
    page.goto(f"/chapters/{slug}/recommendations")
    page.get_by_role("heading", name="Response from Black Country Integrated Care Board").wait_for()
    expect(page.get_by_text("Outreach in two children's centres this year.")).to_be_visible()
    expect(page.get_by_text("Partially accepted").first).to_be_visible()
    assert commissioner.email not in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="the proposal").click()
    page.get_by_role("heading", level=1).first.wait_for()
    assert "/topics/" in page.url
    # …and back again: the proposal's page links to its published chapter.
    page.get_by_role("link", name="JSNA chapter: Food insecurity in families with young children").click()
    page.wait_for_url(f"**/chapters/{slug}")


def test_an_analyst_previews_a_section_with_htmx_before_saving_it(
    app: Any, page: Any, make_user: Callable[..., User], assert_accessible: Callable[[Any], None]
) -> None:
    analyst = make_user(Role.ANALYST, email="analyst.preview@example.org")
    icb = Organisation(name="Black Country Integrated Care Board", sector="commissioner", verified=True)
    db.session.add_all([icb, Indicator(id=LINEAR_ID, name="A test series")])
    db.session.commit()
    commissioner = make_user(Role.COMMISSIONER, email="commissioner.preview@example.org", organisation=icb)
    chapter_id, _ = _chapter_in_review(analyst, commissioner, app)

    _sign_in(page, analyst.email)
    page.goto(f"/chapters/manage/{chapter_id}/sections/gaps")
    assert_accessible(page)
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Section text (Markdown)").fill("There is **no local survey**.\n\n{{briefing:not-written-yet}}")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Preview").click()
    page.locator("#section-preview strong", has_text="no local survey").wait_for()
    assert page.evaluate("window.__notReloaded") is True, "the preview should not reload the page"
    expect(page.locator("#section-preview").get_by_text("Not available")).to_be_visible()
    expect(page.locator("#section-preview").get_by_text("(not saved)")).to_be_visible()
    assert_accessible(page)
    db.session.expire_all()
    assert services.get_chapter(chapter_id).body_of("gaps") == ""  # a preview saves nothing

    page.get_by_role("button", name="Save section").click()
    page.get_by_text("Gaps saved").wait_for()
    db.session.expire_all()
    assert services.get_chapter(chapter_id).body_of("gaps").startswith("There is **no local survey**.")
