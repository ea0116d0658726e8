"""Writing briefings: checking an analyst's input, saving drafts with unique slugs, publishing and unpublishing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.evidence.inputs import BriefingError, BriefingInput, slugify, source_url_problem
from portal.extensions import db
from portal.models import (
    EVIDENCE_GRADES,
    EVIDENCE_TOPICS,
    EVIDENCE_TYPES,
    BriefingStatus,
    EvidenceBriefing,
    EvidenceBriefingIndicator,
    EvidenceBriefingProposal,
    EvidenceBriefingTopic,
    EvidenceSource,
    Indicator,
    Proposal,
)
from portal.text import first_free_slug

# Paths under /evidence/ that a briefing's slug must never take.
RESERVED_SLUGS = frozenset({"manage", "new", "search", "attachments"})


def audit_briefing(actor_id: int | None, action: str, briefing: EvidenceBriefing, detail: str = "") -> None:
    """Record what was done to a briefing, and by whom, in the audit log."""
    record_audit(actor_id, action, "evidence_briefing", briefing.id, detail)


def _check_input(data: BriefingInput) -> tuple[list[str], list[Proposal]]:
    """Check what a form cannot (choices, sources, links that must exist); return indicator ids and proposals."""
    if not data.title.strip():
        raise BriefingError("title", "Enter a title")
    if len(data.title) > 200:
        raise BriefingError("title", "Title must be 200 characters or fewer")
    if not data.summary.strip():
        raise BriefingError("summary", "Enter a summary")
    if data.evidence_type not in EVIDENCE_TYPES:
        raise BriefingError("evidence_type", "Select the type of evidence")
    if data.grade not in EVIDENCE_GRADES:
        raise BriefingError("grade", "Select the strength of the evidence")
    if not data.topics:
        raise BriefingError("topics", "Select at least one topic")
    unknown_topics = [topic for topic in data.topics if topic not in EVIDENCE_TOPICS]
    if unknown_topics:
        raise BriefingError("topics", "Select topics from the list")
    if data.review_by < data.published_on:
        raise BriefingError("review_by", "Review-by date must be the same as or after the publication date")
    for title, url in data.sources:
        problem = source_url_problem(url)
        if problem or not title.strip():
            raise BriefingError("sources", f"Source ‘{title}’: {problem or 'enter a title'}")

    indicator_ids = list(dict.fromkeys(str(value).strip() for value in data.indicator_ids if str(value).strip()))
    if indicator_ids:
        found = set(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(indicator_ids))))
        missing = [value for value in indicator_ids if value not in found]
        if missing:
            raise BriefingError("indicator_ids", f"No indicator has the ID {', '.join(missing)}")

    references = list(dict.fromkeys(value.strip().upper() for value in data.proposal_references if value.strip()))
    proposals: list[Proposal] = []
    if references:
        proposals = list(db.session.scalars(select(Proposal).where(func.upper(Proposal.reference).in_(references))))
        found_refs = {proposal.reference.upper() for proposal in proposals}
        missing = [value for value in references if value not in found_refs]
        if missing:
            raise BriefingError("proposal_references", f"No topic proposal has the reference {', '.join(missing)}")
    return indicator_ids, proposals


def apply_input(
    briefing: EvidenceBriefing, data: BriefingInput, indicator_ids: list[str], proposals: list[Proposal]
) -> None:
    """Copy the input onto the briefing, changing link rows only where they differ (unique constraints)."""
    briefing.title = data.title.strip()
    briefing.summary = data.summary.strip()
    briefing.key_findings = "\n".join(line.strip() for line in data.key_findings.splitlines() if line.strip())
    briefing.body = data.body
    briefing.evidence_type = data.evidence_type
    briefing.grade = data.grade
    briefing.published_on = data.published_on
    briefing.review_by = data.review_by
    briefing.tags = ", ".join(dict.fromkeys(tag.strip().lower() for tag in data.tags if tag.strip()))

    wanted_topics = list(dict.fromkeys(data.topics))
    briefing.topic_links = [link for link in briefing.topic_links if link.topic in wanted_topics]
    present = {link.topic for link in briefing.topic_links}
    briefing.topic_links.extend(EvidenceBriefingTopic(topic=topic) for topic in wanted_topics if topic not in present)

    briefing.indicator_links = [link for link in briefing.indicator_links if link.indicator_id in indicator_ids]
    present = {link.indicator_id for link in briefing.indicator_links}
    briefing.indicator_links.extend(
        EvidenceBriefingIndicator(indicator_id=value) for value in indicator_ids if value not in present
    )

    proposal_ids = [proposal.id for proposal in proposals]
    briefing.proposal_links = [link for link in briefing.proposal_links if link.proposal_id in proposal_ids]
    present_ids = {link.proposal_id for link in briefing.proposal_links}
    briefing.proposal_links.extend(
        EvidenceBriefingProposal(proposal_id=value) for value in proposal_ids if value not in present_ids
    )

    briefing.sources = [
        EvidenceSource(position=position, title=title.strip(), url=url.strip())
        for position, (title, url) in enumerate(data.sources)
    ]


def _free_slug(base: str, attempt: int) -> str:
    """The base slug, or the first free ``base-N``; after a lost race, a random suffix."""
    if base in RESERVED_SLUGS:
        base = f"{base}-briefing"
    if attempt:
        return f"{base}-{secrets.token_hex(3)}"
    taken = set(
        db.session.scalars(
            select(EvidenceBriefing.slug).where(
                (EvidenceBriefing.slug == base) | EvidenceBriefing.slug.like(f"{base}-%")
            )
        )
    )
    return first_free_slug(base, taken)


def create_briefing(data: BriefingInput, author_id: int | None, *, is_example: bool = False) -> EvidenceBriefing:
    """Save a new briefing as a draft, with a unique slug made from its title."""
    indicator_ids, proposals = _check_input(data)
    base = slugify(data.title)
    for attempt in range(5):
        briefing = EvidenceBriefing(
            slug=_free_slug(base, attempt),
            status=BriefingStatus.DRAFT.value,
            is_example=is_example,
            author_id=author_id,
        )
        apply_input(briefing, data, indicator_ids, proposals)
        db.session.add(briefing)
        try:
            db.session.flush()
            audit_briefing(author_id, "briefing_created", briefing)
            db.session.commit()
        except IntegrityError:
            # Another analyst took the slug between our check and our insert: try again with another.
            db.session.rollback()
            continue
        return briefing
    raise RuntimeError("could not find a free slug for the briefing")


def update_briefing(briefing_id: int, data: BriefingInput, actor_id: int | None) -> EvidenceBriefing:
    """Save an analyst's changes to a briefing (its slug stays, so links keep working)."""
    briefing = db.session.get(EvidenceBriefing, briefing_id, with_for_update=True)
    if briefing is None:
        raise LookupError(briefing_id)
    indicator_ids, proposals = _check_input(data)
    apply_input(briefing, data, indicator_ids, proposals)
    briefing.updated_at = datetime.now(UTC)
    audit_briefing(actor_id, "briefing_updated", briefing)
    db.session.commit()
    return briefing


def set_published(briefing_id: int, publish: bool, actor_id: int | None) -> EvidenceBriefing:
    """Publish a draft or take a briefing back to draft (which hides it, and its files, from the public)."""
    briefing = db.session.get(EvidenceBriefing, briefing_id, with_for_update=True)
    if briefing is None:
        raise LookupError(briefing_id)
    wanted = BriefingStatus.PUBLISHED.value if publish else BriefingStatus.DRAFT.value
    if briefing.status != wanted:
        briefing.status = wanted
        if publish and briefing.first_published_at is None:
            briefing.first_published_at = datetime.now(UTC)
        audit_briefing(actor_id, "briefing_published" if publish else "briefing_unpublished", briefing)
        db.session.commit()
    return briefing
