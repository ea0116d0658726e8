"""Error pages: clear GOV.UK pages with the right status codes."""

from __future__ import annotations

from flask import Flask, abort

from portal import create_app
from portal.access import public
from tests.helpers import check_page_structure


def _app_with_failing_routes(app: Flask) -> Flask:
    fresh = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAX_CONTENT_LENGTH=1024,
        PROPAGATE_EXCEPTIONS=False,  # as in production: the 500 page, not a traceback
    )

    @public
    def crash() -> str:
        raise RuntimeError("boom")

    @public
    def forbidden() -> str:
        abort(403)

    @public
    def upload() -> str:
        from flask import request

        return str(len(request.get_data()))

    fresh.add_url_rule("/__crash", "crash", crash)
    fresh.add_url_rule("/__forbidden", "forbidden", forbidden)
    fresh.add_url_rule("/__upload", "upload", upload, methods=["PUT"])
    return fresh


def test_error_pages(app: Flask) -> None:
    client = _app_with_failing_routes(app).test_client()
    cases = {
        "/__crash": (500, "Sorry, there is a problem with the service"),
        "/__forbidden": (403, "You do not have permission to see this page"),
        "/nothing-here": (404, "Page not found"),
    }
    for url, (status, heading) in cases.items():
        response = client.get(url)
        assert response.status_code == status
        page = check_page_structure(response.get_data(as_text=True), url)
        assert page.h1.get_text(strip=True) == heading
        assert "boom" not in response.get_data(as_text=True)


def test_too_large_upload_gets_413(app: Flask) -> None:
    client = _app_with_failing_routes(app).test_client()
    response = client.put("/__upload", data=b"x" * 5000)
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_wrong_method_gets_405(client: object) -> None:
    response = client.put("/")  # type: ignore[attr-defined]
    assert response.status_code == 405
