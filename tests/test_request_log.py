"""Structured request logs: one JSON line per request, the route pattern only, user input escaped."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from portal.request_log import log_line, logger


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def lines() -> Iterator[list[str]]:
    handler = Lines()
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_each_request_is_one_json_line_with_the_route_pattern_only(client: FlaskClient, lines: list[str]) -> None:
    client.get("/surveys/12345?q=someone%40example.org")
    client.get("/confirm-email/a-secret-token")
    client.get("/no/such/page/someone@example.org")
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert records[0]["route"] == "/surveys/<int:survey_id>" and records[0]["method"] == "GET"
    assert records[1]["route"] == "/confirm-email/<token>"
    assert records[2]["route"] is None and records[2]["status"] == 404
    assert [r["status"] for r in records] == [404, 400, 404]  # no such survey; a bad link explained; no such page
    assert all(isinstance(r["duration_ms"], float) for r in records)
    text = "\n".join(lines)
    for personal in ("someone", "example.org", "a-secret-token", "12345"):
        assert personal not in text
    assert set(records[0]) == {"time", "event", "method", "route", "endpoint", "status", "duration_ms"}


def test_user_input_cannot_forge_or_disguise_a_line() -> None:
    hostile = 'x"\n{"event":"request","status":200}\u202e\x00'
    line = log_line({"method": hostile})
    assert "\n" not in line and "\x00" not in line and "\u202e" not in line
    assert json.loads(line) == {"method": hostile}


def test_an_odd_method_is_escaped_in_the_log(client: FlaskClient, lines: list[str]) -> None:
    client.open("/", method="BREW\u202e")
    [line] = lines
    assert line.isascii() and json.loads(line)["method"] == "BREW\u202e"
