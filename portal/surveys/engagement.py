"""People's engagement: topics of interest, joining engagement on a survey, and the lists on "My surveys" and
the public survey list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    EngagementOptIn,
    Proposal,
    ProposalStatus,
    Survey,
    SurveyDraft,
    SurveyParticipation,
    SurveyResponse,
    SurveyStatus,
)
from portal.surveys.state import SurveyState, survey_state

# The proposal statuses shown publicly as topics (the same set the topics pages list), so people can follow them.
TOPIC_STATUSES: frozenset[str] = frozenset(
    str(s)
    for s in (
        ProposalStatus.PUBLISHED,
        ProposalStatus.SHORTLISTED,
        ProposalStatus.RECOMMENDED,
        ProposalStatus.PRIORITISED,
        ProposalStatus.NOT_PRIORITISED,
        ProposalStatus.DEFERRED,
        ProposalStatus.CHAPTER_IN_PROGRESS,
        ProposalStatus.CHAPTER_PUBLISHED,
    )
)


def topic_choices() -> list[Proposal]:
    """The public topics a person can follow, by title."""
    return list(
        db.session.scalars(select(Proposal).where(Proposal.status.in_(TOPIC_STATUSES)).order_by(Proposal.title))
    )


def topics_of_interest(user_id: int) -> list[Proposal]:
    """The topics a person has joined engagement on."""
    return list(
        db.session.scalars(
            select(Proposal)
            .join(EngagementOptIn, EngagementOptIn.proposal_id == Proposal.id)
            .where(EngagementOptIn.user_id == user_id)
            .order_by(Proposal.title)
        )
    )


def set_topics_of_interest(user_id: int, proposal_ids: Sequence[int]) -> None:
    """Join engagement on exactly these topics (only public ones count), leaving the others."""
    wanted = set(
        db.session.scalars(
            select(Proposal.id).where(Proposal.id.in_(proposal_ids), Proposal.status.in_(TOPIC_STATUSES))
        )
    )
    existing = {
        opt.proposal_id: opt
        for opt in db.session.scalars(
            select(EngagementOptIn).where(EngagementOptIn.user_id == user_id, EngagementOptIn.proposal_id.is_not(None))
        )
    }
    for proposal_id in set(existing) - wanted:
        db.session.delete(existing[proposal_id])
    for proposal_id in sorted(wanted - set(existing)):
        db.session.add(EngagementOptIn(user_id=user_id, proposal_id=proposal_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def has_joined_survey(user_id: int, survey_id: int) -> bool:
    """True when the person asked to be invited to this survey."""
    return (
        db.session.scalar(
            select(EngagementOptIn.id).where(EngagementOptIn.user_id == user_id, EngagementOptIn.survey_id == survey_id)
        )
        is not None
    )


def join_survey(user_id: int, survey_id: int) -> bool:
    """Ask to be invited to a survey that is not closed. Returns False when it cannot be joined."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey_state(survey) in (SurveyState.DRAFT, SurveyState.CLOSED):
        return False
    if has_joined_survey(user_id, survey_id):
        return True
    db.session.add(EngagementOptIn(user_id=user_id, survey_id=survey_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # joined twice at once: once is enough
    return True


def leave_survey(user_id: int, survey_id: int) -> None:
    """Stop asking to be invited to a survey."""
    for opt in db.session.scalars(
        select(EngagementOptIn).where(EngagementOptIn.user_id == user_id, EngagementOptIn.survey_id == survey_id)
    ):
        db.session.delete(opt)
    db.session.commit()


# Surveys per page of the public list: the list holds every survey ever run, so it is paged, not grown.
PUBLIC_PAGE_SIZE = 20


@dataclass(frozen=True)
class PublicSurveys:
    """One page of the public survey list."""

    surveys: list[tuple[Survey, SurveyState]]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        """The place in the whole list of this page's first survey (from 1)."""
        return (self.page - 1) * PUBLIC_PAGE_SIZE + 1

    @property
    def last(self) -> int:
        """The place in the whole list of this page's last survey."""
        return (self.page - 1) * PUBLIC_PAGE_SIZE + len(self.surveys)


def public_surveys(today: date | None = None, page: int = 1) -> PublicSurveys:
    """Surveys the public list shows, a page at a time: open ones, then not yet open ones, then closed ones with
    published results; newest first within each. A page past the end gives the last page."""
    today = today or london_today()
    # survey_state written in SQL (its tests, in its order), so that the database filters, orders and pages the list.
    closed = SurveyStatus.CLOSED.value
    state_order = case(
        (Survey.status == closed, 2),
        (and_(Survey.opens_on.is_not(None), Survey.opens_on > today), 1),
        (and_(Survey.closes_on.is_not(None), Survey.closes_on < today), 2),
        else_=0,
    )
    shown = select(Survey).where(
        Survey.status != SurveyStatus.DRAFT.value, or_(state_order != 2, Survey.results_published.is_(True))
    )
    total = db.session.scalar(select(func.count()).select_from(shown.subquery())) or 0
    pages = max(1, -(-total // PUBLIC_PAGE_SIZE))
    page = min(max(1, page), pages)
    ordered = shown.order_by(state_order, Survey.created_at.desc(), Survey.id.desc())
    surveys = db.session.scalars(ordered.limit(PUBLIC_PAGE_SIZE).offset((page - 1) * PUBLIC_PAGE_SIZE))
    return PublicSurveys([(survey, survey_state(survey, today)) for survey in surveys], total, page, pages)


@dataclass(frozen=True)
class MySurveys:
    """What "My surveys" lists for a person."""

    in_progress: list[Survey]
    completed: list[tuple[Survey, date, SurveyResponse | None]]
    joined: list[Survey]
    topics: list[Proposal]


def my_surveys(user_id: int) -> MySurveys:
    """A person's saved drafts, completed surveys (with their identified responses), opt-ins and topics."""
    drafts = list(
        db.session.scalars(
            select(Survey).join(SurveyDraft, SurveyDraft.survey_id == Survey.id).where(SurveyDraft.user_id == user_id)
        )
    )
    completed = []
    for participation in db.session.scalars(
        select(SurveyParticipation)
        .where(SurveyParticipation.user_id == user_id)
        .order_by(SurveyParticipation.completed_on.desc())
    ):
        # Only identified responses are linked to the person; anonymous ones cannot be found again, by design.
        response = db.session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.survey_id == participation.survey_id, SurveyResponse.respondent_id == user_id
            )
        )
        completed.append((participation.survey, participation.completed_on, response))
    joined = list(
        db.session.scalars(
            select(Survey)
            .join(EngagementOptIn, EngagementOptIn.survey_id == Survey.id)
            .where(EngagementOptIn.user_id == user_id)
            .order_by(Survey.title)
        )
    )
    return MySurveys(drafts, completed, joined, topics_of_interest(user_id))


def own_response(response_id: str, user_id: int) -> SurveyResponse | None:
    """A response, only if it is this person's identified response (anyone else's is not found)."""
    response = db.session.get(SurveyResponse, response_id)
    if response is None or response.respondent_id is None or response.respondent_id != user_id:
        return None
    return response
