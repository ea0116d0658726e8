"""Age structure without a sex split: one area's share of people in each age band, with comparators as markers."""

from __future__ import annotations

from collections.abc import Sequence

from bokeh.models import ColumnDataSource, DataRange1d
from bokeh.models.annotations import Legend
from bokeh.models.renderers import GlyphRenderer
from bokeh.plotting import figure

from portal.charts.theme import BLUE, TEXT, new_figure, style_legend

# Comparator markers differ in shape as well as fill, so they can be told apart without colour.
MARKERS = [("diamond", "#ffffff"), ("circle", TEXT)]


def age_band_chart(
    title: str,
    bands: Sequence[str],
    shares: Sequence[float | None],
    *,
    area_name: str,
    comparators: Sequence[tuple[str, Sequence[float | None]]] = (),
) -> figure:
    """Horizontal bars of the area's share of people in each age band (youngest at the bottom), with each
    comparator's shares drawn as a differently shaped marker on the same band."""
    names = list(bands)
    fig = new_figure(
        title,
        height=max(360, 26 * len(names) + 110),
        y_range=names,
        x_range=DataRange1d(start=0),
        tooltips=[("Age", "@band"), ("Area", "@area"), ("Share of people", "@share{0.0}%")],
    )
    fig.ygrid.grid_line_color = None
    fig.xaxis.axis_label = "Percentage of the area's usual residents"
    fig.yaxis.axis_label = "Age"

    def source(area: str, values: Sequence[float | None]) -> ColumnDataSource:
        shown = [float(v) if v is not None else float("nan") for v in values]
        return ColumnDataSource({"band": names, "share": shown, "area": [area] * len(names)})

    items: list[tuple[str, list[GlyphRenderer]]] = [
        (
            area_name,
            [
                fig.hbar(
                    y="band",
                    right="share",
                    height=0.8,
                    source=source(area_name, shares),
                    fill_color=BLUE,
                    line_color=TEXT,
                    line_width=0.5,
                )
            ],
        )
    ]
    for (name, values), (marker, fill) in zip(comparators, MARKERS, strict=False):
        items.append(
            (
                name,
                [
                    fig.scatter(
                        x="share",
                        y="band",
                        source=source(name, values),
                        marker=marker,
                        size=11,
                        fill_color=fill,
                        line_color=TEXT,
                        line_width=2,
                    )
                ],
            )
        )
    # One item per line below the plot: long labels side by side overflow a 320 px screen (WCAG 1.4.10).
    fig.add_layout(Legend(items=items, orientation="vertical"), "below")
    style_legend(fig)
    return fig
