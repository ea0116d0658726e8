"""Compressed responses and fingerprinted static assets (issue 17: page weight and repeat visits)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
from flask import Flask
from flask.testing import FlaskClient

STATIC = Path(__file__).resolve().parent.parent / "static"
CSS = "govuk/govuk-frontend.min.css"


def _file_hash(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def test_pages_are_gzipped_for_clients_that_accept_only_gzip(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"</html>" in gzip.decompress(response.get_data())


def test_pages_are_brotli_compressed_when_the_client_accepts_it(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    body = brotli.decompress(response.get_data())
    assert b"</html>" in body
    assert len(response.get_data()) < len(body) / 3


def test_clients_that_accept_no_encoding_get_plain_html(client: FlaskClient) -> None:
    response = client.get("/")
    assert "Content-Encoding" not in response.headers
    assert b"</html>" in response.get_data()


def test_the_stylesheet_is_compressed(client: FlaskClient) -> None:
    response = client.get(f"/static/{CSS}", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    body = brotli.decompress(response.get_data())
    assert body == (STATIC / CSS).read_bytes()
    assert len(response.get_data()) < 40_000  # 125 KB of CSS


def test_pages_link_static_files_by_their_content_hash(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert f"/static/{CSS}?v={_file_hash(CSS)}" in html
    assert f"/static/css/portal.css?v={_file_hash('css/portal.css')}" in html
    # No static URL on the page goes without its fingerprint.
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert "?v=" in url, url


def test_a_fingerprinted_asset_is_cached_for_a_year_and_immutable(client: FlaskClient) -> None:
    response = client.get(f"/static/{CSS}?v={_file_hash(CSS)}")
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache_control
    assert "immutable" in cache_control
    assert "public" in cache_control


def test_plain_and_stale_static_urls_get_a_short_max_age(client: FlaskClient) -> None:
    for url in (f"/static/{CSS}", f"/static/{CSS}?v=0123456789ab"):
        cache_control = client.get(url).headers["Cache-Control"]
        assert "immutable" not in cache_control, url
        assert "max-age=300" in cache_control, url


def test_an_edited_asset_gets_a_new_fingerprint(app: Flask, tmp_path: Path) -> None:
    from portal.static_assets import asset_hash

    original = app.static_folder
    app.static_folder = str(tmp_path)
    try:
        (tmp_path / "a.css").write_text("body { color: red }")
        with app.test_request_context():
            first = asset_hash("a.css")
            (tmp_path / "a.css").write_text("body { color: blue; margin: 0 }")
            second = asset_hash("a.css")
            assert asset_hash("../etc/passwd") is None
    finally:
        app.static_folder = original
    assert first and second and first != second
