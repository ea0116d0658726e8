"""Site-wide search in real Chromium: results arrive while typing, the status is announced, axe passes; and the
same search works with JavaScript off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.search.conftest import corpus, make_briefing, make_chapter, make_topic, quick_proposals  # noqa: F401

# Smoking indicators, briefings, topics, a chapter, and unpublished look-alikes.
pytestmark = pytest.mark.usefixtures("corpus")


def test_searching_from_the_header_updates_results_as_you_type(
    page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/topics")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Search").click()
    page.wait_for_url("**/search")
    assert_accessible(page)
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Search the JSNA").press_sequentially("smoking", delay=20)
    expect(page.locator("#search-status")).to_have_text("8 results for ‘smoking’")
    assert page.evaluate("window.__notReloaded") is True, "HTMX swapped the results in place"
    expect(page.locator("#results-indicators")).to_contain_text("Indicators")
    expect(page.get_by_role("link", name="Smoking in the most deprived neighbourhoods")).to_be_visible()
    assert page.url.endswith("/search?q=smoking"), "the address can be shared and bookmarked"
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    assert_accessible(page)


def test_searching_works_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/search")
        tab.get_by_label("Search the JSNA").fill("smoking")
        tab.get_by_role("button", name="Search").click()
        tab.wait_for_url("**/search?q=smoking")
        expect(tab.locator("#search-status")).to_have_text("8 results for ‘smoking’")
        expect(tab.get_by_role("link", name="Stop smoking support in pregnancy")).to_be_visible()
    finally:
        context.close()
