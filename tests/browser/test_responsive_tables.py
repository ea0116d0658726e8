"""Tables and long names at 320 CSS px and at 1280 px (issue 14 item 12, WCAG 1.4.10 Reflow): the page never scrolls
sideways; a table wider than the screen scrolls inside its own labelled region, which keyboard users can reach and
which says so; a heading with a long file name wraps; at 1280 px the overview's "Recent trend" column is in view
without scrolling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.extensions import db
from portal.models import DataImport, Role
from tests.conftest import TEST_PASSWORD
from tests.indicators import conftest as indicator_fixtures

seeded_indicators = indicator_fixtures.seeded_indicators

PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_at_1280_px_the_overview_shows_every_column_including_recent_trend(seeded_indicators: Any, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/indicators")
    header = page.locator(".portal-overview-table th", has_text="Recent trend").first
    region = header.locator("xpath=ancestor::div[@data-table-region]")
    header_box, region_box = header.bounding_box(), region.bounding_box()
    assert header_box is not None and region_box is not None
    assert header_box["x"] + header_box["width"] <= region_box["x"] + region_box["width"] + 1, (
        "the Recent trend column must be visible at 1280 px without scrolling the table"
    )
    assert page.evaluate(PAGE_OVERFLOW) <= 0


def test_at_320_px_wide_tables_scroll_in_a_labelled_focusable_region_not_the_page(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/indicators")
    assert page.evaluate(PAGE_OVERFLOW) <= 0, "the page itself must not scroll sideways at 320 px"
    region = page.locator("[data-table-region]").first
    assert region.get_attribute("role") == "region"
    label_id = region.get_attribute("aria-labelledby")
    assert label_id and page.locator(f"#{label_id}").inner_text().strip()
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "this table is wider than a phone screen"
    assert region.get_attribute("tabindex") == "0", "a region that scrolls is in the tab order"
    hint = page.locator(".portal-table-scroll__hint").first
    assert hint.is_visible() and "Scroll sideways" in hint.inner_text()

    # The keyboard scrolls it: focus the region, press the right arrow.
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-table-region]').scrollLeft > 0", timeout=5_000)
    # The first column stays in view while the rest scrolls.
    first_cell = region.locator("tbody tr th").first
    cell_box, region_box = first_cell.bounding_box(), region.bounding_box()
    assert cell_box is not None and region_box is not None and cell_box["x"] >= region_box["x"] - 1
    assert_accessible(page)

    # Wider again, the table fits: the region leaves the tab order and the hint goes.
    page.evaluate("document.activeElement.blur()")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function("() => !document.querySelector('[data-table-region]').hasAttribute('tabindex')")
    assert not hint.is_visible()


def test_without_javascript_tables_still_scroll_in_their_region(
    seeded_indicators: Any, browser: Any, live_server: str
) -> None:
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 320, "height": 640}
    )
    try:
        tab = context.new_page()
        tab.goto("/indicators")
        assert tab.evaluate(PAGE_OVERFLOW) <= 0
        region = tab.locator("[data-table-region]").first
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    finally:
        context.close()


def test_at_320_px_an_import_of_a_file_with_a_long_name_does_not_widen_the_page(
    app: Any, page: Any, make_user: Callable[..., Any]
) -> None:
    # A real Fingertips export's name: one word of 59 characters, wider than a phone screen in the page heading.
    name = "fingertips_cervical_screening_93560_25-49_all_areas_2024.csv"
    record = DataImport(source_key=name, format="fingertips", file_name=name, checksum_sha256="0" * 64,
                        row_count=6102, status="complete")  # fmt: skip
    db.session.add(record)
    db.session.commit()
    analyst = make_user(Role.ANALYST)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(analyst.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/indicators/imports/{record.id}")
    page.get_by_role("heading", level=1).wait_for()
    assert name in page.get_by_role("heading", level=1).inner_text().replace("\n", "")
    assert page.evaluate(PAGE_OVERFLOW) <= 0, "the page itself must not scroll sideways at 320 px"
