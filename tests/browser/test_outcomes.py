"""Outcome pages and paper responses in a real browser, with axe on every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from portal.models import ActionKind, Role, Survey, User
from portal.outcomes import services
from tests.conftest import TEST_PASSWORD
from tests.outcomes.conftest import closed_survey  # noqa: F401  (fixture)


def _sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def test_staff_write_and_publish_an_outcome_and_enter_a_paper_response(
    page: Any,
    closed_survey: Survey,  # noqa: F811
    make_user: Callable[..., User],
    assert_accessible: Callable[[Any], None],
) -> None:
    analyst = make_user(Role.ANALYST)
    _sign_in(page, analyst.email)
    page.goto("/outcomes/manage")
    assert_accessible(page)
    page.get_by_role("button", name=f"Start the outcome page for {closed_survey.title}").click()
    page.get_by_label("We asked").wait_for()
    assert_accessible(page)
    page.get_by_label("Theme", exact=True).fill("Getting there")
    page.get_by_label("How many answers are about this theme?").fill("3")
    page.get_by_label("Quotes (optional)").fill("Call me on 07700 900123")
    page.get_by_role("button", name="Add the theme").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Remove a phone number")
    assert_accessible(page)
    outcome = services.all_outcomes()[0]
    services.add_action(outcome.id, ActionKind.CHAPTER, "The chapter", "/chapters", "We wrote a chapter.", analyst.id)
    page.goto(f"/outcomes/manage/{outcome.id}")
    page.get_by_role("button", name="Publish the outcome").click()
    page.get_by_role("heading", name="We did").wait_for()
    assert_accessible(page)
    page.goto("/outcomes")
    assert_accessible(page)

    page.goto(f"/surveys/manage/{closed_survey.id}/enter")
    assert_accessible(page)
    page.get_by_label("Paper form").check()
    page.get_by_role("group", name="1. Do you smoke?").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save the response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select at least one answer to question 2")
    assert_accessible(page)
    page.get_by_role("group", name="2. Which services have you used?").get_by_label("GP", exact=True).check()
    page.get_by_role("button", name="Save the response").click()
    expect(page.locator("#channel-counts")).to_contain_text("Paper form")
    page.goto(f"/surveys/{closed_survey.id}/paper-form")
    assert_accessible(page)
