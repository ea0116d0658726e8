"""BokehJS loads only when a chart nears the screen (issue 17, Lighthouse): a page whose charts are below the fold
does not fetch it until the reader scrolls; a chart on screen at load is drawn without any scrolling; nothing moves
when the tables of the charts fold away; a chart that cannot be drawn opens its table again."""

from __future__ import annotations

from typing import Any

from tests.indicators import conftest as indicator_fixtures

# The key dataset fixture lives in tests/indicators/conftest.py; share it here.
seeded_indicators = indicator_fixtures.seeded_indicators

PAGE = "/indicators/93356"
TREND_DRAWN = "() => document.getElementById('chart-trend').dataset.bokehState === 'rendered'"

# Layout shifts not caused by the reader (the sum Lighthouse and Core Web Vitals call CLS), since the page opened.
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) { if (!entry.hadRecentInput) total += entry.value; }
  }).observe({type: "layout-shift", buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
})"""


def _record_bokehjs(page: Any) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url) if "bokeh.min.js" in request.url else None)
    return requested


def _top(page: Any, chart_id: str) -> float:
    return page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", chart_id)


def _has_canvas(page: Any, chart_id: str) -> bool:
    # Bokeh draws into a canvas inside its root element's shadow DOM.
    return page.evaluate(
        "id => { const root = document.getElementById(id).querySelector('.bk-Figure, .bk-Column, .bk-Row, div');"
        " return !!root && !!root.shadowRoot && root.shadowRoot.querySelector('canvas, .bk-Canvas') !== null; }",
        chart_id,
    )


def test_bokehjs_is_not_fetched_until_the_reader_scrolls_to_a_chart(seeded_indicators: Any, page: Any) -> None:
    requested = _record_bokehjs(page)
    page.goto(PAGE)
    page.wait_for_load_state("networkidle")
    charts = page.locator("[data-bokeh-json]")
    assert charts.count() >= 2
    # Every chart starts below the fold at 1280 × 900, so none is drawn and BokehJS is not fetched.
    assert _top(page, "chart-trend") > page.viewport_size["height"]
    page.wait_for_timeout(1000)  # the browser is idle: charts on screen would be drawn by now
    assert requested == []
    assert page.evaluate("[...document.querySelectorAll('[data-bokeh-state]')].length") == 0
    # The tables of the charts to be drawn are already closed, and nothing has moved since the page opened.
    assert page.locator("details[data-chart-table]:not([open])").count() == charts.count()
    assert page.evaluate(LAYOUT_SHIFT) < 0.01

    # The reader scrolls down (a real wheel scroll, not a jump): BokehJS loads once and the first chart is drawn.
    page.mouse.move(640, 450)
    for _ in range(100):
        if _top(page, "chart-trend") <= 200:
            break
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(50)
    page.wait_for_function(TREND_DRAWN)
    assert _has_canvas(page, "chart-trend")
    assert page.locator("#chart-trend").get_attribute("role") == "img"
    assert len(requested) == 1
    # Its table stays folded, one click away.
    table = page.locator('details[data-chart-table="chart-trend"]')
    assert table.get_attribute("open") is None
    table.locator("summary").click()
    assert page.locator("#chart-trend-table").is_visible()


def test_a_chart_on_screen_at_load_is_drawn_without_scrolling(seeded_indicators: Any, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 2000})
    requested = _record_bokehjs(page)
    page.goto(PAGE)
    top = _top(page, "chart-trend")
    assert 0 < top < 2000, "the trend chart is on screen"
    page.wait_for_function(TREND_DRAWN, timeout=30_000)
    assert _has_canvas(page, "chart-trend")
    assert len(requested) == 1
    assert page.evaluate("window.scrollY") == 0
    # A chart further down is left until the reader heads towards it.
    below = [
        chart_id
        for chart_id in page.eval_on_selector_all("[data-bokeh-json]", "els => els.map(el => el.id)")
        if _top(page, chart_id) > 2000
    ]
    assert below, "some chart starts below the fold"
    assert all(page.locator(f"#{chart_id}").get_attribute("data-bokeh-state") is None for chart_id in below)


def test_a_chart_that_cannot_be_drawn_opens_its_table_again(seeded_indicators: Any, page: Any) -> None:
    page.route("**/charts/trend.json?*", lambda route: route.fulfill(status=500, body="broken"))
    page.goto(PAGE)
    assert page.locator('details[data-chart-table="chart-trend"]').get_attribute("open") is None
    page.locator("#chart-trend").scroll_into_view_if_needed()
    page.wait_for_function("() => document.getElementById('chart-trend').dataset.bokehState === 'failed'")
    assert page.locator("#chart-trend").get_by_text("The chart could not be drawn").is_visible()
    assert page.locator("#chart-trend-table").is_visible()
