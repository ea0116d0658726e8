"""The example chapter ``flask seed`` loads: written from the example prioritised proposal, with recommendations and
an example response, so a fresh install shows the whole loop. Its text is marked as an example wherever it shows."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from portal.auth.services import create_user
from portal.chapters.writing import create_chapter, publish, save_details, save_section, submit_for_review
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    Chapter,
    Indicator,
    Organisation,
    ProgressStatus,
    ProgressUpdate,
    Proposal,
    ProposalStatus,
    Recommendation,
    RecommendationCommissioner,
    RecommendationOrganisation,
    RecommendationResponse,
    ResponseDecision,
    Role,
    User,
)
from portal.models.base import utcnow

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
