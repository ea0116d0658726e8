"""Serialise a Bokeh figure for ``Bokeh.embed.embed_item`` (no inline scripts: the page fetches this JSON)."""

from __future__ import annotations

import json

from bokeh.embed import json_item
from bokeh.model import Model

CHART_JSON_MIMETYPE = "application/json"


def chart_json(figure: Model) -> str:
    """Return the figure as a ``json_item`` document, serialised compactly."""
    # No target id: the page's script passes the element id to embed_item, so one JSON serves any placement.
    return json.dumps(json_item(figure), separators=(",", ":"))
