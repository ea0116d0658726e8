"""The lifecycle: moderators and the prioritisation and chapter features move a proposal from status to status, each
change recorded with a public answer and emailed to the consenting proposers; duplicates merge; proposers withdraw."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from portal.audit import record_audit
from portal.extensions import db
from portal.models import Proposal, ProposalStatus, ProposalStatusEvent, ProposalSupport, User
from portal.models.base import utcnow
from portal.proposals.finding import final_target, get_by_reference, is_owner, support_count
from portal.proposals.notifications import notify_followers
from portal.proposals.proposer_links import LinkProblem, proposal_for_token
from portal.proposals.vocabulary import (
    DEFAULT_ANSWERS,
    MERGE_TARGET_STATUSES,
    MERGEABLE_STATUSES,
    NOT_PUBLISHED_REASONS,
    STATUS_LABELS,
    TRANSITIONS,
    WITHDRAWABLE_STATUSES,
    InvalidTransition,
    NotAllowed,
    ProposalError,
    clean_text,
    status_label,
)

S = ProposalStatus


def locked(proposal_id: int) -> Proposal:
    """Load a proposal, locking its row on PostgreSQL for the rest of the transaction."""
    proposal = db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update().execution_options(populate_existing=True)
    )
    if proposal is None:
        raise ProposalError("There is no such proposal")
    return proposal


def _move_status(proposal: Proposal, new_status: ProposalStatus) -> None:
    """Compare-and-set the status, so two moderators acting at once cannot both win (on every database)."""
    old = proposal.status
    values: dict[str, Any] = {"status": str(new_status), "updated_at": utcnow()}
    if new_status is S.PUBLISHED and proposal.published_at is None:
        values["published_at"] = utcnow()
    result = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvalidTransition("Someone else changed this proposal at the same time. Check it and try again")
    for key, value in values.items():
        setattr(proposal, key, value)


def _record_event(
    proposal: Proposal,
    from_status: str,
    to_status: ProposalStatus,
    public_answer: str,
    actor_id: int | None,
    reason_code: str = "",
    related_id: int | None = None,
) -> ProposalStatusEvent:
    event = ProposalStatusEvent(
        proposal_id=proposal.id,
        from_status=from_status,
        to_status=str(to_status),
        public_answer=public_answer,
        reason_code=reason_code,
        related_proposal_id=related_id,
        actor_id=actor_id,
    )
    db.session.add(event)
    return event


def change_status(
    proposal_id: int,
    new_status: ProposalStatus,
    public_answer: str,
    actor_id: int | None,
    *,
    reason_code: str = "",
    related_proposal_id: int | None = None,
) -> Proposal:
    """Move a proposal along its lifecycle with a public answer; record who, when and why; email the consenting."""
    new_status = ProposalStatus(new_status)
    if new_status is S.MERGED:
        raise InvalidTransition("Use merge_proposals() to merge proposals")
    proposal = locked(proposal_id)
    current = ProposalStatus(proposal.status)
    if new_status not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"A proposal that is ‘{STATUS_LABELS[current].lower()}’ cannot become ‘{STATUS_LABELS[new_status].lower()}’"
        )
    answer = clean_text(public_answer) or DEFAULT_ANSWERS[new_status]
    _move_status(proposal, new_status)
    event = _record_event(
        proposal, str(current), new_status, answer, actor_id, clean_text(reason_code)[:32], related_proposal_id
    )
    db.session.commit()
    notify_followers(proposal, event)
    return proposal


def not_publish(
    proposal_id: int,
    reason_code: str,
    public_answer: str,
    actor_id: int | None,
    *,
    duplicate_of: str = "",
) -> Proposal:
    """Decline to publish, with a reason: out of scope, a duplicate of JSNA-…, or containing personal data."""
    if reason_code not in NOT_PUBLISHED_REASONS:
        raise ProposalError("Select why the proposal is not being published")
    related_id = None
    answer = clean_text(public_answer)
    if reason_code == "duplicate":
        original = get_by_reference(duplicate_of)
        if original is None:
            raise ProposalError("Enter the reference of an existing proposal, like JSNA-2026-0042")
        if original.id == proposal_id:
            raise ProposalError("A proposal cannot be a duplicate of itself")
        related_id = original.id
        prefix = f"This topic has already been proposed as {original.reference}."
        answer = f"{prefix} {answer}".strip() if original.reference not in answer else answer
    answer = answer or f"{DEFAULT_ANSWERS[S.NOT_PUBLISHED]} Reason: {NOT_PUBLISHED_REASONS[reason_code].lower()}."
    return change_status(
        proposal_id, S.NOT_PUBLISHED, answer, actor_id, reason_code=reason_code, related_proposal_id=related_id
    )


def merge_proposals(source_id: int, target_reference: str, public_answer: str, actor_id: int | None) -> Proposal:
    """Merge a duplicate into another proposal: its supports and proposers carry over and its page redirects."""
    target = get_by_reference(target_reference)
    if target is None:
        raise ProposalError("Enter the reference of an existing proposal, like JSNA-2026-0042")
    target = final_target(target)
    if target.id == source_id:
        raise ProposalError("A proposal cannot be merged into itself")
    if ProposalStatus(target.status) not in MERGE_TARGET_STATUSES:
        raise ProposalError(
            f"{target.reference} is {status_label(target.status).lower()}, so nothing can merge into it"
        )
    source = locked(source_id)
    target = locked(target.id)
    current = ProposalStatus(source.status)
    if current not in MERGEABLE_STATUSES:
        raise InvalidTransition(f"A proposal that is ‘{STATUS_LABELS[current].lower()}’ cannot be merged")
    answer = clean_text(public_answer) or f"This proposal has been merged into {target.reference}, on the same topic."
    if target.reference not in answer:
        answer = f"{answer} It is now part of {target.reference}."
    _move_status(source, S.MERGED)
    source.merged_into_id = target.id
    # Supports carry over; someone who supported both counts once.
    already = select(ProposalSupport.user_id).where(ProposalSupport.proposal_id == target.id).scalar_subquery()
    db.session.execute(
        delete(ProposalSupport)
        .where(ProposalSupport.proposal_id == source.id, ProposalSupport.user_id.in_(already))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ProposalSupport)
        .where(ProposalSupport.proposal_id == source.id)
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    )
    source.support_count = 0
    db.session.flush()
    target.support_count = support_count(target.id)
    event = _record_event(source, str(current), S.MERGED, answer, actor_id, "merged", target.id)
    record_audit(
        actor_id, "proposal_merged_in", "proposal", target.id, f"{source.reference} merged into {target.reference}"
    )
    db.session.commit()
    notify_followers(source, event)
    return target


def withdraw(proposal_id: int, user: User) -> Proposal:
    """The signed-in proposer withdraws their proposal."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not is_owner(proposal, user):
        raise NotAllowed("You can only withdraw your own proposals")
    return withdraw_as_proposer(proposal, user.id)


def withdraw_by_link(token: str) -> Proposal:
    """The proposer withdraws their proposal through their manage link (no account needed)."""
    proposal = proposal_for_token(token)
    if isinstance(proposal, LinkProblem):
        raise NotAllowed("This link cannot be used")
    return withdraw_as_proposer(proposal, None)


def withdraw_as_proposer(proposal: Proposal, actor_id: int | None) -> Proposal:
    """Withdraw on the proposer's behalf (the caller has checked that it is theirs)."""
    if ProposalStatus(proposal.status) not in WITHDRAWABLE_STATUSES:
        raise InvalidTransition(
            f"This proposal is {status_label(proposal.status).lower()} and can no longer be withdrawn"
        )
    return change_status(proposal.id, S.WITHDRAWN, DEFAULT_ANSWERS[S.WITHDRAWN], actor_id, reason_code="proposer")
