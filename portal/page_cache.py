"""Whole-page caching of public pages for anonymous visitors, and ETag / 304 on pages and API JSON (issue 17).

- **Data version.** One row in ``data_version`` holds a counter and a random epoch. Every commit that inserted,
  changed or deleted rows in any table that public pages may show (everything but the personal and bookkeeping
  tables in ``IGNORED_TABLES``) adds one to the counter in the same transaction, so the new version becomes visible
  to every instance exactly when the data does. Each stored page holds the version it was made under: after an
  import or a publication no instance serves the old pages. The epoch changes when the row is recreated, so a counter
  that starts again never meets entries from before.
- **The version in the cache.** Readers take the version from the shared cache (Redis when configured), not from the
  database: the process that commits a change writes the new version there after the commit, and a reader that finds
  none reads the row and adds it (``add``: never over a newer one) for ``PAGE_CACHE_VERSION_SECONDS``. Should the
  writer die between its commit and that write (or two writers finish in the opposite order), other instances serve
  the old pages for at most that long. Without Redis each process has its own cache, so the other workers of one
  instance see a change within that time.
- **The fast path.** ``PageCacheMiddleware`` wraps the WSGI app and answers a stored page with one cache read (the
  version and the page together) before Flask builds a request context: no database, no Flask-Login, no session
  object. It decodes the session cookie only to check that it holds nothing personal and to read the CSRF token, and
  replays the headers the full response had (without rate-limit counts). A stored page the middleware declines (a
  version not yet in the cache) is served inside Flask. As before, a page served from the cache never runs its view,
  so view rate limits (search) count only the requests that build a page.
- **Compressed once.** When a page is stored it is also gzip-compressed in pieces (the text between the per-response
  secrets, each ending on a byte boundary, with its CRC-32 contribution), and its uncompressed body goes under a
  key of its own. A hit for a client that accepts gzip reads only the pieces and compresses just its own nonce and
  token; brotli and identity hits read the body too and compress it per response.
- **What is cached.** GET requests for endpoints open to anyone, from visitors who are not signed in and whose
  session holds nothing but a CSRF token; keyed by the full URL and the HX-Request / HX-Target headers. A response
  is stored only when it is a 200 HTML page with no Set-Cookie, no flashed message, no ``private``/``no-store``
  choice by its view, and no form carrying a CSRF token.
- **Per-response secrets.** The CSP nonce and the CSRF token for HTMX (in the body's ``hx-headers``) are replaced by
  placeholders before a page is stored, and by this response's own nonce and token when it is served.
- **One build per miss (single flight).** When a page is missing (a new data version, or its entry timed out), the
  first anonymous request for it takes a build lock for its key and version (Redis ``SET NX PX`` when Redis is the
  cache, so across every worker and instance; otherwise a lock in this process) and builds the page; concurrent
  requests for it poll the cache for at most ``PAGE_CACHE_BUILD_WAIT_SECONDS`` and are served the stored page. If
  the builder does not store one (an error, or a page that is never stored) the lock says so and the others build
  their own at once; if the wait runs out they build their own too. The lock expires after the same time, so a
  builder that died holds nobody up for longer, and only its owner (by a random token) releases it. A waiter is served
  only a page of the data version it read last, never an older one. The hit path does not change.
- **Browsers.** Cacheable pages are ``private, no-cache`` with an ETag of the stored body: a browser revalidates
  and gets a 304 while the data is unchanged. A 304 carries no CSP header (see portal.security), so the browser
  keeps the policy that matches the nonce in the body it already has.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import brotli  # type: ignore[import-untyped]
from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSession
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import Headers
from werkzeug.http import parse_accept_header, parse_cookie

from portal.access import access_rule_for
from portal.data_version import (
    VERSION_KEY,
    current_data_version,
    listen_for_data_changes,
)
from portal.extensions import cache
from portal.page_cache_gzip import CSRF_PLACEHOLDER, NONCE_PLACEHOLDER, gzip_from_pieces, gzip_pieces
from portal.page_cache_locks import NOT_STORED, BuildLocks, RedisBuildLocks, build_lock_name, build_locks_for
from portal.security import csp_nonce

logger = logging.getLogger(__name__)

# Session keys an anonymous visitor may have and still be served a shared page.
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh", "_id"})
NEVER_CACHED_ENDPOINTS = frozenset({"static", "pages.healthz"})
# Headers that belong to one response (or are recomputed when a stored page is served), never replayed.
_PER_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "content-length", "content-encoding", "etag", "x-page-cache", "date", "server"}
)
_PENDING = "portal.page_cache.pending"
_BUILD_LOCK = "portal.page_cache.build_lock"
# How often a request waiting for another's build looks for the stored page: soon at first (most pages take tens of
# milliseconds to build, and a waiting sync worker serves nobody else), then less often.
BUILD_POLL_FIRST_SECONDS = 0.005
BUILD_POLL_SECONDS = 0.05


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


def page_key(environ: dict[str, Any]) -> str:
    """The cache key of a page: scheme, path, query string and the HTMX headers, as the WSGI server passed them."""
    parts = (
        environ.get("wsgi.url_scheme", "http"),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_HX_REQUEST", ""),
        environ.get("HTTP_HX_TARGET", ""),
    )
    return "page:" + hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _cache_key() -> str:
    return page_key(request.environ)


def _current(stored: Any, version: Any) -> bool:
    return isinstance(stored, dict) and version is not None and stored.get("version") == version


def body_key(key: str) -> str:
    """Where a stored page's uncompressed body is kept: apart, so a gzip hit reads only the compressed pieces."""
    return key + ":body"


def _stored_body(backend: Any, key: str, version: str) -> str | None:
    stored = backend.get(body_key(key))
    return stored["body"] if _current(stored, version) else None


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


def _stored_response(key: str, version: str) -> Response | None:
    stored = cache.get(key)
    if not _current(stored, version):
        return None
    body = _stored_body(cache, key, version)
    if body is None:
        return None
    g.page_cache_served = True
    return _serve({**stored, "body": body})


def serve_cached_page() -> Response | None:
    """``before_request`` hook: answer from the page cache when this anonymous GET has a stored page.

    On a miss, only one request builds the page while the others wait for it (``_wait_for_build``).
    """
    g.page_cache_candidate = _cacheable_request()
    if not g.page_cache_candidate:
        return None
    g.page_cache_version = current_data_version()
    key = _cache_key()
    served = _stored_response(key, g.page_cache_version)
    if served is not None:
        return served
    return _wait_for_build(key)


def _wait_for_build(key: str) -> Response | None:
    """Take the page's build lock (None: this request builds), or wait for the holder's page and serve it.

    Returns None, so that this request builds the page itself, when it holds the lock, when the holder stored no page,
    when the wait runs out, or when the lock cannot be used at all: the guard never turns a page into an error.
    """
    wait = float(current_app.config.get("PAGE_CACHE_BUILD_WAIT_SECONDS", 0))
    if wait <= 0:
        return None
    locks: BuildLocks | RedisBuildLocks = current_app.extensions["page_cache_build_locks"]
    token = secrets.token_hex(16)
    deadline = time.monotonic() + wait
    version: str = g.page_cache_version
    pause = BUILD_POLL_FIRST_SECONDS
    try:
        while True:
            name = build_lock_name(key, version)
            taken, holder = locks.acquire(name, token, wait)
            if taken:
                # Another build may have stored the page (and released its lock) since this request last looked.
                served = _stored_response(key, version)
                if served is not None:
                    locks.release(name, token, True, wait)
                    return served
                request.environ[_BUILD_LOCK] = (name, token)
                g.page_cache_version = version
                return None
            if holder == NOT_STORED or time.monotonic() + pause > deadline:
                g.page_cache_version = version
                return None
            time.sleep(pause)
            pause = min(pause * 2, BUILD_POLL_SECONDS)
            # Only a page of the version current now will do (a newer import may have landed meanwhile).
            version = current_data_version()
            served = _stored_response(key, version)
            if served is not None:
                return served
    except DBAPIError:
        raise  # the database, not the lock (a lost connection, swallowed, would fail the build as something else)
    except Exception:
        logger.exception("Page build lock failed; this request builds the page")
        return None


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
    rule = request.url_rule
    entry = {
        "version": g.page_cache_version,
        "body": body,
        "etag": etag,
        "route": rule.rule if rule is not None else None,
        "endpoint": request.endpoint,
    }
    # Stored by PageCacheMiddleware once the response has all its headers (security headers, Vary).
    request.environ[_PENDING] = (_cache_key(), entry, nonce)
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


def _choose_encoding(accept_encoding: str, algorithms: Iterable[str]) -> str | None:
    """brotli or gzip, in the configured order of preference, when the client accepts it."""
    if not accept_encoding:
        return None
    accepted = parse_accept_header(accept_encoding)
    for algorithm in algorithms:
        if algorithm in ("br", "gzip") and accepted.quality(algorithm) > 0:
            return algorithm
    return None


class PageCacheMiddleware:
    """WSGI middleware: answer stored public pages before Flask runs, and store the pages Flask marked as shareable.

    A request is answered here only when it is a GET without a remember-me cookie, the shared cache holds a page
    for its URL made under the current data version, and its session (if any) holds nothing but shareable keys.
    Everything else goes to the app unchanged.
    """

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and self.app.config.get("PAGE_CACHE_ENABLED", True):
            started = time.perf_counter()
            try:
                served = self._serve(environ)
            except Exception:  # a broken cache must never break the page: let the app answer
                logger.exception("Page cache fast path failed; the app answers")
                served = None
            if served is not None:
                response, stored = served
                self._log(stored, response.status_code, started)
                return response(environ, start_response)
        return self._pass_through(environ, start_response)

    def _backend(self) -> Any:
        return self.app.extensions["cache"][cache]

    def _pass_through(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        stored = False
        never_stored = False
        try:
            result = self.wsgi_app(environ, capture)
            pending = environ.pop(_PENDING, None)
            if pending is not None and captured and captured[0].startswith("200"):
                stored = self._store(pending, captured[1])
            # A page its view built but chose not to share (one with a form, say): no use waiting for it next time.
            never_stored = pending is None and bool(captured) and captured[0].startswith("200")
        finally:
            lock = environ.pop(_BUILD_LOCK, None)
            if lock is not None:
                self._release(lock, stored, never_stored)
        return result

    def _release(self, lock: tuple[str, str], stored: bool, never_stored: bool) -> None:
        """After storing the page (or failing to), let the requests waiting for this build have it or build theirs.

        Without a stored page the lock says NOT_STORED, so waiters build their own at once: for the wait's length after
        an error, for the page cache's timeout when the page is one that is never stored.
        """
        name, token = lock
        config = self.app.config
        seconds = config["PAGE_CACHE_TIMEOUT"] if never_stored else config.get("PAGE_CACHE_BUILD_WAIT_SECONDS", 0)
        try:
            self.app.extensions["page_cache_build_locks"].release(name, token, stored, float(seconds))
        except Exception:  # the lock expires on its own
            logger.exception("Could not release a page build lock")

    def _store(self, pending: tuple[str, dict[str, Any], str | None], headers: list[tuple[str, str]]) -> bool:
        key, entry, nonce = pending
        kept = []
        for name, value in headers:
            lower = name.lower()
            if lower in _PER_RESPONSE_HEADERS:
                continue
            if lower.startswith("x-ratelimit") or lower == "retry-after":
                continue  # counts of the request that made the page, not of later visitors
            kept.append((name, value.replace(nonce, NONCE_PLACEHOLDER) if nonce else value))
        entry["headers"] = kept
        config = self.app.config
        body = entry.pop("body")
        entry["csrf"] = CSRF_PLACEHOLDER in body
        if "gzip" in config.get("COMPRESS_ALGORITHM", ()):
            entry["gzip"] = gzip_pieces(body, config.get("COMPRESS_LEVEL", 6))
        try:
            self._backend().set_many(
                {key: entry, body_key(key): {"version": entry["version"], "body": body}},
                timeout=config["PAGE_CACHE_TIMEOUT"],
            )
        except Exception:
            logger.exception("Could not store a page in the page cache")
            return False
        return True

    def _session(self, cookies: dict[str, str]) -> SecureCookieSession | None:
        """The visitor's session if it holds nothing personal (a bad or expired cookie counts as none), else None."""
        data: dict[str, Any] = {}
        raw = cookies.get(self.app.config["SESSION_COOKIE_NAME"])
        serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        if raw and serializer is not None:
            try:
                data = serializer.loads(raw, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
            except BadSignature:
                data = {}
        if not isinstance(data, dict) or any(key not in SHAREABLE_SESSION_KEYS for key in data):
            return None
        return SecureCookieSession(data)

    def _serve(self, environ: dict[str, Any]) -> tuple[Response, dict[str, Any]] | None:
        config = self.app.config
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return None
        version, stored = self._backend().get_many(VERSION_KEY, page_key(environ))
        if not _current(stored, version) or "headers" not in stored:
            return None
        visitor = self._session(cookies)
        if visitor is None:
            return None
        nonce = secrets.token_urlsafe(16)
        values = {NONCE_PLACEHOLDER: nonce}
        if stored.get("csrf"):
            field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
            if not isinstance(visitor.get(field), str):
                visitor[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - as flask_wtf.csrf does
            secret = config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key or ""
            signer = URLSafeTimedSerializer(secret, "wtf-csrf-token")
            values[CSRF_PLACEHOLDER] = signer.dumps(visitor[field])
        headers = Headers([(name, value.replace(NONCE_PLACEHOLDER, nonce)) for name, value in stored["headers"]])
        response = self.app.response_class(status=200, headers=headers)
        response.headers["X-Page-Cache"] = "hit"
        accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
        pieces = stored.get("gzip")
        if pieces is not None and _choose_encoding(accepted, ("gzip",)):
            # Compressed when stored: gzip (a little larger than brotli) costs no compression of the page per response,
            # and the uncompressed body is not even read.
            algorithm: str | None = "gzip"
        else:
            algorithm = _choose_encoding(accepted, config.get("COMPRESS_ALGORITHM", ()))
            body = _stored_body(self._backend(), page_key(environ), stored["version"])
            if body is None:
                return None
            for placeholder, value in values.items():
                body = body.replace(placeholder, value)
            response.set_data(body.encode())
            if (response.content_length or 0) < config.get("COMPRESS_MIN_SIZE", 500):
                algorithm = None
        response.set_etag(f"{stored['etag']}:{algorithm}" if algorithm else stored["etag"])
        self.app.session_interface.save_session(self.app, visitor, response)
        response.make_conditional(environ)
        if response.status_code == 304:
            # The browser keeps its body and the policy that matches the nonce in it (see portal.security).
            del response.headers["Content-Security-Policy"]
        elif algorithm == "gzip" and pieces is not None:
            response.set_data(gzip_from_pieces(pieces, values, config.get("COMPRESS_LEVEL", 6)))
            response.headers["Content-Encoding"] = algorithm
        elif algorithm:
            data = response.get_data()
            if algorithm == "br":
                data = brotli.compress(
                    data,
                    mode=config.get("COMPRESS_BR_MODE", 0),
                    quality=config.get("COMPRESS_BR_LEVEL", 4),
                    lgwin=config.get("COMPRESS_BR_WINDOW", 22),
                    lgblock=config.get("COMPRESS_BR_BLOCK", 0),
                )
            else:
                data = gzip.compress(data, config.get("COMPRESS_LEVEL", 6))
            response.set_data(data)
            response.headers["Content-Encoding"] = algorithm
        return response, stored

    def _log(self, stored: dict[str, Any], status: int, started: float) -> None:
        """The request log line the app would have written (portal.request_log), marked as a page cache hit."""
        if not self.app.config.get("REQUEST_LOG", True):
            return
        from portal.request_log import log_line
        from portal.request_log import logger as request_logger

        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": "request",
            "method": "GET",
            "route": stored.get("route"),
            "endpoint": stored.get("endpoint"),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "page_cache": "hit",
        }
        request_logger.info(log_line(record))


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
    app.extensions["page_cache_build_locks"] = build_locks_for(app.extensions["cache"][cache])
    listen_for_data_changes()
    app.before_request(serve_cached_page)
    app.after_request(store_page)
    app.after_request(etag_json)
    app.wsgi_app = PageCacheMiddleware(app, app.wsgi_app)  # type: ignore[method-assign]
