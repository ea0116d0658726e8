"""The health and wellbeing board's decision on the steering group's recommendations.

A round's results go to the board as the steering group's recommendation: the topics the chair recorded as
prioritised. Staff then record, from the board's minutes, what the board decided on each of them (agreed, not agreed
or deferred), with the meeting date, the minute reference and a link to the papers. The topic's public status follows
through the proposals service, which adds the step to the topic's public timeline and tells its followers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from portal.audit import record_audit
from portal.clock import london_date, london_today
from portal.extensions import db
from portal.models import ProposalStatus, RoundProposal
from portal.models.base import utcnow
from portal.models.prioritisation import BoardDecision
from portal.prioritisation.permissions import (
    PermissionDenied,
    PrioritisationError,
    active_user,
    can_record_board_decision,
    get_round,
    round_proposal,
)
from portal.proposals.services import ProposalError, change_status

MINUTE_MAX = 100
URL_MAX = 500

# Where a recommended topic's public status goes once the board has decided; None leaves it as it is.
BOARD_STATUS: dict[BoardDecision, ProposalStatus | None] = {
    BoardDecision.AGREED: ProposalStatus.PRIORITISED,
    BoardDecision.NOT_AGREED: ProposalStatus.NOT_PRIORITISED,
    BoardDecision.DEFERRED: ProposalStatus.DEFERRED,
}


@dataclass(frozen=True)
class BoardInput:
    """The board's decision on one topic, as typed from its minutes."""

    decision: BoardDecision
    meeting_date: date
    minute_reference: str
    papers_url: str


def board_answer(entry: RoundProposal, data: BoardInput) -> str:
    """The public words for the topic's timeline: what the board decided, when, and where it is minuted."""
    when = f"{data.meeting_date.day} {data.meeting_date:%B %Y}"
    verb = {
        BoardDecision.AGREED: "agreed the steering group's recommendation to prioritise this topic",
        BoardDecision.NOT_AGREED: "did not agree the steering group's recommendation to prioritise this topic",
        BoardDecision.DEFERRED: "deferred its decision on this topic to a later meeting",
    }[data.decision]
    papers = f" The meeting papers: {data.papers_url}" if data.papers_url else ""
    return f"The health and wellbeing board {verb} at its meeting on {when} (minute {data.minute_reference}).{papers}"


def _check(entry: RoundProposal, data: BoardInput, closed_on: date | None) -> BoardInput:
    minute = data.minute_reference.strip()
    url = data.papers_url.strip()
    if not entry.is_recommended:
        raise PrioritisationError(
            "The board decides on the topics the steering group recommended. Record the steering group's "
            "recommendation first"
        )
    if not minute:
        raise PrioritisationError("Enter the minute reference")
    if len(minute) > MINUTE_MAX:
        raise PrioritisationError(f"The minute reference must be {MINUTE_MAX} characters or fewer")
    parts = urlsplit(url)
    if not url or parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
        raise PrioritisationError("Enter the link to the meeting papers, starting with https://")
    if data.meeting_date > london_today():
        raise PrioritisationError("The meeting date must be today or in the past")
    if closed_on is not None and data.meeting_date < closed_on:
        raise PrioritisationError("The meeting date must be on or after the day the round closed")
    return BoardInput(data.decision, data.meeting_date, minute, url)


def record_board_decision(round_id: int, proposal_id: int, data: BoardInput, actor_id: int) -> RoundProposal:
    """Record the board's decision on a recommended topic and move the topic's public status to match.

    The status change goes through the proposals service, which commits the decision with it in one transaction,
    adds the step to the public timeline and emails the proposers who agreed to be contacted.
    """
    round_ = get_round(round_id)
    if not can_record_board_decision(round_, active_user(actor_id)):
        raise PermissionDenied("only the chair, analysts and admins record the board's decisions")
    if round_.is_open:
        raise PrioritisationError("Close the round before recording the board's decisions")
    entry = round_proposal(round_, proposal_id)
    closed_on = london_date(round_.closed_at) if round_.closed_at else None
    data = _check(entry, data, closed_on)
    if (
        entry.board_decision == data.decision.value
        and entry.board_meeting_date == data.meeting_date
        and entry.board_minute_reference == data.minute_reference
        and entry.board_papers_url == data.papers_url
    ):
        raise PrioritisationError("This decision is already recorded")
    entry.board_decision = data.decision.value
    entry.board_meeting_date = data.meeting_date
    entry.board_minute_reference = data.minute_reference
    entry.board_papers_url = data.papers_url
    entry.board_recorded_at = utcnow()
    entry.board_recorded_by_id = actor_id
    record_audit(
        actor_id,
        "board_decision_recorded",
        "prioritisation_round",
        round_id,
        f"proposal {proposal_id}: {data.decision}",
    )
    status = BOARD_STATUS[data.decision]
    if status is None or entry.proposal.status == status.value:
        db.session.commit()
        return entry
    try:
        # change_status commits, taking the board's decision above with it in one transaction.
        change_status(proposal_id, status, board_answer(entry, data), actor_id, reason_code="board_decision")
    except ProposalError as exc:
        db.session.rollback()
        raise PrioritisationError(str(exc) or "The topic's status could not be changed") from exc
    return entry
