"""Topic chapters: sections, version history, linked indicators, recommendations addressed to organisations, the
organisations' responses with their progress updates, providers' acknowledgements, and the indicators each
recommendation aims to move with their values when it was first answered."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow
from portal.models.indicators import Indicator
from portal.models.proposals import Proposal
from portal.models.users import Organisation, User


class ChapterStatus(StrEnum):
    """Draft → in review → published. Only published chapters are public."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return CHAPTER_STATUS_LABELS[self]


CHAPTER_STATUS_LABELS: dict[ChapterStatus, str] = {
    ChapterStatus.DRAFT: "Draft",
    ChapterStatus.IN_REVIEW: "In review",
    ChapterStatus.PUBLISHED: "Published",
}

# The sections every chapter has, in reading order: (key, heading).
CHAPTER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("why", "Why this topic"),
    ("picture", "The national and local picture"),
    ("future_need", "Future need"),
    ("stakeholders", "What stakeholders told us"),
    ("evidence", "Evidence review"),
    ("gaps", "Gaps"),
    ("recommendations", "Recommendations"),
)
SECTION_HEADINGS: dict[str, str] = dict(CHAPTER_SECTIONS)
# Sections a chapter cannot be published without. "Future need" is carried by its projections and "Gaps" may
# honestly have nothing to add; every other section must be written.
REQUIRED_SECTIONS: frozenset[str] = frozenset(
    {"summary", "why", "picture", "stakeholders", "evidence", "recommendations"}
)


class Priority(StrEnum):
    """How urgent a recommendation is."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return PRIORITY_LABELS[self]


PRIORITY_LABELS: dict[Priority, str] = {Priority.HIGH: "High", Priority.MEDIUM: "Medium", Priority.LOW: "Low"}


class ResponseDecision(StrEnum):
    """A commissioner's initial response to a recommendation."""

    ACCEPT = "accept"
    PARTIAL = "partial"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return RESPONSE_DECISION_LABELS[self]


RESPONSE_DECISION_LABELS: dict[ResponseDecision, str] = {
    ResponseDecision.ACCEPT: "Accepted",
    ResponseDecision.PARTIAL: "Partially accepted",
    ResponseDecision.REJECT: "Not accepted",
}


class ProgressStatus(StrEnum):
    """Progress on the action a commissioner planned."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DONE = "done"

    @property
    def label(self) -> str:
        return PROGRESS_LABELS[self]


PROGRESS_LABELS: dict[ProgressStatus, str] = {
    ProgressStatus.NOT_STARTED: "Not started",
    ProgressStatus.ON_TRACK: "On track",
    ProgressStatus.AT_RISK: "At risk",
    ProgressStatus.DONE: "Done",
}


class Chapter(Model):
    """A topic JSNA chapter, written from a prioritised proposal."""

    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # One chapter per proposal: the unique constraint stops two analysts starting the same chapter at once.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ChapterStatus.DRAFT.value, index=True)
    # Age bands for the population projection, e.g. "0-17, 65+".
    age_bands: Mapped[str] = mapped_column(String(200), default="")
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # First publication: the clock for commissioners' responses starts here.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # Cached projections (they take up to a second each), valid while the data version matches.
    projections: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    projections_version: Mapped[str] = mapped_column(String(64), default="")

    proposal: Mapped[Proposal] = relationship(back_populates="chapter")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    sections: Mapped[list[ChapterSection]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", order_by="ChapterSection.position"
    )
    indicator_links: Mapped[list[ChapterIndicator]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", order_by="ChapterIndicator.position"
    )
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", order_by="(Recommendation.position, Recommendation.id)"
    )
    versions: Mapped[list[ChapterVersion]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", order_by="ChapterVersion.number"
    )

    @property
    def status_enum(self) -> ChapterStatus:
        return ChapterStatus(self.status)

    @property
    def is_published(self) -> bool:
        return self.status == ChapterStatus.PUBLISHED.value

    @property
    def last_submission(self) -> ChapterVersion | None:
        """The version recording the latest "sent for review": who sent it and when (two-person sign-off)."""
        return next((v for v in reversed(self.versions) if v.action == "submitted"), None)

    def section(self, key: str) -> ChapterSection | None:
        """The section with this key, if the chapter has it."""
        return next((s for s in self.sections if s.key == key), None)

    def body_of(self, key: str) -> str:
        """The Markdown body of a section ("" when it has none)."""
        found = self.section(key)
        return found.body if found else ""


class ChapterSection(Model):
    """One section of a chapter: a Markdown body with embeddable blocks."""

    __tablename__ = "chapter_sections"
    __table_args__ = (UniqueConstraint("chapter_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    chapter: Mapped[Chapter] = relationship(back_populates="sections")

    @property
    def heading(self) -> str:
        return SECTION_HEADINGS.get(self.key, self.key)


class ChapterVersion(Model):
    """A snapshot of the whole chapter taken at each section save and state change: who, when, what. Append-only."""

    __tablename__ = "chapter_versions"
    __table_args__ = (UniqueConstraint("chapter_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # created, section_saved, details_saved, submitted, returned, published
    action: Mapped[str] = mapped_column(String(32))
    section_key: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    # {section key: Markdown body} at this version.
    content: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chapter: Mapped[Chapter] = relationship(back_populates="versions")
    actor: Mapped[User | None] = relationship()


class ChapterIndicator(Model):
    """An indicator from the key dataset that the chapter projects under "Future need"."""

    __tablename__ = "chapter_indicators"
    __table_args__ = (UniqueConstraint("chapter_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    chapter: Mapped[Chapter] = relationship(back_populates="indicator_links")
    indicator: Mapped[Indicator] = relationship()


class Recommendation(Model):
    """A recommendation of a chapter, addressed to organisations (each optionally for a named person's attention)."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.MEDIUM.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chapter: Mapped[Chapter] = relationship(back_populates="recommendations")
    organisation_links: Mapped[list[RecommendationOrganisation]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="RecommendationOrganisation.id"
    )
    indicator_links: Mapped[list[RecommendationIndicator]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="RecommendationIndicator.position"
    )
    responses: Mapped[list[RecommendationResponse]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="(RecommendationResponse.created_at, RecommendationResponse.id)",
    )
    acknowledgements: Mapped[list[RecommendationAcknowledgement]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="RecommendationAcknowledgement.created_at",
    )

    @property
    def priority_label(self) -> str:
        return Priority(self.priority).label

    @property
    def organisations(self) -> list[Organisation]:
        return [link.organisation for link in self.organisation_links]

    def addressed_to(self, organisation_id: int | None) -> RecommendationOrganisation | None:
        """The link addressing this organisation, if the recommendation is addressed to it."""
        if organisation_id is None:
            return None
        return next((link for link in self.organisation_links if link.organisation_id == organisation_id), None)

    def response_for(self, organisation_id: int) -> RecommendationResponse | None:
        """The response this organisation made, if any."""
        return next((r for r in self.responses if r.organisation_id == organisation_id), None)

    def acknowledgement_by(self, organisation_id: int) -> RecommendationAcknowledgement | None:
        """The acknowledgement from this organisation, if any."""
        return next((a for a in self.acknowledgements if a.organisation_id == organisation_id), None)


class RecommendationOrganisation(Model):
    """An organisation a recommendation is addressed to, optionally for the attention of a named person there.

    Commissioners of the organisation respond for it; its stakeholders may acknowledge it."""

    __tablename__ = "rec_organisations"
    __table_args__ = (UniqueConstraint("recommendation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # Set once the organisation's people have been emailed, so publishing again never emails twice.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    recommendation: Mapped[Recommendation] = relationship(back_populates="organisation_links")
    organisation: Mapped[Organisation] = relationship()
    person: Mapped[User | None] = relationship()


class RecommendationIndicator(Model):
    """An indicator a recommendation aims to move, with its value for the home area when the recommendation was
    first answered: the baseline the public tracker measures change from."""

    __tablename__ = "rec_indicators"
    __table_args__ = (UniqueConstraint("recommendation_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The latest value at the first response ("" and None until then, or when there was no value to record).
    baseline_period: Mapped[str] = mapped_column(String(64), default="")
    baseline_sex: Mapped[str] = mapped_column(String(32), default="")
    baseline_age: Mapped[str] = mapped_column(String(64), default="")
    baseline_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_upper: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The baseline as the indicator pages wrote it then, e.g. "61.2 per 100,000".
    baseline_text: Mapped[str] = mapped_column(String(64), default="")
    baseline_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    recommendation: Mapped[Recommendation] = relationship(back_populates="indicator_links")
    indicator: Mapped[Indicator] = relationship()


class RecommendationResponse(Model):
    """An addressed organisation's response to a recommendation (one each), written by one of its commissioners."""

    __tablename__ = "rec_responses"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "commissioner_id"),
        Index("uq_rec_responses_recommendation_organisation", "recommendation_id", "organisation_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    # Who wrote the response (for staff); the public sees only the organisation it answers for.
    commissioner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Every response has one. The column allows NULL only because SQLite cannot add a NOT NULL reference to a table
    # that already has rows (and rebuilding this table would cascade-delete its progress updates).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    rationale: Mapped[str] = mapped_column(Text)
    planned_action: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(String(200), default="")
    target_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="responses")
    commissioner: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
    progress_updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="response",
        cascade="all, delete-orphan",
        order_by="(ProgressUpdate.created_at, ProgressUpdate.id)",
    )

    @property
    def decision_label(self) -> str:
        return ResponseDecision(self.decision).label

    @property
    def latest_progress(self) -> ProgressUpdate | None:
        return self.progress_updates[-1] if self.progress_updates else None

    @property
    def progress_status(self) -> str:
        latest = self.latest_progress
        return latest.status if latest else ProgressStatus.NOT_STARTED.value

    @property
    def progress_label(self) -> str:
        return ProgressStatus(self.progress_status).label

    @property
    def last_reported_at(self) -> datetime:
        """When the organisation last said how the action is going: its latest update, else the response itself."""
        latest = self.latest_progress
        return latest.created_at if latest else self.created_at


class ProgressUpdate(Model):
    """A progress update on a response's planned action. Append-only: updates are added, never changed."""

    __tablename__ = "rec_progress_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("rec_responses.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[RecommendationResponse] = relationship(back_populates="progress_updates")

    @property
    def status_label(self) -> str:
        return ProgressStatus(self.status).label


class RecommendationAcknowledgement(Model):
    """A provider organisation's acknowledgement that it has received a recommendation and will consider it."""

    __tablename__ = "rec_acknowledgements"
    __table_args__ = (UniqueConstraint("recommendation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="acknowledgements")
    organisation: Mapped[Organisation] = relationship()


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only history."""


@event.listens_for(ProgressUpdate, "before_update")
@event.listens_for(ChapterVersion, "before_update")
def _refuse_changes(_mapper: Mapper[Any], _connection: object, target: object) -> None:
    # The migration adds a database trigger against UPDATE as well; this stops the ORM before it gets that far.
    raise AppendOnlyError(f"{type(target).__name__} rows are append-only")
