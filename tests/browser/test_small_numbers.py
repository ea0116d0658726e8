"""The small-numbers policy page and an indicator chart whose points carry the publisher's verdict, in real Chromium
with axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.indicators import conftest as indicator_fixtures

seeded_indicators = indicator_fixtures.seeded_indicators
LIFE_EXPECTANCY = Path(__file__).resolve().parents[2] / "data/fingertips/processed_trafford_datalab/life_expectancy.csv"


def test_about_the_data_passes_axe_and_is_linked_from_every_page(
    page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/")
    page.get_by_role("link", name="About the data").click()
    page.get_by_role("heading", name="Small numbers", level=2).wait_for()
    assert_accessible(page)


def test_life_expectancy_page_with_verdict_coloured_points_passes_axe(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    from portal.indicators.file_import import import_file

    assert import_file(LIFE_EXPECTANCY).ok
    page.goto("/indicators/90366")
    page.locator("#chart-trend").scroll_into_view_if_needed()  # charts are drawn as they near the screen
    page.locator("#chart-trend .bk-Canvas, #chart-trend canvas").first.wait_for(state="attached")
    assert "Worse (as published by OHID)" in (page.locator("#chart-trend-table").text_content() or "")
    assert_accessible(page)
