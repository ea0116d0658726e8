"""Prioritisation rounds: opening and changing them, closing, publishing the public summary, members' conflicts of
interest, and the chair's decisions (which change a topic's public status through the proposals service)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    ConflictOfInterest,
    Decision,
    Outcome,
    PrioritisationRound,
    Proposal,
    ProposalStatus,
    Role,
    RoundMember,
    RoundProposal,
    RoundStatus,
    Score,
    User,
    UserRole,
)
from portal.models.base import utcnow
from portal.prioritisation.criteria import current_criteria_set
from portal.prioritisation.permissions import (
    PermissionDenied,
    PrioritisationError,
    active_user,
    can_close,
    can_decide,
    can_publish,
    get_round,
    is_analyst,
    is_member,
    round_proposal,
)
from portal.prioritisation.published import clear_ranking, store_ranking
from portal.prioritisation.scoring import log_change
from portal.proposals.services import ProposalError, change_status

REASON_MAX = 2000
NOTE_MAX = 500
MIN_PROPOSALS = 2


@dataclass(frozen=True)
class RoundInput:
    """A round's settings as entered."""

    title: str
    description: str
    deadline: date
    chair_id: int
    member_ids: list[int]
    proposal_ids: list[int]
    top_k: int
    quorum: int | None = None  # None: a majority of the members


def steering_users() -> list[User]:
    """Active users with the steering group role: the people who can be members or chair a round."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.STEERING.value, User.active.is_(True))
            .order_by(func.lower(User.display_name), User.email)
        ).unique()
    )


def proposals_in_open_rounds(exclude_round_id: int | None = None) -> set[int]:
    """Ids of proposals already being scored in an open round."""
    statement = (
        select(RoundProposal.proposal_id)
        .join(PrioritisationRound)
        .where(PrioritisationRound.status == RoundStatus.OPEN.value)
    )
    if exclude_round_id is not None:
        statement = statement.where(PrioritisationRound.id != exclude_round_id)
    return set(db.session.scalars(statement))


def shortlisted_proposals(round_id: int | None = None) -> list[Proposal]:
    """Proposals a round can score: shortlisted ones not in another open round, plus those already in this round."""
    busy = proposals_in_open_rounds(exclude_round_id=round_id)
    shortlisted = db.session.scalars(
        select(Proposal).where(Proposal.status == ProposalStatus.SHORTLISTED.value).order_by(Proposal.reference)
    )
    chosen = [p for p in shortlisted if p.id not in busy]
    if round_id is not None:
        present = {p.id for p in chosen}
        for entry in get_round(round_id).proposals:
            if entry.proposal_id not in present:
                chosen.append(entry.proposal)
    return chosen


def _check_round_input(data: RoundInput, round_: PrioritisationRound | None) -> None:
    if not data.title.strip():
        raise PrioritisationError("Enter a title")
    steering = {user.id for user in steering_users()}
    existing_members = {m.user_id for m in round_.members} if round_ else set()
    if data.chair_id not in steering and not (round_ and round_.chair_id == data.chair_id):
        raise PrioritisationError("Select a chair from the steering group")
    unknown = set(data.member_ids) - steering - existing_members
    if unknown:
        raise PrioritisationError("Members must be in the steering group")
    allowed = {p.id for p in shortlisted_proposals(round_.id if round_ else None)}
    if set(data.proposal_ids) - allowed:
        raise PrioritisationError("Select only shortlisted topics that are not in another open round")
    if len(set(data.proposal_ids)) < MIN_PROPOSALS:
        raise PrioritisationError(f"Select at least {MIN_PROPOSALS} shortlisted topics")
    if data.top_k < 1:
        raise PrioritisationError("The number of topics the board can take forward must be 1 or more")
    members = len(set([data.chair_id, *data.member_ids]))
    if data.quorum is not None and not 1 <= data.quorum <= members:
        raise PrioritisationError(
            f"The number of members who must score a topic must be between 1 and {members}, the number of members"
        )


def create_round(data: RoundInput, actor_id: int) -> PrioritisationRound:
    """Open a round on the current criteria version, with its topics, members and chair."""
    criteria_set = current_criteria_set()
    if criteria_set is None:
        raise PrioritisationError("Set up the criteria before opening a round")
    _check_round_input(data, None)
    if data.deadline < london_today():
        raise PrioritisationError("The deadline must be today or in the future")
    round_ = PrioritisationRound(
        title=data.title.strip(),
        description=data.description.strip(),
        deadline=data.deadline,
        chair_id=data.chair_id,
        top_k=data.top_k,
        quorum=data.quorum,
        criteria_set_id=criteria_set.id,
        created_by_id=actor_id,
        status=RoundStatus.OPEN.value,
    )
    # The chair always belongs to the round, so they can score and see its results.
    for user_id in dict.fromkeys([data.chair_id, *data.member_ids]):
        round_.members.append(RoundMember(user_id=user_id))
    for position, proposal_id in enumerate(dict.fromkeys(data.proposal_ids), start=1):
        round_.proposals.append(RoundProposal(proposal_id=proposal_id, position=position))
    db.session.add(round_)
    db.session.flush()
    record_audit(
        actor_id, "round_opened", "prioritisation_round", round_.id, f"criteria version {criteria_set.version}"
    )
    db.session.commit()
    return round_


def _has_scores(round_id: int, *, user_id: int | None = None, proposal_id: int | None = None) -> bool:
    statement = select(Score.id).where(Score.round_id == round_id)
    if user_id is not None:
        statement = statement.where(Score.user_id == user_id)
    if proposal_id is not None:
        statement = statement.where(Score.proposal_id == proposal_id)
    return db.session.scalar(statement.limit(1)) is not None


def update_round(round_id: int, data: RoundInput, actor_id: int) -> PrioritisationRound:
    """Change an open round's settings. Members and topics that already have scores cannot be removed."""
    round_ = get_round(round_id)
    if not round_.is_open:
        raise PrioritisationError("A closed round cannot be changed")
    _check_round_input(data, round_)
    wanted_members = list(dict.fromkeys([data.chair_id, *data.member_ids]))
    for member in list(round_.members):
        if member.user_id not in wanted_members:
            if _has_scores(round_.id, user_id=member.user_id):
                raise PrioritisationError(f"{member.user.name_or_email} has already scored, so cannot be removed")
            round_.members.remove(member)
    present = {m.user_id for m in round_.members}
    for user_id in wanted_members:
        if user_id not in present:
            round_.members.append(RoundMember(user_id=user_id))
    wanted_proposals = list(dict.fromkeys(data.proposal_ids))
    for entry in list(round_.proposals):
        if entry.proposal_id not in wanted_proposals:
            if _has_scores(round_.id, proposal_id=entry.proposal_id):
                raise PrioritisationError(f"{entry.proposal.reference} already has scores, so cannot be removed")
            round_.proposals.remove(entry)
    present = {p.proposal_id for p in round_.proposals}
    next_position = max((p.position for p in round_.proposals), default=0) + 1
    for proposal_id in wanted_proposals:
        if proposal_id not in present:
            round_.proposals.append(RoundProposal(proposal_id=proposal_id, position=next_position))
            next_position += 1
    round_.title = data.title.strip()
    round_.description = data.description.strip()
    round_.deadline = data.deadline
    round_.chair_id = data.chair_id
    round_.top_k = data.top_k
    round_.quorum = data.quorum
    record_audit(actor_id, "round_changed", "prioritisation_round", round_.id)
    db.session.commit()
    return round_


def close_round(round_id: int, actor_id: int) -> PrioritisationRound:
    """Close a round: scores are final from now on."""
    round_ = db.session.scalar(
        select(PrioritisationRound).where(PrioritisationRound.id == round_id).with_for_update()
    ) or get_round(round_id)
    if not can_close(round_, active_user(actor_id)):
        raise PermissionDenied("only the chair, analysts and admins close rounds")
    if not round_.is_open:
        raise PrioritisationError("This round is already closed")
    round_.status = RoundStatus.CLOSED.value
    round_.closed_at = utcnow()
    round_.closed_by_id = actor_id
    record_audit(actor_id, "round_closed", "prioritisation_round", round_.id)
    db.session.commit()
    return round_


def rounds_for(viewer_id: int) -> list[PrioritisationRound]:
    """Rounds this user may see, open ones first, newest first."""
    user = active_user(viewer_id)
    statement = select(PrioritisationRound)
    if not is_analyst(user):
        member_of = select(RoundMember.round_id).where(RoundMember.user_id == user.id)
        statement = statement.where((PrioritisationRound.id.in_(member_of)) | (PrioritisationRound.chair_id == user.id))
    rounds = list(db.session.scalars(statement.order_by(PrioritisationRound.created_at.desc())))
    return sorted(rounds, key=lambda r: not r.is_open)


def published_rounds() -> list[PrioritisationRound]:
    """Rounds whose public summary is published, newest first."""
    return list(
        db.session.scalars(
            select(PrioritisationRound)
            .where(PrioritisationRound.summary_published_at.is_not(None))
            .order_by(PrioritisationRound.summary_published_at.desc())
        )
    )


def publish_summary(round_id: int, actor_id: int, *, publish: bool = True) -> PrioritisationRound:
    """Publish (or withdraw) a closed round's public summary of weighted scores and ranks.

    An example round can be published too: every public page marks it as an example with made-up scores.
    """
    round_ = get_round(round_id)
    if not can_publish(round_, active_user(actor_id)):
        raise PermissionDenied("only the chair, analysts and admins publish summaries")
    if round_.is_open:
        raise PrioritisationError("Close the round before publishing its summary")
    round_.summary_published_at = utcnow() if publish else None
    round_.summary_published_by_id = actor_id if publish else None
    # The public pages read the ranking as it stands now (a closed round's scores no longer change).
    if publish:
        store_ranking(round_)
    else:
        clear_ranking(round_)
    record_audit(actor_id, "summary_published" if publish else "summary_withdrawn", "prioritisation_round", round_.id)
    db.session.commit()
    return round_


# --------------------------------------------------------------------------------------------------------------
# Conflicts of interest
# --------------------------------------------------------------------------------------------------------------


def conflicts_in(round_id: int) -> list[ConflictOfInterest]:
    """Every conflict declared in a round."""
    return list(
        db.session.scalars(
            select(ConflictOfInterest)
            .where(ConflictOfInterest.round_id == round_id)
            .order_by(ConflictOfInterest.declared_at)
        )
    )


def _open_round_for_member(round_id: int, actor_id: int) -> PrioritisationRound:
    round_ = get_round(round_id)
    if not is_member(round_, actor_id):
        raise PermissionDenied("only the round's members score it")
    if not round_.is_open:
        raise PrioritisationError("This round has closed, so it can no longer be changed")
    return round_


def declare_conflict(round_id: int, proposal_id: int, actor_id: int, note: str) -> ConflictOfInterest:
    """Declare a conflict of interest: the member's scores for the topic are removed and they cannot score it."""
    round_ = _open_round_for_member(round_id, actor_id)
    round_proposal(round_, proposal_id)
    note = note.strip()
    if not note:
        raise PrioritisationError("Describe your interest in this topic")
    if len(note) > NOTE_MAX:
        raise PrioritisationError(f"Your description must be {NOTE_MAX} characters or fewer")
    existing = db.session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.round_id == round_id,
            ConflictOfInterest.user_id == actor_id,
            ConflictOfInterest.proposal_id == proposal_id,
        )
    )
    if existing is not None:
        return existing
    conflict = ConflictOfInterest(round_id=round_id, user_id=actor_id, proposal_id=proposal_id, note=note)
    db.session.add(conflict)
    now = utcnow()
    scores = db.session.scalars(
        select(Score)
        .where(Score.round_id == round_id, Score.user_id == actor_id, Score.proposal_id == proposal_id)
        .with_for_update()
    )
    for score in scores:
        if score.value is not None:
            log_change(score, "score", score.value, None, actor_id, "conflict_declared", now)
        if score.comment:
            log_change(score, "comment", score.comment, None, actor_id, "conflict_declared", now)
        db.session.delete(score)
    record_audit(actor_id, "conflict_declared", "prioritisation_round", round_id, f"proposal {proposal_id}")
    try:
        db.session.commit()
    except IntegrityError:  # the same member declaring twice at once: the first declaration stands
        db.session.rollback()
        existing = db.session.scalar(
            select(ConflictOfInterest).where(
                ConflictOfInterest.round_id == round_id,
                ConflictOfInterest.user_id == actor_id,
                ConflictOfInterest.proposal_id == proposal_id,
            )
        )
        if existing is None:
            raise
        return existing
    return conflict


def withdraw_conflict(round_id: int, proposal_id: int, actor_id: int) -> None:
    """Withdraw one's own declaration (made by mistake) so the topic can be scored."""
    _open_round_for_member(round_id, actor_id)
    conflict = db.session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.round_id == round_id,
            ConflictOfInterest.user_id == actor_id,
            ConflictOfInterest.proposal_id == proposal_id,
        )
    )
    if conflict is None:
        return
    db.session.delete(conflict)
    record_audit(actor_id, "conflict_withdrawn", "prioritisation_round", round_id, f"proposal {proposal_id}")
    db.session.commit()


# --------------------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------------------


def record_decision(round_id: int, proposal_id: int, decision: Decision, reason: str, actor_id: int) -> RoundProposal:
    """The chair records a proposal as prioritised, not prioritised or deferred, with the public reason.

    The proposal's public status changes through the proposals service, which adds the timeline entry and emails
    the proposers who agreed to be contacted.
    """
    round_ = get_round(round_id)
    if not can_decide(round_, active_user(actor_id)):
        raise PermissionDenied("only the chair records decisions")
    if round_.is_open:
        raise PrioritisationError("Close the round before recording decisions")
    entry = round_proposal(round_, proposal_id)
    reason = reason.strip()
    if entry.decision == decision.value and entry.decision_reason == reason:
        raise PrioritisationError("This decision is already recorded")
    if not reason:
        raise PrioritisationError("Enter the reason for the decision")
    if len(reason) > REASON_MAX:
        raise PrioritisationError(f"The reason must be {REASON_MAX} characters or fewer")
    entry.decision = decision.value
    entry.decision_reason = reason
    entry.decided_at = utcnow()
    entry.decided_by_id = actor_id
    record_audit(actor_id, "decision_recorded", "prioritisation_round", round_id, f"proposal {proposal_id}: {decision}")
    try:
        # change_status commits, taking the decision above with it in one transaction.
        change_status(proposal_id, decision.proposal_status, reason, actor_id, reason_code="prioritisation")
    except ProposalError as exc:
        db.session.rollback()
        raise PrioritisationError(str(exc) or "The topic's status could not be changed") from exc
    return entry


def published_outcome_of_round(round_id: int) -> Outcome | None:
    """The round's published "We asked, you said, we did" page, if there is one yet (read through the model: the
    outcomes feature sits above prioritisation)."""
    return db.session.scalar(
        select(Outcome).where(Outcome.round_id == round_id, Outcome.published_at.is_not(None)).limit(1)
    )
