"""Guessing and probing: per-account lockout with backoff whatever address the guesses come from, registration that
takes as long for a taken address as for a new one, and rate limits that every worker shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.auth import throttle
from portal.models import Role, SignInThrottle, User
from tests.conftest import TEST_PASSWORD
from tests.helpers import ClientRequest, error_summary_texts

LOCKED = "too many attempts to sign in with this email address"


def _attempt(app: Flask, email: str, password: str, address: str) -> str:
    """One sign-in attempt from its own machine (a fresh client at ``address``); returns the page text."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    request = ClientRequest(client)
    response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": request.csrf_token()})
    assert response.status_code in (200, 303), response.status_code
    return "signed-in" if response.status_code == 303 else response.get_data(as_text=True)


def _age_lock(db: Any, email: str, seconds: int) -> None:
    """Move the lock's clock on, as if ``seconds`` had passed."""
    row = db.session.get(SignInThrottle, throttle.throttle_key(email))
    row.locked_until -= timedelta(seconds=seconds)
    row.last_failure_at -= timedelta(seconds=seconds)
    db.session.commit()


def test_guesses_from_many_addresses_lock_the_account_with_backoff(
    app: Flask, db: Any, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.PUBLIC)
    for n in range(5):
        page = _attempt(app, user.email, f"wrong guess {n}", f"10.0.0.{n + 1}")
        assert "Enter a correct email address and password" in page
    # Locked: even the right password, from yet another address, does not get in, and nothing says it was right.
    page = _attempt(app, user.email, TEST_PASSWORD, "10.0.1.1")
    assert LOCKED in page.lower() and "Wait 1 minute," in page
    assert throttle.locked_for(user.email) > 0

    _age_lock(db, user.email, 61)
    page = _attempt(app, user.email, "sixth wrong guess", "10.0.1.2")
    assert "Enter a correct email address and password" in page
    page = _attempt(app, user.email, TEST_PASSWORD, "10.0.1.3")
    assert "Wait 2 minutes," in page, "each further failure doubles the wait"
    assert 60 < throttle.locked_for(user.email) <= 120

    _age_lock(db, user.email, 121)
    assert _attempt(app, user.email, TEST_PASSWORD, "10.0.1.4") == "signed-in"
    assert db.session.scalar(select(SignInThrottle)) is None, "a correct password clears the count"


def test_an_unknown_address_is_locked_the_same_way(app: Flask, make_user: Callable[..., User]) -> None:
    known = make_user(Role.PUBLIC)
    pages = {}
    for email in (known.email, "nobody@example.org"):
        for n in range(5):
            _attempt(app, email, f"wrong {n}", f"10.1.0.{n + 1}")
        page = BeautifulSoup(_attempt(app, email, "wrong again", "10.1.1.1"), "html.parser")
        pages[email] = error_summary_texts(page)
    assert LOCKED in pages[known.email][0].lower()
    assert pages[known.email] == pages["nobody@example.org"]


def test_the_throttle_table_holds_no_email_addresses(app: Flask, db: Any) -> None:
    _attempt(app, "private.person@example.org", "wrong", "10.2.0.1")
    row = db.session.scalar(select(SignInThrottle))
    assert "private" not in row.key and "@" not in row.key and len(row.key) == 64


def test_resetting_the_password_clears_the_lock(app: Flask, db: Any, make_user: Callable[..., User]) -> None:
    from portal.auth import services as accounts

    user = make_user(Role.PUBLIC)
    for n in range(6):
        _attempt(app, user.email, f"wrong {n}", "10.3.0.1")
    assert throttle.locked_for(user.email)
    accounts.set_password(user, "a brand new passphrase")
    assert throttle.locked_for(user.email) == 0
    assert _attempt(app, user.email, "a brand new passphrase", "10.3.0.2") == "signed-in"


def test_registration_hashes_the_password_whether_or_not_the_address_is_taken(
    client_request: ClientRequest, make_user: Callable[..., User], mailbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashing is what takes the time (7.6 ms against 116.6 ms with production settings): both paths must do it."""
    from argon2 import PasswordHasher

    hashes: list[str] = []
    real_hash = PasswordHasher.hash

    def counting_hash(self: PasswordHasher, password: str | bytes, **kwargs: Any) -> str:
        hashes.append("x")
        return real_hash(self, password, **kwargs)

    make_user(Role.PUBLIC, email="taken@example.org")
    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)
    form = {
        "password": "a long enough password",
        "password_confirm": "a long enough password",
        "account_type": "public",
    }
    client_request.post("/register", {**form, "email": "new@example.org"})
    new_address = len(hashes)
    client_request.post("/register", {**form, "email": "taken@example.org"})
    taken_address = len(hashes) - new_address
    assert new_address == taken_address == 1
    assert len(mailbox.to("new@example.org")) == len(mailbox.to("taken@example.org")) == 1


class TestRateLimitStorage:
    """With several workers, memory:// lets each one count on its own: production refuses it."""

    @pytest.fixture(autouse=True)
    def production_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SECRET_KEY", "x" * 40)
        for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"):
            monkeypatch.delenv(name, raising=False)

    def test_memory_storage_with_several_workers_refuses_to_start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from portal.config import Production

        monkeypatch.setenv("WEB_CONCURRENCY", "3")
        with pytest.raises(RuntimeError, match="REDIS_URL"):
            Production()
        monkeypatch.delenv("WEB_CONCURRENCY")
        monkeypatch.setenv("GUNICORN_CMD_ARGS", "--bind 0.0.0.0:8000 --workers=4")
        with pytest.raises(RuntimeError, match="4 workers"):
            Production()

    def test_gunicorn_command_line_workers_are_read(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        from portal.config import configured_workers

        monkeypatch.chdir(tmp_path)  # no gunicorn.conf.py here (the project's own sets 2 workers)
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)

        assert configured_workers(["/venv/bin/gunicorn", "-w", "3", "wsgi:app"]) == 3
        assert configured_workers(["/venv/bin/gunicorn", "-w2", "wsgi:app"]) == 2
        assert configured_workers(["/venv/bin/gunicorn", "wsgi:app"]) == 1
        assert configured_workers(["flask", "run"]) == 1

    def test_workers_in_the_gunicorn_config_file_are_read(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        from portal.config import configured_workers

        monkeypatch.chdir(tmp_path)
        (tmp_path / "gunicorn.conf.py").write_text('import os\nworkers = int(os.environ.get("WEB_CONCURRENCY", "2"))\n')
        assert configured_workers(["/venv/bin/gunicorn", "wsgi:app"]) == 2
        (tmp_path / "other.py").write_text("workers = 5\n")
        assert configured_workers(["/venv/bin/gunicorn", "-c", "other.py", "wsgi:app"]) == 5
        assert configured_workers(["/venv/bin/gunicorn", "--config=other.py", "-w", "3", "wsgi:app"]) == 3
        assert configured_workers(["flask", "run"]) == 1, "the file is gunicorn's: other commands ignore it"

    def test_one_worker_may_use_memory(self) -> None:
        from portal.config import Production

        assert Production().RATELIMIT_STORAGE_URI == "memory://"

    def test_redis_is_the_default_when_redis_url_is_set(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from portal.config import Production

        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:56379/7")
        monkeypatch.setenv("WEB_CONCURRENCY", "3")
        assert Production().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:56379/7"
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:56379/8")
        assert Production().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:56379/8"


def test_a_redis_limiter_is_shared_between_two_app_processes(app: Flask) -> None:
    """Two apps (as two workers would be) share one count when the storage is Redis."""
    import os

    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set: no Redis server")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    from portal import create_app

    database = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [create_app("test", SQLALCHEMY_DATABASE_URI=database, RATELIMIT_STORAGE_URI=redis_url) for _ in range(2)]
    statuses = []
    for n in range(12):
        client: FlaskClient = workers[n % 2].test_client()
        token = ClientRequest(client).csrf_token()
        statuses.append(
            client.post(
                "/sign-in", data={"email": f"x{n}@example.org", "password": "x", "csrf_token": token}
            ).status_code
        )
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    redis.Redis.from_url(redis_url).flushdb()
