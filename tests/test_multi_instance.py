"""Two real gunicorn instances on one database and one Redis, as in production behind a load balancer (issue 17).

A visitor's requests alternate between the instances: a sign-in on one is valid on the other, sign-in attempts are
counted across both, a public page one instance cached is served by the other until a change of data, then by
neither, and a background job queued by a request on one is run by a separate ``python worker.py`` process and its
result is seen on both. Runs when TEST_REDIS_URL names a Redis server (``.ci/run`` starts one), on the suite's
database (PostgreSQL in the second pass of ``make test``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.models import Role, User
from tests.conftest import TEST_PASSWORD, Mailbox

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set: no Redis server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _plain_url(url: str) -> str:
    """A SQLAlchemy URL as DATABASE_URL takes it (the app adds the psycopg driver itself)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _production_env(app: Flask) -> dict[str, str]:
    """The environment an operator gives every process (web instances and worker): one database, one Redis."""
    return {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "multi-instance-test-secret-key",
        "DATABASE_URL": _plain_url(app.config["SQLALCHEMY_DATABASE_URI"]),
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "WEB_CONCURRENCY": "1",
        "REQUEST_LOG": "0",
        "PYTHONPATH": str(ROOT),
    }


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn and RQ both finish what they are doing, then exit); kill if that takes too long."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def _running(_session_app: Flask) -> Iterator[list[str]]:
    """Two gunicorn instances (one sync worker each) on the test database and TEST_REDIS_URL; their base URLs."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server")
    env = _production_env(_session_app)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    processes: list[subprocess.Popen[bytes]] = []
    bases = []
    with tempfile.TemporaryFile() as log:
        try:
            for _ in range(2):
                port = _free_port()
                command = [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}", "wsgi:app"]
                processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
                bases.append(f"http://127.0.0.1:{port}")
            for base, process in zip(bases, processes, strict=True):
                _wait_until_up(base, process, log)
            yield bases
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                _stop(process)


@pytest.fixture
def instances(app: Flask, _running: list[str]) -> Iterator[list[str]]:
    """The two instances, with Redis (cache, rate-limit counts, queues) emptied before and after the test."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    yield _running
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def worker(app: Flask, instances: list[str], smtp_server: tuple[Mailbox, int]) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running ``python worker.py email`` process, as the Procfile starts it, with the production environment
    and the test's loopback SMTP server; stopped (after the instances' Redis is still there) at the end of the test."""
    env = {
        **_production_env(app),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server[1]),
        "SERVER_BASE_URL": "https://jsna.example.gov.uk",
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py"), "email"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            yield process
        finally:
            _stop(process)
            if process.returncode not in (0, -signal.SIGTERM):
                log.seek(0)
                pytest.fail(f"worker.py exited with {process.returncode}: {log.read()[-3000:]!r}")


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: object) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)  # type: ignore[attr-defined]
            raise RuntimeError(f"gunicorn exited: {log.read()[-3000:]!r}")  # type: ignore[attr-defined]
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base} did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Visitor:
    """A browser's cookie jar, sent to whichever instance it asks (production cookies are Secure; this is loopback)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, url: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            body = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value and "Expires=Thu, 01 Jan 1970" not in header:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
            return response.status, dict(response.headers.items()), body

    def csrf_token(self, url: str) -> str:
        _, _, body = self.request(url)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', body)
        assert found is not None, "no CSRF token on the form"
        return found.group(1) or found.group(2)


def test_a_sign_in_on_one_instance_is_valid_on_the_other(instances: list[str], make_user: Callable[..., User]) -> None:
    one, two = instances
    user = make_user(email="both@example.org")
    visitor = Visitor()
    token = visitor.csrf_token(one + "/sign-in")
    status, _, _ = visitor.request(
        one + "/sign-in", {"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert status == 303
    status, headers, body = visitor.request(two + "/")
    assert status == 200 and "Your account" in body and "X-Page-Cache" not in headers
    # Signing out on the second ends the session on the first too.
    token = re.search(r'"X-CSRFToken": "([^"]+)"', body.replace("&#34;", '"'))
    assert token is not None
    visitor.request(two + "/sign-out", {"csrf_token": token.group(1)})
    assert "Your account" not in visitor.request(one + "/")[2]


def test_sign_in_attempts_are_counted_across_both_instances(instances: list[str]) -> None:
    statuses = []
    for attempt in range(12):
        base = instances[attempt % 2]
        visitor = Visitor()
        token = visitor.csrf_token(base + "/sign-in")
        form = {"email": f"x{attempt}@example.org", "password": "wrong", "csrf_token": token}
        statuses.append(visitor.request(base + "/sign-in", form)[0])
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]


def test_a_page_cached_by_one_is_served_by_the_other_until_the_data_changes(app: Flask, instances: list[str]) -> None:
    from portal import create_app
    from portal.evidence import services
    from tests.evidence.conftest import briefing_input

    one, two = instances
    assert Visitor().request(one + "/evidence")[1].get("X-Page-Cache") == "miss"
    assert Visitor().request(two + "/evidence")[1].get("X-Page-Cache") == "hit"
    # A third process publishes (as an import or an editor on any instance would), with the same Redis.
    writer = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=REDIS_URL)
    with writer.app_context():
        briefing = services.create_briefing(briefing_input(title="Cold homes and winter deaths"), author_id=None)
        services.set_published(briefing.id, True, None)
        from portal.extensions import db

        db.session.remove()
        db.engine.dispose()
    for base in (two, one):
        _, headers, body = Visitor().request(base + "/evidence")
        assert "Cold homes and winter deaths" in body
    assert headers.get("X-Page-Cache") == "hit"  # the first of the two stored the new page for the other


def _invitation_statuses(visitor: Visitor, url: str) -> list[str]:
    """The "Status" column of a survey's sent-invitations table, as the analyst sees it."""
    from bs4 import BeautifulSoup

    status, _, body = visitor.request(url)
    assert status == 200, body[-2000:]
    page = BeautifulSoup(body, "html.parser")
    return [cell.get_text(strip=True) for cell in page.select("#invitations-sent tbody td:nth-of-type(3)")]


def test_a_job_queued_on_one_instance_is_run_by_the_worker_and_its_result_seen_on_both(
    app: Flask,
    instances: list[str],
    worker: subprocess.Popen[bytes],
    make_user: Callable[..., User],
    mailbox: Mailbox,
) -> None:
    from portal.surveys.inviting import MAX_INVITATIONS_PER_BATCH
    from tests.surveys.conftest import build_survey

    one, two = instances
    survey = build_survey(audience="invite")
    analyst = make_user(Role.ANALYST, email="analyst@example.org")
    # More people than production emails within the request (INVITATIONS_INLINE_MAX, 20): the batch is queued.
    emails = [f"resident{n:02}@example.org" for n in range(25)]
    assert len(emails) <= MAX_INVITATIONS_PER_BATCH
    visitor = Visitor()
    token = visitor.csrf_token(one + "/sign-in")
    visitor.request(one + "/sign-in", {"email": analyst.email, "password": TEST_PASSWORD, "csrf_token": token})
    url = f"/surveys/manage/{survey.id}/invitations"

    status, headers, _ = visitor.request(
        one + url, {"emails": "\n".join(emails), "csrf_token": visitor.csrf_token(one + url)}
    )

    assert status == 303, "the request returns at once; the worker sends the emails"
    # Both instances read the progress from the database the worker writes to: poll both until nothing waits.
    deadline = time.monotonic() + 60
    while True:
        seen = {base: _invitation_statuses(visitor, base + url) for base in (one, two)}
        if all(statuses and "Waiting" not in statuses for statuses in seen.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert seen == {one: ["Sent"] * len(emails), two: ["Sent"] * len(emails)}
    assert sorted(str(message["To"]) for message in mailbox.messages) == emails
    # The link the worker made (with the production address, as no request was there to build it from) is valid
    # on the other instance.
    body = mailbox.last_to(emails[0]).get_body(preferencelist=("plain",))
    assert body is not None
    links = re.findall(r"https://jsna\.example\.gov\.uk(/surveys/invitation/\S+)", body.get_content())
    assert len(links) == 1
    status, headers, _ = Visitor().request(two + links[0])
    assert status == 303 and headers["Location"].endswith(f"/surveys/{survey.id}")
