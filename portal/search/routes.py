"""The search page: one box, results grouped by kind; HTMX refreshes the results as people type."""

from __future__ import annotations

import html
import re

import nh3
from flask import request, url_for
from werkzeug.wrappers import Response

from portal.access import public
from portal.extensions import limiter
from portal.htmx import render_page
from portal.indicators.services import TOPIC_LABELS
from portal.markdown import render_markdown
from portal.proposals.vocabulary import status_colour, status_label
from portal.search import bp, services

_BLOCK_REFERENCE = re.compile(r"\{\{[^}]*\}\}")


def excerpt(markdown: str, length: int = 220) -> str:
    """The plain text of a Markdown field, shortened at a word boundary (for a result's summary line)."""
    text = html.unescape(nh3.clean(str(render_markdown(_BLOCK_REFERENCE.sub(" ", markdown or ""))), tags=set()))
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


@bp.route("/search")
@public
@limiter.limit("120 per minute")
def index() -> Response:
    """Search indicators, topics, evidence briefings, chapters and recommendations; ``type`` shows one kind in full."""
    query = request.args.get("q", "").strip()[:200]
    kind = request.args.get("type", "")
    if kind not in services.KIND_KEYS:
        kind = ""
    page = request.args.get("page", 1, type=int)
    results = services.search_everything(query, only=kind or None, page=page) if query else None
    return render_page(
        "search/index.html",
        "search/_live.html",
        query=query,
        kind=kind,
        kinds=services.KINDS,
        results=results,
        excerpt=excerpt,
        topic_labels=TOPIC_LABELS,
        status_label=status_label,
        status_colour=status_colour,
        page_url=lambda number: url_for("search.index", q=query, type=kind or None, page=number),
    )
