"""Evidence briefings: write, publish, attach files, find. Drafts never leave this module for the public."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from portal import text as text_helpers
from portal.audit import record_audit
from portal.clock import london_today
from portal.evidence import attachments
from portal.evidence.search import SearchFilters, SearchPage, search_briefings
from portal.extensions import db
from portal.models import (
    EVIDENCE_GRADES,
    EVIDENCE_TOPICS,
    EVIDENCE_TYPES,
    BriefingStatus,
    EvidenceAttachment,
    EvidenceBriefing,
    EvidenceBriefingIndicator,
    EvidenceBriefingProposal,
    EvidenceBriefingTopic,
    EvidenceSource,
    Indicator,
    Proposal,
    ProposalStatus,
)

# The search contract lives in search.py; re-exported here.
__all__ = ["SearchFilters", "SearchPage", "search_briefings"]

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Paths under /evidence/ that a briefing's slug must never take.
RESERVED_SLUGS = frozenset({"manage", "new", "search", "attachments"})
MAX_SLUG_LENGTH = 80
MAX_TAGS = 12
MAX_TAG_LENGTH = 40
MAX_SOURCES = 30
# Proposals the public may see; a briefing's link to any other proposal is shown to staff only.
PUBLIC_PROPOSAL_STATUSES = frozenset(
    {
        ProposalStatus.PUBLISHED.value,
        ProposalStatus.SHORTLISTED.value,
        ProposalStatus.RECOMMENDED.value,
        ProposalStatus.PRIORITISED.value,
        ProposalStatus.NOT_PRIORITISED.value,
        ProposalStatus.DEFERRED.value,
        ProposalStatus.CHAPTER_IN_PROGRESS.value,
        ProposalStatus.CHAPTER_PUBLISHED.value,
    }
)


class BriefingError(ValueError):
    """Input a briefing cannot be saved with; ``field`` names the form field the message belongs to."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class BriefingInput:
    """Everything an analyst writes for a briefing, as plain values."""

    title: str
    summary: str
    key_findings: str
    body: str
    evidence_type: str
    grade: str
    published_on: date
    review_by: date
    topics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    indicator_ids: list[str] = field(default_factory=list)
    proposal_references: list[str] = field(default_factory=list)


# --- parsing helpers shared by the form and the seed ---------------------------------------------------------


def slugify(title: str) -> str:
    """A readable URL part from a briefing title."""
    return text_helpers.slugify(title, fallback="briefing", max_length=MAX_SLUG_LENGTH)


def split_list(text: str) -> list[str]:
    """Split comma-, semicolon- or newline-separated values, dropping blanks and repeats (order kept)."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]", text or ""):
        value = part.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def parse_tags(text: str) -> list[str]:
    """Tags as typed, lower-cased and de-duplicated; raises BriefingError when there are too many or too long."""
    tags = list(dict.fromkeys(tag.lower() for tag in split_list(text)))
    if len(tags) > MAX_TAGS:
        raise BriefingError("tags", f"Enter {MAX_TAGS} tags or fewer")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise BriefingError("tags", f"Each tag must be {MAX_TAG_LENGTH} characters or fewer")
    return tags


def source_url_problem(url: str) -> str | None:
    """Why a source's web address is refused (only complete http and https addresses are accepted), or None."""
    if not url:
        return "enter a web address"
    if len(url) > 2000:
        return "the web address must be 2,000 characters or fewer"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "the web address must not contain spaces"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "enter a web address starting with http:// or https://, like https://www.nice.org.uk"
    return None


def parse_sources(text: str) -> list[tuple[str, str]]:
    """Read sources written one per line as ``title | web address``; raises BriefingError naming the line."""
    sources: list[tuple[str, str]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if "|" not in line:
            raise BriefingError(
                "sources", f"Source on line {number}: write the title, then a vertical bar (|), then the web address"
            )
        title, url = (part.strip() for part in line.rsplit("|", 1))
        if not title:
            raise BriefingError("sources", f"Source on line {number}: enter a title before the vertical bar")
        if len(title) > 300:
            raise BriefingError("sources", f"Source on line {number}: the title must be 300 characters or fewer")
        problem = source_url_problem(url)
        if problem:
            raise BriefingError("sources", f"Source on line {number}: {problem}")
        sources.append((title, url))
    if len(sources) > MAX_SOURCES:
        raise BriefingError("sources", f"Enter {MAX_SOURCES} sources or fewer")
    return sources


def format_sources(briefing: EvidenceBriefing) -> str:
    """A briefing's sources in the one-per-line form the edit page uses."""
    return "\n".join(f"{source.title} | {source.url}" for source in briefing.sources)


# --- reading ----------------------------------------------------------------------------------------------------


def get_published(slug: str) -> EvidenceBriefing | None:
    """The published briefing with this slug, or None (drafts are None too)."""
    return db.session.scalar(
        select(EvidenceBriefing).where(
            EvidenceBriefing.slug == slug, EvidenceBriefing.status == BriefingStatus.PUBLISHED.value
        )
    )


def get_for_viewer(slug: str, *, include_drafts: bool) -> EvidenceBriefing | None:
    """The briefing with this slug if the viewer may see it: published, or any when ``include_drafts``."""
    if not include_drafts:
        return get_published(slug)
    return db.session.scalar(select(EvidenceBriefing).where(EvidenceBriefing.slug == slug))


def get_briefing(briefing_id: int) -> EvidenceBriefing | None:
    """Any briefing by id, drafts included (for analysts' pages)."""
    return db.session.get(EvidenceBriefing, briefing_id)


def published_briefings_for_proposal(proposal_id: int) -> list[EvidenceBriefing]:
    """Published briefings linked to a proposal, newest first."""
    return list(
        db.session.scalars(
            select(EvidenceBriefing)
            .join(EvidenceBriefingProposal, EvidenceBriefingProposal.briefing_id == EvidenceBriefing.id)
            .where(
                EvidenceBriefingProposal.proposal_id == proposal_id,
                EvidenceBriefing.status == BriefingStatus.PUBLISHED.value,
            )
            .order_by(EvidenceBriefing.published_on.desc(), EvidenceBriefing.id.desc())
        )
    )


def published_briefings_for_indicator(indicator_id: str) -> list[EvidenceBriefing]:
    """Published briefings linked to an indicator, newest first."""
    return list(
        db.session.scalars(
            select(EvidenceBriefing)
            .join(EvidenceBriefingIndicator, EvidenceBriefingIndicator.briefing_id == EvidenceBriefing.id)
            .where(
                EvidenceBriefingIndicator.indicator_id == str(indicator_id),
                EvidenceBriefing.status == BriefingStatus.PUBLISHED.value,
            )
            .order_by(EvidenceBriefing.published_on.desc(), EvidenceBriefing.id.desc())
        )
    )


def linked_proposals(briefing: EvidenceBriefing, *, include_hidden: bool) -> list[Proposal]:
    """The proposals a briefing is linked to; the public sees only proposals that are themselves public."""
    proposals = [link.proposal for link in briefing.proposal_links]
    if not include_hidden:
        proposals = [proposal for proposal in proposals if proposal.status in PUBLIC_PROPOSAL_STATUSES]
    return sorted(proposals, key=lambda proposal: proposal.reference)


def linked_indicators(briefing: EvidenceBriefing) -> list[Indicator]:
    """The indicators a briefing is linked to, by name."""
    return sorted((link.indicator for link in briefing.indicator_links), key=lambda indicator: indicator.name)


def all_briefings() -> list[EvidenceBriefing]:
    """Every briefing, drafts included, most recently changed first (for analysts)."""
    return list(
        db.session.scalars(select(EvidenceBriefing).order_by(EvidenceBriefing.updated_at.desc(), EvidenceBriefing.id))
    )


def stale_briefings(today: date | None = None) -> list[EvidenceBriefing]:
    """Published briefings whose review-by date has passed, the most overdue first."""
    today = today or london_today()
    return list(
        db.session.scalars(
            select(EvidenceBriefing)
            .where(EvidenceBriefing.status == BriefingStatus.PUBLISHED.value, EvidenceBriefing.review_by < today)
            .order_by(EvidenceBriefing.review_by, EvidenceBriefing.id)
        )
    )


# --- writing ----------------------------------------------------------------------------------------------------


def _audit(actor_id: int | None, action: str, briefing: EvidenceBriefing, detail: str = "") -> None:
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


def _apply(
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
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


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
        _apply(briefing, data, indicator_ids, proposals)
        db.session.add(briefing)
        try:
            db.session.flush()
            _audit(author_id, "briefing_created", briefing)
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
    _apply(briefing, data, indicator_ids, proposals)
    briefing.updated_at = datetime.now(UTC)
    _audit(actor_id, "briefing_updated", briefing)
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
        _audit(actor_id, "briefing_published" if publish else "briefing_unpublished", briefing)
        db.session.commit()
    return briefing


# --- attachments ------------------------------------------------------------------------------------------------


def attachment_directory() -> Path:
    """Where attachment files live: ``UPLOAD_DIR/evidence``."""
    return Path(current_app.config["UPLOAD_DIR"]) / "evidence"


def max_attachment_bytes() -> int:
    """The largest attachment accepted (``EVIDENCE_MAX_ATTACHMENT_BYTES``, 10MB unless configured)."""
    return int(current_app.config.get("EVIDENCE_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


def add_attachment(briefing_id: int, file_name: str, stream: BinaryIO, actor_id: int | None) -> EvidenceAttachment:
    """Check and store a file for a briefing; raises attachments.AttachmentError (nothing stored) when refused."""
    briefing = db.session.get(EvidenceBriefing, briefing_id)
    if briefing is None:
        raise LookupError(briefing_id)
    limit = max_attachment_bytes()
    checked = attachments.check_upload(file_name, attachments.read_limited(stream, limit), limit)
    directory = attachment_directory()
    stored_name = attachments.new_stored_name()
    attachments.store(directory, stored_name, checked.data)
    attachment = EvidenceAttachment(
        briefing_id=briefing.id,
        stored_name=stored_name,
        original_name=checked.download_name,
        kind=checked.kind,
        size_bytes=len(checked.data),
        sha256=checked.sha256,
        uploaded_by_id=actor_id,
    )
    db.session.add(attachment)
    try:
        db.session.flush()
        _audit(actor_id, "attachment_added", briefing, f"{checked.download_name} ({checked.kind})")
        db.session.commit()
    except Exception:
        db.session.rollback()
        attachments.remove(directory, stored_name)  # the row was not saved: leave no file behind either
        raise
    return attachment


def delete_attachment(briefing_id: int, attachment_id: int, actor_id: int | None) -> EvidenceAttachment:
    """Remove an attachment that belongs to this briefing (and only this one) and delete its file."""
    attachment = db.session.get(EvidenceAttachment, attachment_id)
    if attachment is None or attachment.briefing_id != briefing_id:
        raise LookupError(attachment_id)
    stored_name, briefing = attachment.stored_name, attachment.briefing
    db.session.delete(attachment)
    _audit(actor_id, "attachment_removed", briefing, attachment.original_name)
    db.session.commit()
    attachments.remove(attachment_directory(), stored_name)
    return attachment


def attachment_for_download(
    slug: str, attachment_id: int, *, include_drafts: bool
) -> tuple[EvidenceAttachment, Path] | None:
    """The attachment and its file, if it belongs to a briefing the viewer may see; otherwise None."""
    briefing = get_for_viewer(slug, include_drafts=include_drafts)
    if briefing is None:
        return None
    attachment = db.session.get(EvidenceAttachment, attachment_id)
    if attachment is None or attachment.briefing_id != briefing.id:
        return None
    path = attachments.stored_path(attachment_directory(), attachment.stored_name)
    if path is None:
        current_app.logger.error("Attachment %s is missing its file %s", attachment.id, attachment.stored_name)
        return None
    return attachment, path


# --- seed -------------------------------------------------------------------------------------------------------


def seed() -> str:
    """Load the example briefings (idempotent); link them to indicators and example proposals that exist."""
    from portal.evidence.examples import EXAMPLE_BRIEFINGS

    created = linked = 0
    for example in EXAMPLE_BRIEFINGS:
        briefing = db.session.scalar(select(EvidenceBriefing).where(EvidenceBriefing.slug == example.slug))
        existing_indicators = list(
            db.session.scalars(select(Indicator.id).where(Indicator.id.in_(example.indicator_ids)))
        )
        proposal_ids = _example_proposal_ids(example.proposal_keywords)
        if briefing is None:
            briefing = EvidenceBriefing(
                slug=example.slug,
                status=example.status,
                is_example=True,
                author_id=None,
                first_published_at=datetime.now(UTC) if example.status == BriefingStatus.PUBLISHED.value else None,
            )
            data = BriefingInput(
                title=example.title,
                summary=example.summary,
                key_findings="\n".join(example.key_findings),
                body=example.body,
                evidence_type=example.evidence_type,
                grade=example.grade,
                published_on=example.published_on,
                review_by=example.review_by,
                topics=list(example.topics),
                tags=["example", *example.tags],
                sources=list(example.sources),
            )
            _apply(briefing, data, [], [])
            db.session.add(briefing)
            db.session.flush()
            _audit(None, "briefing_created", briefing, "example content from flask seed")
            created += 1
        # Links are added on every run, so indicators or proposals seeded after a first run are picked up.
        have_indicators = {link.indicator_id for link in briefing.indicator_links}
        for indicator_id in existing_indicators:
            if indicator_id not in have_indicators:
                briefing.indicator_links.append(EvidenceBriefingIndicator(indicator_id=indicator_id))
                linked += 1
        have_proposals = {link.proposal_id for link in briefing.proposal_links}
        for proposal_id in proposal_ids:
            if proposal_id not in have_proposals:
                briefing.proposal_links.append(EvidenceBriefingProposal(proposal_id=proposal_id))
                linked += 1
    db.session.commit()
    return f"{created} example evidence briefings created, {linked} links to indicators and proposals added"


def _example_proposal_ids(keywords: tuple[str, ...]) -> list[int]:
    """Example proposals whose title mentions any of the keywords."""
    if not keywords:
        return []
    conditions = [func.lower(Proposal.title).like(f"%{keyword.lower()}%") for keyword in keywords]
    return list(
        db.session.scalars(
            select(Proposal.id).where(Proposal.is_example.is_(True), or_(*conditions)).order_by(Proposal.id)
        )
    )
