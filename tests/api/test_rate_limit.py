"""A client over the open data API's rate limit gets a JSON 429 with Retry-After, as the OpenAPI document says."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient


def test_over_the_limit_the_api_answers_json_429_with_retry_after(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        assert client.get("/api/v1/indicators").status_code == 200
    response = client.get("/api/v1/indicators")
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "too_many_requests"
    assert "3 per 1 minute" in body["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # The allowance is per address across the API, so the other routes are refused too.
    assert client.get("/api/v1/indicators/anything/data").status_code == 429
    # Pages outside the API keep their own HTML error page and limits.
    assert client.get("/").status_code == 200


def test_the_default_limit_lets_a_client_fetch_steadily(app: Flask, client: FlaskClient) -> None:
    assert app.config["API_RATE_LIMIT"] == "120 per minute;3000 per hour"
    statuses = {client.get("/api/v1/indicators").status_code for _ in range(120)}
    assert statuses == {200}
    assert client.get("/api/v1/indicators").status_code == 429


def test_the_openapi_document_describes_the_429(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    too_many = document["components"]["responses"]["TooManyRequests"]
    assert too_many["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    for path, operations in document["paths"].items():
        assert operations["get"]["responses"]["429"] == {"$ref": "#/components/responses/TooManyRequests"}, path
    assert "120 per minute" in document["info"]["description"]
