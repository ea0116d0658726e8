"""Security headers, the per-request CSP nonce, and safe redirects."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, request, session
from werkzeug.routing import IntegerConverter
from werkzeug.routing.map import Map

# Ids are PostgreSQL ``integer`` columns: a bigger number in a URL cannot name anything.
MAX_URL_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """The ``int`` URL converter, limited to what an id column holds: larger numbers are a 404, not a 500."""

    def __init__(
        self,
        url_map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        limit = MAX_URL_ID if max is None else max
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=limit, signed=signed)


def refuse_nul_in_path() -> None:
    """``before_request`` hook: a path with a NUL byte names nothing (and PostgreSQL refuses NUL in text)."""
    if "\x00" in request.path:
        abort(404)


def csp_nonce() -> str:
    """Return this request's CSP nonce, creating it on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    """The CSP: scripts only from this site or with the nonce; no plugins, framing or base rewriting."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # Bokeh and govuk-frontend set element styles from script; style attributes cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def add_security_headers(response: Response) -> Response:
    """``after_request`` hook: the same protective headers on every response."""
    if response.status_code != 304:
        # A 304 must not carry a new nonce: the browser keeps the body it has, whose scripts hold the old one, and
        # would take the new header in place of the old (portal/page_cache.py).
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


# Session keys every visitor has; anything else (a survey draft key, a proposal being written, a signed-in user)
# means the page may show what this person typed or is allowed to see.
IMPERSONAL_SESSION_KEYS = frozenset({"csrf_token", "_flashes", "_fresh", "_id", "_permanent", "next"})


def is_personal_request() -> bool:
    """True when the response may hold this person's data: they are signed in, or their session carries their work."""
    if request.endpoint == "static":
        return False
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    return any(key not in IMPERSONAL_SESSION_KEYS for key in session)


def no_store_personal_pages(response: Response) -> Response:
    """``after_request`` hook: personal pages, downloads and exports are never kept by browsers or proxies.

    A view that chose its own caching keeps it (public charts and assets are deliberately cacheable).
    """
    if "Cache-Control" not in response.headers and is_personal_request():
        response.headers["Cache-Control"] = "no-store"
    return response


def is_safe_next(target: str | None) -> bool:
    """True only for a same-site path such as ``/topics?page=2`` (never ``//host`` or ``/\\host``)."""
    if not target or not target.startswith("/"):
        return False
    if target.startswith("//") or target.startswith("/\\") or "\\" in target:
        return False
    if any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` when it is a same-site path, otherwise ``default``."""
    return target if target and is_safe_next(target) else default


def init_security(app: Flask) -> None:
    """Register the header hook and expose the nonce to templates."""
    app.before_request(refuse_nul_in_path)
    app.after_request(add_security_headers)
    app.after_request(no_store_personal_pages)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
