"""Trend over time: the home area's line with its confidence interval band, and benchmark lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bokeh.models import ColumnDataSource, Range1d
from bokeh.plotting import figure

from portal.charts.theme import BLUE, SERIES_COLOURS, fitted_range, new_figure, number_axis, style_legend

Number = float | None


def _floats(values: Sequence[Number]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]


def trend_chart(
    title: str,
    periods: Sequence[str],
    area_name: str,
    values: Sequence[Number],
    lower: Sequence[Number],
    upper: Sequence[Number],
    benchmarks: Mapping[str, Sequence[Number]],
    y_label: str = "",
) -> figure:
    """Line chart over ``periods`` (oldest first): the area with a shaded 95% interval, plus each benchmark line.

    The value axis fits what is drawn and never runs below zero when nothing drawn is below zero. (A series with one
    period is not a trend: callers show it as a value, see :func:`is_trend`.)
    """
    periods = list(periods)
    fig = new_figure(
        title,
        x_range=periods,
        tooltips=[("Area", "@area"), ("Period", "@period"), ("Value", "@value{0,0.0}")],
    )
    fig.yaxis.axis_label = y_label
    number_axis(fig.yaxis)
    fig.xaxis.axis_label = "Period"
    if len(periods) > 8:
        fig.xaxis.major_label_orientation = 0.8
    area = ColumnDataSource(
        {
            "period": periods,
            "value": _floats(values),
            "lower": _floats(lower),
            "upper": _floats(upper),
            "area": [area_name] * len(periods),
        }
    )
    if any(v is not None for v in lower) and any(v is not None for v in upper):
        fig.varea(
            x="period",
            y1="lower",
            y2="upper",
            source=area,
            fill_color=BLUE,
            fill_alpha=0.18,
            legend_label=f"{area_name}: 95% confidence interval",
        )
    for index, (name, series) in enumerate(benchmarks.items(), start=1):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        source = ColumnDataSource({"period": periods, "value": _floats(series), "area": [name] * len(periods)})
        fig.line(
            x="period", y="value", source=source, line_color=colour, line_width=2, line_dash="dashed", legend_label=name
        )
        fig.scatter(x="period", y="value", source=source, marker="square", size=7, color=colour, legend_label=name)
    fig.line(x="period", y="value", source=area, line_color=BLUE, line_width=3, legend_label=area_name)
    fig.scatter(x="period", y="value", source=area, size=9, color=BLUE, legend_label=area_name)
    fitted = fitted_range([*values, *lower, *upper, *(v for series in benchmarks.values() for v in series)])
    if fitted is not None:
        fig.y_range = Range1d(start=fitted[0], end=fitted[1])
    style_legend(fig, outside=True)
    return fig


def is_trend(values: Sequence[Number]) -> bool:
    """A trend needs at least two periods with a value; one value is shown as a value, not a lone dot on axes."""
    return sum(1 for v in values if v is not None) >= 2
