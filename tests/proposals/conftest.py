"""Fixtures for topic proposals: wards and indicators to pick, proposals in any status, and a walk through the
question pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Area, Indicator, Proposal, ProposalStatus
from portal.proposals import lifecycle, submission
from tests.helpers import ClientRequest

WARDS = {
    "E05001321": "Bilston East",
    "E05001322": "Bilston North",
    "E05001323": "Blakenhall",
}

# The answers of a complete proposal, as the question pages post them (step slug → form data).
DEFAULT_PAGES: dict[str, dict[str, Any]] = {
    "title": {"title": "Loneliness among older people"},
    "need": {"need": "Many older people live alone and rarely see anyone."},
    "who": {"population_groups": ["carers", "other"], "population_other": "Widowers"},
    "ages": {"age_groups": ["65_plus"]},
    "wards": {"wards": ["E05001321", "E05001323"]},
    "evidence": {"evidence_of_need": "Befriending services have waiting lists."},
    "indicators": {},
    "decisions": {"decisions_informed": "Commissioning of befriending services."},
    "proposer": {"proposer_type": "public"},
    "contact": {"name": "Ada", "email": "ada@example.org", "consent": "y"},
}


@pytest.fixture(autouse=True)
def quick_forms(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """No minimum fill time and generous rate limits, except in the tests about them."""
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 0)
    monkeypatch.setitem(app.config, "PROPOSAL_SUBMIT_RATE_LIMIT", "1000 per minute")


@pytest.fixture
def wards(app: Flask) -> dict[str, str]:
    """Three real Wolverhampton wards under the home area."""
    db.session.add(Area(code="E08000031", name="Wolverhampton", area_type="county_ua"))
    for code, name in WARDS.items():
        db.session.add(Area(code=code, name=name, area_type="ward", parent_code="E08000031"))
    db.session.commit()
    return WARDS


@pytest.fixture
def indicators(app: Flask) -> list[Indicator]:
    """Two indicators to link to."""
    made = [
        Indicator(id="90001", name="Loneliness in adults", topic="wellbeing", polarity="low_is_good"),
        Indicator(id="90002", name="Emergency admissions for falls, 65+", topic="health", polarity="low_is_good"),
    ]
    db.session.add_all(made)
    db.session.commit()
    return made


def _answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "title": "Loneliness among older people",
        "need": "Many older people live alone.",
        "population_groups": ["carers"],
        "age_groups": ["65_plus"],
        "wards": [],
        "evidence_of_need": "Waiting lists for befriending.",
        "decisions_informed": "Befriending services.",
        "proposer_type": "public",
    }
    answers.update(overrides)
    return answers


PATHS: dict[ProposalStatus, list[ProposalStatus]] = {
    ProposalStatus.SUBMITTED: [],
    ProposalStatus.PUBLISHED: [ProposalStatus.PUBLISHED],
    ProposalStatus.NOT_PUBLISHED: [ProposalStatus.NOT_PUBLISHED],
    ProposalStatus.SHORTLISTED: [ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED],
    ProposalStatus.PRIORITISED: [ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED, ProposalStatus.PRIORITISED],
    ProposalStatus.DEFERRED: [ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED, ProposalStatus.DEFERRED],
}


@pytest.fixture
def make_proposal(app: Flask) -> Callable[..., Proposal]:
    """Store a proposal through the service and move it to ``status``."""
    counter = {"n": 0}

    def make(status: ProposalStatus = ProposalStatus.PUBLISHED, **overrides: Any) -> Proposal:
        counter["n"] += 1
        proposer_id = overrides.pop("proposer_id", None)
        result = submission.submit_proposal(
            _answers(**overrides), idempotency_key=f"test-{counter['n']}", proposer_id=proposer_id
        )
        for step in PATHS[status]:
            lifecycle.change_status(result.proposal.id, step, "", None)
        return db.session.get(Proposal, result.proposal.id)

    return make


def walk(client_request: ClientRequest, pages: dict[str, dict[str, Any]] | None = None, **changes: Any) -> None:
    """Answer question pages through the real forms: just ``pages`` when given, otherwise every page (with
    ``changes`` replacing a page's data)."""
    chosen = pages if pages is not None else {**DEFAULT_PAGES, **changes}
    for slug, data in chosen.items():
        client_request.post(f"/topics/propose/{slug}", data)


def submit(client_request: ClientRequest, expected_status: int = 303) -> Any:
    """Post the final form of "Check your answers" as the page rendered it."""
    page = client_request.get("/topics/propose/check")
    form = page.find("form", action="/topics/propose/check")
    data = {field["name"]: field.get("value", "") for field in form.find_all("input") if field.get("name")}
    return client_request.post("/topics/propose/check", data, expected_status=expected_status)


def answer_with_errors(client_request: ClientRequest, url: str, data: dict[str, Any]) -> Any:
    """Post a question page that has errors: it redirects to itself (so Back never resends a form) and the page
    then shows the messages and what was typed. Returns that page."""
    response = client_request.post(url, data)
    assert response.headers["Location"].split("?")[0] == url.split("?")[0], "a page with errors shows itself again"
    return client_request.get(response.headers["Location"])
