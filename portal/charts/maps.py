"""Ward maps drawn from boundary rings with Bokeh patches: no map tiles, so nothing is fetched from elsewhere."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.models.annotations import ColorBar
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from portal.charts.theme import GREY, TEXT, YELLOW, new_figure

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...]


@dataclass(frozen=True)
class WardShape:
    """One ward to draw: its boundary rings (longitude, latitude) and the value that colours it."""

    code: str
    name: str
    rings: Sequence[Ring]
    value: float | None
    label: str  # the value as shown to people, e.g. "34.2" or "No data"


def _project(rings_by_ward: Sequence[Sequence[Ring]]) -> tuple[float, float]:
    """The mean latitude's cosine: scaling longitude by it keeps the shapes' proportions (fine at a city's scale)."""
    latitudes = [point[1] for rings in rings_by_ward for ring in rings for point in ring]
    mean = sum(latitudes) / len(latitudes) if latitudes else 0.0
    return math.cos(math.radians(mean)), mean


def ward_map(
    title: str,
    wards: Sequence[WardShape],
    *,
    highlight: str | None = None,
    value_label: str = "Value",
    high_is_dark: bool = True,
    area_word: str = "Ward",
) -> figure:
    """Choropleth of the wards (one patch per ring), the highlighted ward outlined thickly, and a colour bar."""
    scale, _ = _project([w.rings for w in wards])
    data: dict[str, list[Any]] = {
        "xs": [],
        "ys": [],
        "code": [],
        "name": [],
        "value": [],
        "label": [],
        "line_width": [],
        "line_color": [],
    }
    for ward in wards:
        for ring in ward.rings:
            data["xs"].append([p[0] * scale for p in ring])
            data["ys"].append([p[1] for p in ring])
            data["code"].append(ward.code)
            data["name"].append(ward.name + (" (this ward)" if ward.code == highlight else ""))
            data["value"].append(float("nan") if ward.value is None else float(ward.value))
            data["label"].append(ward.label)
            data["line_width"].append(5 if ward.code == highlight else 1)
            data["line_color"].append(YELLOW if ward.code == highlight else "#ffffff")
    known = [w.value for w in wards if w.value is not None]
    palette = list(reversed(Viridis256)) if high_is_dark else list(Viridis256)
    mapper = LinearColorMapper(
        palette=palette, low=min(known) if known else 0, high=max(known) if known else 1, nan_color=GREY
    )
    fig = new_figure(title, height=520, match_aspect=True, tooltips=[(area_word, "@name"), (value_label, "@label")])
    source = ColumnDataSource(dict(data))
    fig.patches(
        xs="xs",
        ys="ys",
        source=source,
        fill_color={"field": "value", "transform": mapper},
        fill_alpha=0.9,
        line_color="#ffffff",
        line_width=1,
    )
    # The chosen ward drawn again on top, so its thick outline is never hidden under a neighbour's edge.
    chosen = [i for i, code in enumerate(data["code"]) if code == highlight]
    if chosen:
        outline = ColumnDataSource({key: [column[i] for i in chosen] for key, column in data.items()})
        fig.patches(xs="xs", ys="ys", source=outline, fill_alpha=0, line_color=TEXT, line_width=6)
        fig.patches(xs="xs", ys="ys", source=outline, fill_alpha=0, line_color=YELLOW, line_width=3)
    fig.add_layout(
        ColorBar(
            color_mapper=mapper,
            title=value_label,
            title_text_font_style="normal",
            major_label_text_font_size="12px",
            width=12,
        ),
        "right",
    )
    fig.axis.visible = False
    fig.grid.grid_line_color = None
    return fig
