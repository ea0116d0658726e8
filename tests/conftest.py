"""Fixtures: the app on a real migrated database, a real SMTP server on loopback, signed-in users."""

from __future__ import annotations

import contextvars
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.models import Organisation, Role, User
from tests.helpers import ClientRequest

TEST_PASSWORD = "correct horse battery staple"


def database_backend() -> str:
    """ "postgresql" when PORTAL_TEST_DB=postgres and TEST_DATABASE_URL is set, otherwise "sqlite"."""
    if os.environ.get("PORTAL_TEST_DB") == "postgres":
        if not os.environ.get("TEST_DATABASE_URL"):
            raise RuntimeError("PORTAL_TEST_DB=postgres needs TEST_DATABASE_URL")
        return "postgresql"
    return "sqlite"


def postgres_url() -> str:
    """TEST_DATABASE_URL with the psycopg 3 driver named."""
    url = os.environ["TEST_DATABASE_URL"]
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def reset_postgres_schema(url: str) -> None:
    """Drop everything in the test database's public schema."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    The tests hold an app context open (to use the database directly); Flask would otherwise reuse it
    for requests, sharing ``g`` — and with it the signed-in user, the CSRF token and the CSP nonce —
    between requests and between clients.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


class Mailbox:
    """Messages received by the loopback SMTP server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """Messages sent to ``address``."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def last_to(self, address: str) -> EmailMessage:
        """The latest message sent to ``address`` (fails when there is none)."""
        found = self.to(address)
        assert found, f"no email was sent to {address}; received: {[str(m['To']) for m in self.messages]}"
        return found[-1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback for the whole session."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd's readiness check cannot use port 0, so pick a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def _session_app(smtp_server: tuple[Mailbox, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the session, on a database built by the migrations."""
    _, smtp_port = smtp_server
    if database_backend() == "postgresql":
        url = postgres_url()
        reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upload_dir = Path(tempfile.mkdtemp(prefix="portal-uploads-"))
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        SERVER_BASE_URL="http://localhost",
        UPLOAD_DIR=upload_dir,
        CHART_CACHE_DIR=upload_dir / "chart-cache",
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_all_tables(app: Flask) -> None:
    with app.app_context():
        _db.session.remove()
        migrated = set(inspect(_db.engine).get_table_names())
        # Only tables the migrations made: test_migrations checks separately that models and migrations agree.
        tables = [t.name for t in reversed(_db.metadata.sorted_tables) if t.name in migrated]
        with _db.engine.begin() as connection:
            if _db.engine.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                connection.execute(text("PRAGMA foreign_keys=OFF"))
                for table in tables:
                    connection.execute(text(f'DELETE FROM "{table}"'))
                connection.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def app(_session_app: Flask, smtp_server: tuple[Mailbox, int]) -> Iterator[Flask]:
    """The app, with empty tables, an empty mailbox and fresh rate limits for each test."""
    smtp_server[0].clear()
    with _session_app.app_context():
        limiter.reset()
        yield _session_app
    _empty_all_tables(_session_app)


@pytest.fixture
def db(app: Flask) -> Any:
    """The Flask-SQLAlchemy handle, inside the app context."""
    return _db


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    """Emails the app sent during this test."""
    return smtp_server[0]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (a fresh browser session)."""
    return app.test_client()


@pytest.fixture
def client_request(client: FlaskClient) -> ClientRequest:
    """Fetch pages with the structural checks every route test relies on."""
    return ClientRequest(client)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a confirmed user with roles; returns the User."""
    from portal.auth.services import create_user

    counter = {"n": 0}

    def make(*roles: Role | str, email: str | None = None, organisation: Organisation | None = None, **kw: Any) -> User:
        counter["n"] += 1
        chosen = [Role(r) for r in roles] or [Role.PUBLIC]
        address = email or f"{'-'.join(r.value for r in chosen)}-{counter['n']}@example.org"
        user = create_user(address, TEST_PASSWORD, chosen, confirmed=True, organisation=organisation, **kw)
        _db.session.commit()
        return user

    return make


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real form (so Flask-Login's session protection is satisfied)."""
    request = ClientRequest(client)
    response = request.post("/sign-in", {"email": email, "password": password}, expected_status=303)
    assert response.status_code == 303


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user with ``roles`` and sign the test client in as them."""

    def login(*roles: Role | str, **kw: Any) -> User:
        user = make_user(*roles, **kw)
        sign_in(client, user.email)
        return user

    return login
