"""The stakeholder registry and engagement: organisations and the wards they serve, verification by staff,
topics of interest and joining engagement on a survey, the lists on "My surveys", and the demo seed.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    DEFAULT_LIKERT_LABELS,
    Area,
    Audience,
    AuditEvent,
    EngagementOptIn,
    Organisation,
    OrganisationWard,
    Proposal,
    ProposalStatus,
    QuestionKind,
    Sector,
    Survey,
    SurveyDraft,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
    User,
)
from portal.surveys.questions import visible_answers
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
ORGANISATIONS_PER_PAGE = 25


# --- Organisations and wards -------------------------------------------------------------------------------------


def ward_choices() -> list[tuple[str, str]]:
    """Every ward as (code, name), by name."""
    rows = db.session.execute(select(Area.code, Area.name).where(Area.area_type == "ward").order_by(Area.name))
    return [(code, name) for code, name in rows]


def organisation_ward_codes(organisation_id: int) -> list[str]:
    """The codes of the wards an organisation serves."""
    return list(
        db.session.scalars(
            select(OrganisationWard.ward_code).where(OrganisationWard.organisation_id == organisation_id)
        )
    )


def ward_names(codes: Sequence[str]) -> list[str]:
    """Ward names for codes, by name."""
    if not codes:
        return []
    return list(db.session.scalars(select(Area.name).where(Area.code.in_(codes)).order_by(Area.name)))


def set_organisation_wards(user: User, ward_codes: Sequence[str]) -> None:
    """Set the wards the user's own organisation serves (a person can only change their own organisation's, and only
    once their request to join it is approved)."""
    organisation = user.approved_organisation
    if organisation is None:
        raise PermissionError("You are not an approved member of an organisation")
    valid = set(db.session.scalars(select(Area.code).where(Area.area_type == "ward", Area.code.in_(ward_codes))))
    current = {link.ward_code: link for link in _ward_links(organisation.id)}
    for code in set(current) - valid:
        db.session.delete(current[code])
    for code in sorted(valid - set(current)):
        db.session.add(OrganisationWard(organisation_id=organisation.id, ward_code=code))
    try:
        db.session.commit()
    except IntegrityError:
        # Two members saved at once: the other save stands, which lists the same wards or theirs.
        db.session.rollback()


def _ward_links(organisation_id: int) -> list[OrganisationWard]:
    return list(db.session.scalars(select(OrganisationWard).where(OrganisationWard.organisation_id == organisation_id)))


@dataclass(frozen=True)
class OrganisationRow:
    """An organisation on the verification list."""

    organisation: Organisation
    members: int
    wards: list[str]


@dataclass(frozen=True)
class OrganisationPage:
    """One page of the organisation list."""

    rows: list[OrganisationRow]
    total: int
    page: int
    pages: int


def list_organisations(show: str = "unverified", page: int = 1) -> OrganisationPage:
    """Organisations for staff to verify: unverified first by default, or all, newest first."""
    query = select(Organisation)
    if show == "unverified":
        query = query.where(Organisation.verified.is_(False))
    elif show == "verified":
        query = query.where(Organisation.verified.is_(True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / ORGANISATIONS_PER_PAGE))
    page = min(max(page, 1), pages)
    organisations = list(
        db.session.scalars(
            query.order_by(Organisation.created_at.desc(), Organisation.id.desc())
            .limit(ORGANISATIONS_PER_PAGE)
            .offset((page - 1) * ORGANISATIONS_PER_PAGE)
        )
    )
    ids = [o.id for o in organisations]
    members = dict(
        db.session.execute(
            select(User.organisation_id, func.count())
            .where(User.organisation_id.in_(ids))
            .group_by(User.organisation_id)
        ).all()
    )
    wards: dict[int, list[str]] = {i: [] for i in ids}
    for organisation_id, name in db.session.execute(
        select(OrganisationWard.organisation_id, Area.name)
        .join(Area, Area.code == OrganisationWard.ward_code)
        .where(OrganisationWard.organisation_id.in_(ids))
        .order_by(Area.name)
    ):
        wards[organisation_id].append(name)
    rows = [OrganisationRow(o, members.get(o.id, 0), wards[o.id]) for o in organisations]
    return OrganisationPage(rows, total, page, pages)


def organisation_members(organisation_id: int) -> list[User]:
    """The people registered for an organisation."""
    return list(db.session.scalars(select(User).where(User.organisation_id == organisation_id).order_by(User.email)))


def set_verified(
    organisation_id: int, verified: bool, actor_id: int | None, sector: Sector | None = None
) -> Organisation:
    """Verify an organisation (optionally correcting its sector), or remove its verification. Audited."""
    organisation = db.session.get(Organisation, organisation_id, with_for_update=True)
    if organisation is None:
        raise LookupError(organisation_id)
    organisation.verified = verified
    detail = "verified" if verified else "verification removed"
    if sector is not None and str(sector) != organisation.sector:
        detail += f"; sector changed from {organisation.sector} to {sector}"
        organisation.sector = str(sector)
    db.session.add(
        AuditEvent(
            actor_id=actor_id,
            action="organisation_verified" if verified else "organisation_unverified",
            object_type="organisation",
            object_id=str(organisation.id),
            detail=detail,
        )
    )
    db.session.commit()
    return organisation


# --- Topics of interest and joining engagement -------------------------------------------------------------------


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


# --- Lists for people ---------------------------------------------------------------------------------------------


def public_surveys(today: date | None = None) -> list[tuple[Survey, SurveyState]]:
    """Surveys the public list shows: open or not yet open ones, then closed ones with published results."""
    today = today or london_today()
    surveys = db.session.scalars(
        select(Survey).where(Survey.status != SurveyStatus.DRAFT.value).order_by(Survey.created_at.desc())
    )
    shown = []
    for survey in surveys:
        state = survey_state(survey, today)
        if state is not SurveyState.CLOSED or survey.results_published:
            shown.append((survey, state))
    order = {SurveyState.OPEN: 0, SurveyState.SCHEDULED: 1, SurveyState.CLOSED: 2}
    shown.sort(key=lambda pair: order.get(pair[1], 3))
    return shown


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


# --- Demo content -------------------------------------------------------------------------------------------------

EXAMPLE_PRIORITIES_TITLE = "Stakeholder views on health and wellbeing priorities"
EXAMPLE_SERVICES_TITLE = "Your experience of local health and care services"
# Made-up free-text answers for the examples (shown with the "Example" tag, never as real views).
EXAMPLE_COMMENTS = [
    "Evening and weekend appointments would help people who work shifts.",
    "More information in languages other than English.",
    "Better links between housing officers and health visitors.",
    "Support for carers, who often put their own health last.",
    "Clearer information about what is available locally.",
]


def _add_questions(survey: Survey, section: SurveySection, *questions: SurveyQuestion) -> None:
    for position, question in enumerate(questions, start=len(section.questions)):
        question.survey_id = survey.id
        question.position = position
        section.questions.append(question)
    db.session.flush()


def _new_example_survey(title: str, summary: str, audience: Audience, today: date, sections: Sequence[str]) -> Survey:
    survey = Survey(
        title=title,
        summary=summary,
        status=SurveyStatus.OPEN.value,
        audience=audience.value,
        anonymous=True,
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=60),
        is_example=True,
    )
    survey.sections = [SurveySection(title=t, position=n, description="") for n, t in enumerate(sections)]
    db.session.add(survey)
    db.session.flush()
    return survey


def _build_priorities_survey(today: date) -> Survey:
    survey = _new_example_survey(
        EXAMPLE_PRIORITIES_TITLE,
        "Tell us which health and wellbeing needs in Wolverhampton matter most to the people your organisation "
        "works with. Your answers help the Health and Wellbeing Board choose the next JSNA topics.",
        Audience.STAKEHOLDERS,
        today,
        ["Your organisation’s work", "Priorities"],
    )
    about, priorities = survey.sections
    _add_questions(
        survey,
        about,
        SurveyQuestion(
            kind=QuestionKind.MULTIPLE.value,
            title="Which groups does your organisation mainly work with?",
            options=["Children and young people", "Working-age adults", "Older people", "Carers", "Whole population"],
        ),
        SurveyQuestion(
            kind=QuestionKind.NUMBER.value,
            title="Roughly how many Wolverhampton residents did your organisation support last year (in thousands)?",
            help_text="An estimate is fine.",
            min_value=0,
            max_value=300,
            whole_number=True,
            required=False,
        ),
    )
    _add_questions(
        survey,
        priorities,
        SurveyQuestion(
            kind=QuestionKind.LIKERT.value,
            title="The JSNA gives us the information we need to plan services",
            scale=list(DEFAULT_LIKERT_LABELS),
            result_public=True,
        ),
        SurveyQuestion(
            kind=QuestionKind.RANKING.value,
            title="Put these possible topics in order of priority",
            options=[
                "Mental health of young people",
                "Healthy weight",
                "Loneliness in later life",
                "Housing and health",
            ],
            result_public=True,
        ),
        SurveyQuestion(
            kind=QuestionKind.LONG_TEXT.value, title="Is there anything else the JSNA should look at?", required=False
        ),
    )
    survey.results_published = True
    # Still open: its analysts chose to show results meanwhile (it is anonymous, so answers arrive in batches).
    survey.results_while_open = True
    return survey


def _build_services_survey(today: date) -> Survey:
    survey = _new_example_survey(
        EXAMPLE_SERVICES_TITLE,
        "A short survey for residents about using GP, pharmacy, dental and mental health services in the city.",
        Audience.PUBLIC,
        today,
        ["Using services", "Mental health support"],
    )
    use, mental = survey.sections
    used = SurveyQuestion(
        kind=QuestionKind.SINGLE.value,
        title="Have you used a mental health service in the last year?",
        options=["Yes", "No"],
    )
    _add_questions(
        survey,
        use,
        SurveyQuestion(
            kind=QuestionKind.MATRIX.value,
            title="How easy was it to get an appointment?",
            options=["GP practice", "Pharmacy", "Dentist"],
            scale=["Very difficult", "Difficult", "Neither", "Easy", "Very easy"],
            required=False,
        ),
        used,
    )
    _add_questions(
        survey,
        mental,
        SurveyQuestion(
            kind=QuestionKind.LIKERT.value,
            title="I was treated with dignity and respect",
            scale=list(DEFAULT_LIKERT_LABELS),
            condition_question_id=used.id,
            condition_values=["Yes"],
        ),
        SurveyQuestion(
            kind=QuestionKind.SHORT_TEXT.value, title="What one thing would have made it better?", required=False
        ),
    )
    return survey


def _example_answers(survey: Survey, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in survey.questions:
        kind = QuestionKind(question.kind)
        key = str(question.id)
        if kind is QuestionKind.SINGLE:
            answers[key] = rng.choice(question.options)
        elif kind is QuestionKind.MULTIPLE:
            answers[key] = [o for o in question.options if rng.random() < 0.4] or [question.options[0]]
        elif kind is QuestionKind.LIKERT:
            answers[key] = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 3, 5, 3])[0]
        elif kind is QuestionKind.NUMBER:
            answers[key] = int(max(0, min(300, rng.gauss(40, 25))))
        elif kind is QuestionKind.RANKING:
            answers[key] = rng.sample(question.options, len(question.options))
        elif kind is QuestionKind.MATRIX:
            answers[key] = {row: rng.choice(question.scale) for row in question.options}
        elif rng.random() < 0.3:
            answers[key] = rng.choice(EXAMPLE_COMMENTS)
    return visible_answers(survey.questions, answers)


def _add_example_responses(survey: Survey, count: int, sectors: Sequence[str], seed: int, today: date) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        db.session.add(
            SurveyResponse(
                id=uuid.uuid4().hex,
                survey_id=survey.id,
                sector=rng.choice(sectors),
                submitted_on=today - timedelta(days=rng.randint(0, 13)),
                answers=_example_answers(survey, rng),
                is_example=True,
            )
        )


def seed() -> str:
    """Add two example surveys with example responses, unless they exist already."""
    today = london_today()
    existing = set(db.session.scalars(select(Survey.title).where(Survey.is_example.is_(True))))
    created = 0
    if EXAMPLE_PRIORITIES_TITLE not in existing:
        survey = _build_priorities_survey(today)
        sectors = [str(Sector.NHS_PROVIDER)] * 3 + [str(Sector.VCS)] * 4 + [str(Sector.COUNCIL)] * 2
        sectors += [str(Sector.HOUSING), str(Sector.POLICE)]
        _add_example_responses(survey, 46, sectors, seed=6, today=today)
        created += 1
    if EXAMPLE_SERVICES_TITLE not in existing:
        survey = _build_services_survey(today)
        _add_example_responses(survey, 38, [""], seed=66, today=today)
        created += 1
    db.session.commit()
    if not created:
        return "example surveys already present"
    return f"added {created} example surveys with example responses"
