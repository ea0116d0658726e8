"""Evidence briefings: their topics, sources, links to indicators and proposals, and attachments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.indicators import Indicator
    from portal.models.proposals import Proposal
    from portal.models.users import User


class BriefingStatus(StrEnum):
    """Drafts are seen only by analysts; published briefings by everyone."""

    DRAFT = "draft"
    PUBLISHED = "published"


# What kind of evidence a briefing summarises, strongest designs first.
EVIDENCE_TYPES: dict[str, str] = {
    "systematic_review": "Systematic review or meta-analysis",
    "nice_guidance": "NICE guidance",
    "national_guidance": "Other national guidance or policy",
    "trial": "Randomised controlled trial",
    "observational": "Observational study",
    "national_statistics": "National or official statistics",
    "local_audit": "Local audit or service evaluation",
    "local_engagement": "Local engagement or consultation",
    "grey_literature": "Grey literature",
    "expert_opinion": "Expert opinion",
}

# Strength of the evidence, on the GRADE scale NICE uses.
EVIDENCE_GRADES: dict[str, str] = {
    "high": "High",
    "moderate": "Moderate",
    "low": "Low",
    "very_low": "Very low",
}

# A fixed list so the public can filter by topic; tags stay free text.
EVIDENCE_TOPICS: dict[str, str] = {
    "mental_health": "Mental health and wellbeing",
    "children_young_people": "Children and young people",
    "health_protection": "Health protection and infectious disease",
    "healthy_lifestyles": "Healthy lifestyles",
    "long_term_conditions": "Long-term conditions",
    "older_people": "Older people and ageing well",
    "substance_misuse": "Drugs, alcohol and tobacco",
    "sexual_health": "Sexual and reproductive health",
    "wider_determinants": "Wider determinants: housing, work and income",
    "health_inequalities": "Health inequalities",
    "social_care": "Adult social care",
    "community_safety": "Community safety",
}


class EvidenceBriefing(Model):
    """A summary of the evidence on a question, written by analysts to support decisions."""

    __tablename__ = "evidence_briefings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # One finding per line.
    key_findings: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    evidence_type: Mapped[str] = mapped_column(String(32), index=True)
    grade: Mapped[str] = mapped_column(String(16), index=True)
    # Lower-case, comma-separated free tags (kept in one column so full-text search indexes them).
    tags: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date] = mapped_column(Date)
    review_by: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=BriefingStatus.DRAFT.value, index=True)
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    author: Mapped[User | None] = relationship()
    topic_links: Mapped[list[EvidenceBriefingTopic]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceBriefingTopic.topic", lazy="selectin"
    )
    sources: Mapped[list[EvidenceSource]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceSource.position"
    )
    indicator_links: Mapped[list[EvidenceBriefingIndicator]] = relationship(cascade="all, delete-orphan")
    proposal_links: Mapped[list[EvidenceBriefingProposal]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list[EvidenceAttachment]] = relationship(
        back_populates="briefing", cascade="all, delete-orphan", order_by="EvidenceAttachment.uploaded_at"
    )

    @property
    def is_published(self) -> bool:
        return self.status == BriefingStatus.PUBLISHED.value

    @property
    def topics(self) -> list[str]:
        return [link.topic for link in self.topic_links]

    @property
    def topic_labels(self) -> list[str]:
        return [EVIDENCE_TOPICS.get(topic, topic) for topic in self.topics]

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in (part.strip() for part in self.tags.split(",")) if tag]

    @property
    def key_finding_list(self) -> list[str]:
        return [line.strip() for line in self.key_findings.splitlines() if line.strip()]

    @property
    def evidence_type_label(self) -> str:
        return EVIDENCE_TYPES.get(self.evidence_type, self.evidence_type)

    @property
    def grade_label(self) -> str:
        return EVIDENCE_GRADES.get(self.grade, self.grade)

    def is_stale(self, today: date) -> bool:
        """True once the review-by date has passed."""
        return self.review_by < today


class EvidenceBriefingTopic(Model):
    """One topic from EVIDENCE_TOPICS a briefing belongs to."""

    __tablename__ = "evidence_briefing_topics"
    __table_args__ = (UniqueConstraint("briefing_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("evidence_briefings.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(32), index=True)


class EvidenceSource(Model):
    """A source the briefing draws on, with a link (http or https only)."""

    __tablename__ = "evidence_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("evidence_briefings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000))


class EvidenceBriefingIndicator(Model):
    """An indicator from the key dataset the briefing relates to."""

    __tablename__ = "evidence_briefing_indicators"
    __table_args__ = (UniqueConstraint("briefing_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("evidence_briefings.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)

    indicator: Mapped[Indicator] = relationship()


class EvidenceBriefingProposal(Model):
    """A topic proposal the briefing informs."""

    __tablename__ = "evidence_briefing_proposals"
    __table_args__ = (UniqueConstraint("briefing_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("evidence_briefings.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)

    proposal: Mapped[Proposal] = relationship()


class EvidenceAttachment(Model):
    """A file attached to a briefing, stored on disk under a random name."""

    __tablename__ = "evidence_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("evidence_briefings.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))  # pdf, docx, xlsx or csv: detected from the content
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    briefing: Mapped[EvidenceBriefing] = relationship(back_populates="attachments")
