"""Ward profiles and "Compare two wards" in real Chromium: charts draw, axe finds nothing, and the chooser works
without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.test_indicators import wait_for_charts
from tests.indicators import conftest as indicator_fixtures
from tests.indicators.test_routes import BILSTON_EAST, load_ward_imd
from tests.small_areas import conftest as small_area_fixtures

seeded_indicators = indicator_fixtures.seeded_indicators
home_data = small_area_fixtures.home_data
loaded = small_area_fixtures.loaded
ST_PETERS = "E05001335"


def _open_tables(page: Any) -> None:
    for summary in page.locator("details.portal-chart-data > summary").all():
        summary.click()


def test_ward_profile_and_compare_draw_and_pass_axe(
    seeded_indicators: Any, loaded: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    load_ward_imd(seeded_indicators)
    page.goto(f"/areas/wards/{BILSTON_EAST}")
    page.get_by_role("heading", name="Bilston East", level=1).wait_for()
    assert wait_for_charts(page) >= 2  # the age bars and the ward map
    _open_tables(page)
    assert_accessible(page)

    page.get_by_role("link", name="Compare Bilston East with another ward").click()
    page.get_by_label("Second ward").select_option(ST_PETERS)
    page.get_by_role("button", name="Compare").click()
    page.get_by_role("heading", name="Bilston East and St Peter's").wait_for()
    assert_accessible(page)

    page.goto(f"/areas/wards/compare?a={BILSTON_EAST}&b=")
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)


def test_ward_chooser_works_without_javascript(
    seeded_indicators: Any, loaded: Any, browser: Any, live_server: str
) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"/areas/wards/{BILSTON_EAST}")
        tab.select_option("#ward-chooser", ST_PETERS)
        tab.get_by_role("button", name="Go").click()
        tab.get_by_role("heading", name="St Peter's", level=1).wait_for()
        assert tab.url.endswith(f"/areas/wards/{ST_PETERS}")
        assert tab.locator("table.portal-ward-facts tbody tr").count() >= 12
    finally:
        context.close()


def test_at_320_px_every_ward_chart_and_its_legend_fit_their_slot(
    seeded_indicators: Any, loaded: Any, page: Any
) -> None:
    load_ward_imd(seeded_indicators)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/areas/wards/{BILSTON_EAST}")
    drawn = wait_for_charts(page)
    assert drawn >= 2
    # A chart slot clips what is wider than the screen, so the page cannot show it scrolling: measure each slot.
    widths = page.evaluate(
        "[...document.querySelectorAll('.portal-chart')].map(e => [e.id, e.scrollWidth, e.clientWidth])"
    )
    too_wide = [(chart_id, scroll, client) for chart_id, scroll, client in widths if scroll > client + 1]
    assert not too_wide, f"charts wider than their slot at 320 px (id, content, slot): {too_wide}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
