"""Charts say what they draw and draw what the data supports (issue 14 items 9-11): one value is a value, not a
trend; axes fit the data and do not run below zero for quantities that cannot; values far from zero are dots with
intervals, not bars; without JavaScript every chart's table is open and the chart slot takes no space."""

from __future__ import annotations

from typing import Any

from bokeh.models import GlyphRenderer

from portal.charts.compare import compare_areas_chart, compare_description
from portal.charts.inequality import breakdown_chart, breakdown_description
from portal.charts.theme import far_from_zero, fitted_range
from portal.charts.trend import is_trend, trend_chart
from portal.extensions import db
from portal.models import Indicator, IndicatorValue
from tests.helpers import ClientRequest
from tests.indicators.conftest import seeded_indicators  # noqa: F401 - the real key dataset

LIFE = [79.1, 80.4, 83.2, 78.6]
LIFE_LOW = [78.6, 79.9, 82.8, 78.0]
LIFE_HIGH = [79.6, 80.9, 83.6, 79.2]


def glyphs(fig: Any) -> set[str]:
    return {type(r.glyph).__name__ for r in fig.renderers if isinstance(r, GlyphRenderer)}


def test_axes_fit_the_data_and_stay_at_or_above_zero_when_the_data_does() -> None:
    # IDACI scores (0 to 1): Bokeh's padding ran this axis to -0.5.
    start, end = fitted_range([0.21, 0.24, 0.27])
    assert 0 <= start <= 0.21 and 0.27 <= end < 0.35
    start, end = fitted_range([0.21])  # one value: room in proportion, never below zero
    assert 0 <= start < 0.21 < end < 0.3
    assert fitted_range([0.0, 0.0])[0] == 0
    # A quantity that is below zero keeps its room below.
    start, _ = fitted_range([-2.0, 3.0])
    assert start < -2.0
    assert fitted_range([None, float("nan")]) is None
    # Bars start at zero.
    assert fitted_range([79.1, 83.2], zero=True)[0] == 0


def test_trend_axis_for_idaci_does_not_go_below_zero() -> None:
    fig = trend_chart("IDACI", ["2015", "2019"], "Wolverhampton", [0.25, 0.27], [None, None], [None, None], {})
    assert fig.y_range.start >= 0
    assert fig.y_range.end < 0.35


def test_one_point_is_not_a_trend() -> None:
    assert not is_trend([None, 12.0, None])
    assert is_trend([11.0, 12.0])


def test_a_legend_below_the_plot_fits_a_narrow_screen() -> None:
    # At 320 px the trend legend was wider than the plot and Bokeh's right alignment cut every item's line and marker
    # off: the legend is aligned left and long labels go onto more lines, none longer than the short ones need.
    fig = trend_chart(
        "Life expectancy",
        ["2019 - 21", "2020 - 22", "2021 - 23"],
        "Wolverhampton",
        LIFE[:3],
        LIFE_LOW[:3],
        LIFE_HIGH[:3],
        {"England": [80.0, 80.5, 81.0], "West Midlands": [79.5, 79.9, 80.2]},
        significance=["worse", "worse", "similar"],
        published_by=["OHID", "OHID", "OHID"],
    )
    (legend,) = fig.below[-1:]
    assert legend.location == "top_left"
    lines = [line for item in legend.items for line in item.label.value.split("\n")]
    assert "England" in lines and max(len(line) for line in lines) <= 30
    # Wrapping only breaks lines: each label still says the whole verdict.
    labels = [item.label.value.replace("\n", " ") for item in legend.items]
    assert "Wolverhampton: worse (as published by OHID)" in labels


def test_life_expectancy_compare_is_a_dot_plot_with_its_intervals_drawn() -> None:
    assert far_from_zero(LIFE, LIFE_LOW, LIFE_HIGH)
    names = ["A", "B", "C", "D"]
    fig = compare_areas_chart("Life expectancy", names, LIFE, LIFE_LOW, LIFE_HIGH, ["Similar"] * 4)
    drawn = glyphs(fig)
    assert "Scatter" in drawn and "Segment" in drawn and "HBar" not in drawn
    assert fig.x_range.start > 70  # fitted to the values, not from zero
    words = compare_description(4, LIFE, LIFE_LOW, LIFE_HIGH, "England")
    assert words.startswith("Dot plot of 4 areas")
    assert "confidence interval as a horizontal line" in words and "Bar" not in words


def test_bars_from_zero_and_no_promise_of_whiskers_without_intervals() -> None:
    values = [12.0, 30.0, 5.0]
    fig = compare_areas_chart("Smoking", ["A", "B", "C"], values, [None] * 3, [None] * 3, ["Similar"] * 3)
    assert "HBar" in glyphs(fig) and fig.x_range.start == 0
    words = compare_description(3, values, [None] * 3, [None] * 3, "England")
    assert "whisker" not in words and "No confidence intervals are published" in words
    assert "whiskers" in compare_description(3, values, [10.0, 28.0, 4.0], [14.0, 32.0, 6.0])
    fig = breakdown_chart("By sex", ["Male", "Female"], [78.6, 82.9], [78.1, 82.4], [79.1, 83.4])
    assert "HBar" not in glyphs(fig) and "Scatter" in glyphs(fig)
    assert breakdown_description(2, [78.6, 82.9], [78.1, 82.4], [79.1, 83.4]).startswith("Dot plot")


def test_without_javascript_tables_are_open_and_a_single_value_is_not_charted(
    client_request: ClientRequest,
    seeded_indicators: Any,  # noqa: F811
) -> None:
    db.session.add(Indicator(id="one-year-only", name="A survey run once", value_type="proportion", unit="%"))
    db.session.add(
        IndicatorValue(
            indicator_id="one-year-only", area_code=seeded_indicators.home, period="2023", period_sortable=20230000,
            value=42.0,
        )
    )  # fmt: skip
    db.session.commit()
    page = client_request.get("/indicators/one-year-only")
    assert page.find(id="chart-trend") is None  # no lone dot on a trend chart
    assert "Only 2023 has a value" in page.get_text()
    trend_table = page.find("details", attrs={"data-chart-table": "chart-trend"})
    assert trend_table is not None and trend_table.has_attr("open")
    assert "42" in trend_table.get_text()

    page = client_request.get("/indicators/93356")
    charts = page.select("[data-bokeh-json]")
    assert charts
    for chart in charts:
        # Without JavaScript: no empty "image" to announce, and its table is open.
        assert not chart.has_attr("role")
        table = page.find("details", attrs={"data-chart-table": chart["id"]})
        assert table is not None and table.has_attr("open"), chart["id"]
