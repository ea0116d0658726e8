"""The key dataset in real Chromium: every chart draws, filters work with HTMX, and axe finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.indicators import services
from tests.indicators import conftest as indicator_fixtures
from tests.indicators.test_routes import BILSTON_EAST, load_house_prices, load_population, load_ward_imd

# The key dataset fixture lives in tests/indicators/conftest.py; share it here.
seeded_indicators = indicator_fixtures.seeded_indicators


def wait_for_charts(page: Any) -> int:
    """Scroll to each chart on the page (charts.js draws a chart as it nears the screen) and wait until Bokeh has
    drawn it; return how many there are."""
    charts = page.locator("[data-bokeh-json]")
    count = charts.count()
    for index in range(count):
        chart = charts.nth(index)
        chart_id = chart.get_attribute("id")
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "id => { const el = document.getElementById(id);"
            " return el && (el.dataset.bokehState === 'rendered' || el.dataset.bokehState === 'failed'); }",
            arg=chart_id,
        )
        assert chart.get_attribute("data-bokeh-state") == "rendered", f"chart {chart_id} failed to draw"
        # Bokeh draws into a canvas inside its root element's shadow DOM.
        assert page.evaluate(
            "id => { const el = document.getElementById(id);"
            " const root = el.querySelector('.bk-Figure, .bk-Column, .bk-Row, div');"
            " return !!root && (root.shadowRoot ? root.shadowRoot.querySelector('canvas, .bk-Canvas') !== null"
            " : el.querySelector('canvas') !== null); }",
            chart_id,
        ), f"chart {chart_id} has no Bokeh canvas"
    return count


def test_overview_and_every_indicator_page_draw_and_pass_axe(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/indicators")
    page.get_by_role("heading", name="How Wolverhampton compares").wait_for()
    assert_accessible(page)

    # Choosing a topic swaps in the results with HTMX, without reloading the page.
    page.evaluate("window.__notReloaded = true")
    with page.expect_response(lambda r: "topic=children" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Topic").select_option("children")
    page.locator("#overview-results h2", has_text="Children").wait_for()
    assert page.locator("#overview-results h2").count() == 1
    assert page.evaluate("window.__notReloaded") is True
    assert "topic=children" in page.url
    assert_accessible(page)

    for indicator in services.list_indicators():
        page.goto(f"/indicators/{indicator.id}")
        drawn = wait_for_charts(page)
        assert drawn >= 1, f"indicator {indicator.id} has no charts"
        # One axe run with the data tables (in details elements) opened covers the charts and the tables.
        closed = page.locator("details.portal-chart-data:not([open]) > summary")
        while closed.count():
            closed.first.click()
        assert_accessible(page)


def test_ward_profile_draws_map_and_pyramid_and_passes_axe(
    seeded_indicators: Any, page: Any, assert_accessible: Callable[[Any], None]
) -> None:
    load_ward_imd(seeded_indicators)
    load_house_prices(seeded_indicators)
    load_population(seeded_indicators)
    page.goto("/areas/wards")
    assert_accessible(page)
    page.get_by_role("link", name="Bilston East").click()
    page.get_by_role("heading", name="Bilston East", level=1).wait_for()
    assert page.url.endswith(f"/areas/wards/{BILSTON_EAST}")
    assert wait_for_charts(page) == 2
    assert_accessible(page)

    # Choosing another indicator swaps in a new map with HTMX, and charts.js draws it.
    page.evaluate("window.__notReloaded = true")
    with page.expect_response(lambda r: "indicator=median-house-price-ward" in r.url and "charts" not in r.url):
        page.get_by_label("Shade the wards by").select_option("median-house-price-ward")
    page.locator("#chart-map[data-bokeh-json*='median-house-price-ward']").wait_for(state="attached")
    assert wait_for_charts(page) == 2
    assert page.evaluate("window.__notReloaded") is True
    assert "median house price" in page.locator("#ward-map").inner_text().lower()
    assert_accessible(page)

    # The pages of the indicators loaded here draw too: ward bars, a small-area map, a population pyramid.
    for indicator_id in ("imd2019-ward-score", "median-house-price-ward", "median-house-price-lsoa",
                         "ons-mye-2022-population"):  # fmt: skip
        page.goto(f"/indicators/{indicator_id}")
        assert wait_for_charts(page) >= 1, f"indicator {indicator_id} has no charts"
        assert_accessible(page)
