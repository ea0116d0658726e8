"""The staff dashboard is a to-do list for the signed-in person's roles, with counts and links (issue 14 item 15)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    ConflictOfInterest,
    EvidenceBriefing,
    Indicator,
    Proposal,
    ProposalStatus,
    RecommendationResponse,
    Role,
    Score,
    Survey,
    User,
)
from tests.conftest import sign_in
from tests.helpers import ClientRequest


def task(page: BeautifulSoup, key: str) -> BeautifulSoup | None:
    return page.find(id=f"todo-{key}")


def count(page: BeautifulSoup, key: str) -> int:
    item = task(page, key)
    assert item is not None, f"no to-do line {key}"
    return int(item["data-count"])


def briefing(title: str, review_by: date) -> EvidenceBriefing:
    return EvidenceBriefing(
        title=title,
        slug=title.lower().replace(" ", "-"),
        summary="A summary.",
        evidence_type="systematic_review",
        grade="moderate",
        published_on=review_by - timedelta(400),
        review_by=review_by,
        status="published",
    )


def test_analyst_sees_moderation_drafts_evidence_and_closing_surveys(
    client_request: ClientRequest, login_as: Callable[..., User], make_proposal: Callable[..., Proposal]
) -> None:
    today = london_today()
    make_proposal("Waiting one", status=ProposalStatus.SUBMITTED.value)
    make_proposal("Waiting two", status=ProposalStatus.SUBMITTED.value)
    make_proposal("Already published", status=ProposalStatus.PUBLISHED.value)
    db.session.add_all(
        [
            Indicator(id="draft-one", name="Draft smoking uploads", status="draft"),
            Indicator(id="live-one", name="Published indicator", status="published"),
            briefing("Stale briefing", today - timedelta(1)),
            briefing("Fresh briefing", today + timedelta(9)),
            Survey(title="Closes Friday", summary="", status="open", closes_on=today + timedelta(3)),
            Survey(title="Closes next month", summary="", status="open", closes_on=today + timedelta(30)),
            Survey(title="Already closed", summary="", status="closed", closes_on=today + timedelta(2)),
        ]
    )
    db.session.commit()
    login_as(Role.ANALYST)
    page = client_request.get("/staff/")
    assert count(page, "moderation") == 2
    assert task(page, "moderation").find("a", string="Open the moderation queue")["href"] == "/staff/moderation"
    assert count(page, "draft-indicators") == 1
    assert (
        task(page, "draft-indicators").find("a", string="Draft smoking uploads")["href"]
        == "/indicators/draft-one/review"
    )
    assert count(page, "evidence-review") == 1
    assert "Stale briefing" in task(page, "evidence-review").get_text()
    assert count(page, "closing-surveys") == 1
    assert "Closes Friday" in task(page, "closing-surveys").get_text()
    # Not a commissioner, not in a round: those lines are not shown.
    assert task(page, "awaiting-response") is None
    assert not page.select("[id^=todo-scoring]")


def test_steering_member_sees_topics_not_yet_fully_scored(
    app: Flask, client: Any, client_request: ClientRequest, round_setup: Callable[..., Any]
) -> None:
    setup = round_setup(members=2, proposals=4)
    member = setup.members[1]
    criteria = setup.criteria
    first, second, third, _fourth = setup.proposals
    for criterion in criteria:  # all of the first topic
        db.session.add(
            Score(round_id=setup.round.id, proposal_id=first.id, user_id=member.id, criterion_id=criterion.id, value=3)
        )
    # Part of the second topic, a conflict on the third: two topics are left for this member (the second and fourth).
    db.session.add(
        Score(round_id=setup.round.id, proposal_id=second.id, user_id=member.id, criterion_id=criteria[0].id, value=2)
    )
    db.session.add(ConflictOfInterest(round_id=setup.round.id, user_id=member.id, proposal_id=third.id))
    db.session.commit()
    sign_in(client, member.email)
    page = client_request.get("/staff/")
    key = f"scoring-{setup.round.id}"
    assert count(page, key) == 2
    assert task(page, key).find("a")["href"] == f"/prioritisation/rounds/{setup.round.id}/score"
    assert task(page, "moderation") is None
    # Another member of the same round has all four still to score.
    chair = app.test_client()
    sign_in(chair, setup.members[0].email)
    assert count(ClientRequest(chair).get("/staff/"), key) == 4


def test_commissioner_sees_their_organisations_waiting_and_overdue_recommendations(
    app: Flask,
    client: Any,
    client_request: ClientRequest,
    make_chapter: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup = make_chapter("published")
    sign_in(client, setup.commissioner.email)
    page = client_request.get("/staff/")
    assert count(page, "awaiting-response") == 1
    assert count(page, "overdue-response") == 0
    assert task(page, "awaiting-response").find("a")["href"] == "/chapters/my-recommendations"
    # Past the response period, the unanswered one is overdue.
    monkeypatch.setitem(app.config, "CHAPTER_RESPONSE_DAYS", -1)
    assert count(client_request.get("/staff/"), "overdue-response") == 1
    # Once answered it leaves both lines.
    db.session.add(
        RecommendationResponse(
            recommendation_id=setup.recommendations[0].id,
            organisation_id=setup.icb.id,
            commissioner_id=setup.commissioner.id,
            decision="accept",
            rationale="We will do this.",
        )
    )
    db.session.commit()
    page = client_request.get("/staff/")
    assert count(page, "awaiting-response") == 0
    assert count(page, "overdue-response") == 0


def test_a_draft_chapter_asks_nothing_of_commissioners(
    client: Any, client_request: ClientRequest, make_chapter: Callable[..., Any]
) -> None:
    setup = make_chapter("draft")
    sign_in(client, setup.commissioner.email)
    assert count(client_request.get("/staff/"), "awaiting-response") == 0


def test_public_users_cannot_open_the_dashboard(client_request: ClientRequest, login_as: Callable[..., User]) -> None:
    login_as(Role.PUBLIC)
    client_request.get("/staff/", expected_status=403)
