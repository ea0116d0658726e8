"""The health and wellbeing board's decision on the steering group's recommendations, recorded from its minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.clock import london_today
from portal.extensions import db
from portal.models import AuditEvent, Decision, Proposal, ProposalStatus, ProposalStatusEvent, Role, User
from portal.models.prioritisation import BoardDecision
from portal.prioritisation.board import BoardInput, record_board_decision
from portal.prioritisation.services import PermissionDenied, PrioritisationError, close_round, record_decision
from portal.proposals.services import status_label, timeline
from tests.conftest import sign_in
from tests.helpers import ClientRequest, email_body
from tests.prioritisation.conftest import RoundSetup

PAPERS = "https://democracy.example.gov.uk/ieListDocuments.aspx?MId=123"


@pytest.fixture
def recommended(round_setup: Callable[..., RoundSetup]) -> RoundSetup:
    """A closed round: topics A and C recommended (prioritised) by the steering group, B not prioritised."""
    setup = round_setup(proposals=3)
    topic = setup.proposals[2]
    topic.proposer_email = "resident@example.org"
    topic.contact_consent = True
    db.session.commit()
    close_round(setup.round.id, setup.chair.id)
    for j, decision in ((0, Decision.PRIORITISED), (1, Decision.NOT_PRIORITISED), (2, Decision.PRIORITISED)):
        record_decision(setup.round.id, setup.proposals[j].id, decision, f"Reason {j}.", setup.chair.id)
    return setup


def _url(setup: RoundSetup, proposal: int) -> str:
    return f"/prioritisation/rounds/{setup.round.id}/proposals/{setup.proposals[proposal].id}/board-decision"


def _form(decision: str, minute: str = "HWB/2026/45", papers: str = PAPERS, days_ago: int = 0) -> dict[str, Any]:
    day = london_today() - timedelta(days=days_ago)
    return {
        "decision": decision,
        "meeting_date": [str(day.day), str(day.month), str(day.year)],
        "minute_reference": minute,
        "papers_url": papers,
    }


def test_staff_record_the_boards_agreement_and_the_public_summary_shows_both_steps(
    client: FlaskClient, client_request: ClientRequest, recommended: RoundSetup, login_as: Callable[..., User]
) -> None:
    analyst = login_as(Role.ANALYST)
    page = client_request.get(_url(recommended, 0))
    assert page.select_one("fieldset legend").get_text(strip=True) == "What did the health and wellbeing board decide?"

    response = client_request.post(_url(recommended, 0), _form("agreed"))

    assert response.headers["Location"].endswith(f"/prioritisation/rounds/{recommended.round.id}#decisions")
    db.session.expire_all()
    entry = next(e for e in recommended.round.proposals if e.proposal_id == recommended.proposals[0].id)
    assert (entry.board_decision, entry.board_minute_reference, entry.board_papers_url) == (
        "agreed",
        "HWB/2026/45",
        PAPERS,
    )
    assert entry.board_meeting_date == london_today() and entry.board_recorded_by_id == analyst.id
    assert db.session.get(Proposal, recommended.proposals[0].id).status == ProposalStatus.PRIORITISED.value
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "board_decision_recorded")) is not None
    detail = client_request.get(f"/prioritisation/rounds/{recommended.round.id}")
    row = detail.select_one("#decisions ~ .portal-table-scroll table tbody tr")
    assert "Agreed on" in row.get_text() and "HWB/2026/45" in row.get_text()
    assert row.select_one(f"a[href='{PAPERS}']") is not None

    client_request.post(f"/prioritisation/rounds/{recommended.round.id}/publish", {"publish": "1"})
    client_request.post("/sign-out", {})
    summary = client_request.get(f"/prioritisation/rounds/{recommended.round.id}/summary")
    rows = {tr.select_one("th").get_text(" ", strip=True): tr for tr in summary.select("tbody tr")}
    steps = next(tr for title, tr in rows.items() if recommended.proposals[0].reference in title).select("ol li")
    assert [li.select_one("strong").get_text(strip=True) for li in steps] == [
        "Recommended by the steering group",
        "Agreed by the health and wellbeing board",
    ]
    waiting = next(tr for title, tr in rows.items() if recommended.proposals[2].reference in title)
    assert "Waiting for the health and wellbeing board" in waiting.get_text()


def test_a_deferral_moves_the_topics_status_with_the_minute_on_its_timeline_and_tells_the_proposer(
    app: Any, recommended: RoundSetup, mailbox: Any
) -> None:
    meeting = london_today()  # the round closed today
    record_board_decision(
        recommended.round.id,
        recommended.proposals[2].id,
        BoardInput(BoardDecision.DEFERRED, meeting, "HWB/2026/46", PAPERS),
        recommended.chair.id,
    )
    db.session.expire_all()
    topic = db.session.get(Proposal, recommended.proposals[2].id)
    assert topic.status == ProposalStatus.DEFERRED.value
    event = db.session.scalar(
        select(ProposalStatusEvent)
        .where(ProposalStatusEvent.proposal_id == topic.id)
        .order_by(ProposalStatusEvent.id.desc())
    )
    assert event.from_status == "recommended" and event.to_status == "deferred"
    assert "health and wellbeing board deferred" in event.public_answer and "HWB/2026/46" in event.public_answer
    assert "HWB/2026/46" in email_body(mailbox.last_to("resident@example.org"))


@pytest.mark.parametrize(
    ("proposal", "form", "message"),
    [
        (1, _form("agreed"), "The board decides on the topics the steering group recommended"),
        (0, _form("agreed", minute="  "), "Enter the minute reference"),
        (
            0,
            _form("agreed", papers="javascript:alert(1)"),
            "Enter the link to the meeting papers, starting with https://",
        ),
        (0, _form("agreed", days_ago=-3), "The meeting date must be today or in the past"),
    ],
)
def test_the_boards_decision_is_checked(
    client: FlaskClient,
    client_request: ClientRequest,
    recommended: RoundSetup,
    proposal: int,
    form: dict[str, Any],
    message: str,
) -> None:
    sign_in(client, recommended.chair.email)
    response = client_request.post(_url(recommended, proposal), form, expected_status=200)
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(not e.board_decision for e in recommended.round.proposals)


def test_only_the_chair_and_analysts_record_the_boards_decision(
    client: FlaskClient, client_request: ClientRequest, recommended: RoundSetup
) -> None:
    sign_in(client, recommended.members[1].email)
    client_request.get(_url(recommended, 0), expected_status=403)
    client_request.post(_url(recommended, 0), _form("agreed"), expected_status=403)
    with pytest.raises(PermissionDenied):
        record_board_decision(
            recommended.round.id,
            recommended.proposals[0].id,
            BoardInput(BoardDecision.AGREED, london_today(), "HWB/1", PAPERS),
            recommended.members[1].id,
        )


def test_the_board_decides_only_after_the_round_closes(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    with pytest.raises(PrioritisationError, match="Close the round"):
        record_board_decision(
            setup.round.id,
            setup.proposals[0].id,
            BoardInput(BoardDecision.AGREED, london_today(), "HWB/1", PAPERS),
            setup.chair.id,
        )


def test_a_topic_the_board_did_not_agree_is_not_prioritised(app: Any, recommended: RoundSetup) -> None:
    record_board_decision(
        recommended.round.id,
        recommended.proposals[0].id,
        BoardInput(BoardDecision.NOT_AGREED, london_today(), "HWB/2026/47", PAPERS),
        recommended.chair.id,
    )
    db.session.expire_all()
    assert db.session.get(Proposal, recommended.proposals[0].id).status == ProposalStatus.NOT_PRIORITISED.value


def test_the_topics_public_timeline_shows_the_recommendation_and_the_boards_agreement_as_separate_steps(
    app: Any, recommended: RoundSetup
) -> None:
    record_board_decision(
        recommended.round.id,
        recommended.proposals[0].id,
        BoardInput(BoardDecision.AGREED, london_today(), "HWB/2026/45", PAPERS),
        recommended.chair.id,
    )
    db.session.expire_all()
    labels = [status_label(e.to_status) for e in timeline(db.session.get(Proposal, recommended.proposals[0].id))]
    assert labels[-2:] == ["Recommended by the steering group", "Agreed by the health and wellbeing board"]
