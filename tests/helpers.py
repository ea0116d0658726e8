"""Test helpers: page checks every route test relies on, and small utilities."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.config import PROJECT_ROOT


def check_page_structure(html: str, url: str) -> BeautifulSoup:
    """Assert one <h1>, no duplicate ids, a question on every field group, and a CSRF field in every POST form."""
    page = BeautifulSoup(html, "html.parser")
    h1s = page.find_all("h1")
    assert len(h1s) == 1, f"{url}: expected exactly one <h1>, found {len(h1s)}"
    ids = Counter(tag["id"] for tag in page.find_all(id=True))
    duplicates = [value for value, count in ids.items() if count > 1]
    assert not duplicates, f"{url}: duplicate ids {duplicates}"
    for fieldset in page.select("fieldset.govuk-fieldset"):
        legend = fieldset.find("legend")
        assert legend and legend.get_text(strip=True), f"{url}: a group of fields has no question (empty legend)"
    for form in page.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        assert form.get("action"), f"{url}: a POST form has no action"
        has_csrf = form.find("input", attrs={"name": "csrf_token"})
        assert has_csrf, f"{url}: POST form to {form['action']} has no CSRF field"
    return page


@dataclass
class ClientRequest:
    """Fetch pages and post forms the way a browser would, checking what every page must satisfy."""

    client: FlaskClient

    def get(self, url: str, expected_status: int = 200, *, htmx: bool = False, **kwargs: Any) -> BeautifulSoup:
        """GET ``url``, assert the status, and check the page structure (full pages only)."""
        headers = kwargs.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        response = self.client.get(url, headers=headers, **kwargs)
        body = response.get_data(as_text=True)
        assert response.status_code == expected_status, (
            f"GET {url}: expected {expected_status}, got {response.status_code}\n{body[:2000]}"
        )
        html = response.get_data(as_text=True)
        if htmx or response.mimetype != "text/html":
            return BeautifulSoup(html, "html.parser")
        return check_page_structure(html, url)

    def response(self, url: str, **kwargs: Any) -> TestResponse:
        """GET without checks, for downloads and redirects."""
        return self.client.get(url, **kwargs)

    def csrf_token(self) -> str:
        """The session's CSRF token, as the base layout hands it to HTMX."""
        html = self.client.get("/cookies").get_data(as_text=True)
        match = re.search(r"hx-headers='([^']+)'", html) or re.search(r'hx-headers="([^"]+)"', html)
        assert match, "the base layout must carry the CSRF token in hx-headers"
        return json.loads(match.group(1).replace("&#34;", '"').replace("&quot;", '"'))["X-CSRFToken"]

    def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        expected_status: int = 303,
        *,
        csrf: bool = True,
        htmx: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """POST a form with the session's CSRF token and assert the status."""
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        headers = kwargs.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        response = self.client.post(url, data=data, headers=headers, **kwargs)
        body = response.get_data(as_text=True)
        assert response.status_code == expected_status, (
            f"POST {url}: expected {expected_status}, got {response.status_code}\n{body[:3000]}"
        )
        if response.mimetype == "text/html" and not htmx and response.status_code == 200:
            check_page_structure(response.get_data(as_text=True), url)
        return response


def error_summary_texts(page: BeautifulSoup) -> list[str]:
    """The messages in the GOV.UK error summary."""
    summary = page.select_one(".govuk-error-summary")
    return [item.get_text(strip=True) for item in summary.select("li")] if summary else []


def email_body(message: EmailMessage) -> str:
    """The plain-text body of a received email."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def links_in(message: EmailMessage) -> list[str]:
    """Every http(s) link in an email's body."""
    return re.findall(r"https?://\S+", email_body(message))


def run_rq_worker(redis_url: str, queue_name: str, database_uri: str, **env: str) -> None:
    """Run the real worker entry point (worker.py) in burst mode on one queue until it is empty. Like a production
    worker, it builds its own app from the environment: the test's database plus any extra settings in ``env``."""
    import os
    import subprocess
    import sys

    worker = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "worker.py"), "--burst", "--url", redis_url, queue_name],
        env={**os.environ, "DATABASE_URL": database_uri, "PORTAL_ENV": "development", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
