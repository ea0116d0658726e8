"""The pure chart builders: each figure draws the glyphs and data columns its table describes."""

from __future__ import annotations

import json
import math

from bokeh.models import ColorBar, GlyphRenderer, HBar, Line, Patches, Scatter, Segment, Span, VArea

from portal.charts.compare import compare_areas_chart
from portal.charts.embed import chart_json
from portal.charts.inequality import breakdown_chart
from portal.charts.maps import WardShape, ward_map
from portal.charts.pyramid import population_pyramid_chart
from portal.charts.tables import csv_safe, format_number, to_csv
from portal.charts.theme import SIGNIFICANCE_COLOURS
from portal.charts.trend import trend_chart


def renderers(fig, glyph_type) -> list[GlyphRenderer]:
    return [r for r in fig.renderers if isinstance(r, GlyphRenderer) and isinstance(r.glyph, glyph_type)]


def legend_labels(fig) -> list[str]:
    return [item.label["value"] for legend in fig.legend for item in legend.items]


def test_trend_chart_has_band_area_line_and_benchmarks() -> None:
    fig = trend_chart(
        "Suicide rate",
        ["2015", "2016", "2017"],
        "Wolverhampton",
        [10.0, None, 12.5],
        [8.0, None, 10.1],
        [12.0, None, 15.0],
        {"England": [9.9, 10.0, 10.1], "West Midlands region": [10.5, 10.4, 10.3]},
        y_label="per 100,000",
    )
    band = renderers(fig, VArea)
    assert len(band) == 1
    assert band[0].data_source.data["lower"][0] == 8.0
    assert math.isnan(band[0].data_source.data["upper"][1])  # a missing value is a gap, not a zero
    lines = renderers(fig, Line)
    areas = {r.data_source.data["area"][0] for r in lines}
    assert areas == {"Wolverhampton", "England", "West Midlands region"}
    assert list(fig.x_range.factors) == ["2015", "2016", "2017"]
    assert {"Wolverhampton", "England", "West Midlands region"} <= set(legend_labels(fig))
    assert fig.toolbar_location is None  # nothing a keyboard user can get stuck in


def test_trend_chart_without_intervals_has_no_band() -> None:
    fig = trend_chart("Count", ["2020", "2021"], "Wolverhampton", [1.0, 2.0], [None, None], [None, None], {})
    assert not renderers(fig, VArea)


def test_compare_chart_colours_bars_by_significance_and_marks_england() -> None:
    fig = compare_areas_chart(
        "Compare",
        ["Sandwell", "Wolverhampton", "Walsall"],
        [30.0, 20.0, 10.0],
        [28.0, 18.0, 9.0],
        [32.0, 22.0, 11.0],
        ["Worse", "Similar", "Better"],
        highlight="Wolverhampton",
        benchmark_value=20.5,
    )
    bars = renderers(fig, HBar)
    by_colour = {r.glyph.fill_color: r.data_source.data["label"] for r in bars}
    assert by_colour[SIGNIFICANCE_COLOURS["Worse"]] == ["Sandwell"]
    assert by_colour[SIGNIFICANCE_COLOURS["Similar"]] == ["Wolverhampton (this area)"]
    assert by_colour[SIGNIFICANCE_COLOURS["Better"]] == ["Walsall"]
    whiskers = renderers(fig, Segment)[0].data_source.data
    assert whiskers["lower"] == [28.0, 18.0, 9.0] and whiskers["upper"] == [32.0, 22.0, 11.0]
    assert [s.location for s in fig.center if isinstance(s, Span)] == [20.5]
    labels = legend_labels(fig)
    assert "Worse (compared with England)" in labels and "England: 20.5" in labels
    # First area given is drawn at the top.
    assert list(fig.y_range.factors)[-1] == "Sandwell"


def test_breakdown_chart_draws_only_what_it_is_given() -> None:
    fig = breakdown_chart(
        "By decile", ["Most deprived", "Least deprived"], [70.0, 98.0], [65.0, 95.0], [75.0, 101.0],
        reference_value=80.0, reference_name="England overall",
    )  # fmt: skip
    bars = renderers(fig, HBar)
    assert bars[0].data_source.data["category"] == ["Most deprived", "Least deprived"]
    assert bars[0].data_source.data["value"] == [70.0, 98.0]
    assert "England overall: 80.0" in legend_labels(fig)


def test_ward_map_draws_a_patch_per_ring_and_highlights_the_ward() -> None:
    square = [[-2.1, 52.6], [-2.0, 52.6], [-2.0, 52.7], [-2.1, 52.7], [-2.1, 52.6]]
    other = [[-2.0, 52.6], [-1.9, 52.6], [-1.9, 52.7], [-2.0, 52.6]]
    fig = ward_map(
        "IMD by ward",
        [WardShape("E05000001", "Ward A", [square], 40.0, "40.0"), WardShape("E05000002", "Ward B", [other], None,
                                                                            "No data")],
        highlight="E05000001",
        value_label="Score",
    )  # fmt: skip
    patches = renderers(fig, Patches)
    data = patches[0].data_source.data
    assert data["code"] == ["E05000001", "E05000002"]
    assert data["name"][0] == "Ward A (this ward)"
    assert math.isnan(data["value"][1])
    # Longitude is scaled by cos(latitude) so the shapes keep their proportions.
    assert data["xs"][0][0] == -2.1 * math.cos(math.radians(sum(p[1] for p in square + other) / 9))
    assert len(patches) == 3  # all wards, then the chosen ward's outline twice (dark then yellow)
    assert patches[1].data_source.data["code"] == ["E05000001"]
    assert any(isinstance(item, ColorBar) for item in fig.right)
    assert not fig.xaxis[0].visible


def test_pyramid_has_males_left_females_right_and_reference_markers() -> None:
    fig = population_pyramid_chart(
        "Pyramid", ["0-4", "5-9"], [3.0, 2.5], [2.9, 2.4], area_name="Wolverhampton",
        reference_male_percent=[2.8, 2.9], reference_female_percent=[2.7, 2.8],
    )  # fmt: skip
    bars = renderers(fig, HBar)
    by_sex = {r.data_source.data["sex"][0]: r.data_source.data["x"] for r in bars}
    assert by_sex == {"Male": [-3.0, -2.5], "Female": [2.9, 2.4]}
    markers = renderers(fig, Scatter)[0].data_source.data
    assert markers["x"] == [-2.8, -2.9, 2.7, 2.8]
    ticks = fig.xaxis[0].ticker.ticks
    assert fig.xaxis[0].major_label_overrides[ticks[0]] == f"{abs(ticks[0]):g}%"  # no negative percentages shown


def test_chart_json_never_needs_eval() -> None:
    """The CSP forbids eval, so no chart may carry JavaScript callbacks or formatters."""
    figures = [
        trend_chart("T", ["2020"], "A", [1.0], [0.5], [1.5], {"England": [1.1]}),
        compare_areas_chart("C", ["A", "B"], [1.0, 2.0], [0.5, 1.5], [1.5, 2.5], ["Similar", "Higher"]),
        population_pyramid_chart("P", ["0-4"], [1.0], [1.0], area_name="A"),
    ]
    for fig in figures:
        body = chart_json(fig)
        assert "CustomJS" not in body
        json.loads(body)  # strict JSON: NaN is encoded, never a bare token


def test_csv_neutralises_formulas_but_keeps_negative_numbers() -> None:
    assert csv_safe("=SUM(A1)") == "'=SUM(A1)"
    assert csv_safe("@cmd") == "'@cmd"
    assert csv_safe("-1.5") == "-1.5"
    assert csv_safe("-x") == "'-x"
    assert to_csv(["Area", "Value"], [["+danger", "1.0"]]) == "Area,Value\r\n'+danger,1.0\r\n"


def test_format_number() -> None:
    assert format_number(254406.0, 0) == "254,406"
    assert format_number(254406.0, 0, separators=False) == "254406"
    assert format_number(-0.04, 1) == "0.0"
    assert format_number(None) == ""
