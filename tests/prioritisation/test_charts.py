"""The prioritisation charts draw exactly the data they are given."""

from __future__ import annotations

import json
import math

from bokeh.models import Column, ColumnDataSource, GlyphRenderer

from portal.charts.embed import chart_json
from portal.charts.prioritisation import criteria_heatmap, ranking_chart


def _sources(model: object) -> list[dict[str, list[object]]]:
    return [dict(r.data_source.data) for r in model.select({"type": GlyphRenderer})]  # type: ignore[attr-defined]


def test_ranking_chart_has_a_bar_panel_above_a_rank_interval_panel() -> None:
    labels = ["A topic", "B topic", "C topic"]
    chart = ranking_chart(labels, [4.2, 3.1, None], [1, 2, 3], [1, 1, 3], [2, 3, 3], top_k=1, draws=1000, spread=0.25)
    assert isinstance(chart, Column) and len(chart.children) == 2
    bars, intervals = chart.children
    assert list(bars.y_range.factors) == ["C topic", "B topic", "A topic"], "best at the top"
    assert list(intervals.y_range.factors) == list(bars.y_range.factors)
    bar_sources = _sources(bars)
    in_top = next(s for s in bar_sources if s["group"][0] == "In the top 1")
    outside = next(s for s in bar_sources if s["group"][0] == "Outside the top 1")
    assert in_top["label"] == ["A topic"] and in_top["score"] == [4.2]
    assert outside["label"] == ["B topic", "C topic"] and math.isnan(outside["score"][1])
    whiskers = next(s for s in _sources(intervals) if "low" in s)
    assert whiskers["low"] == [1.0, 1.0, 3.0] and whiskers["high"] == [2.0, 3.0, 3.0]
    assert "1,000 weightings (±25%)" in intervals.title.text
    assert json.loads(chart_json(chart))["doc"]["roots"]


def test_heatmap_labels_every_cell_with_its_value() -> None:
    heatmap = criteria_heatmap(["A", "B"], ["Size", "Trend"], [[4.5, None], [2.0, 3.25]])
    data = next(s for s in _sources(heatmap) if "text" in s)
    assert list(heatmap.y_range.factors) == ["Trend", "Size"], "criteria are rows, the first on top"
    assert data["x"] == ["A", "A", "B", "B"]
    assert data["y"] == ["Size", "Trend", "Size", "Trend"]
    assert data["text"] == ["4.5", "–", "2.0", "3.2"]
    # Dark cells get white text, light ones dark text, for contrast.
    assert data["text_colour"] == ["#ffffff", "#0b0c0c", "#0b0c0c", "#ffffff"]
    assert heatmap.select_one({"type": ColumnDataSource}) is not None
