"""Ranked full-text search of evidence briefings: SQLite FTS5 or PostgreSQL full text, behind one function.

A match in the title counts most, then tags, then the summary and key findings, then the body. Whatever is typed
is reduced to plain word tokens before it reaches either engine, so no query syntax can be injected and no input
can make the query fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import ColumnElement, Float, Integer, Select, Text, exists, func, literal_column, select, text

from portal.extensions import db
from portal.models import BriefingStatus, EvidenceBriefing, EvidenceBriefingTopic

PAGE_SIZE = 20
MAX_TERMS = 12
# FTS5 bm25 weights per indexed column, in the order the migration declares them: title, summary, key_findings,
# body, tags. PostgreSQL uses the same order of importance through setweight A–D.
SQLITE_WEIGHTS = (10.0, 4.0, 3.0, 1.0, 6.0)
# A SQL literal, not a bind parameter, so that the query's tsvector expression is the GIN index's (see
# _postgres_document).
POSTGRES_CONFIG = "'english'::regconfig"


class SearchFilters(TypedDict):
    """The optional filters of a search, as search_briefings keywords (None: not filtered)."""

    topic: str | None
    evidence_type: str | None
    grade: str | None


@dataclass(frozen=True)
class SearchPage:
    """One page of briefings matching a search, best match first when there were search words."""

    briefings: list[EvidenceBriefing]
    total: int
    page: int
    pages: int
    query: str
    ranked: bool


def search_terms(query: str) -> list[str]:
    """The word tokens of a query, lower-cased (letters and digits only; punctuation separates words)."""
    return re.findall(r"[^\W_]+", (query or "").lower())[:MAX_TERMS]


def _sqlite_ranked(statement: Select, terms: list[str]) -> Select:
    """Join the FTS5 index; every term must match, as a word or a word's beginning."""
    match = " ".join(f'"{term}"*' for term in terms)
    weights = ", ".join(str(weight) for weight in SQLITE_WEIGHTS)
    fts = (
        text(
            f"SELECT rowid AS briefing_id, bm25(evidence_briefings_fts, {weights}) AS score "  # noqa: S608 - constants
            "FROM evidence_briefings_fts WHERE evidence_briefings_fts MATCH :match"
        )
        .bindparams(match=match)
        .columns(briefing_id=Integer, score=Float)
        .subquery("fts")
    )
    # bm25 scores are negative: the smallest is the best match.
    return statement.join(fts, fts.c.briefing_id == EvidenceBriefing.id).order_by(
        fts.c.score.asc(), EvidenceBriefing.published_on.desc(), EvidenceBriefing.id.desc()
    )


def _postgres_document() -> ColumnElement:
    """The weighted tsvector of a briefing, exactly as the GIN index ``ix_evidence_briefings_search`` declares it.

    The planner matches an expression index only to an identical expression, and a bind parameter inside it (even
    the space between summary and key findings) keeps a prepared statement's generic plan from matching; so the
    config, the weights and the separator are SQL literals. Migration 0008 repeats this expression, and
    tests/evidence/test_search_index.py checks that the search can use the index.
    """
    config: ColumnElement[str] = literal_column(POSTGRES_CONFIG)

    def weighted(column: object, weight: str) -> ColumnElement:
        return func.setweight(func.to_tsvector(config, column), literal_column(f"'{weight}'"))

    return (
        weighted(EvidenceBriefing.title, "A")
        .op("||")(weighted(EvidenceBriefing.tags, "B"))
        .op("||")(weighted(EvidenceBriefing.summary + literal_column("' '", Text) + EvidenceBriefing.key_findings, "C"))
        .op("||")(weighted(EvidenceBriefing.body, "D"))
    )


def _postgres_ranked(statement: Select, terms: list[str]) -> Select:
    """Match a weighted tsvector against prefix terms (stemmed, English) and order by ts_rank."""
    document = _postgres_document()
    query = func.to_tsquery(literal_column(POSTGRES_CONFIG), " & ".join(f"{term}:*" for term in terms))
    return statement.where(document.op("@@")(query)).order_by(
        func.ts_rank(document, query).desc(), EvidenceBriefing.published_on.desc(), EvidenceBriefing.id.desc()
    )


def search_statement(
    query: str,
    *,
    topic: str | None = None,
    evidence_type: str | None = None,
    grade: str | None = None,
    include_drafts: bool = False,
) -> Select:
    """The ordered SELECT of briefings matching the words of ``query`` and the filters, for the session's database."""
    statement = select(EvidenceBriefing)
    if not include_drafts:
        statement = statement.where(EvidenceBriefing.status == BriefingStatus.PUBLISHED.value)
    if topic:
        statement = statement.where(
            exists().where(
                EvidenceBriefingTopic.briefing_id == EvidenceBriefing.id, EvidenceBriefingTopic.topic == topic
            )
        )
    if evidence_type:
        statement = statement.where(EvidenceBriefing.evidence_type == evidence_type)
    if grade:
        statement = statement.where(EvidenceBriefing.grade == grade)

    terms = search_terms(query)
    if not terms:
        return statement.order_by(EvidenceBriefing.published_on.desc(), EvidenceBriefing.id.desc())
    dialect = db.session.get_bind().dialect.name
    return _postgres_ranked(statement, terms) if dialect == "postgresql" else _sqlite_ranked(statement, terms)


def search_briefings(
    query: str,
    *,
    topic: str | None = None,
    evidence_type: str | None = None,
    grade: str | None = None,
    include_drafts: bool = False,
    page: int = 1,
) -> SearchPage:
    """Find briefings matching the words of ``query`` and the filters, ranked best first; drafts only on request."""
    statement = search_statement(
        query, topic=topic, evidence_type=evidence_type, grade=grade, include_drafts=include_drafts
    )
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    briefings = list(db.session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return SearchPage(
        briefings=briefings, total=total, page=page, pages=pages, query=query, ranked=bool(search_terms(query))
    )
