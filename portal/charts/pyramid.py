"""Population pyramid: males to the left, females to the right, as shares of the whole population."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bokeh.models import ColumnDataSource, FixedTicker
from bokeh.models.annotations import Legend
from bokeh.models.renderers import GlyphRenderer
from bokeh.plotting import figure

from portal.charts.theme import BLUE, ORANGE, TEXT, new_figure, style_legend


def _symmetric_ticks(largest: float) -> list[float]:
    """Round tick positions either side of zero covering ``largest``, e.g. -4, -2, 0, 2, 4."""
    if largest <= 0:
        return [0.0]
    raw = largest / 3
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(largest / step)
    return [round(i * step, 6) for i in range(-count, count + 1)]


def population_pyramid_chart(
    title: str,
    age_bands: Sequence[str],
    male_percent: Sequence[float],
    female_percent: Sequence[float],
    *,
    area_name: str,
    reference_male_percent: Sequence[float] | None = None,
    reference_female_percent: Sequence[float] | None = None,
    reference_name: str = "England",
) -> figure:
    """Bars for the area's males (left) and females (right) by age band (youngest at the bottom), with the reference
    population's shares drawn as outlined markers so the two shapes can be compared.
    """
    bands = list(age_bands)
    fig = new_figure(
        title,
        height=max(360, 24 * len(bands) + 90),
        y_range=bands,
        tooltips=[("Age", "@band"), ("Sex", "@sex"), ("Share of population", "@share{0.00}%"), ("Area", "@area")],
    )
    fig.ygrid.grid_line_color = None
    fig.xaxis.axis_label = "Percentage of the whole population"
    fig.yaxis.axis_label = "Age"
    # Axis labels show the size of each side, not a negative number for males (fixed ticks with written labels:
    # a JavaScript formatter would need eval, which the CSP forbids).
    ticks = _symmetric_ticks(
        max([*male_percent, *female_percent, *(reference_male_percent or []), *(reference_female_percent or []), 0.0])
    )
    fig.xaxis.ticker = FixedTicker(ticks=ticks)
    fig.xaxis.major_label_overrides = {tick: f"{abs(tick):g}%" for tick in ticks}
    renderers: list[tuple[str, list[GlyphRenderer[Any]]]] = []
    for sex, shares, sign, colour in (("Male", male_percent, -1, BLUE), ("Female", female_percent, 1, ORANGE)):
        source = ColumnDataSource(
            {
                "band": bands,
                "x": [sign * float(s) for s in shares],
                "share": [float(s) for s in shares],
                "sex": [sex] * len(bands),
                "area": [area_name] * len(bands),
            }
        )
        renderers.append(
            (
                f"{area_name}: {sex.lower()}s",
                [
                    fig.hbar(
                        y="band",
                        right="x",
                        height=0.85,
                        source=source,
                        fill_color=colour,
                        line_color=TEXT,
                        line_width=0.5,
                    )
                ],
            )
        )
    if reference_male_percent is not None and reference_female_percent is not None:
        shares = [*reference_male_percent, *reference_female_percent]
        source = ColumnDataSource(
            {
                "band": bands + bands,
                "x": [-float(s) for s in reference_male_percent] + [float(s) for s in reference_female_percent],
                "share": [float(s) for s in shares],
                "sex": ["Male"] * len(bands) + ["Female"] * len(bands),
                "area": [reference_name] * (2 * len(bands)),
            }
        )
        renderers.append(
            (
                reference_name,
                [
                    fig.scatter(
                        x="x",
                        y="band",
                        source=source,
                        marker="diamond",
                        size=11,
                        fill_color="#ffffff",
                        line_color=TEXT,
                        line_width=2,
                    )
                ],
            )
        )
    # One item per line below the plot: three long labels side by side overflow a 320 px screen (WCAG 1.4.10).
    fig.add_layout(Legend(items=renderers, orientation="vertical"), "below")
    style_legend(fig)
    return fig
