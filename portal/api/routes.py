"""Open data API routes: JSON (or CSV) for anyone, no sign-in."""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any, cast

from flask import Response, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests
from werkzeug.routing import BuildError

from portal.access import public
from portal.api import bp
from portal.api.cursors import START, BadCursor, make_cursor, read_cursor
from portal.api.openapi import (
    AREA_CODE_PATTERN,
    DEFAULT_PER_PAGE,
    INDICATOR_FIELDS,
    MAX_PER_PAGE,
    ROW_FIELDS,
    SEXES,
    openapi_document,
)
from portal.charts.tables import to_csv
from portal.downloads import download_response
from portal.extensions import limiter
from portal.forms import has_control_characters
from portal.indicators import services
from portal.models import Indicator

DATA_PARAMETERS = frozenset({"area", "sex", "age", "category_type", "format", "page", "per_page", "cursor"})
AREA_CODE = re.compile(AREA_CODE_PATTERN)
MAX_TEXT_PARAMETER = 120
# A whole indicator can be tens of megabytes of JSON (the population estimates): generous, but not unlimited.
DATA_RATE_LIMIT = "60 per minute"


def _api_rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


# Every API route counts against one per-address allowance (API_RATE_LIMIT); the data route has a tighter one as well.
api_limit = limiter.shared_limit(_api_rate_limit, scope="api")


@bp.errorhandler(429)
def too_many_requests(error: TooManyRequests) -> Response:
    """A 429 in the API's own JSON shape, with Retry-After (seconds) so a client knows when to try again."""
    response = _error(
        429,
        "too_many_requests",
        f"Too many requests from your address (the limit is {error.description}). "
        "Wait for the number of seconds in the Retry-After header, then try again.",
    )
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    response.headers.setdefault("Retry-After", "60")
    return response


def _error(status: int, error: str, message: str) -> Response:
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    return response


def _indicator_json(indicator: Indicator) -> dict[str, Any]:
    """One indicator's metadata and links, with exactly the fields the OpenAPI document describes."""
    links = {
        "data": url_for("api.indicator_data", indicator_id=indicator.id, _external=True),
        "csv": url_for("api.indicator_data", indicator_id=indicator.id, format="csv", _external=True),
    }
    with suppress(BuildError):  # the indicator pages are another feature; the API works without them
        links["page"] = url_for("indicators.detail", indicator_id=indicator.id, _external=True)
    item = {name: getattr(indicator, name) for name in INDICATOR_FIELDS if name not in {"links"}}
    item["links"] = links
    return item


@bp.route("/indicators")
@public
@api_limit
def indicators() -> Response:
    """Every indicator with its metadata, as a JSON list."""
    return jsonify([_indicator_json(indicator) for indicator in services.list_indicators()])


@bp.route("/indicators/<indicator_id>/data")
@public
@api_limit
@limiter.limit(DATA_RATE_LIMIT)
def indicator_data(indicator_id: str) -> Response:
    """An indicator's values with comparisons and trend, filtered by area, sex, age and breakdown; JSON or CSV."""
    indicator = services.get_indicator(indicator_id)
    if indicator is None:
        return _error(404, "not_found", f"There is no indicator with the id {indicator_id!r}.")
    unknown = sorted(set(request.args) - DATA_PARAMETERS)
    if unknown:
        allowed = ", ".join(sorted(DATA_PARAMETERS))
        return _error(400, "bad_parameter", f"Unknown parameter {unknown[0]!r}. The parameters are: {allowed}.")
    raw = cast("MultiDict[str, str]", getattr(request, "raw_args", request.args))
    if any(has_control_characters(key + value) for key, value in raw.items(multi=True)):
        return _error(400, "bad_parameter", "Parameters must not contain control characters.")
    # Empty parameters are ignored, so ?area=&sex= means no filter. Codes and choices must be exact (the document's
    # patterns and enums): " csv" is refused rather than guessed at; free-text filters are trimmed.
    given = {name: request.args.get(name, "") for name in DATA_PARAMETERS}
    for name in ("age", "category_type"):
        given[name] = given[name].strip()
    output = given["format"] or "json"
    if output not in {"json", "csv"}:
        return _error(400, "bad_parameter", "format must be json or csv.")
    if given["sex"] and given["sex"] not in SEXES:
        return _error(400, "bad_parameter", "sex must be Persons, Male, Female or Not applicable.")
    for name in ("age", "category_type"):
        if len(given[name]) > MAX_TEXT_PARAMETER:
            return _error(400, "bad_parameter", f"{name} must be {MAX_TEXT_PARAMETER} characters or fewer.")
    area = given["area"]
    if area and not AREA_CODE.match(area):
        return _error(400, "bad_parameter", "area must be an area code such as E08000031.")
    if area and services.get_area(area) is None and services.get_area(area.upper()) is not None:
        area = area.upper()  # e08000031 means E08000031; codes such as Cl_L2_1ar keep their case
    if area and services.get_area(area) is None:
        return _error(400, "bad_parameter", f"There is no area with the code {area}.")
    cursor = given["cursor"]
    if cursor and given["page"]:
        return _error(400, "bad_parameter", "Give page or cursor, not both.")
    paging = _paging(given["page"], given["per_page"])
    if isinstance(paging, Response):
        return paging
    filters: dict[str, Any] = {
        "area_code": area or None,
        "sex": given["sex"] or None,
        "age": given["age"] or None,
        "category_type": given["category_type"] or None,
    }
    more, total = False, None
    if cursor:
        try:
            after = read_cursor(indicator.id, cursor)
        except BadCursor:
            message = (
                f"cursor must be {START!r} or the cursor of a next link this API gave for this indicator. "
                f"Start again with cursor={START}."
            )
            return _error(400, "bad_parameter", message)
        per_page = paging[1] if paging else DEFAULT_PER_PAGE
        # One row more than the page shows whether there is a next page, without counting.
        rows = services.value_rows_with_comparisons(
            indicator.id, **filters, limit=per_page + 1, key_order=True, after=after
        )
        more, rows = len(rows) > per_page, rows[:per_page]
    elif paging is None:
        rows = services.value_rows_with_comparisons(indicator.id, **filters)
        total = len(rows)
    else:
        page, per_page = paging
        total = services.count_value_rows(indicator.id, **filters)
        rows = services.value_rows_with_comparisons(
            indicator.id, **filters, offset=(page - 1) * per_page, limit=per_page
        )
    if output == "csv":
        columns = list(ROW_FIELDS)
        text = to_csv(columns, ([row.get(c) for c in columns] for row in rows))
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", indicator.id).strip("-") or "indicator"
        response = download_response(text, f"indicator-{name}-data.csv")
    else:
        response = jsonify(rows)
    if total is None:  # a cursor page: counting every row would cost what the cursor saves
        response.headers["Link"] = _cursor_links(
            indicator.id, per_page, make_cursor(indicator.id, rows[-1]) if more else None
        )
        return response
    response.headers["X-Total-Count"] = str(total)
    if paging is not None:
        response.headers["Link"] = _page_links(indicator.id, *paging, total)
    return response


def _cursor_links(indicator_id: str, per_page: int, next_cursor: str | None) -> str:
    """RFC 8288 Link header of a cursor page: the first page and, unless this is the last, the next one."""
    args = {name: value for name, value in request.args.items() if name not in {"cursor", "per_page"} and value}

    def link(cursor: str, rel: str) -> str:
        url = url_for(
            "api.indicator_data", indicator_id=indicator_id, **args, cursor=cursor, per_page=per_page, _external=True
        )
        return f'<{url}>; rel="{rel}"'

    return ", ".join([link(START, "first"), *([link(next_cursor, "next")] if next_cursor else [])])


def _paging(page: str, per_page: str) -> tuple[int, int] | Response | None:
    """(page, per_page) when either is given, None for the whole list, or the 400 response for a bad value."""
    if not page and not per_page:
        return None
    values = []
    for name, text, default, most in (("page", page, 1, None), ("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
        if not text:
            number = default
        if number is None or number < 1 or (most is not None and number > most):
            limit = f" and at most {most}" if most else ""
            return _error(400, "bad_parameter", f"{name} must be a whole number, at least 1{limit}.")
        values.append(number)
    return values[0], values[1]


def _page_links(indicator_id: str, page: int, per_page: int, total: int) -> str:
    """RFC 8288 Link header: first, previous, next and last pages, keeping the request's filters."""
    last = max(1, -(-total // per_page))
    args = {name: value for name, value in request.args.items() if name not in {"page", "per_page"} and value}

    def link(number: int, rel: str) -> str:
        url = url_for(
            "api.indicator_data", indicator_id=indicator_id, **args, page=number, per_page=per_page, _external=True
        )
        return f'<{url}>; rel="{rel}"'

    links = [link(1, "first")]
    if 1 < page <= last + 1:
        links.append(link(page - 1, "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    return ", ".join(links)


@bp.route("/openapi.json")
@public
@api_limit
def openapi() -> Response:
    """The OpenAPI 3.1 document describing this API."""
    base = url_for("api.indicators", _external=True).removesuffix("/indicators")
    return jsonify(openapi_document(base, _api_rate_limit()))
