"""Whole-page caching of public pages for anonymous visitors, and ETag / 304 on pages and API JSON (issue 17).

- **Data version.** One row in ``data_version`` holds a counter and a random epoch. Every commit that inserted,
  changed or deleted rows in any table that public pages may show (everything but the personal and bookkeeping
  tables in ``IGNORED_TABLES``) adds one to the counter in the same transaction, so the new version becomes visible
  to every instance exactly when the data does. Each page's cache key holds the version: after an import or a
  publication no instance can find the old pages. The epoch changes when the row is recreated, so a counter that
  starts again never meets entries from before.
- **What is cached.** GET requests for endpoints open to anyone, from visitors who are not signed in and whose
  session holds nothing but a CSRF token; keyed by the full URL and the HX-Request / HX-Target headers. A response
  is stored only when it is a 200 HTML page with no Set-Cookie, no flashed message, no ``private``/``no-store``
  choice by its view, and no form carrying a CSRF token.
- **Per-response secrets.** The CSP nonce and the CSRF token for HTMX (in the body's ``hx-headers``) are replaced by
  placeholders before a page is stored, and by this response's own nonce and token when it is served.
- **Browsers.** Cacheable pages are ``private, no-cache`` with an ETag of the stored body: a browser revalidates
  and gets a 304 while the data is unchanged. A 304 carries no CSP header (see portal.security), so the browser
  keeps the policy that matches the nonce in the body it already has.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Integer, String, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from portal.access import access_rule_for
from portal.extensions import cache, db
from portal.security import csp_nonce

NONCE_PLACEHOLDER = "\x00nonce\x00"
CSRF_PLACEHOLDER = "\x00csrf\x00"
# Tables whose rows no public page shows: changing them must not empty the page cache.
IGNORED_TABLES = frozenset(
    {
        "data_version",
        "audit_events",
        "sign_in_throttles",
        "personal_data_exports",
        "survey_drafts",
        "survey_invitations",
        "survey_pending_responses",
        "proposal_drafts",
        "engagement_opt_ins",
    }
)
# Session keys an anonymous visitor may have and still be served a shared page.
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh", "_id"})
NEVER_CACHED_ENDPOINTS = frozenset({"static", "pages.healthz"})
_CHANGED = "page_cache_data_changed"


class DataVersion(db.Model):  # type: ignore[name-defined]
    """One row: how many times public data has changed, and a random epoch for this row's lifetime."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    epoch: Mapped[str] = mapped_column(String(32), nullable=False)


def current_data_version() -> str:
    """``epoch.counter`` of the public data, read with one primary-key query ("none" before any change)."""
    row = db.session.execute(text("SELECT epoch, version FROM data_version WHERE id = 1")).first()
    return f"{row[0]}.{row[1]}" if row else "none"


def bump_data_version(connection_session: Session | None = None) -> None:
    """Add one to the data version inside the current transaction (creating the row, with a new epoch, if missing).

    Called on commit for ORM changes; code that writes public data with Core statements outside the session should
    call it too (the loader's own DataImport row already does).
    """
    target = connection_session or db.session
    updated = target.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    if not updated.rowcount:  # type: ignore[attr-defined]
        target.execute(
            text("INSERT INTO data_version (id, version, epoch) VALUES (1, 1, :epoch)"),
            {"epoch": secrets.token_hex(8)},
        )


def _is_public_table(name: str | None) -> bool:
    return bool(name) and name not in IGNORED_TABLES


def _note_flushed_changes(session: Session, flush_context: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(instance, "__table__", None)
        if table is not None and _is_public_table(table.name):
            if instance in session.dirty and not session.is_modified(instance):
                continue
            session.info[_CHANGED] = True
            return


def _note_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if _is_public_table(getattr(table, "name", None)):
        state.session.info[_CHANGED] = True


def _bump_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    if not session.info.pop(_CHANGED, False):
        return
    try:
        with session.begin_nested():
            bump_data_version(session)
    except DBAPIError:
        # No data_version table yet (a database mid-migration): nothing can have been cached under it either.
        pass


def _forget_changes(session: Session, *args: Any) -> None:
    session.info.pop(_CHANGED, None)


def listen_for_data_changes() -> None:
    """Session events (once per process): note public changes while flushing, bump the version on commit."""
    if event.contains(Session, "before_commit", _bump_before_commit):
        return
    event.listen(Session, "after_flush", _note_flushed_changes)
    event.listen(Session, "do_orm_execute", _note_bulk_statements)
    event.listen(Session, "before_commit", _bump_before_commit)
    event.listen(Session, "after_rollback", _forget_changes)


def _visitor_may_share() -> bool:
    """An anonymous visitor whose session holds nothing of theirs (no sign-in, flash, draft or remember cookie)."""
    if any(key not in SHAREABLE_SESSION_KEYS for key in session):
        return False
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies


def _cacheable_request() -> bool:
    if not current_app.config.get("PAGE_CACHE_ENABLED", True) or request.method != "GET":
        return False
    endpoint = request.endpoint
    if endpoint is None or endpoint in NEVER_CACHED_ENDPOINTS:
        return False
    rule = access_rule_for(current_app, endpoint)
    return rule is not None and rule.kind == "anonymous" and _visitor_may_share()


def _cache_key() -> str:
    hx = f"{request.headers.get('HX-Request', '')}|{request.headers.get('HX-Target', '')}"
    digest = hashlib.sha256(f"{request.full_path}|{hx}".encode()).hexdigest()
    return f"page:{g.page_cache_version}:{digest}"


def _serve(stored: dict[str, Any]) -> Response:
    body = stored["body"].replace(NONCE_PLACEHOLDER, csp_nonce())
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, generate_csrf())
    response = current_app.response_class(body, status=200, mimetype="text/html")
    _set_validators(response, stored["etag"])
    response.headers["X-Page-Cache"] = "hit"
    response.make_conditional(request)
    return response


def _set_validators(response: Response, etag: str) -> None:
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    vary = response.headers.get("Vary", "")
    if "hx-request" not in vary.lower():
        response.headers["Vary"] = f"{vary}, HX-Request" if vary else "HX-Request"


def serve_cached_page() -> Response | None:
    """``before_request`` hook: answer from the page cache when this anonymous GET has a stored page."""
    g.page_cache_candidate = _cacheable_request()
    if not g.page_cache_candidate:
        return None
    g.page_cache_version = current_data_version()
    stored = cache.get(_cache_key())
    if stored is None:
        return None
    g.page_cache_served = True
    return _serve(stored)


def _storable(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and "_flashes" not in session
        and not response.cache_control.no_store
        and not response.cache_control.private
        and "_user_id" not in session
    )


def store_page(response: Response) -> Response:
    """``after_request`` hook: keep a cacheable page with its secrets replaced by placeholders; add its ETag."""
    if not g.get("page_cache_candidate") or g.get("page_cache_served") or not _storable(response):
        return response
    body = response.get_data(as_text=True)
    if 'name="csrf_token"' in body:
        return response  # a form carrying this visitor's CSRF token
    token = g.get("csrf_token")
    nonce = g.get("csp_nonce")
    if nonce:
        body = body.replace(nonce, NONCE_PLACEHOLDER)
    if token:
        body = body.replace(token, CSRF_PLACEHOLDER)
    etag = hashlib.sha256(f"{g.page_cache_version}|{body}".encode()).hexdigest()[:32]
    cache.set(_cache_key(), {"body": body, "etag": etag}, timeout=current_app.config["PAGE_CACHE_TIMEOUT"])
    _set_validators(response, etag)
    response.headers["X-Page-Cache"] = "miss"
    response.make_conditional(request)
    return response


def etag_json(response: Response) -> Response:
    """``after_request`` hook: API and chart JSON get a strong ETag, so clients may revalidate and get a 304."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype == "application/json"
        and not response.is_streamed
        and "ETag" not in response.headers
    ):
        response.add_etag()
        response.make_conditional(request)
    return response


def init_page_cache(app: Flask) -> None:
    """Bind the cache (simple in-process, or Redis when REDIS_URL is set) and register the hooks.

    Registered after compression, so these after_request hooks run before it: the page is stored uncompressed and
    flask-compress then answers If-None-Match with a 304.
    """
    redis_url = app.config.get("REDIS_URL")
    config = {"CACHE_DEFAULT_TIMEOUT": app.config["PAGE_CACHE_TIMEOUT"], "CACHE_KEY_PREFIX": "portal:"}
    if app.config.get("CACHE_TYPE"):
        config["CACHE_TYPE"] = app.config["CACHE_TYPE"]
    elif redis_url:
        config.update({"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url})
    else:
        config["CACHE_TYPE"] = "SimpleCache"
    if app.config.get("CACHE_REDIS_URL"):
        config["CACHE_REDIS_URL"] = app.config["CACHE_REDIS_URL"]
    cache.init_app(app, config=config)
    listen_for_data_changes()
    app.before_request(serve_cached_page)
    app.after_request(store_page)
    app.after_request(etag_json)
