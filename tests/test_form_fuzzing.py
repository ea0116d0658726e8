"""Property tests (hypothesis) of the main public forms: generated text, unicode and lengths posted into propose a
topic, register, sign in, a survey answer and search. Whatever is typed: never a 5xx; a refused form comes back with
an error summary and what was typed (less the characters every form removes: controls, bidi overrides and, in names,
zero-width ones; and up to whitespace); a refusal stores nothing.

The suite runs the "ci" profile (30 examples a form); `make verify` runs the "verify" profile (300) with
FORM_FUZZ_PROFILE=verify.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.extensions import db, limiter
from portal.forms import clean_text, is_name_field
from portal.models import Proposal, SurveyPendingResponse, SurveyQuestion, SurveyResponse, User
from portal.proposals.forms import TITLE_MAX
from tests.helpers import ClientRequest
from tests.surveys.conftest import build_survey

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("verify", parent=settings.get_profile("ci"), max_examples=300)
PROFILE = settings.get_profile(os.environ.get("FORM_FUZZ_PROFILE", "ci"))

# Any text, including controls, bidi overrides, zero-width characters, astral characters and markup; lengths from
# nothing to past every field's limit.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400),
    st.sampled_from(
        ["", " ", "\u202e\u2066evil\u2069", "a\u200bb", "<script>alert(1)</script>", "😀" * 60, "x" * 5001]
    ),
)


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _same_text(shown: str, typed: str, field: str) -> bool:
    """``shown`` is what was typed, less the characters every form removes, up to whitespace."""
    expected = clean_text(typed, name=is_name_field(field))
    return " ".join(shown.split()) == " ".join(expected.split())


def _field_value(page: BeautifulSoup, name: str) -> str:
    element = page.find(attrs={"name": name})
    assert element is not None, f"the page has no field {name}"
    return element.get_text() if element.name == "textarea" else str(element.get("value", ""))


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    """POST a form with the session's CSRF token, whatever the answer."""
    return client.post(url, data={**data, "csrf_token": ClientRequest(client).csrf_token()})


def _refused(html: str, typed: dict[str, str]) -> None:
    """A refused form: an error summary, and every typed field shown again."""
    page = BeautifulSoup(html, "html.parser")
    assert page.find(class_="govuk-error-summary") is not None, "a refused form has an error summary"
    assert page.title is not None and page.title.get_text().strip().startswith("Error:")
    for name, value in typed.items():
        shown = _field_value(page, name)
        assert _same_text(shown, value, name), f"{name}: typed {value!r}, shown {shown!r}"


@pytest.fixture
def fuzz_client(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    """A client with rate limits off (hundreds of posts from one address) and no minimum fill time."""
    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 0)
    yield app.test_client()


@given(title=TEXT)
@settings(PROFILE)
def test_propose_a_topic(fuzz_client: FlaskClient, title: str) -> None:
    request = ClientRequest(fuzz_client)
    before = _count(Proposal)
    response = request.post("/topics/propose/title", {"title": title}, expected_status=303)
    location = response.headers["Location"]
    if location.startswith("/topics/propose/title"):  # refused: the page shows itself again, with the messages
        page = fuzz_client.get(location)
        assert page.status_code == 200
        _refused(page.get_data(as_text=True), {"title": title})
    else:
        assert location.startswith("/topics/propose/need")
        assert clean_text(title).strip(), "only a title with something in it is accepted"
        assert len(" ".join(clean_text(title, name=True).split())) <= TITLE_MAX
    assert _count(Proposal) == before, "a question page never stores a proposal"


@given(name=TEXT, email=TEXT, password=TEXT)
@settings(PROFILE)
def test_register(fuzz_client: FlaskClient, name: str, email: str, password: str) -> None:
    before = _count(User)
    form = {"display_name": name, "email": email, "password": password, "password_confirm": password,
            "account_type": "public"}  # fmt: skip
    response = _post(fuzz_client, "/register", form)
    assert response.status_code in {200, 303}, response.status_code
    if response.status_code == 200:
        _refused(response.get_data(as_text=True), {"display_name": name, "email": email})
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        assert _field_value(page, "password") == "", "a password is never shown again"
        assert _count(User) == before, "a refused registration stores nothing"


@given(email=TEXT, password=TEXT)
@settings(PROFILE)
def test_sign_in(fuzz_client: FlaskClient, email: str, password: str) -> None:
    response = _post(fuzz_client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 200, "nobody has an account here, so every attempt is refused"
    _refused(response.get_data(as_text=True), {"email": email})
    assert fuzz_client.get("/account").status_code == 302, "still signed out"
    assert _count(User) == 0


@pytest.fixture
def number_survey(app: Flask) -> int:
    question = {"kind": "number", "title": "How many live in your home?", "whole_number": True, "min_value": 1}
    survey = build_survey([("About you", [{**question, "max_value": 30}])])
    return survey.questions[0].id


@given(answer=TEXT)
@settings(PROFILE)
def test_survey_answer(fuzz_client: FlaskClient, number_survey: int, answer: str) -> None:
    question = db.session.get(SurveyQuestion, number_survey)
    assert question is not None
    survey_id = question.survey_id
    fuzz_client.get(f"/surveys/{survey_id}/start")
    before = _count(SurveyResponse) + _count(SurveyPendingResponse)
    url = f"/surveys/{survey_id}/answer/1"
    response = _post(fuzz_client, url, {f"q{number_survey}": answer})
    assert response.status_code in {200, 303}, response.status_code
    if response.status_code == 200:
        _refused(response.get_data(as_text=True), {f"q{number_survey}": answer})
    assert _count(SurveyResponse) + _count(SurveyPendingResponse) == before, "answering a page sends nothing"


@given(query=TEXT)
@settings(PROFILE)
def test_search(fuzz_client: FlaskClient, query: str) -> None:
    response = fuzz_client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    shown = _field_value(page, "q")
    assert _same_text(shown, clean_text(query).strip()[:200], "q")
