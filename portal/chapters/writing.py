"""Writing and publishing chapters: the analysts' lists, starting a chapter from a prioritised topic, saving
sections and details with a version for each change, and the draft → in review → published states.

Services take plain values and own their transaction. Emails go out after the commit (see ``notifications``), so a
publication is durable even when the mail server is down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal.chapters import forecasts
from portal.chapters.common import CONCURRENT_CHANGE, ChapterError, commit, locked_chapter
from portal.chapters.notifications import notify_addressees
from portal.extensions import db
from portal.models import (
    CHAPTER_SECTIONS,
    REQUIRED_SECTIONS,
    Chapter,
    ChapterIndicator,
    ChapterSection,
    ChapterStatus,
    ChapterVersion,
    Indicator,
    Proposal,
    ProposalStatus,
    RoundProposal,
)
from portal.models.base import utcnow
from portal.proposals import services as proposals
from portal.text import first_free_slug, slugify

MAX_SLUG_LENGTH = 100
# Slugs that would clash with the blueprint's fixed paths.
RESERVED_SLUGS = frozenset({"manage", "overdue", "my-recommendations", "report", "recommendations", "impact"})
SECTION_KEYS: tuple[str, ...] = tuple(key for key, _ in CHAPTER_SECTIONS)
MAX_LINKED_INDICATORS = 8


def chapter_slug(title: str) -> str:
    """A readable URL part from a chapter title."""
    return slugify(title, fallback="chapter", max_length=MAX_SLUG_LENGTH)


def _free_slug(base: str) -> str:
    """The base slug, or the first free ``base-N``."""
    if base in RESERVED_SLUGS:
        base = f"{base}-chapter"
    taken = set(db.session.scalars(select(Chapter.slug).where((Chapter.slug == base) | Chapter.slug.like(f"{base}-%"))))
    return first_free_slug(base, taken)


def _snapshot(chapter: Chapter, action: str, actor_id: int | None, section_key: str = "") -> ChapterVersion:
    """Append a version: the whole chapter's text as it now stands, with who and why."""
    number = (
        db.session.scalar(select(func.max(ChapterVersion.number)).where(ChapterVersion.chapter_id == chapter.id)) or 0
    ) + 1
    version = ChapterVersion(
        chapter_id=chapter.id,
        number=number,
        action=action,
        section_key=section_key,
        status=chapter.status,
        title=chapter.title,
        content={section.key: section.body for section in chapter.sections},
        actor_id=actor_id,
    )
    db.session.add(version)
    return version


# Reading -------------------------------------------------------------------------------------------------------------


def published_chapters() -> list[Chapter]:
    """Published chapters, newest first."""
    return list(
        db.session.scalars(
            select(Chapter)
            .where(Chapter.status == ChapterStatus.PUBLISHED.value)
            .order_by(Chapter.published_at.desc(), Chapter.id.desc())
            # The list shows each chapter's number of recommendations: one query for all, not one per chapter.
            .options(selectinload(Chapter.recommendations))
        )
    )


def all_chapters() -> list[Chapter]:
    """Every chapter, for analysts: newest first."""
    return list(db.session.scalars(select(Chapter).order_by(Chapter.created_at.desc(), Chapter.id.desc())))


def get_for_viewer(slug: str, *, include_drafts: bool) -> Chapter:
    """The chapter with this slug if the viewer may see it (drafts only with ``include_drafts``), else 404."""
    chapter = db.session.scalar(select(Chapter).where(Chapter.slug == slug))
    if chapter is None or (not chapter.is_published and not include_drafts):
        raise NotFound()
    return chapter


def prioritised_proposals_without_chapter() -> list[Proposal]:
    """Proposals the steering group prioritised that have no chapter yet."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.status == ProposalStatus.PRIORITISED.value,
                ~select(Chapter.id).where(Chapter.proposal_id == Proposal.id).exists(),
            )
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
        )
    )


def prioritisation_decision(proposal_id: int) -> RoundProposal | None:
    """The round decision that prioritised the proposal, if prioritisation recorded one."""
    return db.session.scalar(
        select(RoundProposal)
        .where(RoundProposal.proposal_id == proposal_id, RoundProposal.decision == ProposalStatus.PRIORITISED.value)
        .order_by(RoundProposal.decided_at.desc())
        .limit(1)
    )


def versions(chapter_id: int) -> list[ChapterVersion]:
    """A chapter's versions, newest first."""
    return list(
        db.session.scalars(
            select(ChapterVersion).where(ChapterVersion.chapter_id == chapter_id).order_by(ChapterVersion.number.desc())
        )
    )


def get_version(chapter_id: int, number: int) -> ChapterVersion:
    """One version of a chapter, else 404."""
    version = db.session.scalar(
        select(ChapterVersion).where(ChapterVersion.chapter_id == chapter_id, ChapterVersion.number == number)
    )
    if version is None:
        raise NotFound()
    return version


# Writing -------------------------------------------------------------------------------------------------------------


def create_chapter(proposal_id: int, title: str, actor_id: int | None, *, is_example: bool = False) -> Chapter:
    """Start a draft chapter from a prioritised proposal; the proposal becomes "chapter in progress"."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise ChapterError("Select a prioritised topic")
    if proposal.status != ProposalStatus.PRIORITISED.value:
        raise ChapterError("A chapter can only be started from a topic the steering group has prioritised")
    if db.session.scalar(select(Chapter.id).where(Chapter.proposal_id == proposal_id)) is not None:
        raise ChapterError("This topic already has a chapter")
    title = " ".join((title or proposal.title).split())[:200]
    chapter = Chapter(
        slug=_free_slug(chapter_slug(title)),
        title=title,
        proposal_id=proposal.id,
        status=ChapterStatus.DRAFT.value,
        age_bands=forecasts.age_bands_from_codes(proposal.age_codes),
        is_example=is_example,
        created_by_id=actor_id,
    )
    chapter.sections = [
        ChapterSection(key=key, position=position, body="", updated_by_id=actor_id)
        for position, key in enumerate(SECTION_KEYS)
    ]
    chapter.indicator_links = [
        ChapterIndicator(indicator_id=link.indicator_id, position=position)
        for position, link in enumerate(proposal.indicator_links[:MAX_LINKED_INDICATORS])
    ]
    db.session.add(chapter)
    try:
        db.session.flush()
        _snapshot(chapter, "created", actor_id)
        # change_status locks the proposal, checks the transition and commits our chapter with it.
        proposals.change_status(
            proposal.id,
            ProposalStatus.CHAPTER_IN_PROGRESS,
            f"Work has started on a JSNA chapter on this topic: {title}.",
            actor_id,
        )
    except IntegrityError as error:
        db.session.rollback()
        raise ChapterError("This topic already has a chapter") from error
    except proposals.ProposalError as error:
        db.session.rollback()
        raise ChapterError(str(error)) from error
    return chapter


def save_section(chapter_id: int, key: str, body: str, actor_id: int | None) -> Chapter:
    """Save a section's Markdown and record a version."""
    if key not in SECTION_KEYS:
        raise NotFound()
    chapter = locked_chapter(chapter_id)
    section = chapter.section(key)
    if section is None:
        section = ChapterSection(key=key, position=SECTION_KEYS.index(key))
        chapter.sections.append(section)
    body = (body or "").replace("\r\n", "\n").rstrip()
    if section.body == body:
        return chapter
    section.body = body
    section.updated_at = utcnow()
    section.updated_by_id = actor_id
    chapter.updated_at = utcnow()
    db.session.flush()
    _snapshot(chapter, "section_saved", actor_id, key)
    commit()
    return chapter


def save_details(
    chapter_id: int, title: str, indicator_ids: Iterable[str], age_bands: str, actor_id: int | None
) -> Chapter:
    """Change the title, the indicators projected under "Future need" and the age bands; refresh projections."""
    chapter = locked_chapter(chapter_id)
    title = " ".join((title or "").split())
    if not title:
        raise ChapterError("Enter a title", "title")
    if len(title) > 200:
        raise ChapterError("Title must be 200 characters or fewer", "title")
    try:
        bands = forecasts.format_age_bands(forecasts.parse_age_bands(age_bands))
    except forecasts.AgeBandError as error:
        raise ChapterError(str(error), "age_bands") from error
    wanted = list(dict.fromkeys(i.strip() for i in indicator_ids if i and i.strip()))
    if len(wanted) > MAX_LINKED_INDICATORS:
        raise ChapterError(f"Select {MAX_LINKED_INDICATORS} indicators or fewer", "indicator_ids")
    known = set(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(wanted)))) if wanted else set()
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise ChapterError(f"There is no indicator with the id {unknown[0]}", "indicator_ids")
    title_changed = title != chapter.title
    chapter.title = title
    chapter.age_bands = bands
    chapter.indicator_links = [ChapterIndicator(indicator_id=i, position=p) for p, i in enumerate(wanted)]
    chapter.updated_at = utcnow()
    db.session.flush()
    if title_changed:
        _snapshot(chapter, "details_saved", actor_id)
    forecasts.refresh_projections(chapter)
    commit()
    return chapter


def _transition(chapter: Chapter, allowed_from: set[ChapterStatus], to: ChapterStatus) -> None:
    current = chapter.status_enum
    if current not in allowed_from:
        raise ChapterError(f"A chapter that is ‘{current.label.lower()}’ cannot become ‘{to.label.lower()}’")
    chapter.status = to.value
    chapter.updated_at = utcnow()


def submit_for_review(chapter_id: int, actor_id: int | None) -> Chapter:
    """Draft → in review."""
    chapter = locked_chapter(chapter_id)
    _transition(chapter, {ChapterStatus.DRAFT}, ChapterStatus.IN_REVIEW)
    chapter.submitted_at = utcnow()
    _snapshot(chapter, "submitted", actor_id)
    commit()
    return chapter


def return_to_draft(chapter_id: int, actor_id: int | None) -> Chapter:
    """In review → draft (the reviewer wants changes)."""
    chapter = locked_chapter(chapter_id)
    _transition(chapter, {ChapterStatus.IN_REVIEW}, ChapterStatus.DRAFT)
    _snapshot(chapter, "returned", actor_id)
    commit()
    return chapter


def missing_sections(chapter: Chapter) -> list[str]:
    """The headings of required sections that have no text yet, in reading order."""
    return [
        heading for key, heading in CHAPTER_SECTIONS if key in REQUIRED_SECTIONS and not chapter.body_of(key).strip()
    ]


def publication_problems(chapter: Chapter, actor_id: int | None = None) -> list[str]:
    """What must be fixed before the chapter can be published (by ``actor_id``, when given)."""
    problems = [f"Write the ‘{heading}’ section before publishing" for heading in missing_sections(chapter)]
    for number, recommendation in enumerate(chapter.recommendations, start=1):
        if not recommendation.organisation_links:
            problems.append(f"Address recommendation {number} to at least one organisation")
    submission = chapter.last_submission
    # Two-person sign-off: whoever sent the chapter for review cannot also publish it.
    if actor_id is not None and submission is not None and submission.actor_id == actor_id:
        problems.append("You sent this chapter for review, so another analyst must publish it")
    return problems


@dataclass
class PublishResult:
    """A publication and the emails it sent."""

    chapter: Chapter
    emails_sent: int = 0
    emails_failed: int = 0


def publish(chapter_id: int, actor_id: int | None, *, send_emails: bool = True) -> PublishResult:
    """In review → published: the proposal becomes "chapter published", projections are cached, addressees emailed."""
    chapter = locked_chapter(chapter_id)
    problems = publication_problems(chapter, actor_id)
    if problems:
        raise ChapterError(problems[0])
    _transition(chapter, {ChapterStatus.IN_REVIEW}, ChapterStatus.PUBLISHED)
    if chapter.published_at is None:
        chapter.published_at = utcnow()
    chapter.published_by_id = actor_id
    _snapshot(chapter, "published", actor_id)
    forecasts.refresh_projections(chapter)
    proposal = db.session.get(Proposal, chapter.proposal_id)
    try:
        if proposal is not None and proposal.status == ProposalStatus.CHAPTER_IN_PROGRESS.value:
            # Commits the chapter with the proposal's new status, in one transaction.
            proposals.change_status(
                proposal.id,
                ProposalStatus.CHAPTER_PUBLISHED,
                f"The JSNA chapter on this topic has been published: {chapter.title}.",
                actor_id,
            )
        else:
            commit()
    except proposals.ProposalError as error:
        db.session.rollback()
        raise ChapterError(str(error)) from error
    except IntegrityError as error:
        db.session.rollback()
        raise ChapterError(CONCURRENT_CHANGE) from error
    result = PublishResult(chapter=chapter)
    if send_emails:
        result.emails_sent, result.emails_failed = notify_addressees(chapter.id)
    return result
