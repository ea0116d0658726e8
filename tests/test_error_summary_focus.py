"""A failed submit puts focus on the GOV.UK error summary even without JavaScript (issue 14 item 14): the summary is
rendered focusable with ``autofocus``, the only element on the page that asks for focus."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import ClientRequest
from tests.surveys.conftest import build_survey


def _summary_takes_focus(html: bytes) -> None:
    page = BeautifulSoup(html, "html.parser")
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None, "the failed submit shows an error summary"
    assert summary.has_attr("autofocus") and summary.get("tabindex") == "-1"
    assert page.select("[autofocus]") == [summary], "nothing else on the page competes for focus"


def test_a_failed_sign_in_focuses_the_error_summary(client_request: ClientRequest) -> None:
    response = client_request.post("/sign-in", {"email": "", "password": ""}, expected_status=200)
    _summary_takes_focus(response.data)


def test_a_survey_page_with_a_missing_answer_focuses_the_error_summary(client_request: ClientRequest) -> None:
    survey = build_survey([("About you", [{"kind": "single", "title": "Do you smoke?", "options": ["Yes", "No"]}])])
    client_request.response(f"/surveys/{survey.id}/start")
    response = client_request.post(f"/surveys/{survey.id}/answer/1", {}, expected_status=200)
    _summary_takes_focus(response.data)


def test_a_page_without_errors_asks_for_no_focus(client_request: ClientRequest) -> None:
    assert client_request.get("/sign-in").select("[autofocus]") == []
