"""Profile charts: how a group (a neighbourhood type, a ward) differs from a reference on several measures."""

from __future__ import annotations

from collections.abc import Sequence

from bokeh.models import ColumnDataSource, FixedTicker
from bokeh.models.annotations import LabelSet, Span
from bokeh.plotting import figure

from portal.charts.theme import BLUE, ORANGE, TEXT, new_figure


def deviation_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    value_label: str = "Difference from the city average (standard deviations)",
    reference_name: str = "the city average",
) -> figure:
    """Horizontal bars from zero, one per measure (first measure at the top): right for above the reference, left
    for below. The bars' sign is also written at their end ("above" or "below"), so colour is not the only cue."""
    names = list(labels)
    shown = [float(v) for v in values]
    fig = new_figure(
        title,
        height=max(320, 30 * len(names) + 90),
        y_range=list(reversed(names)),
        tooltips=[("Measure", "@label"), ("Difference", "@value{0.00}"), ("Compared with " + reference_name, "@side")],
    )
    source = ColumnDataSource(
        {
            "label": names,
            "value": shown,
            "colour": [ORANGE if v >= 0 else BLUE for v in shown],
            "side": ["above" if v >= 0 else "below" for v in shown],
            "text_x": [v + (0.08 if v >= 0 else -0.08) for v in shown],
            "align": ["left" if v >= 0 else "right" for v in shown],
        }
    )
    fig.hbar(y="label", right="value", height=0.7, source=source, fill_color="colour", line_color=TEXT, line_width=0.5)
    fig.add_layout(
        LabelSet(
            x="text_x",
            y="label",
            text="side",
            text_align="align",
            text_baseline="middle",
            source=source,
            text_font_size="12px",
            text_color=TEXT,
        )
    )
    fig.add_layout(Span(location=0, dimension="height", line_color=TEXT, line_width=1.5))
    largest = max([abs(v) for v in shown] + [1.0])
    limit = float(int(largest) + 1)
    fig.x_range.start, fig.x_range.end = -limit - 0.6, limit + 0.6  # type: ignore[attr-defined]  # a Range1d
    ticks = [float(t) for t in range(-int(limit), int(limit) + 1)]
    fig.xaxis.ticker = FixedTicker(ticks=ticks)
    fig.xaxis.major_label_overrides = {t: f"{t:+g}" if t else "0" for t in ticks}
    fig.xaxis.axis_label = value_label
    fig.ygrid.grid_line_color = None
    return fig


def profile_grid(
    title: str,
    measures: Sequence[str],
    groups: Sequence[str],
    values: Sequence[Sequence[float]],
    *,
    value_label: str = "Difference from the city average (standard deviations)",
) -> figure:
    """A grid of measures (rows, first at the top) by groups (columns): each cell a square sized and coloured by the
    difference, with the number written in it, so the pattern shows at a glance and colour is not the only cue.
    ``values[g][m]`` is group g's value on measure m."""
    xs, ys, shown, texts, colours, sizes = [], [], [], [], [], []
    largest = max([abs(v) for row in values for v in row] + [1.0])
    for g, group in enumerate(groups):
        for m, measure in enumerate(measures):
            value = float(values[g][m])
            xs.append(group)
            ys.append(measure)
            shown.append(value)
            texts.append(f"{value:+.1f}")
            colours.append(ORANGE if value >= 0 else BLUE)
            sizes.append(0.25 + 0.7 * min(abs(value) / largest, 1.0))
    fig = new_figure(
        title,
        height=max(360, 34 * len(measures) + 120),
        x_range=list(groups),
        y_range=list(reversed(list(measures))),
        tooltips=[("Type", "@group"), ("Measure", "@measure"), (value_label, "@value{+0.00}")],
    )
    source = ColumnDataSource(
        {"group": xs, "measure": ys, "value": shown, "text": texts, "colour": colours, "size": sizes}
    )
    fig.rect(
        x="group",
        y="measure",
        width="size",
        height="size",
        source=source,
        fill_color="colour",
        fill_alpha=0.55,
        line_color=TEXT,
        line_width=0.5,
    )
    fig.text(
        x="group",
        y="measure",
        text="text",
        source=source,
        text_align="center",
        text_baseline="middle",
        text_font_size="12px",
        text_color=TEXT,
    )
    fig.xaxis.major_label_orientation = 0
    fig.grid.grid_line_color = None
    return fig
