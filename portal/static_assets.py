"""Fingerprinted static assets: every ``url_for('static', ...)`` carries ``?v=<content hash>``, and a request whose
``v`` matches the file's current hash may be cached for a year; any other static request gets a short max-age."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, Response, current_app, request

# A fingerprinted URL names one version of the file for ever.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
# A plain (or stale) static URL may change at the next deploy.
PLAIN_MAX_AGE = 300

_hashes: dict[tuple[str, int, int], str] = {}


def asset_hash(filename: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of a static file, or None when there is no such file.

    Remembered per (path, modification time, size), so an edited file gets a new hash without a restart.
    """
    folder = current_app.static_folder
    if not folder:
        return None
    path = os.path.realpath(os.path.join(folder, filename))
    if not path.startswith(os.path.realpath(folder) + os.sep):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    digest = _hashes.get(key)
    if digest is None:
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:12]
        _hashes[key] = digest
    return digest


def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
    """``url_defaults`` hook: ``url_for('static', filename=...)`` gains ``v=<hash>`` unless a ``v`` was given."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    digest = asset_hash(values["filename"])
    if digest:
        values["v"] = digest


def static_cache_headers(response: Response) -> Response:
    """``after_request`` hook: a year and ``immutable`` for a static file asked for by its current hash, else short."""
    if request.endpoint != "static" or response.status_code not in (200, 206, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    fingerprint = request.args.get("v")
    if fingerprint and fingerprint == asset_hash(filename):
        response.cache_control.max_age = IMMUTABLE_MAX_AGE
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = PLAIN_MAX_AGE
        response.cache_control.public = True
        response.cache_control.immutable = False
    return response


def init_static_assets(app: Flask) -> None:
    """Register the fingerprinting and cache-header hooks."""
    app.url_defaults(add_fingerprint)
    app.after_request(static_cache_headers)
