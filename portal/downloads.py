"""File downloads: one place builds the attachment headers (safe file names, caching rules)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment_headers(filename: str) -> dict[str, str]:
    """A Content-Disposition header that no file name can break: ASCII fallback plus RFC 6266 filename*."""
    ascii_name = re.sub(r"[^A-Za-z0-9._() -]+", "-", filename).strip() or "download"
    if ascii_name == filename:
        return {"Content-Disposition": f'attachment; filename="{filename}"'}
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}


def download_response(
    body: str | bytes | Iterable[str] | Iterable[bytes],
    filename: str,
    mimetype: str = CSV_MIMETYPE,
    *,
    private: bool = False,
) -> Response:
    """A download; ``private`` ones (personal or unpublished data) are never stored by browsers or proxies."""
    # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text mimetype even when it already has one.
    response = Response(body, content_type=mimetype, headers=attachment_headers(filename))
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
