"""While the database is unreachable (a restart, a failover) pages answer a clear 503 with Retry-After, never a 500;
a bug in a query is still a 500."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask, current_app, session
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from portal import create_app, page_cache
from portal.access import public
from portal.data_version import VERSION_KEY, current_data_version
from portal.extensions import cache, db
from portal.models import Proposal
from portal.page_cache import page_key
from portal.page_cache_locks import build_lock_name
from portal.proposals import drafts, wizard
from tests.helpers import ClientRequest, check_page_structure


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the probe is closed


def test_pages_answer_503_with_retry_after_while_the_database_is_unreachable(app: Flask) -> None:
    down = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/portal",
        PROPAGATE_EXCEPTIONS=False,
    )
    client = down.test_client()
    for url in ("/topics", "/surveys", "/api/v1/indicators"):
        response = client.get(url)
        assert response.status_code == 503, url
        # The API's rate limiter sets its own Retry-After on every answer (its window); pages ask for 5 seconds.
        if not url.startswith("/api/"):
            assert response.headers["Retry-After"] == "5"
        assert int(response.headers["Retry-After"]) > 0
        html = response.get_data(as_text=True)
        assert "unavailable for a moment" in html and "may not have been saved" in html
    check_page_structure(client.get("/topics").get_data(as_text=True), "/topics")


def test_a_broken_query_is_still_a_500(app: Flask) -> None:
    broken = create_app(
        "test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False
    )

    @public
    def bad_query() -> str:
        return str(db.session.execute(text("SELECT no_such_column FROM no_such_table")).scalar())

    broken.add_url_rule("/__bad-query", "bad_query", bad_query)
    response = broken.test_client().get("/__bad-query")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_a_connection_that_dies_before_the_request_ends_does_not_turn_the_answer_into_a_500(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = create_app(
        "test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False
    )
    closing = {"fail": True}

    @public
    def read() -> str:
        session = db.session()
        close = session.close

        def dies_on_close() -> None:  # as psycopg's ROLLBACK on a connection the server has just cut
            if closing.pop("fail", False):
                raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))
            close()

        monkeypatch.setattr(session, "close", dies_on_close)
        return str(db.session.execute(text("SELECT 1")).scalar())

    fresh.add_url_rule("/__read", "read", read)
    client = fresh.test_client()
    response = client.get("/__read")
    assert response.status_code == 200 and response.get_data(as_text=True) == "1"
    assert client.get("/__read").status_code == 200, "the next request gets a working session"


# ---------------------------------------------------------------------------------------------------------------
# A connection lost in the middle of a request (a restart cuts it between two statements): wherever the next
# statement runs, the answer is the 503 page, never a 500.


def cut_connection(orm_session: Session) -> None:
    """What a database restart does to the session's open connection. PostgreSQL: the server process serving it is
    ended. SQLite: the driver's connection is closed under SQLAlchemy, which sees it the same way (dead)."""
    connection = orm_session.connection()
    if connection.dialect.name == "postgresql":
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with db.engine.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()
    else:
        connection.connection.dbapi_connection.close()  # type: ignore[union-attr]


def _ready_to_send(app: Flask, title: str) -> tuple[FlaskClient, dict[str, str]]:
    """A browser whose proposal is complete, and the final form "Check your answers" renders."""
    client = app.test_client()
    draft = drafts.create_draft()
    drafts.save_answers(draft, {**PROPOSAL, "title": title, wizard.COMPLETED: [s.slug for s in wizard.STEPS]})
    with client.session_transaction() as browser:
        browser[wizard.DRAFT_KEY] = draft.id
    page = ClientRequest(client).get("/topics/propose/check")
    form = page.find("form", action="/topics/propose/check")
    return client, {field["name"]: field.get("value", "") for field in form.find_all("input") if field.get("name")}


PROPOSAL: dict[str, Any] = {
    "title": "Topic",
    "need": "A need.",
    "population_groups": ["everyone"],
    "age_groups": ["all"],
    "wards": ["whole_city"],
    "evidence_of_need": "Evidence.",
    "decisions_informed": "Decisions.",
    "proposer_type": "public",
}


def test_a_connection_lost_just_before_a_proposal_is_committed_answers_503_and_sending_again_stores_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CI load run's 500: the restart cut the connection after the proposal's last statement, so the commit's
    # first statement (the data version's SAVEPOINT) failed; that error was swallowed and the commit then raised
    # "invalid transaction" instead of the outage.
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 0)
    client, form = _ready_to_send(app, "Sent during a restart")
    db.session.remove()
    cuts: list[bool] = []

    def restart_before_commit(orm_session: Session) -> None:
        if not cuts:
            cuts.append(True)
            cut_connection(orm_session)

    event.listen(Session, "before_commit", restart_before_commit, insert=True)  # before the data version's bump
    try:
        response = client.post("/topics/propose/check", data=form)
    finally:
        event.remove(Session, "before_commit", restart_before_commit)

    assert cuts and response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0  # the sending rate limit's window replaces the page's 5 seconds
    assert "unavailable for a moment" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Proposal.id))) == 0, "nothing was stored, nor acknowledged"
    again = client.post("/topics/propose/check", data=form)
    assert (again.status_code, again.headers["Location"]) == (303, "/topics/propose/confirmation")
    assert list(db.session.scalars(select(Proposal.title))) == ["Sent during a restart"]


def test_a_connection_lost_while_waiting_for_a_page_build_answers_503(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request holds the page's build lock; while this one waits, its data version expires from the cache and
    # the read from the database meets the cut connection. The lock's guard used to swallow that, and the page was
    # then built on the dead transaction (a 500).
    cached = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PAGE_CACHE_ENABLED=True,
        PAGE_CACHE_BUILD_WAIT_SECONDS=5.0,
        REQUEST_LOG=False,
    )
    environ = {"wsgi.url_scheme": "http", "PATH_INFO": "/topics", "QUERY_STRING": ""}
    with cached.app_context():
        cached.extensions["page_cache_build_locks"].acquire(build_lock_name(page_key(environ), "v1"), "other", 5.0)
    reads: list[str] = []

    def version_then_restart() -> str:
        reads.append("read")
        if len(reads) == 1:
            db.session.execute(text("SELECT 1"))  # the request's transaction is open, as after a version read
            return "v1"
        cut_connection(db.session())
        cache.delete(VERSION_KEY)  # expired meanwhile: read from the database
        return current_data_version()

    monkeypatch.setattr(page_cache, "current_data_version", version_then_restart)
    try:
        response = cached.test_client().get("/topics")
    finally:
        with cached.app_context():
            db.engine.dispose()

    assert len(reads) == 2 and response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_a_signed_in_visitor_gets_the_503_page_while_the_database_is_unreachable(app: Flask) -> None:
    # The error page's header shows the signed-in user: loading them (or their roles) from the unreachable database
    # inside the error handler made gunicorn's bare 500.
    down = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/portal",
        PROPAGATE_EXCEPTIONS=False,
    )

    @public
    def signed_in() -> str:  # what signing in leaves in the session; the account itself is in the database
        session.update({"_user_id": "1:secret", "_fresh": True})
        session["_id"] = current_app.login_manager._session_identifier_generator()  # type: ignore[attr-defined]
        return ""

    down.add_url_rule("/__signed-in", "signed_in", signed_in)
    client = down.test_client()
    client.get("/__signed-in")
    # Public pages (the indicators read stored summaries), a signed-in page (the user loads before the view), and a
    # form sent without its CSRF token (the 400 page's header loads the user).
    for method, url in (("GET", "/"), ("GET", "/topics"), ("GET", "/indicators"), ("GET", "/account"),
                        ("POST", "/topics/propose/title")):  # fmt: skip
        response = client.open(url, method=method)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"] == "5"
        assert "unavailable for a moment" in response.get_data(as_text=True)


def _raw_driver_error() -> None:
    raise psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")


def _swallowed_then_used() -> None:
    try:
        cut_connection(db.session())
        db.session.execute(text("SELECT 1"))
    except DBAPIError:
        pass  # code that swallows the outage: the session's next use says "invalid transaction" instead
    db.session.execute(text("SELECT 1"))


@pytest.mark.parametrize(
    ("where", "lost"),
    [
        ("view", _raw_driver_error),  # a raw psycopg cursor (COPY) raises the driver's own errors, unwrapped
        ("after_request", _raw_driver_error),  # Flask sends these straight to the 500 handler
        ("view", _swallowed_then_used),
    ],
)
def test_a_lost_connection_that_reaches_flask_as_another_error_still_answers_503(
    app: Flask, where: str, lost: Callable[[], None]
) -> None:
    fresh = create_app(
        "test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False
    )

    @public
    def view() -> str:
        db.session.execute(text("SELECT 1"))
        if where == "view":
            lost()
        return "ok"

    if where == "after_request":
        fresh.after_request(lambda response: lost() or response)
    fresh.add_url_rule("/__lost", "lost", view)
    try:
        response = fresh.test_client().get("/__lost")
    finally:
        with fresh.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "unavailable for a moment" in response.get_data(as_text=True)


def test_a_driver_error_that_is_not_an_outage_is_still_a_500(app: Flask) -> None:
    fresh = create_app(
        "test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False
    )

    @public
    def duplicate() -> str:
        raise psycopg.errors.UniqueViolation("duplicate key value violates unique constraint")

    fresh.add_url_rule("/__duplicate", "duplicate", duplicate)
    response = fresh.test_client().get("/__duplicate")
    assert response.status_code == 500 and "Retry-After" not in response.headers
