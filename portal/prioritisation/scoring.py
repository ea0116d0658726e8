"""Scoring: a member saves their own scores and comments (every change logged), and their progress through a round.

The member is always the actor: no function here takes another member's id to write for. Scores change until the
round closes, and never for a topic in which the member declared a conflict of interest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import (
    SCORE_LEVELS,
    ConflictOfInterest,
    PrioritisationRound,
    RoundMember,
    RoundProposal,
    Score,
    ScoreChange,
)
from portal.models.base import utcnow
from portal.prioritisation.permissions import (
    PermissionDenied,
    PrioritisationError,
    active_user,
    can_see_individual_scores,
    get_round,
    is_member,
    round_for_viewer,
    round_proposal,
)

COMMENT_MAX = 2000


@dataclass(frozen=True)
class ScoreEntry:
    """What to save for one criterion. None leaves that part as it is (a radio button cannot be unticked)."""

    value: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class SaveOutcome:
    """How many values changed, when, and the weighted criteria of the topic the member has still not scored."""

    changed: int
    saved_at: datetime
    missing: tuple[str, ...] = ()


def log_change(
    score: Score, field_name: str, old: object, new: object, actor_id: int, reason: str, when: datetime
) -> None:
    """Append one change of a score or comment to the round's change log."""
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
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Score)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["round_id", "proposal_id", "user_id", "criterion_id"])
        .returning(Score.id)
    )
    # RETURNING, not rowcount: the driver's rowcount for an ORM-enabled INSERT is not reliable on every backend.
    return db.session.execute(statement).scalar_one_or_none() is not None


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
                log_change(score, "score", old_value, entry.value, actor_id, reason, now)
                score.value = entry.value
                touched = True
                changed += 1
            if new_comment is not None and new_comment != old_comment:
                log_change(score, "comment", old_comment or None, new_comment or None, actor_id, reason, now)
                score.comment = new_comment
                touched = True
                changed += 1
            if touched:
                score.updated_at = now
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return SaveOutcome(changed=changed, saved_at=now, missing=missing_criteria(round_, proposal_id, actor_id))


def missing_criteria(round_: PrioritisationRound, proposal_id: int, user_id: int) -> tuple[str, ...]:
    """The weighted criteria (in the order members see them) this member has not scored for the topic yet: the
    topic counts towards the results only once every one of them is scored."""
    scored = member_scores(round_.id, proposal_id, user_id)
    return tuple(
        criterion.name
        for criterion in round_.criteria_set.criteria
        if criterion.weight > 0 and (criterion.id not in scored or scored[criterion.id].value is None)
    )


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
    if not can_see_individual_scores(round_, active_user(viewer_id)):
        raise PermissionDenied("individual scores are hidden while the round is open")
    return list(
        db.session.scalars(
            select(ScoreChange)
            .where(ScoreChange.round_id == round_id)
            .order_by(ScoreChange.changed_at.desc(), ScoreChange.id.desc())
            .limit(limit)
        )
    )
