"""Recommendations and the replies to them: analysts address recommendations to organisations (each optionally for
a named person's attention) before publication; a commissioner of an addressed organisation responds for it and
reports progress; its stakeholders acknowledge.

Object-level permissions live here: only a commissioner of an addressed organisation may respond for it or add
progress to its response, and only a stakeholder of an addressed organisation may acknowledge. Anything not allowed
is a 404, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from portal.chapters.common import ChapterError, commit, locked_chapter
from portal.chapters.outcomes import record_baselines
from portal.extensions import db
from portal.models import (
    Chapter,
    Indicator,
    Organisation,
    Priority,
    ProgressStatus,
    ProgressUpdate,
    Recommendation,
    RecommendationAcknowledgement,
    RecommendationIndicator,
    RecommendationOrganisation,
    RecommendationResponse,
    ResponseDecision,
    Role,
    User,
    UserRole,
)
from portal.models.base import utcnow

# Addressees ----------------------------------------------------------------------------------------------------------


def commissioners() -> list[User]:
    """Active commissioners whose organisation is set (only they can be named, since they respond for it), by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COMMISSIONER.value, User.active.is_(True), User.organisation_id.is_not(None))
            .order_by(func.lower(User.display_name), User.email)
        ).unique()
    )


def organisations() -> list[Organisation]:
    """Organisations recommendations can be addressed to, by name."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def members(organisation_id: int, role: Role) -> list[User]:
    """The organisation's active members holding ``role``, by email."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.organisation_id == organisation_id, User.active.is_(True), UserRole.role == role.value)
            .order_by(User.email)
        ).unique()
    )


def addressee_names(recommendation: Recommendation) -> list[str]:
    """The organisations a recommendation is addressed to, as the public sees them (named people are not shown)."""
    return [organisation.name for organisation in recommendation.organisations]


def commissioner_label(user: User) -> str:
    """How analysts see a commissioner in lists: name, organisation and email."""
    parts = [user.display_name or user.email]
    if user.organisation is not None:
        parts.append(user.organisation.name)
    if user.display_name:
        parts.append(user.email)
    return " – ".join(parts)


def responder_counts() -> dict[int, int]:
    """How many active commissioners each organisation has (who can respond for it), by organisation id."""
    rows = db.session.execute(
        select(User.organisation_id, func.count(func.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.organisation_id.is_not(None), User.active.is_(True), UserRole.role == Role.COMMISSIONER.value)
        .group_by(User.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows if organisation_id is not None}


def organisation_label(organisation: Organisation, responders: int) -> str:
    """How analysts see an organisation in lists: its name, its sector, and whether anyone there can respond."""
    who = (
        f"{responders} commissioner{'s' if responders != 1 else ''} can respond"
        if responders
        else "nobody can respond yet"
    )
    return f"{organisation.name} ({organisation.sector_label}; {who})"


# Writing recommendations (analysts, before publication) -------------------------------------------------------------


MAX_RECOMMENDATION_INDICATORS = 5


@dataclass(frozen=True)
class RecommendationInput:
    """What an analyst typed in the recommendation form."""

    text: str
    priority: str
    organisation_ids: Sequence[int] = ()
    person_ids: Sequence[int] = ()
    indicator_ids: Sequence[str] = ()


@dataclass(frozen=True)
class _Checked:
    text: str
    priority: str
    # organisation id -> the named person's id (or None), in the order chosen
    addressees: dict[int, int | None]
    indicator_ids: list[str]


def _check_indicators(indicator_ids: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(i.strip() for i in indicator_ids if i and i.strip()))
    if len(wanted) > MAX_RECOMMENDATION_INDICATORS:
        raise ChapterError(f"Name {MAX_RECOMMENDATION_INDICATORS} indicators or fewer", "indicator_ids")
    known = set(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(wanted)))) if wanted else set()
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise ChapterError(f"There is no indicator with the id {unknown[0]}", "indicator_ids")
    return wanted


def _check_recommendation_input(data: RecommendationInput) -> _Checked:
    text = (data.text or "").strip()
    if not text:
        raise ChapterError("Enter the recommendation", "text")
    if len(text) > 2000:
        raise ChapterError("The recommendation must be 2,000 characters or fewer", "text")
    if data.priority not in {p.value for p in Priority}:
        raise ChapterError("Select a priority", "priority")
    addressees: dict[int, int | None] = {}
    for organisation_id in dict.fromkeys(data.organisation_ids):
        if db.session.get(Organisation, organisation_id) is None:
            raise ChapterError("Select organisations from the list", "organisation_ids")
        addressees[organisation_id] = None
    allowed = {user.id: user for user in commissioners()}
    for person_id in dict.fromkeys(data.person_ids):
        person = allowed.get(person_id)
        if person is None or person.organisation_id is None:
            raise ChapterError("Select named people from the list", "person_ids")
        if addressees.get(person.organisation_id) is not None:
            raise ChapterError(f"Name one person at {person.organisation.name}", "person_ids")  # type: ignore[union-attr]
        addressees[person.organisation_id] = person.id
    if not addressees:
        raise ChapterError("Select at least one organisation", "organisation_ids")
    return _Checked(text, data.priority, addressees, _check_indicators(data.indicator_ids))


def _editable_chapter(chapter_id: int) -> Chapter:
    chapter = locked_chapter(chapter_id)
    if chapter.is_published:
        raise ChapterError("Recommendations cannot be changed once the chapter is published")
    return chapter


def _apply(recommendation: Recommendation, checked: _Checked) -> None:
    """Set the text, priority, addressees and indicators, keeping the links that stay."""
    recommendation.text = checked.text
    recommendation.priority = checked.priority
    keep = {link.organisation_id: link for link in recommendation.organisation_links}
    links = []
    for organisation_id, person_id in checked.addressees.items():
        link = keep.get(organisation_id) or RecommendationOrganisation(organisation_id=organisation_id)
        link.person_id = person_id
        links.append(link)
    recommendation.organisation_links = links
    kept = {link.indicator_id: link for link in recommendation.indicator_links}
    indicator_links = []
    for position, indicator_id in enumerate(checked.indicator_ids):
        indicator_link = kept.get(indicator_id) or RecommendationIndicator(indicator_id=indicator_id)
        indicator_link.position = position
        indicator_links.append(indicator_link)
    recommendation.indicator_links = indicator_links


def add_recommendation(chapter_id: int, data: RecommendationInput, actor_id: int | None) -> Recommendation:
    """Add a recommendation addressed to organisations, naming the indicators it aims to move (before publication)."""
    chapter = _editable_chapter(chapter_id)
    checked = _check_recommendation_input(data)
    position = max((r.position for r in chapter.recommendations), default=0) + 1
    recommendation = Recommendation(chapter_id=chapter.id, position=position)
    _apply(recommendation, checked)
    db.session.add(recommendation)
    chapter.updated_at = utcnow()
    commit()
    return recommendation


def update_recommendation(recommendation_id: int, data: RecommendationInput, actor_id: int | None) -> Recommendation:
    """Change a recommendation's text, priority, addressees and indicators (before publication only)."""
    recommendation = get_recommendation(recommendation_id)
    chapter = _editable_chapter(recommendation.chapter_id)
    _apply(recommendation, _check_recommendation_input(data))
    chapter.updated_at = utcnow()
    commit()
    return recommendation


def delete_recommendation(recommendation_id: int, actor_id: int | None) -> Chapter:
    """Remove a recommendation (before publication only)."""
    recommendation = get_recommendation(recommendation_id)
    chapter = _editable_chapter(recommendation.chapter_id)
    db.session.delete(recommendation)
    chapter.updated_at = utcnow()
    commit()
    return chapter


def get_recommendation(recommendation_id: int) -> Recommendation:
    """A recommendation by id (analysts), else 404."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        raise NotFound()
    return recommendation


# Replies (commissioners and providers) ------------------------------------------------------------------------------


def _published_recommendation(recommendation_id: int) -> Recommendation:
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None or not recommendation.chapter.is_published:
        raise NotFound()
    return recommendation


def _addressed_link(recommendation_id: int, user: User, role: Role) -> RecommendationOrganisation:
    """The link addressing this user's organisation, when they hold ``role``; 404 for anything else (no IDOR)."""
    recommendation = _published_recommendation(recommendation_id)
    if not getattr(user, "is_authenticated", False) or not user.has_role(role):
        raise NotFound()
    link = recommendation.addressed_to(user.organisation_id)
    if link is None:
        raise NotFound()
    return link


def recommendation_for_commissioner(recommendation_id: int, user: User) -> tuple[Recommendation, Organisation]:
    """A published recommendation addressed to this commissioner's organisation, and that organisation."""
    link = _addressed_link(recommendation_id, user, Role.COMMISSIONER)
    return link.recommendation, link.organisation


def recommendation_for_provider(recommendation_id: int, user: User) -> tuple[Recommendation, Organisation]:
    """A published recommendation addressed to this stakeholder's organisation, and that organisation."""
    link = _addressed_link(recommendation_id, user, Role.STAKEHOLDER)
    return link.recommendation, link.organisation


@dataclass(frozen=True)
class ResponseInput:
    """What a commissioner typed in the response form."""

    decision: str
    rationale: str
    planned_action: str
    lead: str
    target_date: date | None


ALREADY_RESPONDED = "Your organisation has already responded to this recommendation"


def respond(recommendation_id: int, user: User, data: ResponseInput) -> RecommendationResponse:
    """Record the response of the commissioner's organisation (once each); the public tracker shows it at once."""
    recommendation, organisation = recommendation_for_commissioner(recommendation_id, user)
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
    if recommendation.response_for(organisation.id) is not None:
        raise ChapterError(ALREADY_RESPONDED)
    if not recommendation.responses:
        # The first answer fixes the starting point the tracker measures the named indicators from.
        record_baselines(recommendation)
    response = RecommendationResponse(
        recommendation_id=recommendation.id,
        commissioner_id=user.id,
        organisation_id=organisation.id,
        decision=data.decision,
        rationale=rationale,
        planned_action=planned,
        lead=lead,
        target_date=data.target_date,
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError as error:  # a double submission, or a colleague answered first: the first one won
        db.session.rollback()
        raise ChapterError(ALREADY_RESPONDED) from error
    return response


def add_progress(recommendation_id: int, user: User, status: str, note: str) -> ProgressUpdate:
    """Append a progress update to the response of the commissioner's organisation."""
    recommendation, organisation = recommendation_for_commissioner(recommendation_id, user)
    response = recommendation.response_for(organisation.id)
    if response is None:
        raise ChapterError("Respond to the recommendation before adding progress")
    if status not in {s.value for s in ProgressStatus}:
        raise ChapterError("Select the progress", "status")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ChapterError("The update must be 2,000 characters or fewer", "note")
    progress = ProgressUpdate(response_id=response.id, status=status, note=note, actor_id=user.id)
    db.session.add(progress)
    db.session.commit()
    return progress


def acknowledge(recommendation_id: int, user: User, note: str = "") -> RecommendationAcknowledgement:
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
