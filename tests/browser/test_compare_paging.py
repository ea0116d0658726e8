"""The bounded compare page (tartan rug) in real Chromium: show-all link, GOV.UK pagination, axe at 1280 and 320 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.indicators.compare import PAGE_SIZE, PER_TOPIC
from tests.indicators import conftest as indicator_fixtures
from tests.indicators.test_compare_paging import add_comparable

seeded_indicators = indicator_fixtures.seeded_indicators


def test_show_all_and_pagination_work_and_pass_axe(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    add_comparable(2 * PAGE_SIZE + 5, topics=["housing"])
    page.goto("/indicators/compare?group=neighbours")
    assert page.locator("#rug-housing tbody tr").count() == PER_TOPIC
    assert_accessible(page)
    page.get_by_role("link", name=f"Show all {2 * PAGE_SIZE + 5} housing indicators").click()
    page.wait_for_url("**/indicators/compare?group=neighbours&topic=housing")
    assert page.locator("table.portal-rug tbody tr").count() == PAGE_SIZE
    pages = page.get_by_role("navigation", name="Pages of the indicators")
    assert pages.get_by_role("link", name="Page 1").get_attribute("aria-current") == "page"
    pages.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/indicators/compare?group=neighbours&topic=housing&page=2")
    assert page.locator("#rug-range").inner_text() == (
        f"Showing indicators {PAGE_SIZE + 1} to {2 * PAGE_SIZE} of {2 * PAGE_SIZE + 5}"
    )
    assert_accessible(page)

    # On a phone: the table scrolls in its own region, the page does not scroll sideways, the names stay readable.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    first_cell = page.locator("table.portal-rug tbody tr th").first.bounding_box()
    assert first_cell is not None and first_cell["width"] >= 0.35 * 320, first_cell
    assert pages.get_by_role("link", name="Previous page").is_visible()
    assert_accessible(page)
