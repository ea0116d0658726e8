"""What happened after every recommendation, across published chapters: how organisations responded, how their
actions are going, and what the indicators the recommendations aim to move did since.

Example chapters are left out once there is a real one, so demo content never mixes with real figures; until then
the page summarises the examples and says so.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.chapters import outcomes
from portal.chapters.tracker import overdue_state
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    PROGRESS_LABELS,
    RESPONSE_DECISION_LABELS,
    Chapter,
    ChapterStatus,
    ProgressStatus,
    Recommendation,
    ResponseDecision,
)

NO_RESPONSE = "No response"
NO_ACTION = "No action planned (not accepted)"
RESPONSE_ORDER: tuple[str, ...] = (
    RESPONSE_DECISION_LABELS[ResponseDecision.ACCEPT],
    RESPONSE_DECISION_LABELS[ResponseDecision.PARTIAL],
    RESPONSE_DECISION_LABELS[ResponseDecision.REJECT],
    NO_RESPONSE,
)
PROGRESS_ORDER: tuple[str, ...] = (
    PROGRESS_LABELS[ProgressStatus.NOT_STARTED],
    PROGRESS_LABELS[ProgressStatus.ON_TRACK],
    PROGRESS_LABELS[ProgressStatus.AT_RISK],
    PROGRESS_LABELS[ProgressStatus.DONE],
    NO_ACTION,
)
OUTCOME_ORDER: tuple[str, ...] = tuple(outcome.label for outcome in outcomes.Outcome)


@dataclass(frozen=True)
class Breakdown:
    """One chart's counts: every category in a fixed order (zeros included), what is counted, and its total."""

    key: str
    title: str
    noun: str
    counts: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    @property
    def columns(self) -> list[str]:
        return ["Category", f"Number of {self.noun}", "Percentage"]

    def rows(self) -> list[list[str]]:
        """The table and CSV rows: category, count and percentage of the total."""
        total = self.total
        return [[label, str(count), f"{100 * count / total:.0f}%" if total else "–"] for label, count in self.counts]


@dataclass(frozen=True)
class Reply:
    """How one addressed organisation replied to a recommendation."""

    organisation: str
    response: str
    progress: str
    overdue: str


@dataclass
class RecommendationImpact:
    """One recommendation: its chapter, its replies and its indicators' changes."""

    chapter: Chapter
    recommendation: Recommendation
    replies: list[Reply] = field(default_factory=list)
    changes: list[outcomes.IndicatorChange] = field(default_factory=list)


@dataclass
class Impact:
    """The whole summary the page and its charts show."""

    examples_only: bool
    chapters: list[Chapter]
    items: list[RecommendationImpact]
    breakdowns: dict[str, Breakdown]
    overdue: int

    @property
    def recommendations(self) -> int:
        return len(self.items)

    def version(self) -> str:
        """A digest of the counts, for the chart cache."""
        payload = {key: b.counts for key, b in self.breakdowns.items()}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _chapters() -> tuple[list[Chapter], bool]:
    published = list(
        db.session.scalars(
            select(Chapter)
            .where(Chapter.status == ChapterStatus.PUBLISHED.value)
            .order_by(Chapter.published_at, Chapter.id)
        )
    )
    real = [chapter for chapter in published if not chapter.is_example]
    return (real, False) if real else (published, bool(published))


def impact_summary(today: date | None = None) -> Impact:
    """Every recommendation of the published chapters (real ones, or the examples while there are none), counted
    by response (one count per organisation asked to respond), by progress (one per response) and by what each named
    indicator did since the recommendation was first answered (one per recommendation and indicator)."""
    today = today or london_today()
    chapters, examples_only = _chapters()
    cache = outcomes.summary_cache(r for chapter in chapters for r in chapter.recommendations)
    responses: Counter[str] = Counter()
    progress: Counter[str] = Counter()
    indicator_outcomes: Counter[str] = Counter()
    items: list[RecommendationImpact] = []
    overdue = 0
    for chapter in chapters:
        for recommendation in chapter.recommendations:
            item = RecommendationImpact(chapter, recommendation)
            for link in recommendation.organisation_links:
                response = recommendation.response_for(link.organisation_id)
                late = overdue_state(recommendation, link.organisation_id, today)
                overdue += late is not None
                if response is None:
                    responses[NO_RESPONSE] += 1
                    item.replies.append(Reply(link.organisation.name, NO_RESPONSE, "", late.label if late else ""))
                    continue
                responses[response.decision_label] += 1
                state = NO_ACTION if response.decision == ResponseDecision.REJECT else response.progress_label
                progress[state] += 1
                item.replies.append(
                    Reply(link.organisation.name, response.decision_label, state, late.label if late else "")
                )
            item.changes = outcomes.indicator_changes(recommendation, cache)
            for change in item.changes:
                indicator_outcomes[change.outcome_label] += 1
            items.append(item)
    breakdowns = {
        "responses": Breakdown(
            "responses",
            "Responses: each organisation asked to respond to a recommendation",
            "organisations asked",
            [(label, responses[label]) for label in RESPONSE_ORDER],
        ),
        "progress": Breakdown(
            "progress",
            "Progress on the actions organisations planned",
            "responses",
            [(label, progress[label]) for label in PROGRESS_ORDER],
        ),
        "indicators": Breakdown(
            "indicators",
            "What the indicators did since each recommendation was first answered",
            "recommendation indicators",
            [(label, indicator_outcomes[label]) for label in OUTCOME_ORDER],
        ),
    }
    return Impact(examples_only, chapters, items, breakdowns, overdue)
