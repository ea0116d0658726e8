"""The overview's spine chart in real Chromium: the chart draws, axe finds nothing, the filters swap the results
with HTMX, and without JavaScript the table and filters still work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.indicators import conftest as indicator_fixtures

seeded_indicators = indicator_fixtures.seeded_indicators


def test_spine_chart_draws_and_passes_axe(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/indicators?view=spine")
    page.get_by_role("heading", name="Where Wolverhampton sits among English authorities", level=2).wait_for()
    # charts.js draws the Bokeh chart as it nears the screen; its table is closed, one click away.
    page.locator("#chart-spine").scroll_into_view_if_needed()
    page.locator("#chart-spine canvas").first.wait_for()
    page.wait_for_function("!document.querySelector(\"details[data-chart-table='chart-spine']\").open")
    assert page.locator("#chart-spine-table tbody tr").count() >= 3
    assert_accessible(page)
    page.select_option("#filter-topic", "children")
    page.wait_for_url("**topic=children*")
    page.locator("#overview-count", has_text="about children").wait_for()
    page.locator("#chart-spine canvas").first.wait_for()
    assert page.locator("#clear-filters").is_visible()
    assert_accessible(page)


def test_spine_and_filters_work_without_javascript(seeded_indicators: Any, browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/indicators")
        tab.get_by_role("link", name="Spine chart").click()
        tab.wait_for_url("**view=spine*")
        tab.select_option("#filter-theme", "childrens-social-care")
        tab.get_by_role("button", name="Apply filters").click()
        tab.wait_for_url("**theme=childrens-social-care*")
        assert "view=spine" in tab.url
        assert tab.locator("#chart-spine-table tbody tr").count() == 1
        tab.get_by_role("link", name="Clear filters").click()
        tab.wait_for_url("**/indicators?view=spine")
        assert tab.locator("#chart-spine-table tbody tr").count() >= 3
    finally:
        context.close()
