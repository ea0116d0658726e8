"""The bounded compare page (tartan rug) in real Chromium: show-all link, GOV.UK pagination, axe at 1280 and 320 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update

from portal.extensions import db
from portal.indicators.compare import PAGE_SIZE, PER_TOPIC
from portal.models import Indicator, IndicatorValue
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


def test_every_verdict_stays_inside_its_cell(seeded_indicators: Any, page: Any) -> None:
    # GOV.UK tags are at most 160 px wide: a verdict that could not wrap ("Worse (as published by OHID)") ran out of
    # its tag over the next area's column.
    add_comparable(2, topics=["housing"], prefix="published-")
    db.session.execute(
        update(IndicatorValue)
        .where(IndicatorValue.indicator_id.like("published-%"), IndicatorValue.area_code != "E92000001")
        .values(lower_ci95=None, upper_ci95=None, source_compared_to_england="Worse")
    )
    db.session.execute(
        update(Indicator).where(Indicator.id.like("published-%")).values(publisher="Office for Health Improvement")
    )
    db.session.commit()
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/indicators/compare?topic=housing")
        assert "(as published" in page.locator("table.portal-rug").inner_text()
        spills = page.evaluate(
            """() => [...document.querySelectorAll('.portal-rug__verdict')].filter((tag) => {
                const own = tag.getBoundingClientRect(), cell = tag.closest('td').getBoundingClientRect();
                const overflows = tag.scrollWidth > tag.clientWidth + 1;  // text running out of its own box
                return overflows || own.right > cell.right + 0.5 || own.left < cell.left - 0.5;
            }).map((tag) => tag.textContent)"""
        )
        assert page.locator(".portal-rug__verdict").count() > 0
        assert spills == [], (width, spills[:5])
