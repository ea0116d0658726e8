"""Opaque cursors for keyset paging of an indicator's values: the key of the last row a page gave, signed.

A cursor names a position in the table's key order (``value_rows.KEY_FIELDS``), so the next page starts from the
unique index instead of counting past every earlier row (OFFSET), and costs the same at any depth. It is signed with
the app's secret key, so a cursor that was changed, cut short or made up is refused (400), never read as another
position; it is bound to its indicator. Rows are public, so the signature protects clients from silent mistakes,
not secrets.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from portal.indicators.value_rows import KEY_FIELDS

START = "start"
MAX_CURSOR_LENGTH = 2000
_SALT = "api-indicator-data-cursor"


class BadCursor(ValueError):
    """A cursor that this API did not make for this indicator."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_cursor(indicator_id: str, row: dict[str, Any]) -> str:
    """The cursor of the page that follows ``row`` (a row of the API, in key order)."""
    return str(_serializer().dumps([indicator_id, [row[name] for name in KEY_FIELDS]]))


def read_cursor(indicator_id: str, cursor: str) -> tuple[str, ...] | None:
    """The key to start after: None for ``start``; BadCursor for anything else this API did not make."""
    if cursor == START:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor
    try:
        payload = _serializer().loads(cursor)
    except BadData:
        raise BadCursor from None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or payload[0] != indicator_id
        or not isinstance(payload[1], list)
        or len(payload[1]) != len(KEY_FIELDS)
        or not all(isinstance(part, str) for part in payload[1])
    ):
        raise BadCursor
    return tuple(payload[1])
