"""HTTP details: personal pages are never stored by browsers or proxies, 405s say what is allowed, and the 500 page
makes no promise about what was saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.access import public
from portal.models import Role, User
from tests.conftest import sign_in
from tests.helpers import ClientRequest


def _no_store(response: Any) -> bool:
    return "no-store" in (response.headers.get("Cache-Control") or "")


def test_the_account_page_is_not_stored(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user()
    sign_in(client, user.email)
    assert _no_store(client.get("/account"))


def test_a_proposal_under_moderation_is_not_stored(client: FlaskClient, make_user: Callable[..., User]) -> None:
    from portal.proposals import services

    proposal = services.submit_proposal(
        {
            "title": "Loneliness among older people",
            "need": "Many older people live alone.",
            "population_groups": ["carers"],
            "age_groups": ["65_plus"],
            "wards": [],
            "evidence_of_need": "Waiting lists for befriending.",
            "decisions_informed": "Befriending services.",
            "proposer_type": "public",
            "proposer_name": "Pat Jones",
            "proposer_email": "pat@example.org",
        },
        idempotency_key="no-store-test",
        proposer_id=None,
    ).proposal
    sign_in(client, make_user(Role.ANALYST).email)
    response = client.get(f"/staff/moderation/{proposal.reference}")
    assert response.status_code == 200
    assert _no_store(response)


def test_every_page_a_signed_in_person_sees_is_not_stored_unless_it_is_public_and_cacheable(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    sign_in(client, make_user(*Role).email)
    stored = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or set()):
            continue
        response = client.get(rule.rule)
        if response.status_code >= 400:
            continue
        cache_control = response.cache_control
        if cache_control.public and cache_control.max_age:
            continue  # deliberately cacheable public files (charts, vendored assets)
        if not _no_store(response):
            stored.append(f"{rule.rule}: {response.status_code} {response.headers.get('Cache-Control')}")
    assert not stored, "\n".join(stored)


def test_anonymous_pages_without_personal_data_keep_normal_caching(client: FlaskClient) -> None:
    assert not _no_store(client.get("/"))
    assert not _no_store(client.get("/static/css/portal.css"))


def test_a_survey_being_answered_without_an_account_is_not_stored(client: FlaskClient, db: Any) -> None:
    from tests.surveys.conftest import build_survey

    survey = build_survey([("Parks", [{"kind": "short_text", "title": "Which park?"}])], title="Parks")
    question = survey.questions[0]
    request = ClientRequest(client)
    request.post(f"/surveys/{survey.id}/answer/1", {f"q{question.id}": "West Park"})
    response = client.get(f"/surveys/{survey.id}/answer/1")
    assert "West Park" in response.get_data(as_text=True)
    assert _no_store(response)


def test_method_not_allowed_says_which_methods_are(client: FlaskClient) -> None:
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}
    assert "GET" not in response.headers["Allow"].split(", ")


def test_the_500_page_never_claims_anything_was_saved(app: Flask) -> None:
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=database, PROPAGATE_EXCEPTIONS=False)

    @public
    def crash() -> str:
        raise RuntimeError("boom")

    fresh.add_url_rule("/__crash", "crash", crash)
    response = fresh.test_client().get("/__crash")
    assert response.status_code == 500
    body = response.get_data(as_text=True).lower()
    assert "saved" not in body or "may not have been saved" in body
    assert "has been saved" not in body and "was saved" not in body
    assert "check" in body, "it tells people how to find out whether what they sent arrived"


def test_a_download_names_its_type_and_character_set_once(app: Flask) -> None:
    from portal.downloads import XLSX_MIMETYPE, download_response

    with app.test_request_context():
        csv = download_response("Area,Value\r\n", "values.csv")
        workbook = download_response(b"PK", "values.xlsx", XLSX_MIMETYPE)
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert workbook.headers["Content-Type"] == XLSX_MIMETYPE
