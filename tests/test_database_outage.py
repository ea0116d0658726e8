"""While the database is unreachable (a restart, a failover) pages answer a clear 503 with Retry-After, never a 500;
a bug in a query is still a 500."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.access import public
from portal.extensions import db
from tests.helpers import check_page_structure


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
