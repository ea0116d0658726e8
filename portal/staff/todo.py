"""The staff dashboard's to-do list: what is waiting for the signed-in person, by their roles, with counts and links.

Read straight from the models (each area's own services stay theirs); every count is one query or a few.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import and_, exists, func, select

from portal.clock import london_date, london_today
from portal.extensions import db
from portal.models import (
    Chapter,
    ConflictOfInterest,
    Criterion,
    EvidenceBriefing,
    Indicator,
    PrioritisationRound,
    Proposal,
    Recommendation,
    RecommendationOrganisation,
    RecommendationResponse,
    Role,
    RoundMember,
    RoundProposal,
    Score,
    Survey,
    User,
)

ANALYSTS = (Role.ANALYST, Role.ADMIN)
# As the chapters area counts it (CHAPTER_RESPONSE_DAYS, default 60): the days commissioners have to respond.
DEFAULT_RESPONSE_DAYS = 60
LISTED = 10


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass
class Task:
    """One line of the to-do list: how many things wait, where to deal with them, and (for few) each one."""

    key: str
    heading: str
    count: int
    href: str
    link_text: str
    items: list[Link] = field(default_factory=list)
    note: str = ""


def _moderation() -> Task:
    count = db.session.scalar(select(func.count()).where(Proposal.status == "submitted")) or 0
    return Task(
        "moderation",
        "Proposals awaiting moderation",
        count,
        url_for("proposals.moderation"),
        "Open the moderation queue",
    )


def _scoring(user: User) -> list[Task]:
    """For each open round I am a member of: the topics I have not fully scored (topics I declared a conflict on
    are not mine to score)."""
    tasks = []
    rounds = db.session.scalars(
        select(PrioritisationRound)
        .join(RoundMember, RoundMember.round_id == PrioritisationRound.id)
        .where(RoundMember.user_id == user.id, PrioritisationRound.status == "open")
        .order_by(PrioritisationRound.deadline, PrioritisationRound.id)
    ).all()
    for round_ in rounds:
        needed = db.session.scalar(
            select(func.count())
            .select_from(Criterion)
            .where(Criterion.criteria_set_id == round_.criteria_set_id, Criterion.weight > 0)
        )
        scored = (
            select(Score.proposal_id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .where(
                Score.round_id == round_.id, Score.user_id == user.id, Score.value.is_not(None), Criterion.weight > 0
            )
            .group_by(Score.proposal_id)
            .having(func.count(func.distinct(Score.criterion_id)) >= needed)
        )
        conflicted = select(ConflictOfInterest.proposal_id).where(
            ConflictOfInterest.round_id == round_.id, ConflictOfInterest.user_id == user.id
        )
        count = (
            db.session.scalar(
                select(func.count())
                .select_from(RoundProposal)
                .where(
                    RoundProposal.round_id == round_.id,
                    RoundProposal.proposal_id.not_in(scored),
                    RoundProposal.proposal_id.not_in(conflicted),
                )
            )
            or 0
        )
        tasks.append(
            Task(
                f"scoring-{round_.id}",
                f"Topics I have not scored in ‘{round_.title}’",
                count,
                url_for("prioritisation.scoring", round_id=round_.id),
                f"Score the topics in ‘{round_.title}’",
                note=f"Scores are due by {round_.deadline:%-d %B %Y}.",
            )
        )
    return tasks


def _recommendations(user: User, today: date) -> list[Task]:
    """Recommendations in published chapters addressed to my organisation with no response from it yet, and of
    those, the ones past the response period."""
    if user.organisation_id is None:
        return []
    answered = exists().where(
        RecommendationResponse.recommendation_id == Recommendation.id,
        RecommendationResponse.organisation_id == user.organisation_id,
    )
    published = db.session.execute(
        select(Chapter.published_at)
        .select_from(RecommendationOrganisation)
        .join(Recommendation, Recommendation.id == RecommendationOrganisation.recommendation_id)
        .join(Chapter, Chapter.id == Recommendation.chapter_id)
        .where(
            RecommendationOrganisation.organisation_id == user.organisation_id,
            and_(Chapter.status == "published", Chapter.published_at.is_not(None)),
            ~answered,
        )
    ).scalars()
    days = int(current_app.config.get("CHAPTER_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))
    dates = [london_date(moment) for moment in published if moment is not None]
    overdue = sum(1 for first in dates if today > first + timedelta(days=days))
    href = url_for("chapters.my_recommendations")
    return [
        Task("awaiting-response", "Recommendations awaiting my organisation’s response", len(dates), href,
             "Respond to recommendations"),
        Task("overdue-response", "Recommendations overdue for a response", overdue, href,
             "See the overdue recommendations", note=f"Responses are due within {days} days of publication."),
    ]  # fmt: skip


def _evidence(today: date) -> Task:
    query = select(EvidenceBriefing).where(EvidenceBriefing.status == "published", EvidenceBriefing.review_by < today)
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    listed = db.session.scalars(query.order_by(EvidenceBriefing.review_by).limit(LISTED)).all()
    return Task(
        "evidence-review",
        "Evidence briefings past their review date",
        count,
        url_for("evidence.manage"),
        "Open evidence briefings",
        items=[
            Link(f"{b.title} (review was due {b.review_by:%-d %B %Y})", url_for("evidence.edit", briefing_id=b.id))
            for b in listed
        ],
    )


def _draft_indicators() -> Task:
    query = select(Indicator).where(Indicator.status == "draft")
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    listed = db.session.scalars(query.order_by(Indicator.name).limit(LISTED)).all()
    return Task(
        "draft-indicators",
        "Draft indicators waiting for review",
        count,
        url_for("indicators.upload"),
        "Import indicator data",
        items=[Link(i.name, url_for("indicators.review", indicator_id=i.id)) for i in listed],
    )


def _closing_surveys(today: date) -> Task:
    query = select(Survey).where(
        Survey.status == "open", Survey.closes_on.is_not(None), Survey.closes_on.between(today, today + timedelta(6))
    )
    surveys = db.session.scalars(query.order_by(Survey.closes_on, Survey.id)).all()
    return Task(
        "closing-surveys",
        "Surveys closing this week",
        len(surveys),
        url_for("surveys.manage"),
        "Open surveys",
        items=[
            Link(f"{s.title} (closes {s.closes_on:%A %-d %B})", url_for("surveys.build", survey_id=s.id))
            for s in surveys
        ],
    )


def todo_for(user: User, today: date | None = None) -> list[Task]:
    """The to-do list for this person's roles, in the order they usually work through it."""
    today = today or london_today()
    tasks: list[Task] = []
    analyst = user.has_role(*ANALYSTS)
    if analyst:
        tasks.append(_moderation())
    tasks.extend(_scoring(user))
    if user.has_role(Role.COMMISSIONER):
        tasks.extend(_recommendations(user, today))
    if analyst:
        tasks.extend([_draft_indicators(), _evidence(today), _closing_surveys(today)])
    return tasks
