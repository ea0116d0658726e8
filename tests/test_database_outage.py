"""While the database is unreachable (a restart, a failover) pages answer a clear 503 with Retry-After, never a 500;
a bug in a query is still a 500."""

from __future__ import annotations

import socket

from flask import Flask
from sqlalchemy import text

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
