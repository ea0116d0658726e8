"""Criteria-based prioritisation: versioned criteria, rounds, members, conflicts, scores and their change log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow
from portal.models.proposals import Proposal, ProposalStatus
from portal.models.users import User

# Every criterion is scored on the same five levels, each with its own descriptor.
SCORE_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)


class RoundStatus(StrEnum):
    """Whether members can still score a round."""

    OPEN = "open"
    CLOSED = "closed"


class Decision(StrEnum):
    """What the chair decided for a proposal at the end of a round."""

    PRIORITISED = "prioritised"
    NOT_PRIORITISED = "not_prioritised"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]

    @property
    def proposal_status(self) -> ProposalStatus:
        # The chair's "prioritised" is the steering group's recommendation; the board's agreement prioritises it.
        if self is Decision.PRIORITISED:
            return ProposalStatus.RECOMMENDED
        return ProposalStatus(self.value)


DECISION_LABELS: dict[Decision, str] = {
    Decision.PRIORITISED: "Prioritised",
    Decision.NOT_PRIORITISED: "Not prioritised",
    Decision.DEFERRED: "Deferred",
}


class BoardDecision(StrEnum):
    """What the health and wellbeing board decided on the steering group's recommendation for a topic."""

    AGREED = "agreed"
    NOT_AGREED = "not_agreed"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        return BOARD_DECISION_LABELS[self]


BOARD_DECISION_LABELS: dict[BoardDecision, str] = {
    BoardDecision.AGREED: "Agreed",
    BoardDecision.NOT_AGREED: "Not agreed",
    BoardDecision.DEFERRED: "Deferred",
}


class CriteriaSet(Model):
    """One version of the prioritisation criteria. Versions are never changed: an edit makes the next version."""

    __tablename__ = "prioritisation_criteria_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    change_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="criteria_set", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()


class Criterion(Model):
    """A criterion in one version of the set: its question, a descriptor per score level and its weight."""

    __tablename__ = "prioritisation_criteria"
    __table_args__ = (UniqueConstraint("criteria_set_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_criteria_sets.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(String(300))
    descriptor_1: Mapped[str] = mapped_column(String(300))
    descriptor_2: Mapped[str] = mapped_column(String(300))
    descriptor_3: Mapped[str] = mapped_column(String(300))
    descriptor_4: Mapped[str] = mapped_column(String(300))
    descriptor_5: Mapped[str] = mapped_column(String(300))
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="criteria")

    @property
    def descriptors(self) -> list[str]:
        """The descriptor for each score level, level 1 first."""
        return [getattr(self, f"descriptor_{level}") for level in SCORE_LEVELS]


class PrioritisationRound(Model):
    """The steering group scoring a shortlist of proposals against one version of the criteria."""

    __tablename__ = "prioritisation_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_criteria_sets.id"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.OPEN.value, index=True)
    # How many topics the board can take forward: the k in "probability of being in the top k".
    top_k: Mapped[int] = mapped_column(Integer, default=5)
    # The fewest members who must score every weighted criterion of a topic before it is ranked; None means a
    # majority of the round's members.
    quorum: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    summary_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    summary_published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # How many members fully scored at least one topic, stored with the ranking when the summary is published
    # (prioritisation.published); None before that, and for a round published before migration 0028.
    published_members_scored: Mapped[int | None] = mapped_column(Integer, nullable=True)

    criteria_set: Mapped[CriteriaSet] = relationship()
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    members: Mapped[list[RoundMember]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundMember.id"
    )
    proposals: Mapped[list[RoundProposal]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundProposal.position"
    )

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN.value

    @property
    def is_published(self) -> bool:
        return self.summary_published_at is not None

    @property
    def effective_quorum(self) -> int:
        """The round's quorum, or a majority of its members when none was set."""
        return self.quorum if self.quorum is not None else len(self.members) // 2 + 1


class RoundMember(Model):
    """A steering group member who scores a round."""

    __tablename__ = "prioritisation_round_members"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[PrioritisationRound] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class RoundProposal(Model):
    """A shortlisted proposal in a round, with the chair's decision once it is made."""

    __tablename__ = "prioritisation_round_proposals"
    __table_args__ = (UniqueConstraint("round_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_rounds.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str] = mapped_column(String(32), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # The health and wellbeing board's decision on the steering group's recommendation, from the board's minutes.
    board_decision: Mapped[str] = mapped_column(String(16), default="", server_default="")
    board_meeting_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    board_minute_reference: Mapped[str] = mapped_column(String(100), default="", server_default="")
    board_papers_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    board_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    board_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # The published ranking, stored when the summary is published (prioritisation.published), so the public pages read
    # it instead of every score: the topic's place in the published order (from 1), its rank (None: below the
    # quorum, not ranked), its weighted score (None: not shown) and how many members scored it fully.
    published_place: Mapped[int | None] = mapped_column(Integer, nullable=True)
    published_rank: Mapped[float | None] = mapped_column(Float, nullable=True)
    published_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    published_scorers: Mapped[int | None] = mapped_column(Integer, nullable=True)

    round: Mapped[PrioritisationRound] = relationship(back_populates="proposals")
    proposal: Mapped[Proposal] = relationship()

    @property
    def decision_label(self) -> str:
        return Decision(self.decision).label if self.decision else ""

    @property
    def board_decision_label(self) -> str:
        return BoardDecision(self.board_decision).label if self.board_decision else ""

    @property
    def is_recommended(self) -> bool:
        """The steering group recommended this topic to the board (the chair recorded it as prioritised)."""
        return self.decision == Decision.PRIORITISED.value


class ConflictOfInterest(Model):
    """A member's declared conflict of interest in one proposal of a round: they cannot score it."""

    __tablename__ = "prioritisation_conflicts"
    __table_args__ = (UniqueConstraint("round_id", "user_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Score(Model):
    """A member's current score and comment for one criterion of one proposal in a round.

    Exactly one row per member × proposal × criterion (the unique constraint), so two saves at the same moment
    update one row rather than creating two; every change is also appended to :class:`ScoreChange`.
    """

    __tablename__ = "prioritisation_scores"
    __table_args__ = (
        UniqueConstraint("round_id", "proposal_id", "user_id", "criterion_id"),
        CheckConstraint("value IS NULL OR (value >= 1 AND value <= 5)", name="value_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_rounds.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_criteria.id"))
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreChange(Model):
    """One change to a score or comment: who, when, the old and the new value. Append-only."""

    __tablename__ = "prioritisation_score_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_rounds.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("prioritisation_criteria.id"))
    field: Mapped[str] = mapped_column(String(16))  # "score" or "comment"
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str] = mapped_column(String(32), default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    criterion: Mapped[Criterion] = relationship()
    proposal: Mapped[Proposal] = relationship()


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only log."""


@event.listens_for(ScoreChange, "before_update")
@event.listens_for(ScoreChange, "before_delete")
def _refuse_changes(_mapper: Mapper[ScoreChange], _connection: object, target: ScoreChange) -> None:
    # The migration adds a database trigger against UPDATE as well; this stops the ORM before it gets that far.
    raise AppendOnlyError(f"score change {target.id} is append-only")
