"""A corpus of hostile values and a driver that sends them through every form field and query parameter of every
GET and POST route (issue 13, "Prove it: hostile inputs"). Used by tests/test_hostile_corpus.py (CI-sized) and by
``make verify`` (HOSTILE_INPUTS=full: at least 10,000 inputs), which prints the counts."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

# HTML/JS payloads: none may come back raw in an HTML page.
HTML_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "'><iframe src=//evil.example>",
    '<a href="javascript:alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "{{7*7}}<b>ssti</b>",
    '<math><mi xlink:href="javascript:alert(1)">',
    "</textarea><script>alert(2)</script>",
    '<div hx-get="/admin" hx-trigger="load">',
    "<body onload=alert(3)>",
]
SQL = [
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    '" OR ""="',
    "1' UNION SELECT password_hash FROM users --",
    "%' AND 1=0 --",
    "'; SELECT pg_sleep(5); --",
    "\\'",
    "1 OR 1=1",
]
NUMBERS = [
    "2147483648", "-2147483649", "99999999999999999999", "1e309", "-1e309", "NaN", "Infinity", "-0", "0x7fffffff",
    "1,2,3", "1.2.3", "١٢٣", "9" * 400, "-9" * 200, "0.000000000000000000000001", "+-1", "1e-400", "¹²³",
]  # fmt: skip
DATES = [
    "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "99999999999999999999", "-1", "31/02/2026",
    "2026-00-00", "1970-01-01T00:00:00Z", "yesterday",
]  # fmt: skip
UNICODE = [
    "\x00", "a\x00b", "\u202eevil\u202c", "\u2066x\u2069", "\u200b\u200c\u200d\ufeff", "\ud7ff", "𝕏𝕐ℤ", "🙂" * 50,
    "Z̴̡̛̛̛a̸̡̛l̷g̶o̵", "\r\n\r\nSet-Cookie: x=1", "\t\v\f", "\x1b[31m", "\u0085", "ﬀ", "İ", "ß", "\u00a0", "%00",
    "%2e%2e%2f", "../../etc/passwd", "..\\..\\windows", "\\x00", "𠜎𠜱𠝹", "\uffff", "\U0010ffff", "ǅ",
]  # fmt: skip
LONG = ["a" * 10_000, "<" * 5_000, "é" * 3_000, "x" * 255, "x" * 256, "x" * 1_000_001]
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)"]
EMAILS = ["a@b", "a" * 300 + "@example.org", "@", "x@example.org\n", '"<script>"@example.org']


def corpus() -> list[str]:
    """The base values, then combinations of them, to at least 200 distinct hostile values."""
    base = HTML_PAYLOADS + SQL + NUMBERS + DATES + UNICODE + LONG + FORMULAS + EMAILS
    mixed = [f"{a}{b}" for a, b in itertools.product(HTML_PAYLOADS, UNICODE[:10])]
    mixed += [f"{s} {h}" for s, h in itertools.product(SQL, HTML_PAYLOADS[:6])]
    values = list(dict.fromkeys(base + mixed))
    assert len(values) >= 200
    return values


SCRIPT_URL = re.compile(rb"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def reflected_raw(payload: str, body: bytes) -> bool:
    """True when ``payload`` comes back in a form a browser would run: markup unescaped, or a script URL in a link."""
    if any(c in payload for c in "<>\"'"):
        return payload.encode() in body
    return bool(SCRIPT_URL.search(body))


def html_payload_in(value: str) -> str | None:
    """The HTML payload a value carries (None when it carries none)."""
    return next((p for p in HTML_PAYLOADS if p in value), None)


COMMON_QUERY = ["q", "page", "sort", "area", "sex", "age", "format", "next", "show", "topic", "status", "year"]
SKIP_PREFIXES = ("/static", "/assets", "/bokeh", "/sign-out", "/account/sign-out-everywhere", "/account/erase")


@dataclass
class Tally:
    """What the run saw."""

    requests: int = 0
    inputs: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    reflections: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.inputs} hostile inputs in {self.requests} requests: {len(self.server_errors)} x 5xx, "
            f"{len(self.reflections)} raw reflections; statuses {dict(sorted(self.statuses.items()))}"
        )


def routes(app: Flask) -> list[tuple[str, set[str]]]:
    """Every GET/POST URL with its path parameters filled (ids 1, words "x")."""
    found = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & {"GET", "POST"}
        if not methods or rule.rule.startswith(SKIP_PREFIXES):
            continue
        path = re.sub(r"<int:[a-z_]+>", "1", rule.rule)
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?[a-z_]+>", "x", path)
        found.append((path, methods))
    return sorted(found)


def _fields(page: bytes) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Names of the page's GET-form fields, and each POST form's (action, field names)."""
    soup = BeautifulSoup(page, "html.parser")
    get_names: list[str] = []
    posts: list[tuple[str, list[str]]] = []
    for form in soup.find_all("form"):
        names = [
            str(el["name"])
            for el in form.find_all(["input", "select", "textarea"])
            if el.get("name") not in (None, "csrf_token")
        ]
        if (form.get("method") or "get").lower() == "post":
            posts.append((str(form.get("action") or ""), names))
        else:
            get_names.extend(names)
    return get_names, posts


def _csrf(client: FlaskClient) -> str:
    page = client.get("/register")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
    return match.group(1).decode() if match else ""


def _check(tally: Tally, label: str, value: str, response: object, inputs: int) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    tally.requests += 1
    tally.inputs += inputs
    tally.statuses[status] += 1
    if status >= 500:
        tally.server_errors.append(f"{status} {label} {value[:60]!r}")
    payload = html_payload_in(value)
    html = "html" in (response.content_type or "")  # type: ignore[attr-defined]
    if payload and html and reflected_raw(payload, response.data):  # type: ignore[attr-defined]
        tally.reflections.append(f"{label} {payload!r}")


class Crashed:
    """Stands for the 500 a view's unhandled exception gives (the test app propagates exceptions instead)."""

    status_code = 500
    content_type = "text/plain"
    data = b""


def _send(client: FlaskClient, method: str, path: str, tally: Tally, **kwargs: object) -> object:
    try:
        return client.open(path, method=method, **kwargs)
    except Exception as exc:
        tally.server_errors.append(f"exception {type(exc).__name__}: {str(exc)[:80]}")
        return Crashed()


def values_for(values: list[str], index: int, per_target: int | None) -> Iterator[str]:
    """All values (full run), or a rotating slice so that every value is used somewhere (CI run)."""
    if per_target is None:
        yield from values
        return
    for k in range(per_target):
        yield values[(index * per_target + k) % len(values)]


def run(app: Flask, client: FlaskClient, tally: Tally, per_target: int | None) -> None:
    """Send the corpus through every route's query parameters and POST forms as the client's current user."""
    values = corpus()
    csrf = _csrf(client)
    posted: set[tuple[str, tuple[str, ...]]] = set()
    for index, (path, methods) in enumerate(routes(app)):
        page = client.get(path) if "GET" in methods else None
        is_html = page is not None and page.status_code == 200 and "html" in (page.content_type or "")
        get_names, posts = (
            _fields(page.data) if page is not None and is_html else ([], [])
        )  # feeds and CSVs have no forms
        query_names = list(dict.fromkeys(get_names + COMMON_QUERY))
        if "GET" in methods:
            for value in values_for(values, index, per_target):
                response = _send(client, "GET", path, tally, query_string={name: value for name in query_names})
                _check(tally, f"GET {path}", value, response, len(query_names))
        targets = posts or ([(path, ["value"])] if "POST" in methods else [])
        for action, names in targets:
            # Forms in the page layout (search, sign-out) appear on every page: post each one once; never sign out.
            key = (action or path, tuple(names))
            if key in posted or (action or path).startswith(SKIP_PREFIXES):
                continue
            posted.add(key)
            for value in values_for(values, index, per_target):
                data = {name: value for name in names or ["value"]}
                data["csrf_token"] = csrf
                response = _send(client, "POST", action or path, tally, data=data)
                _check(tally, f"POST {action or path}", value, response, len(data) - 1)
