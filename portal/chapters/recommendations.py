"""Recommendations and the replies to them: analysts address recommendations before publication; commissioners
respond and report progress; provider organisations acknowledge.

Object-level permissions live here: only the commissioners a recommendation is addressed to may respond to it, only
the commissioner who responded may add progress, and only a stakeholder of an addressed organisation may acknowledge
it. Anything not allowed is a 404, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from portal.chapters.common import ChapterError, commit, locked_chapter
from portal.extensions import db
from portal.models import (
    Chapter,
    Organisation,
    Priority,
    ProgressStatus,
    ProgressUpdate,
    Recommendation,
    RecommendationAcknowledgement,
    RecommendationCommissioner,
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


# Writing recommendations (analysts, before publication) -------------------------------------------------------------


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
    chapter = locked_chapter(chapter_id)
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
    commit()
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
    commit()
    return recommendation


def delete_recommendation(recommendation_id: int, actor_id: int | None) -> Chapter:
    """Remove a recommendation (before publication only)."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        raise NotFound()
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


def recommendation_for_commissioner(recommendation_id: int, user: User) -> Recommendation:
    """A published recommendation addressed to this commissioner; 404 for anything else (no IDOR)."""
    recommendation = _published_recommendation(recommendation_id)
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.COMMISSIONER):
        raise NotFound()
    if all(link.user_id != user.id for link in recommendation.commissioner_links):
        raise NotFound()
    return recommendation


def recommendation_for_provider(recommendation_id: int, user: User) -> tuple[Recommendation, Organisation]:
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


def respond(recommendation_id: int, user: User, data: ResponseInput) -> RecommendationResponse:
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


def add_progress(recommendation_id: int, user: User, status: str, note: str) -> ProgressUpdate:
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
