"""Stakeholder engagement: wards organisations serve, opt-ins, and surveys with their sections, questions,
invitations, drafts, responses and participations.

Anonymity is designed into the tables: an anonymous response row holds no user id, no invitation id and only
the date it was submitted. Who has answered (so nobody answers twice) is kept in ``survey_participations``,
which holds no link to the response and only the day. Drafts hold identity while someone is answering and are
deleted when the response is submitted.

Nothing else may link them either, on PostgreSQL included: the participation mark and the answers are written in
separate transactions (so no ``xmin`` is shared), and anonymous answers wait in ``survey_pending_responses`` until
they are released into ``survey_responses`` in shuffled batches of at least five, all written by one transaction
(so neither ``xmin``, ``ctid`` nor row order tells one respondent in a batch from another).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.proposals import Proposal
    from portal.models.users import User


class SurveyStatus(StrEnum):
    """Where a survey is in its life: drafted, open for answers (between its dates) or closed."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Audience(StrEnum):
    """Who may answer a survey."""

    PUBLIC = "public"
    STAKEHOLDERS = "stakeholders"
    INVITE = "invite"

    @property
    def label(self) -> str:
        return AUDIENCE_LABELS[self]


AUDIENCE_LABELS: dict[Audience, str] = {
    Audience.PUBLIC: "Anyone",
    Audience.STAKEHOLDERS: "Registered stakeholders only",
    Audience.INVITE: "By invitation only",
}


class ResponseChannel(StrEnum):
    """How a response staff entered on someone's behalf reached us (online responses have no channel)."""

    PAPER = "paper"
    PHONE = "phone"
    EVENT = "event"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: dict[ResponseChannel, str] = {
    ResponseChannel.PAPER: "Paper form",
    ResponseChannel.PHONE: "Phone call",
    ResponseChannel.EVENT: "At an event",
}


def channel_label(channel: str) -> str:
    """How a response reached us: "Online" (no channel), or the channel staff entered it from."""
    return ResponseChannel(channel).label if channel else "Online"


class QuestionKind(StrEnum):
    """The types of question the builder offers."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE = "single"
    MULTIPLE = "multiple"
    LIKERT = "likert"
    NUMBER = "number"
    RANKING = "ranking"
    MATRIX = "matrix"

    @property
    def label(self) -> str:
        return QUESTION_KIND_LABELS[self]


QUESTION_KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.SHORT_TEXT: "Short text",
    QuestionKind.LONG_TEXT: "Long text",
    QuestionKind.SINGLE: "Single choice",
    QuestionKind.MULTIPLE: "Multiple choice",
    QuestionKind.LIKERT: "Likert scale (5 points)",
    QuestionKind.NUMBER: "Number",
    QuestionKind.RANKING: "Ranking",
    QuestionKind.MATRIX: "Matrix (rows and a scale)",
}

DEFAULT_LIKERT_LABELS: list[str] = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]


class OrganisationWard(Model):
    """A ward a stakeholder organisation serves."""

    __tablename__ = "organisation_wards"
    __table_args__ = (UniqueConstraint("organisation_id", "ward_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    ward_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))


class EngagementOptIn(Model):
    """A person joining engagement on a topic (a proposal) or a survey: they agree to be invited."""

    __tablename__ = "engagement_opt_ins"
    # Both columns nullable: exactly one is set. NULLs never clash, so each constraint covers its own kind.
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"), UniqueConstraint("survey_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), nullable=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Survey(Model):
    """An engagement survey built by analysts."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=SurveyStatus.DRAFT.value, index=True)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.PUBLIC.value)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closes_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"), nullable=True)
    results_published: Mapped[bool] = mapped_column(Boolean, default=False)
    # Published results are private until the survey closes unless this is set (anonymous surveys only: their
    # answers reach the results in shuffled batches, so a refresh never shows one person's answers appear).
    results_while_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sections: Mapped[list[SurveySection]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveySection.position"
    )
    proposal: Mapped[Proposal | None] = relationship()

    @property
    def audience_label(self) -> str:
        return Audience(self.audience).label

    @property
    def questions(self) -> list[SurveyQuestion]:
        """Every question, in the order respondents meet them."""
        return [question for section in self.sections for question in section.questions]


class SurveySection(Model):
    """A page of a survey."""

    __tablename__ = "survey_sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="SurveyQuestion.position"
    )


class SurveyQuestion(Model):
    """One question. ``options`` are the choices (or a matrix's rows); ``scale`` the Likert or matrix labels."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("survey_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    help_text: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[list] = mapped_column(JSON, default=list)
    scale: Mapped[list] = mapped_column(JSON, default=list)
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    whole_number: Mapped[bool] = mapped_column(Boolean, default=False)
    # Show this question only when the answer to ``condition_question`` is one of ``condition_values``.
    condition_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="SET NULL"), nullable=True
    )
    condition_values: Mapped[list] = mapped_column(JSON, default=list)
    result_public: Mapped[bool] = mapped_column(Boolean, default=False)

    section: Mapped[SurveySection] = relationship(back_populates="questions")
    condition_question: Mapped[SurveyQuestion | None] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label


class SurveyInvitation(Model):
    """A single-use invitation emailed for an invite-only survey. Only a hash of the link's token is kept."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sector: Mapped[str] = mapped_column(String(32), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when it was created (invited)
    used_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # queued -> sent, or failed (the email could not be handed to SMTP; it can be sent again). Invitations made
    # before emails moved to the background were all sent within the request, hence the server default.
    email_status: Mapped[str] = mapped_column(String(16), default="queued", server_default="sent")
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SurveyDraft(Model):
    """Answers saved while someone is part-way through a survey; deleted when they submit."""

    __tablename__ = "survey_drafts"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    # A hash of the random key held in the respondent's session or emailed resume link.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when the participation mark has been written and the answers are being stored (see answering.submit):
    # a submission interrupted between the two can then be finished, once, by sending again.
    submitting: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    survey: Mapped[Survey] = relationship()


class SurveyResponse(Model):
    """A submitted response. Anonymous ones keep no user, no invitation and only the date."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "respondent_id"),)

    # Random, so the order of ids says nothing about who answered when.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="SET NULL"), nullable=True
    )
    # The sector of the respondent's verified organisation, for segmenting results ("" when none).
    sector: Mapped[str] = mapped_column(String(32), default="")
    submitted_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    # "" online; otherwise how staff received the answers they entered (paper, phone, event). Never who entered them.
    channel: Mapped[str] = mapped_column(String(16), default="", server_default="")

    survey: Mapped[Survey] = relationship()
    respondent: Mapped[User | None] = relationship()

    @property
    def reference(self) -> str:
        return self.id[:8].upper()


class SurveyPendingResponse(Model):
    """An anonymous response, stored durably, waiting to be released into ``survey_responses`` with others.

    ``arrival`` is how many responses the survey had when this one came in; it is used only to shuffle the batch so
    that no response lands where its arrival order would put it, and it is deleted with the row on release.
    """

    __tablename__ = "survey_pending_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(String(32), default="")
    submitted_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    arrival: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16), default="", server_default="")


class SurveyParticipation(Model):
    """That a person or invitation has answered a survey, with no link to which response is theirs."""

    __tablename__ = "survey_participations"
    __table_args__ = (UniqueConstraint("survey_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    completed_on: Mapped[date] = mapped_column(Date)

    survey: Mapped[Survey] = relationship()
