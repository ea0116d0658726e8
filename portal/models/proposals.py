"""Topic proposals, their supporters, linked indicators and wards, their public status trail, moderators' edits,
the question pages' saved answers, and the per-year reference counter."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.chapters import Chapter
    from portal.models.indicators import Area, Indicator
    from portal.models.users import User


class ProposalStatus(StrEnum):
    """Where a proposal is in the JSNA lifecycle."""

    SUBMITTED = "submitted"
    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"
    SHORTLISTED = "shortlisted"
    RECOMMENDED = "recommended"
    PRIORITISED = "prioritised"
    NOT_PRIORITISED = "not_prioritised"
    DEFERRED = "deferred"
    CHAPTER_IN_PROGRESS = "chapter_in_progress"
    CHAPTER_PUBLISHED = "chapter_published"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class Proposal(Model):
    """A JSNA topic proposed by a member of the public or a stakeholder."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. JSNA-2026-0042
    title: Mapped[str] = mapped_column(String(200))
    need: Mapped[str] = mapped_column(Text)
    population_groups: Mapped[str] = mapped_column(Text, default="")  # comma-separated codes
    population_other: Mapped[str] = mapped_column(String(200), default="")
    age_groups: Mapped[str] = mapped_column(Text, default="")  # comma-separated codes
    evidence_of_need: Mapped[str] = mapped_column(Text, default="")
    decisions_informed: Mapped[str] = mapped_column(Text, default="")
    proposer_type: Mapped[str] = mapped_column(String(16), default="public")  # public or stakeholder
    proposer_organisation: Mapped[str] = mapped_column(String(200), default="")
    proposer_sector: Mapped[str] = mapped_column(String(32), default="")
    # Personal data: shown to staff and to the proposer only, and erased on request.
    proposer_name: Mapped[str] = mapped_column(String(120), default="")
    proposer_email: Mapped[str] = mapped_column(String(254), default="", index=True)
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    proposer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default=ProposalStatus.SUBMITTED.value, index=True)
    # Set when first published: a proposal withdrawn after that keeps its public page.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), nullable=True, index=True)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[ProposalStatusEvent]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        foreign_keys="ProposalStatusEvent.proposal_id",
        order_by="(ProposalStatusEvent.occurred_at, ProposalStatusEvent.id)",
    )
    indicator_links: Mapped[list[ProposalIndicator]] = relationship(cascade="all, delete-orphan")
    ward_links: Mapped[list[ProposalWard]] = relationship(cascade="all, delete-orphan")
    edits: Mapped[list[ProposalEdit]] = relationship(
        cascade="all, delete-orphan", order_by="(ProposalEdit.occurred_at, ProposalEdit.id)"
    )
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    chapter: Mapped[Chapter | None] = relationship(back_populates="proposal")

    @property
    def status_enum(self) -> ProposalStatus:
        return ProposalStatus(self.status)

    @property
    def population_codes(self) -> list[str]:
        return [code for code in self.population_groups.split(",") if code]

    @property
    def age_codes(self) -> list[str]:
        return [code for code in self.age_groups.split(",") if code]


class ProposalStatusEvent(Model):
    """One status change with its public official answer: who, when, why."""

    __tablename__ = "proposal_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(32), default="")
    to_status: Mapped[str] = mapped_column(String(32))
    public_answer: Mapped[str] = mapped_column(Text, default="")
    reason_code: Mapped[str] = mapped_column(String(32), default="")
    # The other proposal a duplicate or a merge points to.
    related_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), nullable=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="events", foreign_keys=[proposal_id])
    related_proposal: Mapped[Proposal | None] = relationship(foreign_keys=[related_proposal_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class ProposalEdit(Model):
    """A moderator's edit of a proposal's text (to take personal data out). The original is visible to staff only."""

    __tablename__ = "proposal_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    original_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class ProposalSupport(Model):
    """A signed-in user's support for a published proposal (once each)."""

    __tablename__ = "proposal_supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProposalIndicator(Model):
    """An indicator from the key dataset that shows the need a proposal describes."""

    __tablename__ = "proposal_indicators"
    __table_args__ = (UniqueConstraint("proposal_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))

    indicator: Mapped[Indicator] = relationship()


class ProposalWard(Model):
    """A ward a proposal's need affects. A proposal with no wards affects the whole city."""

    __tablename__ = "proposal_wards"
    __table_args__ = (UniqueConstraint("proposal_id", "ward_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    ward_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))

    ward: Mapped[Area] = relationship()


class ProposalDraft(Model):
    """Answers given so far on the question pages, kept on the server (they outgrow a session cookie).

    The browser's session holds only the draft's random id. Drafts are deleted on submission and purged when old.
    """

    __tablename__ = "proposal_drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)


class ProposalReferenceCounter(Model):
    """The last reference number given out in a year (JSNA-<year>-<number>), incremented under a row lock."""

    __tablename__ = "proposal_reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
