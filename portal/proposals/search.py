"""Lists and search: the public list of topics with its filters, "has your topic already been proposed?", and the
moderation queue."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, or_, select

from portal.extensions import db
from portal.models import Proposal, ProposalStatus, ProposalWard
from portal.proposals.finding import published_proposals_query
from portal.proposals.vocabulary import PAGE_SIZE, PUBLIC_STATUSES, WHOLE_CITY, clean_text, sector_label

S = ProposalStatus


@dataclass(frozen=True)
class ProposalPage:
    """One page of proposals."""

    proposals: list[Proposal]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _paginate(statement: Select[Proposal], page: int, page_size: int = PAGE_SIZE) -> ProposalPage:
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = list(db.session.scalars(statement.limit(page_size).offset((page - 1) * page_size)))
    return ProposalPage(proposals=rows, total=total, page=page, pages=pages)


def _search_terms(statement: Select[Proposal], query: str) -> Select[Proposal]:
    for word in clean_text(query, single_line=True).lower().split()[:8]:
        pattern = _like(word)
        statement = statement.where(
            or_(
                func.lower(Proposal.title).like(pattern, escape="\\"),
                func.lower(Proposal.need).like(pattern, escape="\\"),
                func.upper(Proposal.reference).like(_like(word.upper()), escape="\\"),
            )
        )
    return statement


def search_published(
    query: str = "",
    *,
    status: str = "",
    ward: str = "",
    sector: str = "",
    sort: str = "newest",
    page: int = 1,
) -> ProposalPage:
    """The public list: search, filter by status, ward and sector, sort by newest or most supported."""
    statement = published_proposals_query()
    statement = _search_terms(statement, query)
    if status in {str(s) for s in PUBLIC_STATUSES}:
        statement = statement.where(Proposal.status == status)
    if ward == WHOLE_CITY:
        statement = statement.where(~exists().where(ProposalWard.proposal_id == Proposal.id))
    elif ward:
        statement = statement.where(
            exists().where(ProposalWard.proposal_id == Proposal.id, ProposalWard.ward_code == ward)
        )
    if sector == "public":
        statement = statement.where(Proposal.proposer_type == "public")
    elif sector and sector_label(sector):
        statement = statement.where(Proposal.proposer_type == "stakeholder", Proposal.proposer_sector == sector)
    if sort == "supported":
        statement = statement.order_by(Proposal.support_count.desc(), Proposal.created_at.desc(), Proposal.id.desc())
    else:
        statement = statement.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    return _paginate(statement, page)


STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "about",
        "among",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "its",
        "our",
        "their",
        "your",
        "who",
        "what",
        "when",
        "how",
        "why",
        "not",
        "but",
        "all",
        "any",
        "can",
        "more",
        "most",
        "less",
        "than",
        "people",
        "wolverhampton",
        "city",
        "local",
    ]
)


def _significant_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [w for w in dict.fromkeys(words) if len(w) >= 3 and w not in STOPWORDS]


def similar_proposals(title: str, *, limit: int = 5, exclude_id: int | None = None) -> list[Proposal]:
    """Published proposals whose titles resemble ``title`` (for "Has your topic already been proposed?")."""
    words = _significant_words(title)
    if not words:
        return []
    conditions = [func.lower(Proposal.title).like(_like(w[:5]), escape="\\") for w in words[:10]]
    statement = published_proposals_query().where(or_(*conditions))
    if exclude_id is not None:
        statement = statement.where(Proposal.id != exclude_id)
    candidates = list(db.session.scalars(statement.order_by(Proposal.support_count.desc()).limit(200)))
    wanted = set(words)
    scored: list[tuple[float, Proposal]] = []
    for candidate in candidates:
        theirs = set(_significant_words(candidate.title))
        shared = sum(1 for w in wanted if any(t.startswith(w[:5]) or w.startswith(t[:5]) for t in theirs))
        ratio = difflib.SequenceMatcher(None, title.lower(), candidate.title.lower()).ratio()
        score = shared / max(1, min(len(wanted), len(theirs))) + ratio
        if shared and score >= 0.6:
            scored.append((score, candidate))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].support_count, pair[1].id))
    return [proposal for _, proposal in scored[:limit]]


def moderation_queue(view: str = "waiting", query: str = "", page: int = 1) -> ProposalPage:
    """Staff list: proposals waiting for moderation (oldest first), or every proposal (newest first)."""
    statement = select(Proposal)
    statement = _search_terms(statement, query)
    if view == "all":
        statement = statement.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    else:
        statement = statement.where(Proposal.status == str(S.SUBMITTED)).order_by(Proposal.created_at, Proposal.id)
    return _paginate(statement, page)


def waiting_count() -> int:
    """How many proposals wait for moderation."""
    return db.session.scalar(select(func.count()).where(Proposal.status == str(S.SUBMITTED))) or 0
