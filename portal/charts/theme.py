"""The portal's chart look: GOV.UK colours, Arial, no toolbar, and significance colours with patterns."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from bokeh.core.property.vectorization import Value, value
from bokeh.models import HoverTool, NumeralTickFormatter
from bokeh.models.annotations import Title
from bokeh.plotting import figure

FONT = "Arial, Helvetica, sans-serif"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
GRID = "#d9d9d9"

# GOV.UK Design System colours.
BLUE = "#1d70b8"
DARK_BLUE = "#003078"
GREEN = "#00703c"
RED = "#d4351c"
YELLOW = "#ffdd00"
ORANGE = "#f47738"
PURPLE = "#4c2c92"
GREY = "#b1b4b6"
DARK_GREY = "#505a5f"
LIGHT_BLUE = "#5694ca"
PINK = "#d53880"

# Fingertips' words → fill colour, with a hatch pattern so the meaning never rests on colour alone.
SIGNIFICANCE_COLOURS: dict[str, str] = {
    "Better": GREEN,
    "Worse": RED,
    "Similar": YELLOW,
    "Higher": DARK_BLUE,
    "Lower": LIGHT_BLUE,
    "Not compared": GREY,
}
SIGNIFICANCE_HATCHES: dict[str, str] = {
    "Better": " ",
    "Worse": "/",
    "Similar": " ",
    "Higher": "|",
    "Lower": "-",
    "Not compared": " ",
}
# The order significance categories appear in legends.
SIGNIFICANCE_ORDER = ["Better", "Similar", "Worse", "Higher", "Lower", "Not compared"]

# Colours for series that are not significance (home area, England, region, neighbours; male/female).
SERIES_COLOURS = [BLUE, ORANGE, PURPLE, GREEN, PINK, DARK_GREY]


def new_figure(
    title: str, *, height: int = 360, tooltips: list[tuple[str, str]] | None = None, **kwargs: Any
) -> figure:
    """A responsive figure in the portal's style, with no toolbar (hover only, which needs none).

    The title is kept on the figure but not drawn: the page's <figcaption> shows it in full (Bokeh would truncate a
    long title), so it is read once by screen readers and wraps like any other text.
    """
    fig = figure(
        title=Title(text=title, visible=False, text_font=FONT, text_font_size="16px", text_color=TEXT),
        height=height,
        sizing_mode="stretch_width",
        tools="",
        toolbar_location=None,
        **kwargs,
    )
    if tooltips:
        fig.add_tools(HoverTool(tooltips=tooltips))
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.axis_label_text_font = FONT
        axis.axis_label_text_font_style = "normal"
        axis.axis_label_text_color = TEXT
        axis.major_label_text_font = FONT
        axis.major_label_text_color = TEXT
        axis.major_label_text_font_size = "13px"
    fig.grid.grid_line_color = GRID
    fig.outline_line_color = None
    fig.background_fill_color = "#ffffff"
    fig.border_fill_color = "#ffffff"
    return fig


def style_legend(fig: Any, location: str = "top_left", *, outside: bool = False) -> None:
    """Legend text in the portal's font; clicking does nothing (a mouse-only action would hide data).

    With ``outside`` the legend moves below the plot, so it never covers bars.
    """
    for legend in list(fig.legend):
        if outside:
            fig.center.remove(legend)
            legend.orientation = "horizontal" if len(legend.items) <= 3 else "vertical"
            # Aligned left: a legend wider than a narrow screen's plot then loses the end of its longest label, not
            # every item's line or marker (Bokeh aligns a side-panel legend right by default).
            legend.location = "top_left"
            for item in legend.items:
                item.label = _wrapped(item.label)
            fig.add_layout(legend, "below")
        else:
            legend.location = location
        legend.label_text_font = FONT
        legend.label_text_font_size = "13px"
        legend.label_text_color = TEXT
        legend.background_fill_alpha = 0.85
        legend.border_line_color = GRID


# A label below the plot longer than this goes onto two lines, so the legend fits the plot on a 320 px screen.
LEGEND_LINE_CHARACTERS = 30


def _wrapped(label: Any) -> Any:
    """A fixed legend label broken at spaces into lines of at most LEGEND_LINE_CHARACTERS (Bokeh draws each line)."""
    text = label.value if isinstance(label, Value) else None
    if not isinstance(text, str) or len(text) <= LEGEND_LINE_CHARACTERS:
        return label
    return value("\n".join(textwrap.wrap(text, LEGEND_LINE_CHARACTERS)))


def number_axis(axes: Any) -> None:
    """Plain numbers with thousands separators on a value axis (Bokeh would show 2.000e+7)."""
    for axis in axes:
        axis.formatter = NumeralTickFormatter(format="0,0.[00]")


def fitted_range(values: Any, *, pad: float = 0.06, zero: bool = False) -> tuple[float, float] | None:
    """An axis range that fits ``values`` (None and NaN ignored) with a little room each side.

    It never goes below zero when no value is below zero (a count, rate or score that cannot be negative: Bokeh's
    own padding would run an axis of IDACI scores to −0.5), and with ``zero`` it starts at zero (bars, whose length
    must be read from zero). One value, or all equal, gets room in proportion to its size rather than ±0.5.
    None when there is nothing to fit.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    room = span * pad if span > 0 else (abs(high) * 0.1 or 1.0)
    start, end = low - room, high + room
    if low >= 0 and start < 0:
        start = 0.0
    if zero and low >= 0:
        start = 0.0
    if zero and high <= 0:
        end = 0.0
    return start, end


def far_from_zero(values: Any, lower: Any = (), upper: Any = ()) -> bool:
    """True when every value sits far from zero (all one sign, the smallest magnitude over 80% of the largest, as
    life expectancy does): bars drawn from zero would all look the same, so a dot plot with intervals is used."""
    finite = [float(v) for v in [*values, *lower, *upper] if v is not None and math.isfinite(float(v))]
    if len(finite) < 1:
        return False
    if all(v > 0 for v in finite):
        return min(finite) > 0.8 * max(finite)
    if all(v < 0 for v in finite):
        return max(finite) < 0.8 * min(finite)
    return False


def has_intervals(lower: Any, upper: Any) -> bool:
    """True when at least one interval (both limits) is given."""
    return any(lo is not None and hi is not None for lo, hi in zip(lower, upper, strict=False))
