"""Structured request logs: one JSON line per request, on the ``portal.requests`` logger (stderr by default).

A line holds the method, the route *pattern* (``/surveys/<int:survey_id>``, never the path someone typed, which can
carry tokens or email addresses), the endpoint, the status and the time taken. Nothing else about the person: no
address, no query string, no user id. Every value goes through JSON with ASCII escaping, so a newline, a NUL or a bidi
override that someone sends cannot forge or disguise a log line.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request

logger = logging.getLogger("portal.requests")
MAX_METHOD = 16


def request_record(response: Response) -> dict[str, object]:
    """What is logged about the current request and its response."""
    rule = request.url_rule
    started = g.get("request_started")
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": "request",
        "method": request.method[:MAX_METHOD],
        "route": rule.rule if rule is not None else None,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
    }


def log_line(record: dict[str, object]) -> str:
    """One line of JSON, every non-ASCII or control character escaped."""
    return json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str)


def init_request_log(app: Flask) -> None:
    """Log every request as one JSON line, when REQUEST_LOG is on."""
    if not app.config.get("REQUEST_LOG", True):
        return
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        logger.info(log_line(request_record(response)))
        return response
