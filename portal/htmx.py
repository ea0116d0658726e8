"""Page-or-fragment rendering for HTMX: one URL serves both."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def is_htmx_request() -> bool:
    """True for an HTMX request that wants a fragment (boosted requests want the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(template: str, partial: str | None = None, *, status: int = 200, **context: Any) -> Response:
    """Render ``partial`` for HTMX requests and ``template`` (which includes the partial) otherwise."""
    chosen = partial if partial and is_htmx_request() else template
    response = make_response(render_template(chosen, **context), status)
    response.vary.add("HX-Request")
    return response
