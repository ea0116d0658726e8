"""Outcome fixtures: a closed survey with released responses from several sectors, and the prioritisation
round fixtures (imported so they are registered here too)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from portal.extensions import db
from portal.models import Proposal, ProposalStatus, Survey, SurveyResponse
from tests.prioritisation.conftest import make_proposal, round_setup  # noqa: F401  (fixtures)
from tests.surveys.conftest import build_survey

SMOKE = {"kind": "single", "title": "Do you smoke?", "options": ["Yes", "No"]}
SERVICES = {"kind": "multiple", "title": "Which services have you used?", "options": ["GP", "Pharmacy", "Dentist"]}
RARE = {
    "kind": "single",
    "title": "Have you used the stop smoking clinic?",
    "options": ["Yes", "No"],
    "required": False,
}
COMMENTS = {"kind": "long_text", "title": "Anything else?", "required": False}


def add_responses(survey: Survey, rows: list[tuple[str, dict[int, Any]]]) -> None:
    """Released responses: (sector, answers by question position)."""
    questions = survey.questions
    for sector, answers in rows:
        db.session.add(
            SurveyResponse(
                id=uuid.uuid4().hex,
                survey_id=survey.id,
                sector=sector,
                submitted_on=date(2026, 11, 1),
                answers={str(questions[i].id): value for i, value in answers.items()},
            )
        )
    db.session.commit()


@pytest.fixture
def closed_survey(app: Any) -> Survey:
    """A closed survey on a topic whose proposer agreed to emails: 11 responses (6 voluntary sector, 3 NHS, 2 with
    no sector). Do you smoke: No 7, Yes 4. Services: GP 8, Pharmacy 8, Dentist 3. The clinic question: 2 answers.
    """
    topic = Proposal(
        reference="JSNA-2026-0900",
        title="Smoking in pregnancy",
        need="A need.",
        status=ProposalStatus.PUBLISHED.value,
        proposer_name="Pat",
        proposer_email="proposer@example.org",
        contact_consent=True,
    )
    db.session.add(topic)
    db.session.commit()
    survey = build_survey([("Questions", [SMOKE, SERVICES, RARE, COMMENTS])], status="closed")
    survey.summary = "We wanted to know how people use stop smoking services."
    survey.proposal_id = topic.id
    db.session.commit()
    rows: list[tuple[str, dict[int, Any]]] = []
    for n in range(11):
        sector = "vcs" if n < 6 else ("nhs_provider" if n < 9 else "")
        answers: dict[int, Any] = {0: "No" if n < 7 else "Yes", 1: ["GP", "Pharmacy"] if n < 8 else ["Dentist"]}
        if n in (0, 1):
            answers[2] = "Yes"
        answers[3] = f"Comment {n}"
        rows.append((sector, answers))
    add_responses(survey, rows)
    return survey


@pytest.fixture
def analyst(login_as: Callable[..., Any]) -> Any:
    from portal.models import Role

    return login_as(Role.ANALYST)
