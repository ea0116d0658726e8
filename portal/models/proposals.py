"""Topic proposals, their supporters, linked indicators and wards, and their public status trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class ProposalStatus(StrEnum):
    """Where a proposal is in the JSNA lifecycle."""

    SUBMITTED = "submitted"
    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"
    SHORTLISTED = "shortlisted"
    PRIORITISED = "prioritised"
    NOT_PRIORITISED = "not_prioritised"
    DEFERRED = "deferred"
    CHAPTER_IN_PROGRESS = "chapter_in_progress"
    CHAPTER_PUBLISHED = "chapter_published"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class Proposal(db.Model):
    """A JSNA topic proposed by a member of the public or a stakeholder."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. JSNA-2026-0042
    title: Mapped[str] = mapped_column(String(200))
    need: Mapped[str] = mapped_column(Text)
    population_groups: Mapped[str] = mapped_column(Text, default="")
    age_groups: Mapped[str] = mapped_column(Text, default="")
    evidence_of_need: Mapped[str] = mapped_column(Text, default="")
    decisions_informed: Mapped[str] = mapped_column(Text, default="")
    proposer_type: Mapped[str] = mapped_column(String(16), default="public")  # public or stakeholder
    proposer_organisation: Mapped[str] = mapped_column(String(200), default="")
    proposer_sector: Mapped[str] = mapped_column(String(32), default="")
    proposer_name: Mapped[str] = mapped_column(String(120), default="")
    proposer_email: Mapped[str] = mapped_column(String(254), default="")
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default=ProposalStatus.SUBMITTED.value, index=True)
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), nullable=True)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[ProposalStatusEvent]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalStatusEvent.occurred_at"
    )
    indicator_links: Mapped[list[ProposalIndicator]] = relationship(cascade="all, delete-orphan")
    ward_links: Mapped[list[ProposalWard]] = relationship(cascade="all, delete-orphan")


class ProposalStatusEvent(db.Model):
    """One status change with its public official answer: who, when, why."""

    __tablename__ = "proposal_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(32), default="")
    to_status: Mapped[str] = mapped_column(String(32))
    public_answer: Mapped[str] = mapped_column(Text, default="")
    reason_code: Mapped[str] = mapped_column(String(32), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="events")


class ProposalSupport(db.Model):
    """A signed-in user's support for a published proposal (once each)."""

    __tablename__ = "proposal_supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProposalIndicator(db.Model):
    """An indicator from the key dataset that shows the need a proposal describes."""

    __tablename__ = "proposal_indicators"
    __table_args__ = (UniqueConstraint("proposal_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))

    indicator = relationship("Indicator")


class ProposalWard(db.Model):
    """A ward a proposal's need affects."""

    __tablename__ = "proposal_wards"
    __table_args__ = (UniqueConstraint("proposal_id", "ward_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    ward_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))

    ward = relationship("Area")
