"""Paper, phone and event responses that staff enter on someone's behalf: marked with their channel, counted
separately, never linked to the member of staff, and the survey printable as a paper form."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text

from portal.models import AuditEvent, ResponseChannel, Role, Survey, SurveyResponse, User
from portal.surveys.staff_entry import channel_counts, enter_response
from tests.conftest import database_backend
from tests.helpers import ClientRequest, error_summary_texts
from tests.surveys.conftest import COMMENTS, SMOKING

SECTIONS = [("Questions", [SMOKING, COMMENTS])]


def _form(survey: Survey, smoke: str, comment: str) -> dict[str, str]:
    first, second = survey.questions
    return {f"q{first.id}": smoke, f"q{second.id}": comment}


def test_staff_enter_a_paper_response_which_is_counted_separately_and_not_linked_to_them(
    make_survey: Callable[..., Survey], client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    survey = make_survey(SECTIONS, anonymous=False)  # identified survey: the row would hold a user if anything did
    analyst = login_as(Role.ANALYST)
    url = f"/surveys/manage/{survey.id}/enter"
    page = client_request.get(url)
    assert [r["value"] for r in page.select("input[name=channel]")] == ["paper", "phone", "event"]

    missing = client_request.post(url, {"channel": "", **_form(survey, "No", "")}, 200)
    assert "Select how the response reached you" in missing.get_data(as_text=True)
    unanswered = client_request.post(url, {"channel": "paper", **_form(survey, "", "")}, 200)
    from bs4 import BeautifulSoup

    assert error_summary_texts(BeautifulSoup(unanswered.get_data(as_text=True), "html.parser"))
    client_request.post(url, {"channel": "paper", "sector": "vcs", **_form(survey, "No", "Written on paper")})
    client_request.post(url, {"channel": "phone", **_form(survey, "Yes", "")})

    rows = list(select_rows(survey.id))
    assert sorted(r.channel for r in rows) == ["paper", "phone"]
    assert all(r.respondent_id is None and r.invitation_id is None for r in rows)
    paper = next(r for r in rows if r.channel == "paper")
    assert paper.sector == "vcs" and paper.answers[str(survey.questions[1].id)] == "Written on paper"
    assert channel_counts(survey.id) == [("Online", 0), ("Paper form", 1), ("Phone call", 1)]
    from portal.extensions import db

    audit = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey_response_entered")))
    assert [(e.actor_id, e.object_type, str(e.object_id)) for e in audit] == [
        (analyst.id, "survey", str(survey.id))
    ] * 2
    assert not any(r.id in e.detail or r.id[:8].upper() in e.detail for r in rows for e in audit)
    analysis = client_request.get(f"/surveys/manage/{survey.id}/results")
    assert "Paper form 1" in analysis.select_one("#response-channels").get_text(" ", strip=True)

    # The export says how each response reached us, and still names no member of staff.
    exported = client_request.response(f"/surveys/manage/{survey.id}/export.csv").get_data(as_text=True)
    header, *lines = list(csv.reader(io.StringIO(exported)))
    channel = header.index("How it reached us")
    assert sorted(line[channel] for line in lines) == ["Paper form", "Phone call"]
    assert analyst.email not in exported


def select_rows(survey_id: int) -> list[SurveyResponse]:
    from portal.extensions import db

    return list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)))


def test_staff_entered_anonymous_answers_are_pooled_and_share_nothing_with_the_audit_of_their_entry(
    app: Any, db: Any, make_survey: Callable[..., Survey], make_user: Callable[..., User], monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "SURVEY_RELEASE_BATCH", 5)
    survey = make_survey(SECTIONS, anonymous=True)
    staff = make_user(Role.ANALYST)
    for n in range(10):
        enter_response(survey.id, ResponseChannel.PAPER, "", _form(survey, "No", f"marker-{n}"), staff.id)
    released = select_rows(survey.id)
    assert len(released) == 5, "released in a batch, with a batch kept back"
    assert all(r.channel == "paper" and r.respondent_id is None for r in released)
    columns = {c.name for c in SurveyResponse.__table__.columns}
    assert not {"actor_id", "entered_by_id", "created_by_id"} & columns

    system = "xmin::text AS xmin, ctid::text AS pos" if database_backend() == "postgresql" else "rowid AS pos"
    rows = db.session.execute(
        text(f"SELECT answers, {system} FROM survey_responses WHERE survey_id = :s"), {"s": survey.id}
    )
    order = [json.loads(r.answers) if isinstance(r.answers, str) else r.answers for r in rows]
    markers = [next(v for v in a.values() if str(v).startswith("marker-")) for a in order]
    assert all(marker != f"marker-{n}" for n, marker in enumerate(markers)), "no answer sits at its arrival position"
    if database_backend() == "postgresql":
        xmins = {
            r.xmin
            for r in db.session.execute(
                text(f"SELECT {system} FROM survey_responses WHERE survey_id = :s"), {"s": survey.id}
            )
        }
        audit_xmins = {
            r[0]
            for r in db.session.execute(
                text("SELECT xmin::text FROM audit_events WHERE action = 'survey_response_entered'")
            )
        }
        assert len(xmins) == 1, "one transaction wrote the whole batch"
        assert not xmins & audit_xmins


def test_the_paper_form_has_every_question_with_its_number_and_a_print_stylesheet(
    make_survey: Callable[..., Survey], client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    survey = make_survey()
    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/{survey.id}/paper-form")
    assert page.select_one("link[media=print][href*='survey-paper.css?v=']") is not None
    assert page.select_one("form") is None or not page.select(".portal-paper-form form"), "print CSS hides forms"
    labels = [
        el.get_text(" ", strip=True)
        for el in page.select(".portal-survey-question legend, .portal-survey-question label.govuk-label--s")
    ]
    numbered = [label.split(".", 1)[0] for label in labels if label[:1].isdigit()]
    assert numbered == [str(n) for n in range(1, len(survey.questions) + 1)]


@pytest.mark.parametrize("channel", ["", "email"])
def test_an_unknown_channel_is_refused(
    channel: str, make_survey: Callable[..., Survey], client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    survey = make_survey(SECTIONS)
    login_as(Role.ANALYST)
    client_request.post(f"/surveys/manage/{survey.id}/enter", {"channel": channel, **_form(survey, "No", "")}, 200)
    assert select_rows(survey.id) == []
