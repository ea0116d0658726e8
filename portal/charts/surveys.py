"""Survey result charts: bars for choices, diverging bars for Likert and matrix scales, a histogram for numbers,
and bars of average rank for ranking questions. Pure: numbers in, figure out.
"""

from __future__ import annotations

from collections.abc import Sequence

from bokeh.models import ColumnDataSource, DataRange1d
from bokeh.models.annotations import Span
from bokeh.plotting import figure

from portal.charts.theme import BLUE, GREY, TEXT, new_figure, style_legend

# A colour-blind-safe diverging palette (ColorBrewer RdBu) from the negative end to the positive, with grey
# for a neutral middle point. Hatching on the negative side means the meaning never rests on colour alone.
DIVERGING: dict[int, list[str]] = {
    2: ["#ca0020", "#0571b0"],
    3: ["#ca0020", GREY, "#0571b0"],
    4: ["#ca0020", "#f4a582", "#92c5de", "#0571b0"],
    5: ["#ca0020", "#f4a582", GREY, "#92c5de", "#0571b0"],
    6: ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"],
    7: ["#b2182b", "#ef8a62", "#fddbc7", GREY, "#d1e5f0", "#67a9cf", "#2166ac"],
}
AXIS_LABEL_LIMIT = 45


def axis_labels(labels: Sequence[str]) -> list[str]:
    """Labels short enough for an axis (the table beside the chart has them in full), kept unique."""
    shortened: list[str] = []
    for label in labels:
        text = label if len(label) <= AXIS_LABEL_LIMIT else label[: AXIS_LABEL_LIMIT - 1].rstrip() + "…"
        candidate, n = text, 2
        while candidate in shortened:
            candidate, n = f"{text} ({n})", n + 1
        shortened.append(candidate)
    return shortened


def _height(rows: int) -> int:
    return max(220, 90 + 40 * rows)


def choice_bars(title: str, labels: Sequence[str], counts: Sequence[int], percents: Sequence[float | None]) -> figure:
    """One horizontal bar per option (first option at the top), as the percentage of people who answered."""
    names = axis_labels(labels)
    fig = new_figure(
        title,
        height=_height(len(names)),
        y_range=list(reversed(names)),
        x_range=(0, 100),
        tooltips=[("Answer", "@label"), ("People", "@count"), ("Percentage", "@percent{0.0}%")],
    )
    fig.xaxis.axis_label = "% of people who answered"
    fig.ygrid.grid_line_color = None
    source = ColumnDataSource(
        {
            "name": names,
            "label": list(labels),
            "count": list(counts),
            "percent": [p if p is not None else 0.0 for p in percents],
        }
    )
    fig.hbar(y="name", right="percent", height=0.7, source=source, fill_color=BLUE, line_color=TEXT)
    return fig


def diverging_bars(
    title: str, row_labels: Sequence[str], scale: Sequence[str], counts: Sequence[Sequence[int]]
) -> figure:
    """Diverging stacked bars: each row's answers on an ordered scale, negative points left of zero, positive
    right, and a neutral middle point (odd scales) split across zero. ``counts[row][point]``.
    """
    names = axis_labels(row_labels)
    points = len(scale)
    palette = DIVERGING.get(points, [BLUE] * points)
    middle = points // 2
    lefts: list[list[float]] = []
    rights: list[list[float]] = []
    for row in counts:
        total = sum(row)
        shares = [100.0 * c / total if total else 0.0 for c in row]
        negative = sum(shares[:middle]) + (shares[middle] / 2 if points % 2 else 0.0)
        start = -negative
        row_left, row_right = [], []
        for share in shares:
            row_left.append(start)
            row_right.append(start + share)
            start += share
        lefts.append(row_left)
        rights.append(row_right)
    fig = new_figure(
        title,
        height=_height(len(names)) + 60,
        y_range=list(reversed(names)),
        x_range=(-100, 100),
        tooltips=[("Row", "@label"), ("Answer", "@point"), ("Percentage", "@share{0.0}%")],
    )
    fig.xaxis.axis_label = "% who answered (negative to the left)"
    fig.ygrid.grid_line_color = None
    for index, point in enumerate(scale):
        source = ColumnDataSource(
            {
                "name": names,
                "label": list(row_labels),
                "point": [point] * len(names),
                "left": [row[index] for row in lefts],
                "right": [row[index] for row in rights],
                "share": [rights[r][index] - lefts[r][index] for r in range(len(names))],
            }
        )
        fig.hbar(
            y="name",
            left="left",
            right="right",
            height=0.6,
            source=source,
            fill_color=palette[index],
            line_color=TEXT,
            line_width=0.5,
            hatch_pattern="/" if index < middle else " ",
            hatch_color=TEXT,
            hatch_alpha=0.25,
            legend_label=point,
        )
    fig.add_layout(Span(location=0, dimension="height", line_color=TEXT, line_width=1))
    style_legend(fig, outside=True)
    return fig


def number_histogram(title: str, edges: Sequence[float], counts: Sequence[int], unit_label: str = "Answer") -> figure:
    """The distribution of a number question's answers as a histogram."""
    fig = new_figure(
        title,
        height=320,
        tooltips=[("From", "@left{0,0.[00]}"), ("To", "@right{0,0.[00]}"), ("People", "@count")],
        y_range=DataRange1d(start=0),
    )
    fig.xaxis.axis_label = unit_label
    fig.yaxis.axis_label = "Number of people"
    fig.xgrid.grid_line_color = None
    source = ColumnDataSource(
        {"left": list(edges[:-1]), "right": list(edges[1:]), "count": list(counts), "bottom": [0] * len(counts)}
    )
    fig.quad(left="left", right="right", top="count", bottom="bottom", source=source, fill_color=BLUE, line_color=TEXT)
    return fig


def ranking_bars(title: str, labels: Sequence[str], mean_ranks: Sequence[float | None]) -> figure:
    """Average position of each option (1 is the top), best first; a shorter bar is a higher ranking."""
    names = axis_labels(labels)
    # The axis runs from 1 (the top position) to the number of options, so differences between options show.
    fig = new_figure(
        title,
        height=_height(len(names)),
        y_range=list(reversed(names)),
        x_range=(1, max(len(names), 2)),
        tooltips=[("Option", "@label"), ("Average position", "@rank{0.0}")],
    )
    fig.xaxis.axis_label = "Average position (1 is the top)"
    fig.ygrid.grid_line_color = None
    source = ColumnDataSource(
        {
            "name": names,
            "label": list(labels),
            "rank": [r if r is not None else 1.0 for r in mean_ranks],
            "start": [1.0] * len(names),
        }
    )
    fig.hbar(y="name", left="start", right="rank", height=0.7, source=source, fill_color=BLUE, line_color=TEXT)
    return fig
