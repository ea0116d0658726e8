"""What site-wide search finds, group by group, among what the public may see: indicators, published topics,
published evidence briefings, published chapters and their recommendations.

Each group is read through the models (or, for briefings, the evidence feature's own ranked search); nothing here
imports another feature's routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, select

from portal.evidence import services as evidence
from portal.extensions import db
from portal.models import Chapter, ChapterSection, ChapterStatus, Indicator, Proposal, Recommendation
from portal.proposals.finding import published_proposals_query
from portal.search.matching import search_words, text_match

PAGE_SIZE = 20
PER_GROUP = 5


@dataclass(frozen=True)
class Kind:
    """A kind of result: its key in URLs and its name for people."""

    key: str
    label: str
    singular: str


KINDS: tuple[Kind, ...] = (
    Kind("indicators", "Indicators", "indicator"),
    Kind("topics", "Topics", "topic"),
    Kind("briefings", "Evidence briefings", "evidence briefing"),
    Kind("chapters", "Chapters", "chapter"),
    Kind("recommendations", "Recommendations", "recommendation"),
)
KIND_KEYS = frozenset(kind.key for kind in KINDS)


@dataclass(frozen=True)
class ResultGroup:
    """The matches of one kind: the items on show (best first), how many there are in all, and the page."""

    kind: Kind
    items: list[Any]
    total: int
    page: int = 1
    pages: int = 1


@dataclass(frozen=True)
class SearchResults:
    """Everything a search found, grouped by kind (every kind, or the one asked for)."""

    query: str
    words: list[str]
    groups: list[ResultGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


def _page(statement: Select[Any], page: int, size: int) -> tuple[list[Any], int, int, int]:
    """(items, total, page, pages) of an ordered select()."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    return list(db.session.scalars(statement.limit(size).offset((page - 1) * size))), total, page, pages


def _indicators(words: list[str]) -> Select[Any]:
    match = text_match([(Indicator.name, "A"), (Indicator.definition, "C")], words)
    return select(Indicator).where(match.condition).order_by(match.rank.desc(), Indicator.name, Indicator.id)


def _topics(words: list[str]) -> Select[Any]:
    match = text_match(
        [
            (Proposal.title, "A"),
            (Proposal.need, "B"),
            (Proposal.evidence_of_need, "C"),
            (Proposal.decisions_informed, "D"),
        ],
        words,
    )
    return (
        published_proposals_query()
        .where(match.condition)
        .order_by(match.rank.desc(), Proposal.support_count.desc(), Proposal.created_at.desc(), Proposal.id.desc())
    )


def _chapters(words: list[str]) -> Select[Any]:
    sections = (
        select(func.aggregate_strings(ChapterSection.body, " "))
        .where(ChapterSection.chapter_id == Chapter.id)
        .scalar_subquery()
    )
    match = text_match([(Chapter.title, "A"), (sections, "C")], words)
    return (
        select(Chapter)
        .where(Chapter.status == ChapterStatus.PUBLISHED.value, match.condition)
        .order_by(match.rank.desc(), Chapter.published_at.desc(), Chapter.id.desc())
    )


def _recommendations(words: list[str]) -> Select[Any]:
    match = text_match([(Recommendation.text, "A")], words)
    published = exists().where(Chapter.id == Recommendation.chapter_id, Chapter.status == ChapterStatus.PUBLISHED.value)
    return (
        select(Recommendation)
        .where(published, match.condition)
        .order_by(match.rank.desc(), Recommendation.chapter_id.desc(), Recommendation.position, Recommendation.id)
    )


_STATEMENTS = {
    "indicators": _indicators,
    "topics": _topics,
    "chapters": _chapters,
    "recommendations": _recommendations,
}


def _group(kind: Kind, words: list[str], page: int, size: int) -> ResultGroup:
    if kind.key == "briefings":
        # The evidence feature's own ranked search (FTS5 or PostgreSQL full text), published briefings only.
        found = evidence.search_briefings(" ".join(words), page=page)
        items = found.briefings[:size]
        return ResultGroup(kind, items, found.total, found.page, found.pages if size >= PAGE_SIZE else 1)
    items, total, page, pages = _page(_STATEMENTS[kind.key](words), page, size)
    return ResultGroup(kind, items, total, page, pages)


def search_everything(query: str, *, only: str | None = None, page: int = 1) -> SearchResults:
    """Search every kind (the best few of each), or every match of one kind (``only``) a page at a time."""
    query = (query or "").strip()[:200]
    words = search_words(query)
    if not words:
        return SearchResults(query, words)
    if only is not None:
        kind = next(k for k in KINDS if k.key == only)
        return SearchResults(query, words, [_group(kind, words, page, PAGE_SIZE)])
    return SearchResults(query, words, [_group(kind, words, 1, PER_GROUP) for kind in KINDS])
