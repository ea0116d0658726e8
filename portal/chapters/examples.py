"""The example chapter ``flask seed`` loads: written and published by two example analysts from the example
prioritised proposal, with recommendations addressed to example organisations that have active example members, and
their example responses, progress and acknowledgement, so a fresh install shows the whole loop. Its text is marked
as an example wherever it shows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from portal.auth.services import create_user
from portal.chapters import outcomes
from portal.chapters.recommendations import RecommendationInput, add_recommendation
from portal.chapters.writing import create_chapter, publish, save_details, save_section, submit_for_review
from portal.clock import london_today
from portal.deployment import home_area_code
from portal.extensions import db
from portal.indicators import services as indicators
from portal.models import (
    Chapter,
    Indicator,
    IndicatorValue,
    Organisation,
    ProgressStatus,
    ProgressUpdate,
    Proposal,
    ProposalStatus,
    RecommendationAcknowledgement,
    RecommendationIndicator,
    RecommendationResponse,
    ResponseDecision,
    Role,
    Sector,
    User,
)
from portal.models.base import utcnow

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


@dataclass(frozen=True)
class ExamplePerson:
    """An example account: who they are and what they do in the example."""

    email: str
    name: str
    role: Role
    organisation: str  # "" for the council's analysts
    active: bool


@dataclass(frozen=True)
class ExampleReply:
    """An example organisation's response and its latest progress."""

    decision: ResponseDecision
    rationale: str
    planned_action: str = ""
    lead: str = ""
    target_days: int | None = None
    progress: ProgressStatus | None = None
    progress_note: str = ""
    # The example's value "when first answered" for each named indicator: that many published periods before the
    # latest (0: the latest, as a real response records it). Earlier years let the example show change.
    baseline_periods_back: int = 0


@dataclass(frozen=True)
class ExampleRecommendation:
    """An example recommendation: who it is addressed to (organisation → named person's email, or "") and replies."""

    text: str
    priority: str
    addressed: dict[str, str]
    replies: dict[str, ExampleReply] = field(default_factory=dict)
    acknowledged_by: tuple[str, ...] = ()
    # Real indicators it aims to move; those not loaded are left out.
    indicators: tuple[str, ...] = ()


EXAMPLE_ICB = "Example Integrated Care Board"
EXAMPLE_COUNCIL = "Example City Council Public Health"
EXAMPLE_PROVIDER = "Example Community Health Trust"
EXAMPLE_ORGANISATIONS: dict[str, Sector] = {
    EXAMPLE_ICB: Sector.COMMISSIONER,
    EXAMPLE_COUNCIL: Sector.COUNCIL,
    EXAMPLE_PROVIDER: Sector.NHS_PROVIDER,
}
EXAMPLE_AUTHOR = "example.analyst@example.invalid"
EXAMPLE_REVIEWER = "example.reviewer@example.invalid"
EXAMPLE_ICB_COMMISSIONER = "example.commissioner@example.invalid"
EXAMPLE_PEOPLE: tuple[ExamplePerson, ...] = (
    # The analysts who wrote and published the example cannot sign in: they exist to show two-person sign-off.
    ExamplePerson(EXAMPLE_AUTHOR, "Example analyst (author)", Role.ANALYST, "", active=False),
    ExamplePerson(EXAMPLE_REVIEWER, "Example analyst (reviewer)", Role.ANALYST, "", active=False),
    # Each addressed organisation has active members, so an organisation that has not responded can still do so:
    # an administrator gives a real account the organisation on its user page.
    ExamplePerson(EXAMPLE_ICB_COMMISSIONER, "Example ICB commissioner", Role.COMMISSIONER, EXAMPLE_ICB, active=True),
    ExamplePerson(
        "example.public-health@example.invalid", "Example public health commissioner", Role.COMMISSIONER,
        EXAMPLE_COUNCIL, active=True,
    ),
    ExamplePerson(
        "example.provider@example.invalid", "Example provider manager", Role.STAKEHOLDER, EXAMPLE_PROVIDER,
        active=True,
    ),
    ExamplePerson(
        "example.trust-commissioning@example.invalid", "Example trust planning lead", Role.COMMISSIONER,
        EXAMPLE_PROVIDER, active=True,
    ),
)  # fmt: skip

EXAMPLE_RECOMMENDATIONS: tuple[ExampleRecommendation, ...] = (
    ExampleRecommendation(
        "Increase uptake of Healthy Start vouchers among eligible families, with a target set for each ward.",
        "high",
        addressed={EXAMPLE_ICB: EXAMPLE_ICB_COMMISSIONER, EXAMPLE_PROVIDER: ""},
        replies={
            EXAMPLE_ICB: ExampleReply(
                ResponseDecision.ACCEPT,
                "Example: the board agrees that Healthy Start uptake is low and that raising it is affordable.",
                "Example: fund outreach through children's centres and include uptake in provider contracts.",
                "Example: Head of Children's Commissioning",
                target_days=365,
                progress=ProgressStatus.ON_TRACK,
                progress_note="Example: outreach has started in two children's centres.",
                baseline_periods_back=3,
            )
        },
        acknowledged_by=(EXAMPLE_PROVIDER,),
        indicators=("dfe-cin-at-31-march", "dfe-cla-rate-per-10k"),
    ),
    ExampleRecommendation(
        "Commission a local survey of household food insecurity so that progress can be measured.",
        "medium",
        addressed={EXAMPLE_COUNCIL: ""},
        replies={
            EXAMPLE_COUNCIL: ExampleReply(
                ResponseDecision.PARTIAL,
                "Example: a full survey is not affordable this year; questions will be added to the residents' survey.",
                "Example: add four food insecurity questions to the next residents' survey.",
                "Example: Public Health Intelligence Manager",
                target_days=270,
                progress=ProgressStatus.AT_RISK,
                progress_note="Example: the residents' survey has been delayed by six months.",
            )
        },
    ),
    ExampleRecommendation(
        "Enrol every eligible child for free school meals automatically, using the council's benefits data.",
        "medium",
        addressed={EXAMPLE_COUNCIL: ""},
        replies={
            EXAMPLE_COUNCIL: ExampleReply(
                ResponseDecision.REJECT,
                "Example: data-sharing rules do not yet allow benefits data to be used this way; we will review this "
                "when national guidance is published.",
            )
        },
        indicators=("dfe-cla-rate-per-10k",),
    ),
    ExampleRecommendation(
        "Fund holiday activities and food programme places for every eligible child in the most deprived wards.",
        "low",
        addressed={EXAMPLE_ICB: ""},
        indicators=("dfe-cin-at-31-march", "dfe-cla-rate-per-10k"),
    ),
)


def _example_organisations() -> dict[str, Organisation]:
    """The example organisations, by name, made when missing."""
    found: dict[str, Organisation] = {}
    for name, sector in EXAMPLE_ORGANISATIONS.items():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if organisation is None:
            organisation = Organisation(name=name, sector=sector.value, verified=True)
            db.session.add(organisation)
        found[name] = organisation
    db.session.flush()
    return found


def _example_people(organisations: dict[str, Organisation]) -> dict[str, User]:
    """The example accounts, by email, made when missing. Nobody knows their random passwords."""
    people: dict[str, User] = {}
    for person in EXAMPLE_PEOPLE:
        user = db.session.scalar(select(User).where(User.email == person.email))
        organisation = organisations.get(person.organisation)
        if user is None:
            user = create_user(
                person.email,
                secrets.token_urlsafe(32),
                [person.role],
                display_name=person.name,
                organisation=organisation,
                confirmed=True,
            )
        user.active = person.active
        user.organisation = organisation
        people[person.email] = user
    db.session.flush()
    return people


def _example_replies(chapter: Chapter, organisations: dict[str, Organisation], people: dict[str, User]) -> None:
    """The example organisations' responses, progress and acknowledgements, as their example members made them."""
    for recommendation, example in zip(chapter.recommendations, EXAMPLE_RECOMMENDATIONS, strict=True):
        if example.replies:
            back = max(reply.baseline_periods_back for reply in example.replies.values())
            for link in recommendation.indicator_links:
                _example_baseline(link, back)
        for name, reply in example.replies.items():
            organisation = organisations[name]
            author = next(
                people[p.email] for p in EXAMPLE_PEOPLE if p.organisation == name and p.role == Role.COMMISSIONER
            )
            response = RecommendationResponse(
                recommendation_id=recommendation.id,
                commissioner_id=author.id,
                organisation_id=organisation.id,
                decision=reply.decision.value,
                rationale=reply.rationale,
                planned_action=reply.planned_action,
                lead=reply.lead,
                target_date=london_today() + timedelta(days=reply.target_days) if reply.target_days else None,
                is_example=True,
            )
            db.session.add(response)
            db.session.flush()
            if reply.progress is not None:
                db.session.add(
                    ProgressUpdate(
                        response_id=response.id,
                        status=reply.progress.value,
                        note=reply.progress_note,
                        actor_id=author.id,
                    )
                )
        for name in example.acknowledged_by:
            member = next(
                people[p.email] for p in EXAMPLE_PEOPLE if p.organisation == name and p.role == Role.STAKEHOLDER
            )
            db.session.add(
                RecommendationAcknowledgement(
                    recommendation_id=recommendation.id,
                    organisation_id=organisations[name].id,
                    user_id=member.id,
                    note="Example: received; we will include uptake in our health visiting plans.",
                )
            )
    db.session.commit()


def _example_baseline(link: RecommendationIndicator, periods_back: int) -> None:
    """The example's value "when first answered": the headline value ``periods_back`` published periods before the
    latest, written as the indicator pages write it (0 records the latest, as a real first response does)."""
    summary = indicators.headline_summary(link.indicator_id)
    if summary is None or summary.value is None or periods_back == 0:
        outcomes.record_baselines(link.recommendation)
        return
    rows = db.session.execute(
        select(IndicatorValue.period, IndicatorValue.value, IndicatorValue.lower_ci95, IndicatorValue.upper_ci95)
        .where(
            IndicatorValue.indicator_id == link.indicator_id,
            IndicatorValue.area_code == home_area_code(),
            IndicatorValue.sex == summary.sex,
            IndicatorValue.age == summary.age,
            IndicatorValue.category_type == "",
            IndicatorValue.value.is_not(None),
        )
        .order_by(IndicatorValue.period_sortable, IndicatorValue.period)
    ).all()
    period, value, lower, upper = rows[max(0, len(rows) - 1 - periods_back)]
    outcomes.set_baseline(link, summary)
    link.baseline_period, link.baseline_value = period, value
    link.baseline_lower, link.baseline_upper = lower, upper
    link.baseline_text = outcomes.formatted_like(summary, value) if value is not None else ""


def seed() -> str:
    """One published example chapter from the example prioritised proposal, with recommendations addressed to
    example organisations that have active members, and their example replies."""
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
    organisations = _example_organisations()
    people = _example_people(organisations)
    db.session.commit()
    author, reviewer = people[EXAMPLE_AUTHOR], people[EXAMPLE_REVIEWER]
    chapter = create_chapter(proposal.id, proposal.title, author.id, is_example=True)
    if not chapter.indicator_links:
        found = list(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(_EXAMPLE_INDICATORS))))
        ordered = [i for i in _EXAMPLE_INDICATORS if i in found]
        save_details(chapter.id, chapter.title, ordered, chapter.age_bands, author.id)
    embeds = "".join(f"\n\n{{{{indicator:{link.indicator_id}}}}}" for link in chapter.indicator_links)
    for key, body in _EXAMPLE_SECTIONS.items():
        save_section(chapter.id, key, body + embeds if key == "picture" else body, author.id)
    loaded = set(db.session.scalars(select(Indicator.id)))
    for example in EXAMPLE_RECOMMENDATIONS:
        add_recommendation(
            chapter.id,
            RecommendationInput(
                example.text,
                example.priority,
                organisation_ids=[organisations[name].id for name in example.addressed],
                person_ids=[people[email].id for email in example.addressed.values() if email],
                indicator_ids=[i for i in example.indicators if i in loaded],
            ),
            author.id,
        )
    submit_for_review(chapter.id, author.id)
    publish(chapter.id, reviewer.id, send_emails=False)
    # Nobody is emailed about example content.
    for recommendation in chapter.recommendations:
        for link in recommendation.organisation_links:
            link.notified_at = utcnow()
    _example_replies(chapter, organisations, people)
    return f"Example chapter added: {chapter.title}"
