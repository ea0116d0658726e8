"""Neighbourhood type pages in real Chromium: every chart draws, and axe finds nothing (tables opened too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.test_indicators import wait_for_charts
from tests.small_areas import conftest as small_area_fixtures

# The small-area fixtures live in tests/small_areas/conftest.py; share them here.
home_data = small_area_fixtures.home_data
loaded = small_area_fixtures.loaded
segmented = small_area_fixtures.segmented


def _open_tables(page: Any) -> None:
    for summary in page.locator("details.portal-chart-data > summary").all():
        summary.click()


def test_segment_pages_draw_and_pass_axe(segmented: Any, page: Any, assert_accessible: Callable[[Any], None]) -> None:
    page.goto("/areas/segments")
    page.get_by_role("heading", name="Neighbourhood types", level=1).wait_for()
    assert wait_for_charts(page) == 2
    _open_tables(page)
    assert_accessible(page)

    first = segmented.segments[0]
    page.get_by_role("link", name=f"Type {first.number}", exact=True).click()
    page.get_by_role("heading", level=1).filter(has_text=first.description).wait_for()
    assert page.url.endswith(f"/areas/segments/{first.id}")
    assert wait_for_charts(page) == 2
    _open_tables(page)
    assert_accessible(page)

    page.goto("/areas/segments/method")
    page.get_by_role("heading", name="How the neighbourhood types are made").wait_for()
    assert_accessible(page)


def test_segment_pages_work_without_javascript(segmented: Any, browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/areas/segments")
        tab.locator("#table-sizes").wait_for()
        # The data tables are there to open, and every small area is listed, 50 to a page, with working page links.
        tab.locator("details.portal-chart-data > summary").first.click()
        shown = tab.locator("#chart-map-table tbody tr").count()
        assert shown == 50 and "Rows 1 to 50 of 161" in (tab.locator("#chart-map-rows").text_content() or "")
        for number in range(2, 5):
            following = tab.locator("[data-chart-table=chart-map] nav.govuk-pagination a[rel=next]").get_attribute(
                "href"
            )
            assert following is not None
            tab.goto(following)
            shown += tab.locator("#chart-map-table tbody tr").count()
            assert f"chart-map-page={number}" in tab.url
        assert shown == 161
        tab.goto(f"/areas/segments/{segmented.segments[-1].id}")
        assert tab.locator("#table-wards tbody tr").count() >= 1
    finally:
        context.close()
