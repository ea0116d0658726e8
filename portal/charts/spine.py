"""The spine chart: one row per indicator, the range of every English local authority as grey bars (worst to 25th
percentile, the middle half, 75th percentile to best), England as the centre line and the area as a marker whose
shape and colour give its verdict. Positions come from :mod:`portal.stats.spine`; this only draws them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bokeh.core.properties import value
from bokeh.models import ColumnDataSource, FixedTicker
from bokeh.plotting import figure

from portal.charts.compare import SIGNIFICANCE_MARKERS
from portal.charts.theme import FONT, RED, SIGNIFICANCE_COLOURS, SIGNIFICANCE_ORDER, TEXT, new_figure, style_legend

# Fingertips' greys: the outer quarters lighter than the middle half.
OUTER_GREY = "#d2d2d2"
MIDDLE_GREY = "#8b8b8b"
ROW_HEIGHT = 46
LABEL_LENGTH = 40
LEGEND_WORDS = {
    "Better": "better than England",
    "Similar": "similar to England",
    "Worse": "worse than England",
    "Higher": "higher than England",
    "Lower": "lower than England",
    "Not compared": "not compared with England",
}


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
    """Row labels are cut short to fit a phone's width (the table beside the chart has the full names)."""
    return label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1].rstrip() + "…"


HEAD_LENGTH = 12


def _distinct(label: str, alike: Sequence[str]) -> str:
    """A short label that keeps what tells it from labels that share its start: its first words, then what follows
    the shared words ("5 year olds…maths early learning goals")."""
    shared = label
    for other in alike:
        length = next((i for i, (a, b) in enumerate(zip(shared, other, strict=False)) if a != b), None)
        shared = shared[: length if length is not None else min(len(shared), len(other))]
    cut = shared.rfind(" ") + 1 if len(shared) < len(label) else 0
    if cut <= HEAD_LENGTH:
        return _short(label)
    return _short(f"{label[:HEAD_LENGTH].rstrip()}…{label[cut:]}")


def row_labels(labels: Sequence[str]) -> list[str]:
    """Short labels for the rows: cut at the end, or after the shared words where that would make two alike."""
    short = [_short(label) for label in labels]
    out = []
    for label, cut in zip(labels, short, strict=True):
        alike = [other for other, other_cut in zip(labels, short, strict=True) if other_cut == cut and other != label]
        out.append(_distinct(label, alike) if alike else cut)
    return out


def spine_chart(title: str, bars: Sequence[SpineBar], area_name: str) -> figure:
    """Horizontal spine chart, first indicator at the top, each row's name written above its bar (so the bars keep
    the full width on a phone); the England line at 0.5, better to the right."""
    count = max(len(bars), 1)
    fig = new_figure(
        title,
        height=90 + ROW_HEIGHT * count,
        y_range=(0.45, count + 0.75),
        x_range=(-0.03, 1.03),
        tooltips=[
            ("Indicator", "@name"),
            (area_name, "@area_text"),
            ("England", "@england_text"),
            ("Range", "@range_text"),
        ],
    )
    data: dict[str, list[Any]] = {
        "y": [float(count - i) for i in range(len(bars))],
        "label_y": [count - i + 0.22 for i in range(len(bars))],
        "label": row_labels([b.label for b in bars]),
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
    height = 0.36
    fig.hbar(y="y", left="worst", right="q1", height=height, source=source, color=OUTER_GREY)
    fig.hbar(y="y", left="q1", right="q3", height=height, source=source, color=MIDDLE_GREY)
    fig.hbar(y="y", left="q3", right="best", height=height, source=source, color=OUTER_GREY)
    # England's line as a glyph drawn after the bars and before the names, so it crosses the bars but not the words.
    fig.segment(x0=0.5, y0=0.45, x1=0.5, y1=count + 0.75, line_color=RED, line_width=2)
    fig.text(  # type: ignore[call-arg]  # Bokeh 3 Text has background_fill_*; its stubs lag behind
        x=0,
        y="label_y",
        text="label",
        source=source,
        text_font=value(FONT),  # a bare string here would name a data column
        text_font_size="13px",
        background_fill_color="#ffffff",  # the England line passes behind the names, not through them
        background_fill_alpha=0.9,
        text_color=TEXT,
        text_baseline="bottom",
    )
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
            legend_label=f"{area_name}: {LEGEND_WORDS[verdict]}",
        )
    fig.yaxis.visible = False
    fig.xaxis.ticker = FixedTicker(ticks=[0, 0.5, 1])
    fig.xaxis.major_label_overrides = {0: "Worse", 0.5: "England", 1: "Better"}
    fig.ygrid.grid_line_color = None
    fig.xgrid.grid_line_color = None
    if fig.legend:
        style_legend(fig, outside=True)
    return fig
