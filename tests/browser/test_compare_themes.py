"""The compare table (tartan rug) and theme pages in real Chromium: axe finds nothing, and they work without
JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.indicators import conftest as indicator_fixtures

seeded_indicators = indicator_fixtures.seeded_indicators


def test_compare_table_passes_axe(seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]) -> None:
    page.goto("/indicators/compare")
    page.get_by_role("heading", name="Compare areas", level=1).wait_for()
    assert page.locator("table.portal-rug tbody tr").count() >= 5
    assert_accessible(page)
    page.get_by_label("Areas", exact=True).select_option("neighbours")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**group=neighbours*")
    assert_accessible(page)


def test_compare_table_works_without_javascript(seeded_indicators: Any, browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/indicators/compare")
        tab.select_option("#rug-topic", "children")
        tab.get_by_role("button", name="Show").click()
        tab.wait_for_url("**topic=children*")
        assert tab.locator("table.portal-rug tbody tr").count() >= 1
    finally:
        context.close()


def test_theme_pages_pass_axe(seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]) -> None:
    from portal.indicators.file_import import import_file
    from tests.indicators.test_themes import CIN, ONS

    assert import_file(ONS, "ons-subnational").ok and import_file(CIN, "dfe-cin").ok
    page.goto("/indicators/themes")
    assert_accessible(page)
    for name in ("Housing", "Employment and economy", "Children's social care"):
        page.goto("/indicators/themes")
        page.get_by_role("link", name=name).click()
        page.get_by_role("heading", name=name, level=1).wait_for()
        assert page.locator("#theme-indicators tbody tr").count() >= 1
        assert_accessible(page)
