"""Projection charts for "Future need": an indicator's recorded values and its projection with 80% and 95%
prediction intervals, and a simple population projection by age band. Both say plainly that they are projections.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bokeh.models import ColumnDataSource, NumeralTickFormatter
from bokeh.models.annotations import BoxAnnotation, Title
from bokeh.plotting import figure

from portal.charts.theme import BLUE, FONT, ORANGE, SECONDARY_TEXT, SERIES_COLOURS, new_figure, style_legend

Number = float | None
PROJECTION_WORD = "Projection"
# Bump when these builders change, so cached chart JSON drawn by the old code is never served.
FORECAST_CHART_VERSION = "3"


def _floats(values: Sequence[Number]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]


def _shaded_note(text: str) -> Title:
    """A line under the title saying what the shaded background means (a label inside the plot can hide data)."""
    return Title(text=text, align="left", text_font=FONT, text_font_size="13px", text_font_style="normal",
                 text_color=SECONDARY_TEXT)  # fmt: skip


def projection_chart(
    title: str,
    periods: Sequence[str],
    values: Sequence[Number],
    future_periods: Sequence[str],
    point: Sequence[float],
    lower80: Sequence[Number],
    upper80: Sequence[Number],
    lower95: Sequence[Number],
    upper95: Sequence[Number],
    y_label: str = "",
) -> figure:
    """Recorded values (solid) then the projection (dashed) with shaded 80% and 95% prediction intervals.

    The projected periods sit on a shaded background labelled "Projection", and the title starts with
    "Projection:" unless it already says so, so a printed or cropped chart is never mistaken for data.
    A projection with no interval (bounds None or NaN, as for a series too short to backtest) draws no bands.
    """
    periods, future_periods = list(periods), list(future_periods)
    if not future_periods:
        raise ValueError("a projection chart needs at least one projected period")
    if not (len(future_periods) == len(point) == len(lower80) == len(upper80) == len(lower95) == len(upper95)):
        raise ValueError("the projection and its intervals must have one value per projected period")
    if len(periods) != len(values):
        raise ValueError("periods and values must be the same length")
    shown_title = title if title.lower().startswith(PROJECTION_WORD.lower()) else f"{PROJECTION_WORD}: {title}"
    fig = new_figure(
        shown_title,
        x_range=periods + future_periods,
        tooltips=[("Period", "@period"), ("Value", "@value{0,0.0}"), ("Shown as", "@kind")],
    )
    fig.yaxis.axis_label = y_label
    fig.xaxis.axis_label = "Period"
    if len(periods) + len(future_periods) > 8:
        fig.xaxis.major_label_orientation = 0.8

    # Categorical factors sit at 0.5, 1.5, …: the projected stretch starts at the number of recorded periods.
    fig.add_layout(BoxAnnotation(left=len(periods), fill_color="#f3f2f1", fill_alpha=1.0, level="underlay"))
    fig.add_layout(_shaded_note(f"Shaded area: {PROJECTION_WORD.lower()}"), "above")

    # The bands and the dashed line start at the last recorded value so the projection visibly continues it.
    anchor_period = [periods[-1]] if periods else []
    anchor_value = [_floats(values)[-1]] if periods else []
    band = ColumnDataSource(
        {
            "period": anchor_period + future_periods,
            "lower80": anchor_value + _floats(lower80),
            "upper80": anchor_value + _floats(upper80),
            "lower95": anchor_value + _floats(lower95),
            "upper95": anchor_value + _floats(upper95),
        }
    )
    has_interval = any(math.isfinite(v) for v in _floats([*lower80, *upper80, *lower95, *upper95]))
    if has_interval:
        fig.varea(
            x="period", y1="lower95", y2="upper95", source=band, fill_color=ORANGE, fill_alpha=0.15,
            legend_label="95% prediction interval",
        )  # fmt: skip
        fig.varea(
            x="period", y1="lower80", y2="upper80", source=band, fill_color=ORANGE, fill_alpha=0.3,
            legend_label="80% prediction interval",
        )  # fmt: skip
    projected = ColumnDataSource(
        {
            "period": anchor_period + future_periods,
            "value": anchor_value + _floats(point),
            "kind": ["Recorded"] * len(anchor_period) + [PROJECTION_WORD] * len(future_periods),
        }
    )
    fig.line(
        x="period", y="value", source=projected, line_color=ORANGE, line_width=3, line_dash="dashed",
        legend_label=PROJECTION_WORD,
    )  # fmt: skip
    fig.scatter(
        x="period", y="value", source=projected, marker="triangle", size=9, color=ORANGE, legend_label=PROJECTION_WORD
    )
    recorded = ColumnDataSource({"period": periods, "value": _floats(values), "kind": ["Recorded"] * len(periods)})
    fig.line(x="period", y="value", source=recorded, line_color=BLUE, line_width=3, legend_label="Recorded")
    fig.scatter(x="period", y="value", source=recorded, size=9, color=BLUE, legend_label="Recorded")
    style_legend(fig, outside=True)
    return fig


def population_projection_chart(title: str, years: Sequence[int], bands: Mapping[str, Sequence[float]]) -> figure:
    """People in each age band by year: the base year's estimate, then a simple projection (dashed) after it."""
    labels = [str(year) for year in years]
    if not labels:
        raise ValueError("a population projection needs at least one year")
    shown_title = title if "simple projection" in title.lower() else f"Simple projection: {title}"
    fig = new_figure(
        shown_title,
        x_range=labels,
        tooltips=[("Ages", "@band"), ("Year", "@year"), ("People", "@value{0,0}"), ("Shown as", "@kind")],
    )
    fig.yaxis.axis_label = "People"
    fig.xaxis.axis_label = "Year"
    fig.yaxis.formatter = NumeralTickFormatter(format="0,0")
    fig.add_layout(BoxAnnotation(left=1, fill_color="#f3f2f1", fill_alpha=1.0, level="underlay"))
    fig.add_layout(_shaded_note("Shaded area: simple projection"), "above")
    for index, (band, values) in enumerate(bands.items()):
        if len(values) != len(labels):
            raise ValueError(f"age band {band} needs one value per year")
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        source = ColumnDataSource(
            {
                "year": labels,
                "value": _floats(values),
                "band": [band] * len(labels),
                "kind": ["Estimate"] + ["Simple projection"] * (len(labels) - 1),
            }
        )
        fig.line(x="year", y="value", source=source, line_color=colour, line_width=3, line_dash="dashed",
                 legend_label=f"Aged {band}")  # fmt: skip
        fig.scatter(x="year", y="value", source=source, size=8, color=colour, legend_label=f"Aged {band}")
    style_legend(fig, outside=True)
    return fig
