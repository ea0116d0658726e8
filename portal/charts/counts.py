"""Counts by category as horizontal bars, first category at the top (pure: data in, figure out)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bokeh.models import ColumnDataSource, Range1d, SingleIntervalTicker
from bokeh.plotting import figure

from portal.charts.surveys import axis_labels
from portal.charts.theme import BLUE, TEXT, new_figure


def count_bars(title: str, labels: Sequence[str], counts: Sequence[int], *, noun: str) -> figure:
    """One bar per category, as a count of ``noun`` (e.g. "recommendations"), with the count at the bar's end."""
    names = axis_labels(labels)
    largest = max(counts, default=0)
    fig = new_figure(
        title,
        height=max(200, 80 + 44 * len(names)),
        y_range=list(reversed(names)),
        x_range=Range1d(start=0, end=max(1, largest) * 1.15),
        tooltips=[("Category", "@label"), (noun[0].upper() + noun[1:], "@count")],
    )
    fig.xaxis.axis_label = f"Number of {noun}"
    fig.xaxis.ticker = SingleIntervalTicker(interval=max(1, math.ceil(largest / 8)))  # whole numbers only
    fig.ygrid.grid_line_color = None
    source = ColumnDataSource(
        {"name": names, "label": list(labels), "count": list(counts), "text": [str(c) for c in counts]}
    )
    fig.hbar(y="name", right="count", height=0.7, source=source, fill_color=BLUE, line_color=TEXT)
    fig.text(
        x="count", y="name", text="text", source=source, x_offset=6, text_baseline="middle", text_color=TEXT,
        text_font_size="13px",
    )  # fmt: skip
    return fig
