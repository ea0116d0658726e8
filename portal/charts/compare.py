"""Compare areas: one horizontal bar per area with 95% interval whiskers, coloured by significance."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bokeh.models import ColumnDataSource
from bokeh.models.annotations import Span
from bokeh.plotting import figure

from portal.charts.theme import (
    SIGNIFICANCE_COLOURS,
    SIGNIFICANCE_HATCHES,
    SIGNIFICANCE_ORDER,
    TEXT,
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
) -> figure:
    """Bars for each area (drawn in the order given, first at the top), whiskers for the interval, and the benchmark
    as a vertical line. Each significance gets its own colour, hatch pattern and legend entry.
    """
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
    data: dict[str, list[Any]] = {
        "label": labels,
        "value": [_nan(v) for v in values],
        "lower": [_nan(v) for v in lower],
        "upper": [_nan(v) for v in upper],
        "significance": list(significance),
        "line_width": [3 if n == highlight else 1 for n in names],
    }
    # One renderer per significance so the legend names each colour (the meaning never rests on colour alone).
    for outcome in SIGNIFICANCE_ORDER:
        keep = [i for i, s in enumerate(data["significance"]) if s == outcome]
        if not keep:
            continue
        source = ColumnDataSource({key: [column[i] for i in keep] for key, column in data.items()})
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
            legend_label=f"{outcome} (compared with {benchmark_name})" if outcome != "Not compared" else outcome,
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
    if fig.legend:
        style_legend(fig, outside=True)
    return fig
