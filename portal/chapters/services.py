"""Topic chapters: writing and publishing them, recommendations, commissioners' responses and the public tracker.

Services take plain values, own their transaction and check object-level permissions: only the commissioners a
recommendation is addressed to may respond to it, only the commissioner who responded may add progress, and only a
stakeholder of an addressed organisation may acknowledge it. Anything not allowed is a 404, so ids reveal nothing.
Emails go out after the commit, so a publication is durable even when the mail server is down.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal import text as text_helpers
from portal.auth.services import create_user
from portal.chapters import forecasts
from portal.clock import LONDON, london_today
from portal.deployment import home_area_code
from portal.extensions import db
from portal.indicators import services as indicators
from portal.mail import external_url, send_email_logged
from portal.models import (
    CHAPTER_SECTIONS,
    Chapter,
    ChapterIndicator,
    ChapterSection,
    ChapterStatus,
    ChapterVersion,
    Indicator,
    Organisation,
    Priority,
    ProgressStatus,
    ProgressUpdate,
    Proposal,
    ProposalStatus,
    Recommendation,
    RecommendationAcknowledgement,
    RecommendationCommissioner,
    RecommendationOrganisation,
    RecommendationResponse,
    ResponseDecision,
    Role,
    RoundProposal,
    User,
    UserRole,
)
from portal.models.base import utcnow
from portal.proposals import services as proposals

MAX_SLUG_LENGTH = 100
# Slugs that would clash with the blueprint's fixed paths.
RESERVED_SLUGS = frozenset({"manage", "overdue", "my-recommendations", "report", "recommendations"})
SECTION_KEYS: tuple[str, ...] = tuple(key for key, _ in CHAPTER_SECTIONS)
MAX_LINKED_INDICATORS = 8
DEFAULT_RESPONSE_DAYS = 60


class ChapterError(Exception):
    """A change that cannot be made, with a message to show the user and, when it is about one, the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------------


def response_days() -> int:
    """How many days commissioners have to respond after a chapter is published."""
    return int(current_app.config.get("CHAPTER_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def slugify(title: str) -> str:
    """A readable URL part from a chapter title."""
    return text_helpers.slugify(title, fallback="chapter", max_length=MAX_SLUG_LENGTH)


def _free_slug(base: str) -> str:
    """The base slug, or the first free ``base-N``."""
    if base in RESERVED_SLUGS:
        base = f"{base}-chapter"
    taken = set(db.session.scalars(select(Chapter.slug).where((Chapter.slug == base) | Chapter.slug.like(f"{base}-%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _locked_chapter(chapter_id: int) -> Chapter:
    """Load a chapter, locking its row on PostgreSQL for the rest of the transaction."""
    chapter = db.session.scalar(
        select(Chapter).where(Chapter.id == chapter_id).with_for_update().execution_options(populate_existing=True)
    )
    if chapter is None:
        raise NotFound()
    return chapter


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


def _commit() -> None:
    """Commit, turning a lost race on a unique version number into a message (both databases)."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ChapterError("Someone else changed this chapter at the same time. Check it and try again") from error


# ---------------------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------------------


def published_chapters() -> list[Chapter]:
    """Published chapters, newest first."""
    return list(
        db.session.scalars(
            select(Chapter)
            .where(Chapter.status == ChapterStatus.PUBLISHED.value)
            .order_by(Chapter.published_at.desc(), Chapter.id.desc())
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


def get_chapter(chapter_id: int) -> Chapter:
    """A chapter by id (analysts' pages), else 404."""
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None:
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


def commissioners() -> list[User]:
    """Active users with the commissioner role, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COMMISSIONER.value, User.active.is_(True))
            .order_by(func.lower(User.display_name), User.email)
        ).unique()
    )


def organisations() -> list[Organisation]:
    """Organisations recommendations can be addressed to, by name."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def public_name(user: User) -> str:
    """How the public sees a commissioner: their organisation or name, never their email address."""
    if user.organisation is not None:
        return user.organisation.name
    return user.display_name or "A commissioner"


def commissioner_names(recommendation: Recommendation) -> list[str]:
    """The public names of the commissioners a recommendation is addressed to, each once."""
    return list(dict.fromkeys(public_name(user) for user in recommendation.commissioners))


def addressee_names(recommendation: Recommendation) -> list[str]:
    """Everyone a recommendation is addressed to, as the public sees them: commissioners, then organisations."""
    return list(dict.fromkeys([*commissioner_names(recommendation), *(o.name for o in recommendation.organisations)]))


def commissioner_label(user: User) -> str:
    """How analysts see a commissioner in lists: name, organisation and email."""
    name = user.display_name or user.email
    parts = [name]
    if user.organisation is not None:
        parts.append(user.organisation.name)
    if user.display_name:
        parts.append(user.email)
    return " – ".join(parts)


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


# ---------------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------------


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
        slug=_free_slug(slugify(title)),
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
    chapter = _locked_chapter(chapter_id)
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
    _commit()
    return chapter


def save_details(
    chapter_id: int, title: str, indicator_ids: Iterable[str], age_bands: str, actor_id: int | None
) -> Chapter:
    """Change the title, the indicators projected under "Future need" and the age bands; refresh projections."""
    chapter = _locked_chapter(chapter_id)
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
    refresh_projections(chapter)
    _commit()
    return chapter


def _transition(chapter: Chapter, allowed_from: set[ChapterStatus], to: ChapterStatus) -> None:
    current = chapter.status_enum
    if current not in allowed_from:
        raise ChapterError(f"A chapter that is ‘{current.label.lower()}’ cannot become ‘{to.label.lower()}’")
    chapter.status = to.value
    chapter.updated_at = utcnow()


def submit_for_review(chapter_id: int, actor_id: int | None) -> Chapter:
    """Draft → in review."""
    chapter = _locked_chapter(chapter_id)
    _transition(chapter, {ChapterStatus.DRAFT}, ChapterStatus.IN_REVIEW)
    chapter.submitted_at = utcnow()
    _snapshot(chapter, "submitted", actor_id)
    _commit()
    return chapter


def return_to_draft(chapter_id: int, actor_id: int | None) -> Chapter:
    """In review → draft (the reviewer wants changes)."""
    chapter = _locked_chapter(chapter_id)
    _transition(chapter, {ChapterStatus.IN_REVIEW}, ChapterStatus.DRAFT)
    _snapshot(chapter, "returned", actor_id)
    _commit()
    return chapter


def publication_problems(chapter: Chapter) -> list[str]:
    """What must be fixed before the chapter can be published."""
    problems = []
    if not chapter.body_of("summary").strip():
        problems.append("Write the summary before publishing")
    for number, recommendation in enumerate(chapter.recommendations, start=1):
        if not recommendation.commissioner_links and not recommendation.organisation_links:
            problems.append(f"Address recommendation {number} to at least one commissioner or organisation")
    return problems


@dataclass
class PublishResult:
    """A publication and the emails it sent."""

    chapter: Chapter
    emails_sent: int = 0
    emails_failed: int = 0


def publish(chapter_id: int, actor_id: int | None, *, send_emails: bool = True) -> PublishResult:
    """In review → published: the proposal becomes "chapter published", projections are cached, addressees emailed."""
    chapter = _locked_chapter(chapter_id)
    problems = publication_problems(chapter)
    if problems:
        raise ChapterError(problems[0])
    _transition(chapter, {ChapterStatus.IN_REVIEW}, ChapterStatus.PUBLISHED)
    if chapter.published_at is None:
        chapter.published_at = utcnow()
    chapter.published_by_id = actor_id
    _snapshot(chapter, "published", actor_id)
    refresh_projections(chapter)
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
            _commit()
    except proposals.ProposalError as error:
        db.session.rollback()
        raise ChapterError(str(error)) from error
    except IntegrityError as error:
        db.session.rollback()
        raise ChapterError("Someone else changed this chapter at the same time. Check it and try again") from error
    result = PublishResult(chapter=chapter)
    if send_emails:
        result.emails_sent, result.emails_failed = notify_addressees(chapter.id)
    return result


# ---------------------------------------------------------------------------------------------------------------------
# Projections
# ---------------------------------------------------------------------------------------------------------------------


def _linked_indicators(chapter: Chapter) -> list[Indicator]:
    return [link.indicator for link in chapter.indicator_links]


def refresh_projections(chapter: Chapter, *, force: bool = False) -> dict[str, Any]:
    """Recompute the chapter's projections when the data behind them changed (the caller commits)."""
    area = home_area_code()
    ids = [link.indicator_id for link in chapter.indicator_links]
    version = forecasts.data_version(ids, chapter.age_bands, area)
    if not force and chapter.projections is not None and chapter.projections_version == version:
        return chapter.projections
    chapter.projections = forecasts.compute_projections(_linked_indicators(chapter), chapter.age_bands, area)
    chapter.projections_version = version
    return chapter.projections


def projections_for(chapter: Chapter) -> dict[str, Any]:
    """The chapter's projections, from the cache while the data is unchanged (else recomputed and saved)."""
    before = chapter.projections_version
    projections = refresh_projections(chapter)
    if chapter.projections_version != before:
        _commit()
    return projections


def projection_for(chapter: Chapter, indicator_id: str) -> dict[str, Any]:
    """One indicator's projection, else 404 when the chapter does not project it."""
    for item in projections_for(chapter)["indicators"]:
        if item["indicator_id"] == indicator_id and "skipped" not in item:
            return item
    raise NotFound()


def population_for(chapter: Chapter) -> dict[str, Any]:
    """The population projection, else 404 when there is none."""
    population = projections_for(chapter).get("population")
    if not population or "skipped" in population:
        raise NotFound()
    return population


# ---------------------------------------------------------------------------------------------------------------------
# Recommendations (analysts)
# ---------------------------------------------------------------------------------------------------------------------


def _check_recommendation_input(
    text: str, priority: str, commissioner_ids: Iterable[int], organisation_ids: Iterable[int]
) -> tuple[str, list[User], list[Organisation]]:
    text = (text or "").strip()
    if not text:
        raise ChapterError("Enter the recommendation", "text")
    if len(text) > 2000:
        raise ChapterError("The recommendation must be 2,000 characters or fewer", "text")
    if priority not in {p.value for p in Priority}:
        raise ChapterError("Select a priority", "priority")
    allowed = {user.id: user for user in commissioners()}
    chosen_users = [allowed[i] for i in dict.fromkeys(commissioner_ids) if i in allowed]
    if len(chosen_users) != len(set(commissioner_ids)):
        raise ChapterError("Select commissioners from the list", "commissioner_ids")
    chosen_orgs = [db.session.get(Organisation, i) for i in dict.fromkeys(organisation_ids)]
    if any(org is None for org in chosen_orgs):
        raise ChapterError("Select organisations from the list", "organisation_ids")
    if not chosen_users and not chosen_orgs:
        raise ChapterError("Select at least one commissioner or organisation", "commissioner_ids")
    return text, chosen_users, [org for org in chosen_orgs if org is not None]


def _editable_chapter(chapter_id: int) -> Chapter:
    chapter = _locked_chapter(chapter_id)
    if chapter.is_published:
        raise ChapterError("Recommendations cannot be changed once the chapter is published")
    return chapter


def add_recommendation(
    chapter_id: int,
    text: str,
    priority: str,
    commissioner_ids: Iterable[int],
    organisation_ids: Iterable[int],
    actor_id: int | None,
) -> Recommendation:
    """Add a recommendation addressed to commissioners and/or organisations (before publication only)."""
    chapter = _editable_chapter(chapter_id)
    text, users, orgs = _check_recommendation_input(text, priority, list(commissioner_ids), list(organisation_ids))
    position = max((r.position for r in chapter.recommendations), default=0) + 1
    recommendation = Recommendation(chapter_id=chapter.id, position=position, text=text, priority=priority)
    recommendation.commissioner_links = [RecommendationCommissioner(user_id=u.id) for u in users]
    recommendation.organisation_links = [RecommendationOrganisation(organisation_id=o.id) for o in orgs]
    db.session.add(recommendation)
    chapter.updated_at = utcnow()
    _commit()
    return recommendation


def update_recommendation(
    recommendation_id: int,
    text: str,
    priority: str,
    commissioner_ids: Iterable[int],
    organisation_ids: Iterable[int],
    actor_id: int | None,
) -> Recommendation:
    """Change a recommendation's text, priority and addressees (before publication only)."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        raise NotFound()
    chapter = _editable_chapter(recommendation.chapter_id)
    text, users, orgs = _check_recommendation_input(text, priority, list(commissioner_ids), list(organisation_ids))
    recommendation.text = text
    recommendation.priority = priority
    keep_users = {link.user_id: link for link in recommendation.commissioner_links}
    recommendation.commissioner_links = [
        keep_users.get(u.id) or RecommendationCommissioner(user_id=u.id) for u in users
    ]
    keep_orgs = {link.organisation_id: link for link in recommendation.organisation_links}
    recommendation.organisation_links = [
        keep_orgs.get(o.id) or RecommendationOrganisation(organisation_id=o.id) for o in orgs
    ]
    chapter.updated_at = utcnow()
    _commit()
    return recommendation


def delete_recommendation(recommendation_id: int, actor_id: int | None) -> Chapter:
    """Remove a recommendation (before publication only)."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        raise NotFound()
    chapter = _editable_chapter(recommendation.chapter_id)
    db.session.delete(recommendation)
    chapter.updated_at = utcnow()
    _commit()
    return chapter


def get_recommendation(recommendation_id: int) -> Recommendation:
    """A recommendation by id (analysts), else 404."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        raise NotFound()
    return recommendation


# ---------------------------------------------------------------------------------------------------------------------
# Emails
# ---------------------------------------------------------------------------------------------------------------------


_send = send_email_logged


def notify_addressees(chapter_id: int) -> tuple[int, int]:
    """Email every addressed commissioner (and each addressed organisation's stakeholders) not yet emailed.

    One email per person, listing the recommendations addressed to them. Returns (sent, failed); a failed email
    stays pending, so running this again (the analysts' "send the emails again" button) retries only those.
    """
    chapter = get_chapter(chapter_id)
    if not chapter.is_published:
        return 0, 0
    chapter_url = external_url("chapters.detail", slug=chapter.slug)
    mine_url = external_url("chapters.my_recommendations")
    sent = failed = 0

    by_commissioner: dict[int, list[RecommendationCommissioner]] = defaultdict(list)
    by_organisation: dict[int, list[RecommendationOrganisation]] = defaultdict(list)
    for recommendation in chapter.recommendations:
        for c_link in recommendation.commissioner_links:
            if c_link.notified_at is None:
                by_commissioner[c_link.user_id].append(c_link)
        for o_link in recommendation.organisation_links:
            if o_link.notified_at is None:
                by_organisation[o_link.organisation_id].append(o_link)

    for c_links in by_commissioner.values():
        person = c_links[0].commissioner
        if not person.active:
            continue
        ok = _send(
            person.email,
            f"JSNA chapter published: {chapter.title} – recommendations for you to respond to",
            "chapter_published_commissioner.txt",
            person=person,
            chapter=chapter,
            recommendations=[link.recommendation for link in c_links],
            chapter_url=chapter_url,
            mine_url=mine_url,
            response_days=response_days(),
            due=(chapter.published_at or utcnow()).astimezone(LONDON).date() + timedelta(days=response_days()),
        )
        sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
        if ok:
            for c_link in c_links:
                c_link.notified_at = utcnow()
            db.session.commit()

    for organisation_id, o_links in by_organisation.items():
        members = list(
            db.session.scalars(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(
                    User.organisation_id == organisation_id,
                    User.active.is_(True),
                    UserRole.role == Role.STAKEHOLDER.value,
                )
            ).unique()
        )
        all_ok = True
        for member in members:
            ok = _send(
                member.email,
                f"JSNA chapter published: {chapter.title} – recommendations for your organisation",
                "chapter_published_provider.txt",
                person=member,
                organisation=o_links[0].organisation,
                chapter=chapter,
                recommendations=[link.recommendation for link in o_links],
                chapter_url=chapter_url,
                mine_url=mine_url,
            )
            sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
            all_ok = all_ok and ok
        if all_ok:
            for o_link in o_links:
                o_link.notified_at = utcnow()
            db.session.commit()
    return sent, failed


def pending_notifications(chapter: Chapter) -> int:
    """Addressees of a published chapter not yet emailed (after a mail failure)."""
    if not chapter.is_published:
        return 0
    return sum(
        1
        for recommendation in chapter.recommendations
        for link in [*recommendation.commissioner_links, *recommendation.organisation_links]
        if link.notified_at is None
    )


# ---------------------------------------------------------------------------------------------------------------------
# Responses, progress and acknowledgements (commissioners and providers)
# ---------------------------------------------------------------------------------------------------------------------


def _published_recommendation(recommendation_id: int) -> Recommendation:
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None or not recommendation.chapter.is_published:
        raise NotFound()
    return recommendation


def recommendation_for_commissioner(recommendation_id: int, user: Any) -> Recommendation:
    """A published recommendation addressed to this commissioner; 404 for anything else (no IDOR)."""
    recommendation = _published_recommendation(recommendation_id)
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.COMMISSIONER):
        raise NotFound()
    if all(link.user_id != user.id for link in recommendation.commissioner_links):
        raise NotFound()
    return recommendation


def recommendation_for_provider(recommendation_id: int, user: Any) -> tuple[Recommendation, Organisation]:
    """A published recommendation addressed to this stakeholder's organisation; 404 for anything else."""
    recommendation = _published_recommendation(recommendation_id)
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.STAKEHOLDER):
        raise NotFound()
    organisation_id = user.organisation_id
    link = next((o for o in recommendation.organisation_links if o.organisation_id == organisation_id), None)
    if organisation_id is None or link is None:
        raise NotFound()
    return recommendation, link.organisation


@dataclass(frozen=True)
class ResponseInput:
    """What a commissioner typed in the response form."""

    decision: str
    rationale: str
    planned_action: str
    lead: str
    target_date: date | None


def respond(recommendation_id: int, user: Any, data: ResponseInput) -> RecommendationResponse:
    """Record an addressed commissioner's response (once each); the public tracker shows it at once."""
    recommendation = recommendation_for_commissioner(recommendation_id, user)
    if data.decision not in {d.value for d in ResponseDecision}:
        raise ChapterError("Select whether you accept the recommendation", "decision")
    rationale = (data.rationale or "").strip()
    if not rationale:
        raise ChapterError("Enter the reason for your response", "rationale")
    planned = (data.planned_action or "").strip()
    lead = " ".join((data.lead or "").split())
    if data.decision != ResponseDecision.REJECT.value:
        if not planned:
            raise ChapterError("Enter the action you plan to take", "planned_action")
        if not lead:
            raise ChapterError("Enter who will lead the action", "lead")
        if data.target_date is None:
            raise ChapterError("Enter a target date", "target_date")
    if len(lead) > 200:
        raise ChapterError("The lead must be 200 characters or fewer", "lead")
    if recommendation.response_by(user.id) is not None:
        raise ChapterError("You have already responded to this recommendation")
    response = RecommendationResponse(
        recommendation_id=recommendation.id,
        commissioner_id=user.id,
        decision=data.decision,
        rationale=rationale,
        planned_action=planned,
        lead=lead,
        target_date=data.target_date,
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError as error:  # a double submission: the first one won
        db.session.rollback()
        raise ChapterError("You have already responded to this recommendation") from error
    return response


def add_progress(recommendation_id: int, user: Any, status: str, note: str) -> ProgressUpdate:
    """Append a progress update to the commissioner's own response."""
    recommendation = recommendation_for_commissioner(recommendation_id, user)
    response = recommendation.response_by(user.id)
    if response is None:
        raise ChapterError("Respond to the recommendation before adding progress")
    if status not in {s.value for s in ProgressStatus}:
        raise ChapterError("Select the progress", "status")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ChapterError("The update must be 2,000 characters or fewer", "note")
    update = ProgressUpdate(response_id=response.id, status=status, note=note, actor_id=user.id)
    db.session.add(update)
    db.session.commit()
    return update


def acknowledge(recommendation_id: int, user: Any, note: str = "") -> RecommendationAcknowledgement:
    """Record that a provider organisation has received the recommendation and will take it into account."""
    recommendation, organisation = recommendation_for_provider(recommendation_id, user)
    existing = recommendation.acknowledgement_by(organisation.id)
    if existing is not None:
        return existing
    acknowledgement = RecommendationAcknowledgement(
        recommendation_id=recommendation.id, organisation_id=organisation.id, user_id=user.id, note=(note or "")[:2000]
    )
    db.session.add(acknowledgement)
    try:
        db.session.commit()
    except IntegrityError:  # a colleague acknowledged at the same moment
        db.session.rollback()
        db.session.refresh(recommendation)
        found = recommendation.acknowledgement_by(organisation.id)
        if found is None:
            raise
        return found
    return acknowledgement


# ---------------------------------------------------------------------------------------------------------------------
# Overdue, "My recommendations" and the tracker
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    """Why a recommendation's response is overdue."""

    reason: str  # "no_response" or "target_passed"
    due: date

    @property
    def label(self) -> str:
        return "No response" if self.reason == "no_response" else "Target date passed"


def response_due(chapter: Chapter) -> date | None:
    """The date commissioners should have responded by."""
    if chapter.published_at is None:
        return None
    return chapter.published_at.astimezone(LONDON).date() + timedelta(days=response_days())


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


def my_recommendations(user: Any, today: date | None = None) -> list[MyChapter]:
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


# ---------------------------------------------------------------------------------------------------------------------
# The JSNA overview report
# ---------------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------------
# Seed
# ---------------------------------------------------------------------------------------------------------------------

EXAMPLE_COMMISSIONER_EMAIL = "example.commissioner@example.invalid"
EXAMPLE_ORGANISATION = "Example Integrated Care Board"
EXAMPLE_PROVIDER = "Example Community Health Trust"

_EXAMPLE_SECTIONS: dict[str, str] = {
    "summary": (
        "This is an **example chapter**, written to show how a topic chapter looks. Its text is illustrative; "
        "the charts and figures come from the real key dataset.\n\n"
        "Families with young children in the city are more likely than average to go without enough food. "
        "This chapter sets out what the data shows, what families and services told us, and what commissioners "
        "are asked to do."
    ),
    "why": (
        "The topic was proposed through the portal and prioritised by the JSNA steering group. Food insecurity "
        "affects children's growth, learning and long-term health."
    ),
    "picture": (
        "Nationally, the cost of living has pushed more working families to food banks. Locally, child poverty "
        "is high in several wards. The charts below use real data on children's needs from the key dataset."
    ),
    "future_need": (
        "The projections below continue recent trends; they are not targets or predictions of what will happen "
        "if services change."
    ),
    "stakeholders": (
        "Example: health visitors, school staff and food bank volunteers described more families asking for help, "
        "including families where adults are in work."
    ),
    "evidence": (
        "Example: evidence reviews suggest that maximising household income and increasing uptake of Healthy Start "
        "vouchers and free school meals reduce food insecurity."
    ),
    "gaps": "Example: there is no local measure of household food insecurity; we rely on national surveys.",
    "recommendations": "The steering group agreed the following example recommendations.",
}

# Real indicators of need among children, projected in the example chapter when its proposal links none.
_EXAMPLE_INDICATORS: tuple[str, ...] = ("dfe-cin-at-31-march", "dfe-cla-rate-per-10k")

_EXAMPLE_RECOMMENDATIONS: list[tuple[str, str]] = [
    ("Increase uptake of Healthy Start vouchers among eligible families, with a target set for each ward.", "high"),
    ("Commission a local survey of household food insecurity so that progress can be measured.", "medium"),
]


def _example_commissioner() -> tuple[User, Organisation, Organisation]:
    """The example commissioner (an account that cannot sign in) and the example organisations."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == EXAMPLE_ORGANISATION))
    if organisation is None:
        organisation = Organisation(name=EXAMPLE_ORGANISATION, sector="commissioner", verified=True)
        db.session.add(organisation)
    provider = db.session.scalar(select(Organisation).where(Organisation.name == EXAMPLE_PROVIDER))
    if provider is None:
        provider = Organisation(name=EXAMPLE_PROVIDER, sector="nhs_provider", verified=True)
        db.session.add(provider)
    user = db.session.scalar(select(User).where(User.email == EXAMPLE_COMMISSIONER_EMAIL))
    if user is None:
        # Deactivated, with a random password nobody knows: it exists only to show an example response.
        user = create_user(
            EXAMPLE_COMMISSIONER_EMAIL,
            secrets.token_urlsafe(32),
            [Role.COMMISSIONER],
            display_name="Example commissioner",
            organisation=organisation,
        )
        user.active = False
    db.session.flush()
    return user, organisation, provider


def seed() -> str:
    """One published example chapter from the example prioritised proposal, with recommendations and a response."""
    if db.session.scalar(select(Chapter.id).where(Chapter.is_example.is_(True)).limit(1)) is not None:
        return "Example chapter already present"
    proposal = db.session.scalar(
        select(Proposal)
        .where(Proposal.is_example.is_(True), Proposal.status == ProposalStatus.PRIORITISED.value)
        .order_by(Proposal.id)
        .limit(1)
    )
    if proposal is None:
        return "No example chapter: there is no example prioritised proposal"
    commissioner, _, provider = _example_commissioner()
    db.session.commit()
    chapter = create_chapter(proposal.id, proposal.title, None, is_example=True)
    if not chapter.indicator_links:
        found = list(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(_EXAMPLE_INDICATORS))))
        ordered = [i for i in _EXAMPLE_INDICATORS if i in found]
        save_details(chapter.id, chapter.title, ordered, chapter.age_bands, None)
    embeds = "".join(f"\n\n{{{{indicator:{link.indicator_id}}}}}" for link in chapter.indicator_links)
    for key, body in _EXAMPLE_SECTIONS.items():
        save_section(chapter.id, key, body + embeds if key == "picture" else body, None)
    for text, priority in _EXAMPLE_RECOMMENDATIONS:
        recommendation = Recommendation(
            chapter_id=chapter.id, position=len(chapter.recommendations) + 1, text=text, priority=priority
        )
        recommendation.commissioner_links = [RecommendationCommissioner(user_id=commissioner.id, notified_at=utcnow())]
        recommendation.organisation_links = [
            RecommendationOrganisation(organisation_id=provider.id, notified_at=utcnow())
        ]
        db.session.add(recommendation)
    db.session.commit()
    submit_for_review(chapter.id, None)
    publish(chapter.id, None, send_emails=False)
    first = chapter.recommendations[0]
    response = RecommendationResponse(
        recommendation_id=first.id,
        commissioner_id=commissioner.id,
        decision=ResponseDecision.ACCEPT.value,
        rationale="Example: the board agrees that Healthy Start uptake is low and that raising it is affordable.",
        planned_action="Example: fund outreach through children's centres and include uptake in provider contracts.",
        lead="Example: Head of Children's Commissioning",
        target_date=london_today() + timedelta(days=365),
        is_example=True,
    )
    db.session.add(response)
    db.session.flush()
    db.session.add(
        ProgressUpdate(
            response_id=response.id,
            status=ProgressStatus.ON_TRACK.value,
            note="Example: outreach has started in two children's centres.",
        )
    )
    db.session.commit()
    return f"Example chapter added: {chapter.title}"
