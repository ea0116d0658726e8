"""Maps of small areas coloured by category (such as a neighbourhood type), drawn with Bokeh patches (no tiles).

Colour is never the only cue: every category is named in the legend and the tooltip, and the page carries a table
of every area and its category.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bokeh.models import ColumnDataSource
from bokeh.models.annotations import Legend, LegendItem
from bokeh.models.renderers import GlyphRenderer
from bokeh.plotting import figure

from portal.charts.maps import Ring, _project
from portal.charts.theme import GREY, TEXT, new_figure, style_legend

# Okabe and Ito's colour-blind-safe palette (without black), then GOV.UK colours if more are needed.
CATEGORY_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#4c2c92"]
OTHER = "#f3f2f1"


@dataclass(frozen=True)
class AreaShape:
    """One small area to draw: its rings (longitude, latitude), its category and a name for the tooltip."""

    code: str
    name: str
    rings: Sequence[Ring]
    category: str


def category_map(
    title: str,
    areas: Sequence[AreaShape],
    categories: Sequence[str],
    *,
    highlight: str | None = None,
    category_word: str = "Type",
    area_word: str = "Neighbourhood",
) -> figure:
    """Patches coloured by category, in the order of ``categories`` (the legend's order). With ``highlight``, only
    that category is coloured and the rest are pale, so one category's spread is easy to see."""
    scale, _ = _project([a.rings for a in areas])
    colours = {c: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, c in enumerate(categories)}
    fig = new_figure(
        title, height=560, match_aspect=True, tooltips=[(area_word, "@name"), (category_word, "@category")]
    )
    items = []
    for category in categories:
        if highlight is not None and category != highlight:
            continue
        chosen = [a for a in areas if a.category == category]
        if not chosen:
            continue
        items.append(LegendItem(label=category, renderers=[_patches(fig, chosen, scale, colours[category])]))
    others = [a for a in areas if a.category not in colours or (highlight is not None and a.category != highlight)]
    if others:
        label = "Other types" if highlight is not None else "No type"
        items.append(LegendItem(label=label, renderers=[_patches(fig, others, scale, OTHER if highlight else GREY)]))
    fig.add_layout(Legend(items=items, orientation="vertical"), "below")
    style_legend(fig)
    fig.axis.visible = False
    fig.grid.grid_line_color = None
    return fig


def _patches(fig: figure, areas: Sequence[AreaShape], scale: float, colour: str) -> GlyphRenderer:
    data: dict[str, list] = {"xs": [], "ys": [], "name": [], "category": []}
    for area in areas:
        for ring in area.rings:
            data["xs"].append([round(p[0] * scale, 6) for p in ring])
            data["ys"].append([p[1] for p in ring])
            data["name"].append(area.name)
            data["category"].append(area.category)
    return fig.patches(
        xs="xs",
        ys="ys",
        source=ColumnDataSource(data),  # type: ignore[arg-type]  # dict is invariant; lists are Sequences
        fill_color=colour,
        fill_alpha=0.95,
        line_color=TEXT,
        line_width=0.4,
    )
