"""Inequalities: one bar per category of a breakdown (sex, age, deprivation decile, ethnic group, ward)."""

from __future__ import annotations

from collections.abc import Sequence

from bokeh.models import ColumnDataSource, Range1d
from bokeh.models.annotations import Span
from bokeh.plotting import figure

from portal.charts.theme import (
    BLUE,
    DARK_GREY,
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


def breakdown_chart(
    title: str,
    categories: Sequence[str],
    values: Sequence[Number],
    lower: Sequence[Number],
    upper: Sequence[Number],
    *,
    reference_value: Number = None,
    reference_name: str = "",
    x_label: str = "",
) -> figure:
    """Horizontal bars for the categories (first at the top) with interval whiskers and an optional reference line.

    Suppressed categories must be left out by the caller: they are listed in the table as "suppressed", never drawn.
    Values far from zero are drawn as dots with their intervals as lines, on an axis fitted to the data.
    """
    dots = far_from_zero(values, lower, upper)
    categories = list(categories)
    fig = new_figure(
        title,
        height=max(240, 70 + 30 * len(categories)),
        y_range=list(reversed(categories)),
        tooltips=[
            ("Category", "@category"),
            ("Value", "@value{0,0.0}"),
            ("95% interval", "@lower{0,0.0} to @upper{0,0.0}"),
        ],
    )
    fig.xaxis.axis_label = x_label
    number_axis(fig.xaxis)
    fig.ygrid.grid_line_color = None
    source = ColumnDataSource(
        {
            "category": categories,
            "value": [_nan(v) for v in values],
            "lower": [_nan(v) for v in lower],
            "upper": [_nan(v) for v in upper],
        }
    )
    if dots:
        fig.segment(x0="lower", x1="upper", y0="category", y1="category", source=source, line_color=TEXT, line_width=2)
        fig.scatter(x="value", y="category", source=source, size=12, fill_color=BLUE, line_color=TEXT, level="overlay")
    else:
        fig.hbar(y="category", right="value", height=0.7, source=source, fill_color=BLUE, line_color=TEXT)
        # Whiskers over the bars.
        fig.segment(x0="lower", x1="upper", y0="category", y1="category", source=source, line_color=TEXT, line_width=2)
    if reference_value is not None and reference_name:
        fig.add_layout(
            Span(
                location=float(reference_value),
                dimension="height",
                line_color=DARK_GREY,
                line_width=2,
                line_dash="dashed",
            )
        )
        fig.line(
            x=[float(reference_value)] * 2,
            y=[categories[0]] * 2 if categories else [],
            line_color=DARK_GREY,
            line_width=2,
            line_dash="dashed",
            legend_label=f"{reference_name}: {float(reference_value):,.1f}",
        )
        style_legend(fig, outside=True)
    fitted = fitted_range([*values, *lower, *upper, reference_value], zero=not dots)
    if fitted is not None:
        fig.x_range = Range1d(start=fitted[0], end=fitted[1])
    return fig


def breakdown_description(
    count: int, values: Sequence[Number], lower: Sequence[Number], upper: Sequence[Number]
) -> str:
    """The words for what :func:`breakdown_chart` draws from this data."""
    intervals = has_intervals(lower, upper)
    if far_from_zero(values, lower, upper):
        text = f"Dot plot of {count} categories on an axis fitted to the values (it does not start at 0)"
        return (
            text
            + (", with each 95% confidence interval as a horizontal line." if intervals else ".")
            + ("" if intervals else " No confidence intervals are published for these values.")
        )
    text = f"Bar chart of {count} categories"
    if intervals:
        return text + " with 95% confidence intervals as whiskers."
    return text + ". No confidence intervals are published for these values."
