"""Following recommendations up: overdue responses, "My recommendations" for commissioners and providers, the
public tracker's headline counts and the JSNA overview report's topics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.chapters.common import response_due
from portal.clock import london_today
from portal.extensions import db
from portal.indicators import services as indicators
from portal.models import (
    Chapter,
    ChapterStatus,
    Organisation,
    ProgressStatus,
    Recommendation,
    RecommendationAcknowledgement,
    RecommendationCommissioner,
    RecommendationOrganisation,
    RecommendationResponse,
    Role,
    User,
)
from portal.models.base import utcnow


@dataclass(frozen=True)
class Overdue:
    """Why a recommendation's response is overdue."""

    reason: str  # "no_response" or "target_passed"
    due: date

    @property
    def label(self) -> str:
        return "No response" if self.reason == "no_response" else "Target date passed"


def overdue_state(recommendation: Recommendation, commissioner_id: int, today: date | None = None) -> Overdue | None:
    """Overdue when no response came within the response period, or the target date passed and it is not done."""
    today = today or london_today()
    response = recommendation.response_by(commissioner_id)
    if response is None:
        due = response_due(recommendation.chapter)
        return Overdue("no_response", due) if due is not None and today > due else None
    if response.target_date and today > response.target_date and response.progress_status != ProgressStatus.DONE:
        return Overdue("target_passed", response.target_date)
    return None


@dataclass(frozen=True)
class OverdueItem:
    """One overdue response, for the analysts' list."""

    chapter: Chapter
    recommendation: Recommendation
    commissioner: User
    overdue: Overdue


def overdue_items(today: date | None = None) -> list[OverdueItem]:
    """Every overdue response across published chapters, the longest overdue first."""
    today = today or london_today()
    links = db.session.scalars(
        select(RecommendationCommissioner)
        .join(Recommendation, Recommendation.id == RecommendationCommissioner.recommendation_id)
        .join(Chapter, Chapter.id == Recommendation.chapter_id)
        .where(Chapter.status == ChapterStatus.PUBLISHED.value)
        .options(selectinload(RecommendationCommissioner.recommendation))
    )
    items = []
    for link in links:
        state = overdue_state(link.recommendation, link.user_id, today)
        if state is not None:
            items.append(OverdueItem(link.recommendation.chapter, link.recommendation, link.commissioner, state))
    return sorted(items, key=lambda item: (item.overdue.due, item.chapter.title, item.recommendation.position))


@dataclass
class MyRecommendation:
    """A recommendation addressed to the signed-in user, with what they have done about it."""

    recommendation: Recommendation
    as_commissioner: bool
    response: RecommendationResponse | None = None
    overdue: Overdue | None = None
    organisation: Organisation | None = None
    acknowledgement: RecommendationAcknowledgement | None = None


@dataclass
class MyChapter:
    """A published chapter and the user's recommendations in it."""

    chapter: Chapter
    items: list[MyRecommendation] = field(default_factory=list)


def my_recommendations(user: User, today: date | None = None) -> list[MyChapter]:
    """Recommendations in published chapters addressed to this commissioner or to this stakeholder's organisation."""
    today = today or london_today()
    chapters: dict[int, MyChapter] = {}
    if user.has_role(Role.COMMISSIONER):
        for c_link in db.session.scalars(
            select(RecommendationCommissioner)
            .join(Recommendation, Recommendation.id == RecommendationCommissioner.recommendation_id)
            .join(Chapter, Chapter.id == Recommendation.chapter_id)
            .where(RecommendationCommissioner.user_id == user.id, Chapter.status == ChapterStatus.PUBLISHED.value)
        ):
            recommendation = c_link.recommendation
            entry = chapters.setdefault(recommendation.chapter_id, MyChapter(recommendation.chapter))
            entry.items.append(
                MyRecommendation(
                    recommendation,
                    as_commissioner=True,
                    response=recommendation.response_by(user.id),
                    overdue=overdue_state(recommendation, user.id, today),
                )
            )
    if user.has_role(Role.STAKEHOLDER) and user.organisation_id is not None:
        for o_link in db.session.scalars(
            select(RecommendationOrganisation)
            .join(Recommendation, Recommendation.id == RecommendationOrganisation.recommendation_id)
            .join(Chapter, Chapter.id == Recommendation.chapter_id)
            .where(
                RecommendationOrganisation.organisation_id == user.organisation_id,
                Chapter.status == ChapterStatus.PUBLISHED.value,
            )
        ):
            recommendation = o_link.recommendation
            entry = chapters.setdefault(recommendation.chapter_id, MyChapter(recommendation.chapter))
            entry.items.append(
                MyRecommendation(
                    recommendation,
                    as_commissioner=False,
                    organisation=o_link.organisation,
                    acknowledgement=recommendation.acknowledgement_by(o_link.organisation_id),
                )
            )
    ordered = sorted(chapters.values(), key=lambda c: (c.chapter.published_at or utcnow(), c.chapter.id), reverse=True)
    for entry in ordered:
        entry.items.sort(key=lambda item: (item.recommendation.position, item.recommendation.id, item.as_commissioner))
    return ordered


def tracker_summary(chapter: Chapter) -> dict[str, int]:
    """Counts for the tracker's headline: recommendations, responses due and made, actions done."""
    expected = sum(len(r.commissioner_links) for r in chapter.recommendations)
    responses = [resp for r in chapter.recommendations for resp in r.responses]
    return {
        "recommendations": len(chapter.recommendations),
        "responses_expected": expected,
        "responses": len(responses),
        "done": sum(1 for resp in responses if resp.progress_status == ProgressStatus.DONE),
    }


# The JSNA overview report -------------------------------------------------------------------------------------------


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
