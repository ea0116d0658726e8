"""Compare areas: one horizontal bar per area with 95% interval whiskers, coloured by significance; or, for values
far from zero (life expectancy), a dot per area with its interval as a line, on an axis that fits the data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bokeh.models import ColumnDataSource, Range1d
from bokeh.models.annotations import Span
from bokeh.plotting import figure

from portal.charts.theme import (
    SIGNIFICANCE_COLOURS,
    SIGNIFICANCE_HATCHES,
    SIGNIFICANCE_ORDER,
    TEXT,
    far_from_zero,
    fitted_range,
    has_intervals,
    new_figure,
    number_axis,
    style_legend,
)

Number = float | None


def _nan(value: Number) -> float:
    return float("nan") if value is None else float(value)


def compare_areas_chart(
    title: str,
    names: Sequence[str],
    values: Sequence[Number],
    lower: Sequence[Number],
    upper: Sequence[Number],
    significance: Sequence[str],
    *,
    highlight: str | None = None,
    benchmark_value: Number = None,
    benchmark_name: str = "England",
    x_label: str = "",
    published_by: Sequence[str] | None = None,
) -> figure:
    """Bars for each area (drawn in the order given, first at the top), whiskers for the interval, and the benchmark
    as a vertical line. Each significance gets its own colour, hatch pattern and legend entry. When every value is
    far from zero (:func:`portal.charts.theme.far_from_zero`) each area is a dot (its marker and colour by
    significance) with its interval as a line, and the axis fits the data instead of starting at zero.
    """
    dots = far_from_zero(values, lower, upper)
    names = list(names)
    labels = [f"{n} (this area)" if n == highlight else n for n in names]
    height = max(260, 60 + 28 * len(names))
    fig = new_figure(
        title,
        height=height,
        y_range=list(reversed(labels)),
        tooltips=[
            ("Area", "@label"),
            ("Value", "@value{0,0.0}"),
            ("95% interval", "@lower{0,0.0} to @upper{0,0.0}"),
            ("Compared with " + benchmark_name, "@significance"),
        ],
    )
    fig.xaxis.axis_label = x_label
    number_axis(fig.xaxis)
    fig.ygrid.grid_line_color = None
    by = list(published_by) if published_by is not None else [""] * len(names)
    data: dict[str, list[Any]] = {
        "label": labels,
        "value": [_nan(v) for v in values],
        "lower": [_nan(v) for v in lower],
        "upper": [_nan(v) for v in upper],
        "significance": [verdict_text(s, p) for s, p in zip(significance, by, strict=True)],
        "outcome": list(significance),
        "line_width": [3 if n == highlight else 1 for n in names],
    }
    # One renderer per verdict (and who gave it) so the legend names each colour: the meaning never rests on colour
    # alone, and a publisher's verdict is labelled as theirs.
    pairs = list(zip(significance, by, strict=True))
    groups = sorted(set(pairs), key=lambda g: (_ORDER.get(g[0], len(_ORDER)), g[1]))
    for outcome, publisher in groups:
        keep = [i for i, pair in enumerate(pairs) if pair == (outcome, publisher)]
        source = ColumnDataSource({key: [column[i] for i in keep] for key, column in data.items()})
        label = verdict_text(outcome, publisher, benchmark_name)
        if dots:
            fig.scatter(
                x="value",
                y="label",
                source=source,
                marker=SIGNIFICANCE_MARKERS[outcome],
                size=13,
                fill_color=SIGNIFICANCE_COLOURS[outcome],
                line_color=TEXT,
                line_width="line_width",
                legend_label=label,
                level="overlay",
            )
            continue
        fig.hbar(
            y="label",
            right="value",
            height=0.7,
            source=source,
            fill_color=SIGNIFICANCE_COLOURS[outcome],
            hatch_pattern=SIGNIFICANCE_HATCHES[outcome],
            hatch_color=TEXT,
            hatch_alpha=0.35,
            line_color=TEXT,
            line_width="line_width",
            legend_label=label,
        )
    whiskers = ColumnDataSource({key: data[key] for key in ("label", "lower", "upper")})
    fig.segment(x0="lower", x1="upper", y0="label", y1="label", source=whiskers, line_color=TEXT, line_width=2)
    if benchmark_value is not None and not math.isnan(float(benchmark_value)):
        fig.add_layout(
            Span(location=float(benchmark_value), dimension="height", line_color=TEXT, line_width=2, line_dash="dashed")
        )
        # A legend entry for the line (a Span cannot have one): an invisible glyph carrying the label.
        fig.line(
            x=[float(benchmark_value)] * 2,
            y=[labels[0], labels[0]] if labels else [],
            line_color=TEXT,
            line_width=2,
            line_dash="dashed",
            legend_label=f"{benchmark_name}: {float(benchmark_value):,.1f}",
        )
    fitted = fitted_range([*values, *lower, *upper, benchmark_value], zero=not dots)
    if fitted is not None:
        fig.x_range = Range1d(start=fitted[0], end=fitted[1])
    if fig.legend:
        style_legend(fig, outside=True)
    return fig


_ORDER = {outcome: rank for rank, outcome in enumerate(SIGNIFICANCE_ORDER)}


def verdict_text(outcome: str, publisher: str = "", benchmark_name: str = "") -> str:
    """A verdict as a legend or tooltip says it: "Worse (compared with England)", "Worse (as published by OHID)"."""
    if outcome == "Not compared":
        return outcome
    if publisher:
        return f"{outcome} (as published by {publisher})"
    return f"{outcome} (compared with {benchmark_name})" if benchmark_name else outcome


# Dot plots: a marker shape per significance, so the meaning never rests on colour alone.
SIGNIFICANCE_MARKERS: dict[str, str] = {
    "Better": "circle",
    "Worse": "square",
    "Similar": "diamond",
    "Higher": "triangle",
    "Lower": "inverted_triangle",
    "Not compared": "circle_x",
}


def compare_description(
    count: int, values: Sequence[Number], lower: Sequence[Number], upper: Sequence[Number], benchmark_name: str = ""
) -> str:
    """The words for what :func:`compare_areas_chart` draws from this data (the caption must match the drawing)."""
    dots = far_from_zero(values, lower, upper)
    intervals = has_intervals(lower, upper)
    against = f" with {benchmark_name}, shown as a dashed line" if benchmark_name else ""
    if dots:
        text = f"Dot plot of {count} areas, highest first, on an axis fitted to the values (it does not start at 0)"
        text += ", with each 95% confidence interval as a horizontal line" if intervals else ""
        text += f"; each dot's shape and colour show how it compares{against}."
    else:
        text = f"Bar chart of {count} areas, highest first"
        text += ", with 95% confidence intervals as whiskers" if intervals else ""
        text += f"; each bar is coloured and patterned by how it compares{against}."
    if not intervals:
        text += " No confidence intervals are published for these values."
    return text
