"""Prioritisation charts: a ranked bar chart with rank intervals, and a criteria heatmap (pure: data in, figure out)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bokeh.layouts import column
from bokeh.models import BasicTicker, ColumnDataSource, LayoutDOM, LinearColorMapper, Range1d
from bokeh.palettes import Blues9
from bokeh.plotting import figure

from portal.charts.theme import BLUE, GREY, TEXT, new_figure, style_legend

Number = float | None
SCORE_MIN, SCORE_MAX = 1.0, 5.0
# Light to dark: a higher mean score is a darker cell.
HEATMAP_PALETTE = tuple(reversed(Blues9))[1:]


def _nan(value: Number) -> float:
    return float("nan") if value is None else float(value)


def _height(n: int) -> int:
    return max(240, 70 + 32 * n)


def ranking_chart(
    labels: Sequence[str],
    scores: Sequence[Number],
    ranks: Sequence[float],
    rank_low: Sequence[float],
    rank_high: Sequence[float],
    *,
    top_k: int,
    draws: int,
    spread: float,
) -> LayoutDOM:
    """Two panels, one above the other, each with one row per proposal (best at the top): the weighted score as a
    bar, coloured and hatched by whether the proposal is in the top k; and its rank with the 5th–95th percentile
    interval from the sensitivity analysis (rank 1 on the left).
    """
    labels = list(labels)
    order = list(reversed(labels))  # Bokeh draws the first factor at the bottom; the best should be on top
    in_top = [r <= top_k for r in ranks]
    data: dict[str, list[Any]] = {
        "label": labels,
        "score": [_nan(s) for s in scores],
        "rank": [float(r) for r in ranks],
        "low": [float(r) for r in rank_low],
        "high": [float(r) for r in rank_high],
        "group": [f"In the top {top_k}" if t else f"Outside the top {top_k}" for t in in_top],
    }
    height = _height(len(labels))
    bars = new_figure(
        "Weighted score (1 to 5)",
        height=height,
        y_range=order,
        x_range=Range1d(start=0, end=SCORE_MAX),
        tooltips=[("Topic", "@label"), ("Weighted score", "@score{0.00}"), ("Rank", "@rank{0.0}")],
    )
    bars.xaxis.axis_label = "Weighted score"
    bars.ygrid.grid_line_color = None
    for group, colour, hatch in ((True, BLUE, " "), (False, GREY, "/")):
        keep = [i for i, t in enumerate(in_top) if t == group]
        if not keep:
            continue
        source = ColumnDataSource({key: [column[i] for i in keep] for key, column in data.items()})
        bars.hbar(
            y="label",
            right="score",
            height=0.7,
            source=source,
            fill_color=colour,
            hatch_pattern=hatch,
            hatch_color=TEXT,
            hatch_alpha=0.35,
            line_color=TEXT,
            legend_label=data["group"][keep[0]],
        )
    if bars.legend:
        style_legend(bars, outside=True)
    n = max(len(labels), 1)
    intervals = new_figure(
        f"Rank, with the range across {draws:,} weightings (±{spread:.0%})",
        height=height,
        y_range=order,
        x_range=Range1d(start=0.5, end=n + 0.5),
        tooltips=[("Topic", "@label"), ("Rank", "@rank{0.0}"), ("90% of weightings", "@low{0} to @high{0}")],
    )
    intervals.xaxis.axis_label = "Rank (1 = highest priority)"
    intervals.xaxis.ticker = BasicTicker(desired_num_ticks=min(n, 10))
    intervals.ygrid.grid_line_color = None
    source = ColumnDataSource(dict(data))
    intervals.segment(x0="low", x1="high", y0="label", y1="label", source=source, line_color=TEXT, line_width=3)
    intervals.scatter(
        x="rank", y="label", source=source, size=11, marker="diamond", fill_color=BLUE, line_color=TEXT,
        legend_label="Rank with the agreed weights",
    )  # fmt: skip
    if intervals.legend:
        style_legend(intervals, outside=True)
    return column(bars, intervals, sizing_mode="stretch_width")


def _text_colour(value: float) -> str:
    # Dark cells get white text (contrast); missing cells say so in dark text.
    return "#ffffff" if not math.isnan(value) and value >= 3.0 else TEXT


def criteria_heatmap(
    proposal_labels: Sequence[str],
    criterion_names: Sequence[str],
    means: Sequence[Sequence[Number]],
) -> figure:
    """Mean score per criterion (rows, first on top) and proposal (columns, in the order given, labelled by the short
    ``proposal_labels``), each cell labelled with its value so the meaning never rests on colour alone.
    ``means`` is indexed [proposal][criterion].
    """
    proposal_labels = list(proposal_labels)
    criterion_names = list(criterion_names)
    xs, ys, values, texts, colours = [], [], [], [], []
    for label, row_values in zip(proposal_labels, means, strict=True):
        for name, value in zip(criterion_names, row_values, strict=True):
            number = _nan(value)
            xs.append(label)
            ys.append(name)
            values.append(number)
            texts.append("–" if math.isnan(number) else f"{number:.1f}")
            colours.append(_text_colour(number))
    fig = new_figure(
        "Mean score by criterion and topic",
        height=110 + 34 * len(criterion_names),
        x_range=proposal_labels,
        y_range=list(reversed(criterion_names)),
        tooltips=[("Topic", "@x"), ("Criterion", "@y"), ("Mean score", "@value{0.0}")],
        x_axis_location="above",
    )
    fig.grid.grid_line_color = None
    fig.axis.axis_line_color = None
    fig.axis.major_tick_line_color = None
    if len(proposal_labels) > 6:
        fig.xaxis.major_label_orientation = 0.8
    mapper = LinearColorMapper(palette=HEATMAP_PALETTE, low=SCORE_MIN, high=SCORE_MAX, nan_color="#f3f2f1")
    source = ColumnDataSource({"x": xs, "y": ys, "value": values, "text": texts, "text_colour": colours})
    fig.rect(
        x="x", y="y", width=1, height=1, source=source, line_color="#ffffff",
        fill_color={"field": "value", "transform": mapper},
    )  # fmt: skip
    fig.text(
        x="x", y="y", text="text", source=source, text_align="center", text_baseline="middle",
        text_color="text_colour", text_font_size="13px",
    )  # fmt: skip
    return fig
