"""Following recommendations up: overdue responses and stale progress, "My recommendations" for commissioners and
providers, the public tracker's headline counts and the JSNA overview report's topics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.chapters.common import progress_stale_days, response_due
from portal.clock import london_date, london_today
from portal.extensions import db
from portal.indicators import services as indicators
from portal.models import (
    Chapter,
    ChapterStatus,
    Organisation,
    ProgressStatus,
    Recommendation,
    RecommendationAcknowledgement,
    RecommendationOrganisation,
    RecommendationResponse,
    Role,
    User,
)
from portal.models.base import utcnow

OVERDUE_LABELS: dict[str, str] = {
    "no_response": "No response",
    "target_passed": "Target date passed",
    "stale_progress": "No recent progress update",
}


@dataclass(frozen=True)
class Overdue:
    """Why an organisation's reply to a recommendation is overdue, and since when."""

    reason: str  # one of OVERDUE_LABELS
    due: date

    @property
    def label(self) -> str:
        return OVERDUE_LABELS[self.reason]


def overdue_state(recommendation: Recommendation, organisation_id: int, today: date | None = None) -> Overdue | None:
    """Overdue when no response came within the response period, when the target date passed and the action is not
    done, or when an unfinished action has had no progress update for the progress period."""
    today = today or london_today()
    response = recommendation.response_for(organisation_id)
    if response is None:
        due = response_due(recommendation.chapter)
        return Overdue("no_response", due) if due is not None and today > due else None
    if response.progress_status == ProgressStatus.DONE:
        return None
    if response.target_date and today > response.target_date:
        return Overdue("target_passed", response.target_date)
    update_due = london_date(response.last_reported_at) + timedelta(days=progress_stale_days())
    if today > update_due:
        return Overdue("stale_progress", update_due)
    return None


@dataclass(frozen=True)
class OverdueItem:
    """One overdue reply, for the analysts' list."""

    chapter: Chapter
    recommendation: Recommendation
    organisation: Organisation
    overdue: Overdue


def overdue_items(today: date | None = None) -> list[OverdueItem]:
    """Every overdue reply across published chapters, the longest overdue first."""
    today = today or london_today()
    links = db.session.scalars(
        select(RecommendationOrganisation)
        .join(Recommendation, Recommendation.id == RecommendationOrganisation.recommendation_id)
        .join(Chapter, Chapter.id == Recommendation.chapter_id)
        .where(Chapter.status == ChapterStatus.PUBLISHED.value)
        .options(selectinload(RecommendationOrganisation.recommendation))
    )
    items = []
    for link in links:
        state = overdue_state(link.recommendation, link.organisation_id, today)
        if state is not None:
            items.append(OverdueItem(link.recommendation.chapter, link.recommendation, link.organisation, state))
    return sorted(items, key=lambda item: (item.overdue.due, item.chapter.title, item.recommendation.position))


@dataclass
class MyRecommendation:
    """A recommendation addressed to the signed-in user's organisation, with what it has done about it."""

    recommendation: Recommendation
    organisation: Organisation
    as_commissioner: bool
    named: bool = False
    response: RecommendationResponse | None = None
    overdue: Overdue | None = None
    acknowledgement: RecommendationAcknowledgement | None = None


@dataclass
class MyChapter:
    """A published chapter and the user's recommendations in it."""

    chapter: Chapter
    items: list[MyRecommendation] = field(default_factory=list)


def my_recommendations(user: User, today: date | None = None) -> list[MyChapter]:
    """Recommendations in published chapters addressed to the user's organisation: to respond to (commissioners) or
    to acknowledge (stakeholders)."""
    today = today or london_today()
    if user.organisation_id is None:
        return []
    roles = [(True, user.has_role(Role.COMMISSIONER)), (False, user.has_role(Role.STAKEHOLDER))]
    chapters: dict[int, MyChapter] = {}
    links = list(
        db.session.scalars(
            select(RecommendationOrganisation)
            .join(Recommendation, Recommendation.id == RecommendationOrganisation.recommendation_id)
            .join(Chapter, Chapter.id == Recommendation.chapter_id)
            .where(
                RecommendationOrganisation.organisation_id == user.organisation_id,
                Chapter.status == ChapterStatus.PUBLISHED.value,
            )
        )
    )
    for as_commissioner, holds in roles:
        if not holds:
            continue
        for link in links:
            recommendation = link.recommendation
            entry = chapters.setdefault(recommendation.chapter_id, MyChapter(recommendation.chapter))
            item = MyRecommendation(
                recommendation, link.organisation, as_commissioner=as_commissioner, named=link.person_id == user.id
            )
            if as_commissioner:
                item.response = recommendation.response_for(link.organisation_id)
                item.overdue = overdue_state(recommendation, link.organisation_id, today)
            else:
                item.acknowledgement = recommendation.acknowledgement_by(link.organisation_id)
            entry.items.append(item)
    ordered = sorted(chapters.values(), key=lambda c: (c.chapter.published_at or utcnow(), c.chapter.id), reverse=True)
    for entry in ordered:
        entry.items.sort(key=lambda item: (item.recommendation.position, item.recommendation.id, item.as_commissioner))
    return ordered


def tracker_summary(chapter: Chapter, today: date | None = None) -> dict[str, int]:
    """Counts for the tracker's headline: recommendations, responses due and made, actions done, replies overdue."""
    responses = [resp for r in chapter.recommendations for resp in r.responses]
    links = [(r, link) for r in chapter.recommendations for link in r.organisation_links]
    return {
        "recommendations": len(chapter.recommendations),
        "responses_expected": len(links),
        "responses": len(responses),
        "done": sum(1 for resp in responses if resp.progress_status == ProgressStatus.DONE),
        "overdue": sum(1 for r, link in links if overdue_state(r, link.organisation_id, today) is not None),
    }


# The JSNA overview report --------------------------------------------------------------------------------------------


@dataclass
class ReportTopic:
    """One topic of the key dataset in the report: its label and its indicators' headline verdicts."""

    key: str
    label: str
    summaries: list[Any]


def report_topics() -> list[ReportTopic]:
    """The key-dataset summary, topic by topic, as the overview page computes it."""
    return [
        ReportTopic(
            key=topic, label=indicators.topic_label(topic), summaries=[s for s in summaries if s.value is not None]
        )
        for topic, summaries in indicators.overview()
    ]
