"""Survey results stay private while a survey is open unless its analysts choose otherwise (anonymous surveys
only); publishing needs a minimum number of responses; a refresh never shows one person's answers arrive
(issue 14 item 8)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.models import Role, Survey, SurveyPendingResponse, User
from portal.surveys import answering, results
from portal.surveys.answering import Respondent
from tests.helpers import ClientRequest, error_summary_texts
from tests.surveys.conftest import SMOKING, q
from tests.surveys.test_results import add_responses


def publish(client_request: ClientRequest, survey: Survey, when: str, expected_status: int = 303) -> Any:
    data = {"questions": [str(q(survey, 1).id)], "while_open": when}
    return client_request.post(f"/surveys/manage/{survey.id}/publish", data, expected_status=expected_status)


def test_published_results_are_private_while_open_by_default(
    app: Flask, db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    survey = make_survey(anonymous=False, audience="public")
    add_responses(db, survey, "", 12, q1="Yes")
    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/manage/{survey.id}/publish")
    assert page.find("input", attrs={"name": "while_open", "value": "closed"}).has_attr("checked")
    publish(client_request, survey, "closed")
    public = ClientRequest(app.test_client())
    public.get(f"/surveys/{survey.id}/results", expected_status=404)
    public.get(f"/surveys/{survey.id}/results/{q(survey, 1).id}/chart.json", expected_status=404)
    page = public.get(f"/surveys/{survey.id}")
    assert not page.select("[data-bokeh-json]") and page.find("h2", string="Results") is None
    assert "See the published results" not in public.get("/surveys").get_text()
    # An identified survey's answers reach the results one at a time: they cannot be shown while it is open.
    response = publish(client_request, survey, "open", expected_status=200)
    assert "Only an anonymous survey’s results can be shown while it is open" in response.get_data(as_text=True)
    # Once it closes, they are public.
    survey.status = "closed"
    db.session.commit()
    assert public.get(f"/surveys/{survey.id}/results").select("[data-bokeh-json]")


def test_publishing_needs_the_minimum_number_of_responses(
    app: Flask,
    db: Any,
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "SURVEY_MIN_RESPONSES_TO_PUBLISH", 10)
    survey = make_survey(status="closed")
    add_responses(db, survey, "", 9, q1="Yes")
    login_as(Role.ANALYST)
    response = publish(client_request, survey, "closed", expected_status=200)
    errors = error_summary_texts(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
    assert errors == ["Results can be published once 10 people have answered. 9 have so far"]
    db.session.refresh(survey)
    assert not survey.results_published
    add_responses(db, survey, "", 1, q1="No")
    publish(client_request, survey, "closed")
    db.session.refresh(survey)
    assert survey.results_published and results.results_public(survey)


def test_an_anonymous_survey_shown_while_open_changes_only_in_batches(
    app: Flask,
    db: Any,
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "SURVEY_RELEASE_BATCH", 5)
    monkeypatch.setitem(app.config, "SURVEY_MIN_RESPONSES_TO_PUBLISH", 10)
    survey = make_survey([("Only page", [SMOKING])], anonymous=True)
    add_responses(db, survey, "", 10, q1="Yes")
    login_as(Role.ANALYST)
    publish(client_request, survey, "open")
    public = ClientRequest(app.test_client())
    csv_url = f"/surveys/{survey.id}/results/{q(survey, 1).id}/data.csv"
    seen = [public.response(csv_url).get_data(as_text=True)]
    assert "Yes" in seen[0]  # shown while open, as chosen
    field = f"q{q(survey, 1).id}"
    with app.test_request_context():
        for _ in range(10):
            result = answering.save_section(survey.id, Respondent(), 1, MultiDict({field: "No"}))
            answering.submit(survey.id, Respondent(draft_key=result.new_key))
            seen.append(public.response(csv_url).get_data(as_text=True))
    # Each single answer left the public numbers as they were; they moved once, by a batch of 5 answers.
    changes = [n for n in range(1, len(seen)) if seen[n] != seen[n - 1]]
    assert changes == [10]
    assert "No,0," in seen[9] and "No,5," in seen[10]
    pending = db.session.scalar(select(func.count()).where(SurveyPendingResponse.survey_id == survey.id))
    assert pending == 5
