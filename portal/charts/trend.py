"""Trend over time: the home area's line with its confidence interval band, and benchmark lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bokeh.models import ColumnDataSource, Range1d
from bokeh.plotting import figure

from portal.charts.compare import SIGNIFICANCE_MARKERS, verdict_text
from portal.charts.theme import (
    BLUE,
    SERIES_COLOURS,
    SIGNIFICANCE_COLOURS,
    SIGNIFICANCE_ORDER,
    TEXT,
    fitted_range,
    new_figure,
    number_axis,
    style_legend,
)

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
    *,
    significance: Sequence[str] | None = None,
    published_by: Sequence[str] | None = None,
    benchmark_name: str = "England",
) -> figure:
    """Line chart over ``periods`` (oldest first): the area with a shaded 95% interval, plus each benchmark line.

    With ``significance`` (each period's verdict against ``benchmark_name``, and in ``published_by`` the publisher
    whose own verdict it is, "" where the portal computed it), the area's points are coloured and shaped by that
    verdict, with a legend entry for each, as Fingertips draws them; otherwise they are plain.

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
    if significance is None:
        fig.scatter(x="period", y="value", source=area, size=9, color=BLUE, legend_label=area_name)
    else:
        _verdict_points(fig, area_name, periods, values, significance, published_by, benchmark_name)
    fitted = fitted_range([*values, *lower, *upper, *(v for series in benchmarks.values() for v in series)])
    if fitted is not None:
        fig.y_range = Range1d(start=fitted[0], end=fitted[1])
    style_legend(fig, outside=True)
    return fig


def _verdict_points(
    fig: figure,
    area_name: str,
    periods: list[str],
    values: Sequence[Number],
    significance: Sequence[str],
    published_by: Sequence[str] | None,
    benchmark_name: str,
) -> None:
    """The area's points, one renderer per verdict (and who gave it), so the legend names each colour and shape."""
    by = list(published_by) if published_by is not None else [""] * len(periods)
    pairs = list(zip(significance, by, strict=True))
    order = {outcome: rank for rank, outcome in enumerate(SIGNIFICANCE_ORDER)}
    for outcome, publisher in sorted(set(pairs), key=lambda g: (order.get(g[0], len(order)), g[1])):
        keep = [i for i, pair in enumerate(pairs) if pair == (outcome, publisher) and values[i] is not None]
        if not keep:
            continue
        label = verdict_text(outcome, publisher, benchmark_name)
        source = ColumnDataSource(
            {
                "period": [periods[i] for i in keep],
                "value": _floats([values[i] for i in keep]),
                "area": [area_name] * len(keep),
                "significance": [label] * len(keep),
            }
        )
        fig.scatter(
            x="period",
            y="value",
            source=source,
            marker=SIGNIFICANCE_MARKERS.get(outcome, "circle"),
            size=11,
            fill_color=SIGNIFICANCE_COLOURS.get(outcome, BLUE),
            line_color=TEXT,
            legend_label=f"{area_name}: {label}",
            level="overlay",
        )


def is_trend(values: Sequence[Number]) -> bool:
    """A trend needs at least two periods with a value; one value is shown as a value, not a lone dot on axes."""
    return sum(1 for v in values if v is not None) >= 2
