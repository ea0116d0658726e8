"""Sex and age choices on an indicator page in real Chromium: charts draw for the choice and axe finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.test_indicators import wait_for_charts
from tests.indicators import conftest as indicator_fixtures
from tests.indicators.test_breakdown_choices import LIFE

seeded_indicators = indicator_fixtures.seeded_indicators


def test_life_expectancy_males_chosen_with_the_form(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    from portal.indicators.file_import import import_file

    assert import_file(LIFE, "trafford").ok
    page.goto("/indicators/90366")
    page.locator("#choose-sex").select_option("Male")
    page.locator(".portal-breakdown-chooser button").click()
    page.wait_for_url("**/indicators/90366?sex=Male*")
    assert wait_for_charts(page) >= 1
    assert "males" in page.locator(".govuk-summary-list").first.inner_text()
    assert_accessible(page)
