"""Prioritisation: versioned criteria, rounds, conflicts of interest, scoring, decisions and the public summary.

Services take plain values, check who may do what (no IDOR: a member only ever touches their own scores), own the
transaction and never touch the request. Results and statistics live in ``results.py``; exports in ``export.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.extensions import db
from portal.models import (
    SCORE_LEVELS,
    ConflictOfInterest,
    CriteriaSet,
    Criterion,
    Decision,
    PrioritisationRound,
    Proposal,
    ProposalStatus,
    Role,
    RoundMember,
    RoundProposal,
    RoundStatus,
    Score,
    ScoreChange,
    User,
    UserRole,
)
from portal.models.base import utcnow
from portal.prioritisation.defaults import DEFAULT_CRITERIA

COMMENT_MAX = 2000
REASON_MAX = 2000
NOTE_MAX = 500
WEIGHT_MAX = 100.0
MIN_PROPOSALS = 2


class PrioritisationError(Exception):
    """A rule the user broke, with a message to show them."""


class StaleCriteriaError(PrioritisationError):
    """Someone else made a new version of the criteria since this change was started."""


class PermissionDenied(Exception):
    """The user may not do this to this object (the route answers 403)."""


# --------------------------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------------------------


def is_analyst(user: User) -> bool:
    """Analysts and admins manage criteria and rounds and see everything."""
    return user.has_role(Role.ANALYST, Role.ADMIN)


def is_member(round_: PrioritisationRound, user_id: int) -> bool:
    """True when the user scores this round."""
    return any(member.user_id == user_id for member in round_.members)


def is_chair(round_: PrioritisationRound, user_id: int) -> bool:
    """True when the user chairs this round."""
    return round_.chair_id is not None and round_.chair_id == user_id


def can_view_round(round_: PrioritisationRound, user: User) -> bool:
    """Members, the chair, analysts and admins see a round and its results."""
    return is_analyst(user) or is_chair(round_, user.id) or is_member(round_, user.id)


def can_see_individual_scores(round_: PrioritisationRound, user: User) -> bool:
    """While a round is open only the chair and analysts see who scored what; afterwards every member may."""
    if is_analyst(user) or is_chair(round_, user.id):
        return True
    return not round_.is_open and is_member(round_, user.id)


def can_close(round_: PrioritisationRound, user: User) -> bool:
    """The chair, analysts and admins close a round."""
    return is_analyst(user) or is_chair(round_, user.id)


def can_publish(round_: PrioritisationRound, user: User) -> bool:
    """The chair, analysts and admins publish a closed round's public summary."""
    return can_close(round_, user)


def can_decide(round_: PrioritisationRound, user: User) -> bool:
    """Only the chair records decisions."""
    return is_chair(round_, user.id)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise PermissionDenied("unknown or inactive user")
    return user


def get_round(round_id: int) -> PrioritisationRound:
    """The round, or a 404."""
    return db.get_or_404(PrioritisationRound, round_id)


def round_for_viewer(round_id: int, viewer_id: int) -> PrioritisationRound:
    """The round, when this user may see it (403 otherwise)."""
    round_ = get_round(round_id)
    if not can_view_round(round_, _user(viewer_id)):
        raise PermissionDenied("not a member of this round")
    return round_


def round_proposal(round_: PrioritisationRound, proposal_id: int) -> RoundProposal:
    """The round's entry for a proposal, or a 404."""
    for entry in round_.proposals:
        if entry.proposal_id == proposal_id:
            return entry
    abort(404)  # a proposal outside the round is as missing as an unknown id (db.get_or_404 does the same)


_audit = record_audit


# --------------------------------------------------------------------------------------------------------------
# Criteria: every change makes a new version, so a round keeps the set it was opened with
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    """A criterion as the analyst typed it."""

    name: str
    question: str
    descriptors: tuple[str, ...]
    weight: float

    @classmethod
    def from_criterion(cls, criterion: Criterion) -> CriterionInput:
        """The values of an existing criterion."""
        return cls(criterion.name, criterion.question, tuple(criterion.descriptors), criterion.weight)


def current_criteria_set() -> CriteriaSet | None:
    """The newest version of the criteria, if any exists."""
    return db.session.scalar(select(CriteriaSet).order_by(CriteriaSet.version.desc()).limit(1))


def criteria_versions() -> list[CriteriaSet]:
    """Every version of the criteria, newest first."""
    return list(db.session.scalars(select(CriteriaSet).order_by(CriteriaSet.version.desc())))


def get_criteria_set(criteria_set_id: int) -> CriteriaSet:
    """One version of the criteria, or a 404."""
    return db.get_or_404(CriteriaSet, criteria_set_id)


def rounds_using(criteria_set_id: int) -> list[PrioritisationRound]:
    """Rounds scored against this version."""
    return list(
        db.session.scalars(
            select(PrioritisationRound)
            .where(PrioritisationRound.criteria_set_id == criteria_set_id)
            .order_by(PrioritisationRound.created_at.desc())
        )
    )


def _check_criteria(criteria: list[CriterionInput]) -> None:
    if not criteria:
        raise PrioritisationError("There must be at least one criterion")
    names = [c.name.strip().lower() for c in criteria]
    if len(set(names)) != len(names):
        raise PrioritisationError("Each criterion must have a different name")
    for criterion in criteria:
        if not criterion.name.strip() or not criterion.question.strip():
            raise PrioritisationError("Each criterion needs a name and a question")
        if len(criterion.descriptors) != len(SCORE_LEVELS) or not all(d.strip() for d in criterion.descriptors):
            raise PrioritisationError(f"Each criterion needs a descriptor for every score from 1 to {SCORE_LEVELS[-1]}")
        if not (0 <= criterion.weight <= WEIGHT_MAX) or criterion.weight != criterion.weight:
            raise PrioritisationError(f"Weights must be between 0 and {WEIGHT_MAX:g}")
    if not any(c.weight > 0 for c in criteria):
        raise PrioritisationError("At least one criterion must have a weight greater than 0")


def _new_version(criteria: list[CriterionInput], note: str, actor_id: int | None, based_on: int | None) -> CriteriaSet:
    """Write the next version. ``based_on`` is the version the change started from (None for the first)."""
    _check_criteria(criteria)
    current = current_criteria_set()
    current_version = current.version if current else None
    if current_version != based_on:
        raise StaleCriteriaError(
            "Someone else changed the criteria while you were editing. Check the current criteria and make your "
            "change again."
        )
    criteria_set = CriteriaSet(
        version=(current_version or 0) + 1, change_note=note.strip()[:300], created_by_id=actor_id
    )
    for position, item in enumerate(criteria, start=1):
        criterion = Criterion(
            position=position, name=item.name.strip(), question=item.question.strip(), weight=float(item.weight)
        )
        for level, text in zip(SCORE_LEVELS, item.descriptors, strict=True):
            setattr(criterion, f"descriptor_{level}", text.strip())
        criteria_set.criteria.append(criterion)
    db.session.add(criteria_set)
    try:
        db.session.flush()
    except IntegrityError as exc:  # two analysts saving at the same moment: the version number is unique
        db.session.rollback()
        raise StaleCriteriaError(
            "Someone else changed the criteria at the same moment. Check the current criteria and make your change "
            "again."
        ) from exc
    _audit(actor_id, "criteria_version_created", "criteria_set", criteria_set.id, f"version {criteria_set.version}")
    db.session.commit()
    return criteria_set


def create_default_criteria(actor_id: int | None) -> CriteriaSet:
    """Create version 1 from the default JSNA criteria (only when no criteria exist yet)."""
    existing = current_criteria_set()
    if existing is not None:
        return existing
    defaults = [CriterionInput(c["name"], c["question"], c["descriptors"], c["weight"]) for c in DEFAULT_CRITERIA]
    return _new_version(defaults, "Default JSNA criteria", actor_id, None)


def _current_inputs(based_on_version: int) -> tuple[CriteriaSet, list[CriterionInput]]:
    current = current_criteria_set()
    if current is None or current.version != based_on_version:
        raise StaleCriteriaError(
            "Someone else changed the criteria while you were editing. Check the current criteria and make your "
            "change again."
        )
    return current, [CriterionInput.from_criterion(c) for c in current.criteria]


def _position_in(criteria_set: CriteriaSet, criterion_id: int) -> int:
    for index, criterion in enumerate(criteria_set.criteria):
        if criterion.id == criterion_id:
            return index
    raise StaleCriteriaError("That criterion is not in the current version. Check the current criteria.")


def add_criterion(item: CriterionInput, actor_id: int, *, based_on_version: int | None, note: str = "") -> CriteriaSet:
    """Add a criterion, making a new version."""
    if based_on_version is None:
        if current_criteria_set() is not None:
            raise StaleCriteriaError("Someone else created the criteria while you were editing. Check them first.")
        return _new_version([item], note or f"Added ‘{item.name.strip()}’", actor_id, None)
    _, inputs = _current_inputs(based_on_version)
    return _new_version([*inputs, item], note or f"Added ‘{item.name.strip()}’", actor_id, based_on_version)


def change_criterion(
    criterion_id: int, item: CriterionInput, actor_id: int, *, based_on_version: int, note: str = ""
) -> CriteriaSet:
    """Change a criterion of the current version, making a new version."""
    current, inputs = _current_inputs(based_on_version)
    index = _position_in(current, criterion_id)
    old = inputs[index]
    if old == item:
        raise PrioritisationError("You have not changed anything")
    inputs[index] = item
    return _new_version(inputs, note or f"Changed ‘{old.name}’", actor_id, based_on_version)


def remove_criterion(criterion_id: int, actor_id: int, *, based_on_version: int) -> CriteriaSet:
    """Remove a criterion from the current version, making a new version."""
    current, inputs = _current_inputs(based_on_version)
    index = _position_in(current, criterion_id)
    removed = inputs.pop(index)
    return _new_version(inputs, f"Removed ‘{removed.name}’", actor_id, based_on_version)


def move_criterion(criterion_id: int, offset: int, actor_id: int, *, based_on_version: int) -> CriteriaSet:
    """Move a criterion up (-1) or down (+1) in the order members see, making a new version."""
    current, inputs = _current_inputs(based_on_version)
    index = _position_in(current, criterion_id)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(inputs):
        raise PrioritisationError("That criterion cannot move further")
    inputs[index], inputs[target] = inputs[target], inputs[index]
    return _new_version(inputs, f"Moved ‘{inputs[target].name}’", actor_id, based_on_version)


# --------------------------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------------------------


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


def create_round(data: RoundInput, actor_id: int) -> PrioritisationRound:
    """Open a round on the current criteria version, with its topics, members and chair."""
    criteria_set = current_criteria_set()
    if criteria_set is None:
        raise PrioritisationError("Set up the criteria before opening a round")
    _check_round_input(data, None)
    if data.deadline < date.today():
        raise PrioritisationError("The deadline must be today or in the future")
    round_ = PrioritisationRound(
        title=data.title.strip(),
        description=data.description.strip(),
        deadline=data.deadline,
        chair_id=data.chair_id,
        top_k=data.top_k,
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
    _audit(actor_id, "round_opened", "prioritisation_round", round_.id, f"criteria version {criteria_set.version}")
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
    _audit(actor_id, "round_changed", "prioritisation_round", round_.id)
    db.session.commit()
    return round_


def close_round(round_id: int, actor_id: int) -> PrioritisationRound:
    """Close a round: scores are final from now on."""
    round_ = db.session.scalar(
        select(PrioritisationRound).where(PrioritisationRound.id == round_id).with_for_update()
    ) or get_round(round_id)
    if not can_close(round_, _user(actor_id)):
        raise PermissionDenied("only the chair, analysts and admins close rounds")
    if not round_.is_open:
        raise PrioritisationError("This round is already closed")
    round_.status = RoundStatus.CLOSED.value
    round_.closed_at = utcnow()
    round_.closed_by_id = actor_id
    _audit(actor_id, "round_closed", "prioritisation_round", round_.id)
    db.session.commit()
    return round_


def rounds_for(viewer_id: int) -> list[PrioritisationRound]:
    """Rounds this user may see, open ones first, newest first."""
    user = _user(viewer_id)
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
    """Publish (or withdraw) a closed round's public summary of weighted scores and ranks."""
    round_ = get_round(round_id)
    if not can_publish(round_, _user(actor_id)):
        raise PermissionDenied("only the chair, analysts and admins publish summaries")
    if round_.is_open:
        raise PrioritisationError("Close the round before publishing its summary")
    if publish and round_.is_example:
        # An example round's made-up scores must never look like a real public decision.
        raise PrioritisationError("An example round cannot be published")
    round_.summary_published_at = utcnow() if publish else None
    round_.summary_published_by_id = actor_id if publish else None
    _audit(actor_id, "summary_published" if publish else "summary_withdrawn", "prioritisation_round", round_.id)
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


def has_conflict(round_id: int, user_id: int, proposal_id: int) -> bool:
    """True when the member declared a conflict of interest in this proposal."""
    return (
        db.session.scalar(
            select(ConflictOfInterest.id).where(
                ConflictOfInterest.round_id == round_id,
                ConflictOfInterest.user_id == user_id,
                ConflictOfInterest.proposal_id == proposal_id,
            )
        )
        is not None
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
            _log_change(score, "score", score.value, None, actor_id, "conflict_declared", now)
        if score.comment:
            _log_change(score, "comment", score.comment, None, actor_id, "conflict_declared", now)
        db.session.delete(score)
    _audit(actor_id, "conflict_declared", "prioritisation_round", round_id, f"proposal {proposal_id}")
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
    _audit(actor_id, "conflict_withdrawn", "prioritisation_round", round_id, f"proposal {proposal_id}")
    db.session.commit()


# --------------------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEntry:
    """What to save for one criterion. None leaves that part as it is (a radio button cannot be unticked)."""

    value: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class SaveOutcome:
    """How many values changed, and when."""

    changed: int
    saved_at: datetime


def _log_change(
    score: Score, field_name: str, old: object, new: object, actor_id: int, reason: str, when: datetime
) -> None:
    db.session.add(
        ScoreChange(
            round_id=score.round_id,
            proposal_id=score.proposal_id,
            user_id=score.user_id,
            criterion_id=score.criterion_id,
            field=field_name,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            reason=reason,
            changed_by_id=actor_id,
            changed_at=when,
        )
    )


def _insert_score_if_absent(values: dict[str, object]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the member × proposal × criterion key; True when this call inserted.

    Both SQLite and PostgreSQL support it. On PostgreSQL a concurrent insert of the same key makes this wait and
    then do nothing; on SQLite the statement takes the database's write lock, so the SELECT that follows sees the
    latest value and the change log's "old value" is exact.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(Score)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["round_id", "proposal_id", "user_id", "criterion_id"])
        .returning(Score.id)
    )
    # RETURNING, not rowcount: the driver's rowcount for an ORM-enabled INSERT is not reliable on every backend.
    return db.session.execute(statement).scalar_one_or_none() is not None


def save_scores(
    round_id: int,
    proposal_id: int,
    actor_id: int,
    entries: Mapping[int, ScoreEntry],
    *,
    reason: str = "form",
) -> SaveOutcome:
    """Save the signed-in member's own scores and comments for one proposal, logging every change.

    The member is always the actor: there is no way to name another member. Scores can change until the round
    closes; a member with a declared conflict cannot score the topic.
    """
    round_ = get_round(round_id)
    if not is_member(round_, actor_id):
        raise PermissionDenied("only the round's members score it")
    round_proposal(round_, proposal_id)
    # Shared lock on PostgreSQL: closing the round (FOR UPDATE) waits for saves in flight, and vice versa.
    db.session.execute(
        select(PrioritisationRound.id).where(PrioritisationRound.id == round_id).with_for_update(read=True)
    )
    db.session.refresh(round_, ["status"])
    if not round_.is_open:
        raise PrioritisationError("This round has closed, so scores can no longer be changed")
    if has_conflict(round_id, actor_id, proposal_id):
        raise PermissionDenied("a conflict of interest is declared")
    criterion_ids = {c.id for c in round_.criteria_set.criteria}
    for criterion_id, entry in entries.items():
        if criterion_id not in criterion_ids:
            raise PrioritisationError("That criterion is not part of this round")
        if entry.value is not None and entry.value not in SCORE_LEVELS:
            raise PrioritisationError(f"Scores must be whole numbers from 1 to {SCORE_LEVELS[-1]}")
        if entry.comment is not None and len(entry.comment.strip()) > COMMENT_MAX:
            raise PrioritisationError(f"Comments must be {COMMENT_MAX} characters or fewer")
    now = utcnow()
    changed = 0
    try:
        for criterion_id in sorted(entries):  # a fixed order, so two requests never lock rows in opposite orders
            entry = entries[criterion_id]
            new_comment = None if entry.comment is None else entry.comment.strip()
            if entry.value is None and new_comment is None:
                continue
            key = {"round_id": round_id, "proposal_id": proposal_id, "user_id": actor_id, "criterion_id": criterion_id}
            inserted = _insert_score_if_absent(
                {**key, "value": entry.value, "comment": new_comment or "", "created_at": now, "updated_at": now}
            )
            score = db.session.execute(
                select(Score).filter_by(**key).with_for_update().execution_options(populate_existing=True)
            ).scalar_one()
            old_value = None if inserted else score.value
            old_comment = "" if inserted else score.comment
            touched = False
            if entry.value is not None and entry.value != old_value:
                _log_change(score, "score", old_value, entry.value, actor_id, reason, now)
                score.value = entry.value
                touched = True
                changed += 1
            if new_comment is not None and new_comment != old_comment:
                _log_change(score, "comment", old_comment or None, new_comment or None, actor_id, reason, now)
                score.comment = new_comment
                touched = True
                changed += 1
            if touched:
                score.updated_at = now
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return SaveOutcome(changed=changed, saved_at=now)


def member_scores(round_id: int, proposal_id: int, user_id: int) -> dict[int, Score]:
    """A member's own scores for one proposal, by criterion id."""
    rows = db.session.scalars(
        select(Score).where(Score.round_id == round_id, Score.proposal_id == proposal_id, Score.user_id == user_id)
    )
    return {row.criterion_id: row for row in rows}


@dataclass(frozen=True)
class ProposalProgress:
    """Where one member is with one proposal."""

    entry: RoundProposal
    state: str  # "complete", "in_progress", "not_started" or "conflict"
    scored_criteria: int


@dataclass(frozen=True)
class MemberProgress:
    """A member's progress through a round: "12 of 20 proposals scored"."""

    items: list[ProposalProgress]
    scored: int
    total: int
    conflicts: int

    @property
    def text(self) -> str:
        noun = "proposal" if self.total == 1 else "proposals"
        return f"{self.scored} of {self.total} {noun} scored"

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.scored == self.total

    def next_after(self, proposal_id: int | None) -> RoundProposal | None:
        """The next proposal (in round order, wrapping) still to be scored fully."""
        order = [i for i in self.items if i.state in ("not_started", "in_progress")]
        if not order:
            return None
        ids = [i.entry.proposal_id for i in self.items]
        start = ids.index(proposal_id) + 1 if proposal_id in ids else 0
        rotated = self.items[start:] + self.items[:start]
        for item in rotated:
            if item.state in ("not_started", "in_progress") and item.entry.proposal_id != proposal_id:
                return item.entry
        return None


def member_progress(round_: PrioritisationRound, user_id: int) -> MemberProgress:
    """How many of the round's proposals this member has scored on every weighted criterion."""
    needed = {c.id for c in round_.criteria_set.criteria if c.weight > 0}
    scored: dict[int, set[int]] = {}
    for proposal_id, criterion_id in db.session.execute(
        select(Score.proposal_id, Score.criterion_id).where(
            Score.round_id == round_.id, Score.user_id == user_id, Score.value.is_not(None)
        )
    ):
        scored.setdefault(proposal_id, set()).add(criterion_id)
    conflicted = set(
        db.session.scalars(
            select(ConflictOfInterest.proposal_id).where(
                ConflictOfInterest.round_id == round_.id, ConflictOfInterest.user_id == user_id
            )
        )
    )
    items = []
    for entry in round_.proposals:
        done = scored.get(entry.proposal_id, set())
        if entry.proposal_id in conflicted:
            state = "conflict"
        elif needed <= done:
            state = "complete"
        elif done:
            state = "in_progress"
        else:
            state = "not_started"
        items.append(ProposalProgress(entry=entry, state=state, scored_criteria=len(done)))
    total = sum(1 for i in items if i.state != "conflict")
    return MemberProgress(
        items=items,
        scored=sum(1 for i in items if i.state == "complete"),
        total=total,
        conflicts=len(items) - total,
    )


def members_progress(round_: PrioritisationRound) -> list[tuple[RoundMember, MemberProgress]]:
    """Every member's progress (for the chair and analysts)."""
    return [(member, member_progress(round_, member.user_id)) for member in round_.members]


def score_history(round_id: int, viewer_id: int, *, limit: int = 500) -> list[ScoreChange]:
    """The round's change log, newest first: the chair and analysts always; members once the round closes."""
    round_ = round_for_viewer(round_id, viewer_id)
    if not can_see_individual_scores(round_, _user(viewer_id)):
        raise PermissionDenied("individual scores are hidden while the round is open")
    return list(
        db.session.scalars(
            select(ScoreChange)
            .where(ScoreChange.round_id == round_id)
            .order_by(ScoreChange.changed_at.desc(), ScoreChange.id.desc())
            .limit(limit)
        )
    )


# --------------------------------------------------------------------------------------------------------------
# Evidence beside the score boxes
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorEvidence:
    """A linked indicator and its summary (None when the key dataset has nothing for it yet)."""

    indicator_id: str
    name: str
    summary: object | None


@dataclass
class ProposalEvidence:
    """What the scoring page shows beside the score boxes."""

    indicators: list[IndicatorEvidence] = field(default_factory=list)
    briefings: list[object] = field(default_factory=list)
    supports: int = 0
    indicator_summaries_available: bool = True
    briefings_available: bool = True


def proposal_evidence(proposal: Proposal) -> ProposalEvidence:
    """Each linked indicator's summary, the supports count and the published briefings linked to a proposal."""
    evidence = ProposalEvidence(supports=proposal.support_count)
    try:
        from portal.indicators.services import indicator_summary
    except ImportError:  # the key dataset feature is not installed: show the indicators' names only
        indicator_summary = None
        evidence.indicator_summaries_available = False
    for link in proposal.indicator_links:
        summary = indicator_summary(link.indicator_id) if indicator_summary is not None else None
        name = getattr(link.indicator, "name", None) or link.indicator_id
        evidence.indicators.append(IndicatorEvidence(link.indicator_id, name, summary))
    try:
        from portal.evidence.services import published_briefings_for_proposal
    except ImportError:
        evidence.briefings_available = False
    else:
        evidence.briefings = list(published_briefings_for_proposal(proposal.id))
    return evidence


# --------------------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------------------


def record_decision(round_id: int, proposal_id: int, decision: Decision, reason: str, actor_id: int) -> RoundProposal:
    """The chair records a proposal as prioritised, not prioritised or deferred, with the public reason.

    The proposal's public status changes through the proposals service, which adds the timeline entry and emails
    the proposers who agreed to be contacted.
    """
    round_ = get_round(round_id)
    if not can_decide(round_, _user(actor_id)):
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
    _audit(actor_id, "decision_recorded", "prioritisation_round", round_id, f"proposal {proposal_id}: {decision}")
    from portal.proposals.services import ProposalError, change_status

    try:
        # change_status commits, taking the decision above with it in one transaction.
        change_status(proposal_id, decision.proposal_status, reason, actor_id, reason_code="prioritisation")
    except ProposalError as exc:
        db.session.rollback()
        raise PrioritisationError(str(exc) or "The topic's status could not be changed") from exc
    return entry


# --------------------------------------------------------------------------------------------------------------
# Seed: the default criteria, and an example round on the example shortlisted proposals
# --------------------------------------------------------------------------------------------------------------

EXAMPLE_MEMBERS = 5
EXAMPLE_SEED = 2026


def _example_members() -> list[User]:
    from portal.auth.services import create_user, find_user_by_email

    members = []
    for number in range(1, EXAMPLE_MEMBERS + 1):
        email = f"example-steering-{number}@example.org"
        user = find_user_by_email(email)
        if user is None:
            # Nobody knows this password: example members exist only to have example scores.
            user = create_user(
                email,
                secrets.token_urlsafe(24),
                [Role.STEERING],
                display_name=f"Example steering member {number}",
                confirmed=True,
            )
        members.append(user)
    return members


def _example_scores(latent: list[float], n_members: int, n_criteria: int, seed: int) -> np.ndarray:
    """Plausible made-up scores: each topic has an underlying priority, members add their own view."""
    rng = np.random.default_rng(seed)
    topic = np.asarray(latent, dtype=float).reshape(1, -1, 1)
    criterion = rng.normal(0, 0.6, size=(1, len(latent), n_criteria))
    member = rng.normal(0, 0.7, size=(n_members, len(latent), n_criteria))
    return np.clip(np.rint(topic + criterion + member), 1, 5).astype(int)


# Example topics whose status shows they have been through a round already, and the decision that implies.
_DECIDED: dict[str, Decision] = {
    ProposalStatus.PRIORITISED.value: Decision.PRIORITISED,
    ProposalStatus.CHAPTER_IN_PROGRESS.value: Decision.PRIORITISED,
    ProposalStatus.CHAPTER_PUBLISHED.value: Decision.PRIORITISED,
    ProposalStatus.NOT_PRIORITISED.value: Decision.NOT_PRIORITISED,
    ProposalStatus.DEFERRED.value: Decision.DEFERRED,
}
_LATENT = {Decision.PRIORITISED: 4.0, Decision.DEFERRED: 3.0, Decision.NOT_PRIORITISED: 2.3}


def _public_answer(proposal: Proposal, decision: Decision) -> str:
    from portal.models import ProposalStatusEvent

    answer = db.session.scalar(
        select(ProposalStatusEvent.public_answer)
        .where(ProposalStatusEvent.proposal_id == proposal.id, ProposalStatusEvent.to_status == decision.value)
        .order_by(ProposalStatusEvent.occurred_at.desc())
        .limit(1)
    )
    return answer or f"Example: the steering group recorded this topic as {decision.label.lower()}."


def _example_round(
    title: str,
    description: str,
    proposals: list[Proposal],
    latent: list[float],
    members: list[User],
    criteria_set: CriteriaSet,
    *,
    closed: bool,
    seed_offset: int,
) -> PrioritisationRound:
    today = date.today()
    round_ = PrioritisationRound(
        title=title,
        description=description,
        deadline=today - timedelta(days=60) if closed else today + timedelta(days=28),
        chair_id=members[0].id,
        top_k=max(1, min(3, len(proposals) - 1)),
        criteria_set_id=criteria_set.id,
        is_example=True,
        status=RoundStatus.CLOSED.value if closed else RoundStatus.OPEN.value,
        closed_at=utcnow() - timedelta(days=55) if closed else None,
        closed_by_id=members[0].id if closed else None,
    )
    for member in members:
        round_.members.append(RoundMember(user_id=member.id))
    for position, proposal in enumerate(proposals, start=1):
        entry = RoundProposal(proposal_id=proposal.id, position=position)
        decision = _DECIDED.get(proposal.status) if closed else None
        if decision is not None:
            # These topics' public status already shows the decision, so it is recorded here without changing it.
            entry.decision = decision.value
            entry.decision_reason = _public_answer(proposal, decision)
            entry.decided_at = round_.closed_at
            entry.decided_by_id = members[0].id
        round_.proposals.append(entry)
    db.session.add(round_)
    db.session.flush()
    values = _example_scores(latent, len(members), len(criteria_set.criteria), EXAMPLE_SEED + seed_offset)
    now = utcnow()
    # The last member declares an interest in the first topic, so the example shows a conflict too.
    conflicted = (len(members) - 1, 0)
    db.session.add(
        ConflictOfInterest(
            round_id=round_.id,
            user_id=members[conflicted[0]].id,
            proposal_id=proposals[conflicted[1]].id,
            note="Example: manages a service this topic would review.",
        )
    )
    for m, member in enumerate(members):
        for p, proposal in enumerate(proposals):
            if (m, p) == conflicted:
                continue
            for c, criterion in enumerate(criteria_set.criteria):
                score = Score(
                    round_id=round_.id,
                    proposal_id=proposal.id,
                    user_id=member.id,
                    criterion_id=criterion.id,
                    value=int(values[m, p, c]),
                    comment="",
                    created_at=now,
                    updated_at=now,
                )
                db.session.add(score)
                _log_change(score, "score", None, score.value, member.id, "example", now)
    return round_


def _example_proposals(statuses: list[str]) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.is_example.is_(True), Proposal.status.in_(statuses))
            .order_by(Proposal.reference)
        )
    )


def seed() -> str:
    """Create the default criteria and, from the proposals seed's example topics, example rounds (marked Example):
    a closed one with the topics already decided, and an open one with the shortlisted topics (when there are two).
    """
    criteria_set = create_default_criteria(None)
    parts = [f"criteria version {criteria_set.version} ({len(criteria_set.criteria)} criteria)"]
    existing = {
        status
        for status in db.session.scalars(
            select(PrioritisationRound.status).where(PrioritisationRound.is_example.is_(True))
        )
    }
    if RoundStatus.CLOSED.value in existing:
        parts.append("closed example round already present")
    else:
        decided = _example_proposals(list(_DECIDED))
        if len(decided) >= MIN_PROPOSALS:
            _example_round(
                "Example: last year's topic prioritisation",
                "An example of a finished round, with made-up scores from example steering group members on the "
                "example topics that have already been decided. It shows how final results and decisions look.",
                decided,
                [_LATENT[_DECIDED[p.status]] for p in decided],
                _example_members(),
                criteria_set,
                closed=True,
                seed_offset=1,
            )
            parts.append(f"closed example round with {len(decided)} topics")
        else:
            parts.append("no closed example round (fewer than 2 decided example topics)")
    if RoundStatus.OPEN.value in existing:
        parts.append("open example round already present")
    else:
        busy = proposals_in_open_rounds()
        shortlisted = [p for p in _example_proposals([ProposalStatus.SHORTLISTED.value]) if p.id not in busy]
        if len(shortlisted) >= MIN_PROPOSALS:
            rng = np.random.default_rng(EXAMPLE_SEED)
            _example_round(
                "Example: choosing next year's JSNA topics",
                "An example round with made-up scores from example steering group members, to show how scoring "
                "and live results work. It is not a real decision.",
                shortlisted,
                list(rng.uniform(1.8, 4.3, size=len(shortlisted))),
                _example_members(),
                criteria_set,
                closed=False,
                seed_offset=2,
            )
            parts.append(f"open example round with {len(shortlisted)} topics")
        else:
            parts.append("no open example round (fewer than 2 example shortlisted topics)")
    db.session.commit()
    return "; ".join(parts)
