"""Charts with and without JavaScript (issue 14 item 11): without it each chart slot takes no space and its table
is open; with it the chart is drawn, announced as an image, and its table folds away."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.indicators import conftest as indicator_fixtures

# The key dataset fixture lives in tests/indicators/conftest.py; share it here.
seeded_indicators = indicator_fixtures.seeded_indicators


@pytest.fixture
def no_js_page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()


def test_without_javascript_chart_slots_are_empty_and_tables_open(
    seeded_indicators: Any,
    no_js_page: Any,
) -> None:
    no_js_page.goto("/indicators/93356")
    slots = no_js_page.locator("[data-bokeh-json]")
    assert slots.count() >= 2
    for index in range(slots.count()):
        slot = slots.nth(index)
        assert slot.bounding_box()["height"] == 0, "an undrawn chart must not leave blank space"
        table = no_js_page.locator(f'details[data-chart-table="{slot.get_attribute("id")}"] table')
        assert table.is_visible()


def test_with_javascript_charts_are_drawn_and_their_tables_fold_away(
    seeded_indicators: Any,
    page: Any,
) -> None:
    page.goto("/indicators/93356")
    trend = page.locator("#chart-trend")
    trend.scroll_into_view_if_needed()  # charts.js draws a chart as it nears the screen
    page.wait_for_function("() => document.getElementById('chart-trend').dataset.bokehState === 'rendered'")
    assert trend.get_attribute("role") == "img"
    assert (trend.bounding_box() or {}).get("height", 0) >= 300
    assert page.locator('details[data-chart-table="chart-trend"]').get_attribute("open") is None
