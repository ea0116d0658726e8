"""The spine chart: one row per indicator, the range of every English local authority as grey bars (worst to 25th
percentile, the middle half, 75th percentile to best), England as the centre line and the area as a marker whose
shape and colour give its verdict. Positions come from :mod:`portal.stats.spine`; this only draws them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bokeh.models import ColumnDataSource, FactorRange, FixedTicker
from bokeh.models.annotations import Span
from bokeh.plotting import figure

from portal.charts.compare import SIGNIFICANCE_MARKERS
from portal.charts.theme import RED, SIGNIFICANCE_COLOURS, SIGNIFICANCE_ORDER, TEXT, new_figure, style_legend

# Fingertips' greys: the outer quarters lighter than the middle half.
OUTER_GREY = "#d2d2d2"
MIDDLE_GREY = "#8b8b8b"
ROW_HEIGHT = 34
LABEL_LENGTH = 42


@dataclass(frozen=True)
class SpineBar:
    """One indicator's row: positions on the 0-1 scale (better to the right) and the words its tooltip shows."""

    label: str
    worst: float
    worse_quartile: float
    better_quartile: float
    best: float
    area: float
    verdict: str  # a Fingertips verdict word: "Better", "Similar", …
    area_text: str
    england_text: str
    range_text: str


def _short(label: str) -> str:
    """Axis labels are cut short (the table beside the chart has the full names)."""
    return label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1].rstrip() + "…"


def _unique_labels(bars: Sequence[SpineBar]) -> list[str]:
    """Shortened labels, made unique (two indicators may share their first words) with a number."""
    seen: dict[str, int] = {}
    out = []
    for bar in bars:
        label = _short(bar.label)
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def spine_chart(title: str, bars: Sequence[SpineBar], area_name: str) -> figure:
    """Horizontal spine chart, first indicator at the top; the England line at 0.5, better to the right."""
    labels = _unique_labels(bars)
    fig = new_figure(
        title,
        height=80 + ROW_HEIGHT * max(len(bars), 1),
        y_range=FactorRange(factors=list(reversed(labels))),
        x_range=(-0.02, 1.02),
        tooltips=[
            ("Indicator", "@name"),
            (area_name, "@area_text"),
            ("England", "@england_text"),
            ("Range", "@range_text"),
        ],
    )
    data: dict[str, list[Any]] = {
        "y": labels,
        "name": [b.label for b in bars],
        "worst": [b.worst for b in bars],
        "q1": [b.worse_quartile for b in bars],
        "q3": [b.better_quartile for b in bars],
        "best": [b.best for b in bars],
        "area": [b.area for b in bars],
        "verdict": [b.verdict for b in bars],
        "area_text": [b.area_text for b in bars],
        "england_text": [b.england_text for b in bars],
        "range_text": [b.range_text for b in bars],
    }
    source = ColumnDataSource(dict(data))
    height = 0.6
    fig.hbar(y="y", left="worst", right="q1", height=height, source=source, color=OUTER_GREY)
    fig.hbar(y="y", left="q1", right="q3", height=height, source=source, color=MIDDLE_GREY)
    fig.hbar(y="y", left="q3", right="best", height=height, source=source, color=OUTER_GREY)
    fig.add_layout(Span(location=0.5, dimension="height", line_color=RED, line_width=2))
    for verdict in SIGNIFICANCE_ORDER:
        chosen = [i for i, v in enumerate(data["verdict"]) if v == verdict]
        if not chosen:
            continue
        subset = ColumnDataSource({key: [column[i] for i in chosen] for key, column in data.items()})
        fig.scatter(
            x="area",
            y="y",
            source=subset,
            size=13,
            marker=SIGNIFICANCE_MARKERS[verdict],
            fill_color=SIGNIFICANCE_COLOURS[verdict],
            line_color=TEXT,
            line_width=1.5,
            legend_label=f"{area_name}: {verdict.lower()} than England" if verdict not in ("Similar", "Not compared")
            else f"{area_name}: {verdict.lower()}{' to England' if verdict == 'Similar' else ''}",
        )  # fmt: skip
    fig.xaxis.ticker = FixedTicker(ticks=[0, 0.5, 1])
    fig.xaxis.major_label_overrides = {0: "Worst or lowest", 0.5: "England", 1: "Best or highest"}
    fig.ygrid.grid_line_color = None
    fig.xgrid.grid_line_color = None
    if fig.legend:
        style_legend(fig, outside=True)
    return fig
