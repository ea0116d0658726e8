"""Outcome pages ("We asked, you said, we did") for closed surveys and prioritisation rounds, the themes staff code
free-text answers into, the links to what the input informed, and the people who asked to hear the outcome.

A subscription holds an email address and the survey or round only: never a link to a response, so it keeps the
anonymity of anonymous surveys (the address is given on the confirmation page, after the answers are saved).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.prioritisation import PrioritisationRound
    from portal.models.surveys import Survey


class OutcomeKind(StrEnum):
    """What the outcome reports on."""

    SURVEY = "survey"
    ROUND = "round"


class ActionKind(StrEnum):
    """What a "We did" link points to."""

    DECISION = "decision"
    CHAPTER = "chapter"
    RECOMMENDATION = "recommendation"

    @property
    def label(self) -> str:
        return ACTION_KIND_LABELS[self]


ACTION_KIND_LABELS: dict[ActionKind, str] = {
    ActionKind.DECISION: "A decision",
    ActionKind.CHAPTER: "A JSNA chapter",
    ActionKind.RECOMMENDATION: "A recommendation",
}


class Outcome(Model):
    """What we asked, what people said and what we did, for one closed survey or prioritisation round."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("prioritisation_rounds.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    we_asked: Mapped[str] = mapped_column(Text, default="")
    you_said: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    survey: Mapped[Survey | None] = relationship()
    round: Mapped[PrioritisationRound | None] = relationship()
    themes: Mapped[list[OutcomeTheme]] = relationship(
        cascade="all, delete-orphan", order_by="(OutcomeTheme.position, OutcomeTheme.id)"
    )
    actions: Mapped[list[OutcomeAction]] = relationship(
        cascade="all, delete-orphan", order_by="(OutcomeAction.position, OutcomeAction.id)"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_example(self) -> bool:
        """Demo content: the page of an example survey or round (shown with the Example tag)."""
        return bool((self.survey is not None and self.survey.is_example) or (self.round and self.round.is_example))


class OutcomeTheme(Model):
    """A theme staff coded free-text answers into: how many answers it covers, and the quotes chosen to show it."""

    __tablename__ = "outcome_themes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    quotes: Mapped[list] = mapped_column(JSON, default=list)


class OutcomeAction(Model):
    """One thing we did: a link to a decision, chapter or recommendation the input informed, with a sentence."""

    __tablename__ = "outcome_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    sentence: Mapped[str] = mapped_column(Text, default="")


class OutcomeSubscription(Model):
    """Someone who asked to be emailed when the outcome of a survey or round is published."""

    __tablename__ = "outcome_subscriptions"
    __table_args__ = (UniqueConstraint("survey_id", "email"), UniqueConstraint("round_id", "email"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=True)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("prioritisation_rounds.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
