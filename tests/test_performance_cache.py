"""Full-page caching of public pages for anonymous visitors, keyed by URL and data version (issue 17)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import create_app
from portal.data_version import VERSION_KEY, current_data_version, database_data_version
from portal.evidence import services
from portal.extensions import cache
from portal.models import User
from tests.conftest import IsolatedClient
from tests.evidence.conftest import briefing_input

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:56379/10")


@pytest.fixture
def caching(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app with the page cache on (the Test config turns it off for other features' tests), emptied."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENABLED", True)
    cache.clear()
    yield app
    cache.clear()


def _nonce(response: TestResponse) -> str:
    found = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert found is not None
    return found.group(1)


def _publish(title: str) -> None:
    briefing = services.create_briefing(briefing_input(title=title), author_id=None)
    services.set_published(briefing.id, True, None)


def test_a_public_page_is_served_from_the_cache_with_this_responses_nonce_and_token(
    caching: Flask, client: FlaskClient
) -> None:
    first = client.get("/evidence")
    second = client.get("/evidence")
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    for response in (first, second):
        html = response.get_data(as_text=True)
        nonce = _nonce(response)
        # Every nonce in the page is this response's own, so its scripts run under its CSP.
        assert set(re.findall(r'nonce="([^"]+)"', html)) == {nonce}
        assert "\x00" not in html
    assert _nonce(first) != _nonce(second)


def test_another_visitor_gets_their_own_csrf_token_from_a_cached_page(caching: Flask) -> None:
    one, two = caching.test_client(), caching.test_client()
    one.get("/evidence")
    served = two.get("/evidence")
    assert served.headers["X-Page-Cache"] == "hit"
    with two.session_transaction() as session:
        own_token = session["csrf_token"]
    html = served.get_data(as_text=True)
    from itsdangerous import URLSafeTimedSerializer

    signer = URLSafeTimedSerializer(caching.config["SECRET_KEY"], salt="wtf-csrf-token")
    tokens = re.findall(r"X-CSRFToken(?:&#34;|\"): (?:&#34;|\")([^&\"]+)", html)
    assert tokens and all(signer.loads(t) == own_token for t in tokens)


def test_publishing_changes_the_data_version_and_the_page(caching: Flask, client: FlaskClient) -> None:
    before = current_data_version()
    assert "Falls prevention" not in client.get("/evidence").get_data(as_text=True)
    assert client.get("/evidence").headers["X-Page-Cache"] == "hit"
    _publish("Falls prevention in care homes")
    assert current_data_version() != before
    after = client.get("/evidence")
    assert after.headers["X-Page-Cache"] == "miss"
    assert "Falls prevention in care homes" in after.get_data(as_text=True)


def test_personal_bookkeeping_does_not_empty_the_cache(caching: Flask, client: FlaskClient) -> None:
    from portal.audit import record_audit
    from portal.extensions import db

    client.get("/evidence")
    before = current_data_version()
    record_audit(None, "test.noted", "page", "1", "")
    db.session.commit()
    assert current_data_version() == before
    assert client.get("/evidence").headers["X-Page-Cache"] == "hit"


def test_signed_in_users_flashes_and_non_get_requests_are_never_cached(
    caching: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    client.get("/evidence")
    from tests.conftest import sign_in

    user = make_user(email="reader@example.org")
    signed_in = caching.test_client()
    sign_in(signed_in, user.email)
    response = signed_in.get("/evidence")
    assert "X-Page-Cache" not in response.headers
    assert "Your account" in response.get_data(as_text=True)

    flashed = caching.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("success", "Thank you")]
    response = flashed.get("/evidence")
    assert "X-Page-Cache" not in response.headers
    assert "Thank you" in response.get_data(as_text=True)

    assert "X-Page-Cache" not in client.head("/evidence").headers


def test_pages_with_csrf_forms_are_not_stored(caching: Flask, client: FlaskClient) -> None:
    first = client.get("/sign-in")
    assert 'name="csrf_token"' in first.get_data(as_text=True)
    assert client.get("/sign-in").headers.get("X-Page-Cache") != "hit"


def test_htmx_requests_are_cached_apart(caching: Flask, client: FlaskClient) -> None:
    client.get("/evidence")
    fragment = client.get("/evidence", headers={"HX-Request": "true"})
    assert fragment.headers["X-Page-Cache"] == "miss"
    assert "HX-Request" in fragment.headers["Vary"]


def test_cacheable_pages_answer_if_none_match_with_304_and_no_new_nonce(caching: Flask, client: FlaskClient) -> None:
    first = client.get("/evidence")
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"] and "private" in first.headers["Cache-Control"]
    again = client.get("/evidence", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "Content-Security-Policy" not in again.headers
    # Compressed: the ETag names the encoding too, and still revalidates.
    compressed = client.get("/evidence", headers={"Accept-Encoding": "br"})
    assert compressed.headers["Content-Encoding"] == "br"
    revalidated = client.get(
        "/evidence", headers={"Accept-Encoding": "br", "If-None-Match": compressed.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    _publish("Loneliness in older people")
    assert client.get("/evidence", headers={"If-None-Match": etag}).status_code == 200


def test_a_hit_is_answered_before_flask_runs_with_no_database_query(caching: Flask, client: FlaskClient) -> None:
    from flask import request_started
    from sqlalchemy import event

    from portal.extensions import db

    client.get("/evidence")
    requests: list[object] = []
    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    request_started.connect(requests.append, caching)
    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        hit = caching.test_client().get("/evidence")
    finally:
        request_started.disconnect(requests.append, caching)
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert hit.headers["X-Page-Cache"] == "hit"
    assert requests == [] and statements == []


def test_a_hit_carries_the_headers_of_the_full_response(caching: Flask) -> None:
    miss = caching.test_client().get("/evidence?sort=title", headers={"Accept-Encoding": "gzip"})
    hit = caching.test_client().get("/evidence?sort=title", headers={"Accept-Encoding": "gzip"})
    assert (miss.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == ("miss", "hit")
    per_response = {"Content-Security-Policy", "Set-Cookie", "Content-Length", "X-Page-Cache"}

    def replayed(response: TestResponse) -> dict[str, str]:
        return {name: value for name, value in response.headers.items() if name not in per_response}

    assert replayed(hit) == replayed(miss)
    assert hit.headers["Content-Encoding"] == "gzip" and hit.headers["ETag"] == miss.headers["ETag"]
    assert _nonce(hit) != _nonce(miss)
    assert (
        miss.headers["Content-Security-Policy"].replace(_nonce(miss), _nonce(hit))
        == (hit.headers["Content-Security-Policy"])
    )
    # Both visitors got a session cookie holding their own CSRF token, with the same attributes.
    assert miss.headers["Set-Cookie"].split(";", 1)[1] == hit.headers["Set-Cookie"].split(";", 1)[1]


def test_a_hit_is_sent_gzipped_from_pieces_compressed_when_the_page_was_stored(
    caching: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    from portal import page_cache

    browser = {"Accept-Encoding": "br, gzip"}
    caching.test_client().get("/evidence", headers=browser)
    compressions: list[bytes] = []
    real_compress = page_cache.gzip.compress

    def counted(data: bytes, *args: int) -> bytes:
        compressions.append(data)
        return real_compress(data, *args)

    monkeypatch.setattr(page_cache.gzip, "compress", counted)
    hits = [caching.test_client().get("/evidence", headers=browser) for _ in range(2)]
    assert compressions == []  # nothing compressed per response
    plain = caching.test_client().get("/evidence")
    for hit in hits:
        assert hit.headers["X-Page-Cache"] == "hit" and hit.headers["Content-Encoding"] == "gzip"
        html = gzip.decompress(hit.data).decode()
        # The same page as an uncompressed hit, with this response's own nonce and CSRF token in it.
        assert set(re.findall(r'nonce="([^"]+)"', html)) == {_nonce(hit)}
        assert "\x00" not in html
        assert len(html) == len(plain.get_data(as_text=True))
        assert (
            re.sub(r"nonce=\"[^\"]+\"", "", html).split("X-CSRFToken")[0]
            == (re.sub(r"nonce=\"[^\"]+\"", "", plain.get_data(as_text=True)).split("X-CSRFToken")[0])
        )
    assert _nonce(hits[0]) != _nonce(hits[1])


def test_gzip_pieces_join_into_one_valid_stream_with_the_right_trailer() -> None:
    import gzip

    from portal.page_cache_gzip import CSRF_PLACEHOLDER, NONCE_PLACEHOLDER, gzip_from_pieces, gzip_pieces

    body = f'<p>{"é" * 3000}</p><script nonce="{NONCE_PLACEHOLDER}"></script>{CSRF_PLACEHOLDER}<i>{NONCE_PLACEHOLDER}'
    secrets = {NONCE_PLACEHOLDER: "n0nce", CSRF_PLACEHOLDER: "t0ken-of-another-length"}
    served = body.replace(NONCE_PLACEHOLDER, "n0nce").replace(CSRF_PLACEHOLDER, "t0ken-of-another-length").encode()
    # gzip.decompress checks the trailer: the CRC-32 and length worked out from the pieces must be the page's.
    assert gzip.decompress(gzip_from_pieces(gzip_pieces(body, 6), secrets, 6)) == served


PUBLIC_PAGES = ["/", "/indicators", "/topics", "/surveys", "/evidence", "/chapters", "/prioritisation/", "/outcomes"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_second_anonymous_request_for_a_public_page_runs_no_sql(caching: Flask, path: str) -> None:
    from sqlalchemy import event

    from portal.extensions import db

    first = caching.test_client().get(path, headers={"Accept-Encoding": "br, gzip"})
    assert first.status_code == 200 and first.headers["X-Page-Cache"] == "miss"
    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        # A new visitor without cookies, as a crawler or a first visit.
        second = caching.test_client().get(path, headers={"Accept-Encoding": "br, gzip"})
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert second.status_code == 200 and second.headers["X-Page-Cache"] == "hit"
    assert statements == []


def test_a_returning_visitor_keeps_their_token_and_gets_no_new_cookie(caching: Flask, client: FlaskClient) -> None:
    client.get("/evidence")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    again = client.get("/evidence")
    assert again.headers["X-Page-Cache"] == "hit" and "Set-Cookie" not in again.headers
    with client.session_transaction() as session:
        assert session["csrf_token"] == token


def test_a_visitor_whose_session_holds_their_work_is_not_served_a_shared_page(
    caching: Flask, client: FlaskClient
) -> None:
    client.get("/evidence")
    with client.session_transaction() as session:
        session["survey_draft_key"] = "theirs"
    assert "X-Page-Cache" not in client.get("/evidence").headers
    forged = caching.test_client()
    forged.set_cookie(caching.config["SESSION_COOKIE_NAME"], "not-a-signed-session")
    # A cookie that does not verify is no session at all: the visitor gets the shared page and a fresh session.
    served = forged.get("/evidence")
    assert served.headers["X-Page-Cache"] == "hit" and "Set-Cookie" in served.headers


def test_the_version_comes_from_the_cache_and_is_refilled_from_the_database(
    caching: Flask, client: FlaskClient
) -> None:
    _publish("Physical activity")
    assert cache.get(VERSION_KEY) == database_data_version()
    client.get("/evidence")
    cache.delete(VERSION_KEY)  # expired, or emptied
    assert client.get("/evidence").headers["X-Page-Cache"] == "hit"
    assert cache.get(VERSION_KEY) == database_data_version()
    # A reader never replaces a version a writer has just published.
    cache.set(VERSION_KEY, "newer.1")
    assert current_data_version() == "newer.1"


def test_api_json_has_an_etag_and_answers_304(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/indicators")
    assert response.status_code == 200 and response.mimetype == "application/json"
    etag = response.headers["ETag"]
    assert client.get("/api/v1/indicators", headers={"If-None-Match": etag}).status_code == 304


def _second_instance(app: Flask) -> Flask:
    other = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=REDIS_URL,
        PAGE_CACHE_ENABLED=True,
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=app.config["MAIL_PORT"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        CHART_CACHE_DIR=app.config["CHART_CACHE_DIR"],
    )
    other.test_client_class = IsolatedClient
    return other


def test_an_import_on_one_instance_is_not_served_stale_by_another(app: Flask) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server")
    one, two = _second_instance(app), _second_instance(app)
    with one.app_context():
        cache.clear()
        assert one.test_client().get("/evidence").headers["X-Page-Cache"] == "miss"
    with two.app_context():
        # The other instance finds the page the first one stored, in the shared Redis cache.
        assert two.test_client().get("/evidence").headers["X-Page-Cache"] == "hit"
        _publish("Air quality and asthma")
    with one.app_context():
        response = one.test_client().get("/evidence")
        assert response.headers["X-Page-Cache"] == "miss"
        assert "Air quality and asthma" in response.get_data(as_text=True)
        cache.clear()
    for instance in (one, two):
        with instance.app_context():
            from portal.extensions import db

            db.engine.dispose()
