"""Example briefings loaded by ``flask seed``, shown with the "Example" tag.

They describe real, public guidance and data sources in general terms and state no figures of their own: local
numbers belong to the key dataset, which is imported from the real files. One is past its review-by date (to show
the "may be out of date" warning) and one is a draft (to show that drafts stay with analysts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select

from portal.evidence.inputs import BriefingInput
from portal.evidence.writing import apply_input, audit_briefing
from portal.extensions import db
from portal.models import (
    BriefingStatus,
    EvidenceBriefing,
    EvidenceBriefingIndicator,
    EvidenceBriefingProposal,
    Indicator,
    Proposal,
)

EXAMPLE_NOTE = (
    "> This is **example content**, written to show how evidence briefings work in this portal. It points to real "
    "guidance and data, but it is not a finished evidence review and the grade shown is illustrative."
)


@dataclass(frozen=True)
class ExampleBriefing:
    """The content of one example briefing."""

    slug: str
    title: str
    summary: str
    key_findings: tuple[str, ...]
    body: str
    evidence_type: str
    grade: str
    published_on: date
    review_by: date
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    indicator_ids: tuple[str, ...]
    proposal_keywords: tuple[str, ...]
    status: str = "published"


EXAMPLE_BRIEFINGS: tuple[ExampleBriefing, ...] = (
    ExampleBriefing(
        slug="example-preventing-suicide-in-community-settings",
        title="Example: preventing suicide in community settings",
        summary=(
            "What NICE guidance recommends for local suicide prevention partnerships, and which indicators in the "
            "key dataset help the partnership follow local need."
        ),
        key_findings=(
            "NICE recommends a multi-agency suicide prevention partnership, led locally, with a strategy and "
            "action plan.",
            "Partnerships should collect and review information on suicides and suspected suicides as soon as "
            "possible, so they can respond to emerging patterns and support people affected.",
            "Training and awareness for front-line staff, reducing access to means at locations of concern, and "
            "support for people bereaved by suicide are all part of the recommended approach.",
        ),
        body=f"""{EXAMPLE_NOTE}

# What this briefing covers

NICE guideline NG105 covers ways to reduce suicide and help people bereaved or affected by suicides. It is
written for local authorities, health and care services, the police and voluntary organisations working together.

# What the guidance recommends

- set up a **multi-agency suicide prevention partnership** with a named lead;
- develop a **strategy and action plan**, informed by local data;
- gather and review information on **suicides and suspected suicides** quickly;
- raise awareness and offer **training** to people who may be in contact with those at risk;
- reduce **access to means** at locations of concern;
- offer timely **support to people bereaved or affected** by a suicide.

# Local data

The suicide rate indicator in the key dataset shows Wolverhampton against England and the West Midlands, with
confidence intervals. Rates for small areas vary a lot from year to year, so the three-year pooled figures are
the ones to compare.

# Limitations

Suicide is rare at local authority level, so differences from England are often not statistically significant
even when the rate looks higher or lower.
""",
        evidence_type="nice_guidance",
        grade="moderate",
        published_on=date(2025, 9, 10),
        review_by=date(2027, 9, 10),
        topics=("mental_health",),
        tags=("suicide prevention", "nice"),
        sources=(
            (
                "NICE guideline NG105: Preventing suicide in community and custodial settings",
                "https://www.nice.org.uk/guidance/ng105",
            ),
            (
                "Department of Health and Social Care: Suicide prevention strategy for England, 2023 to 2028",
                "https://www.gov.uk/government/publications/suicide-prevention-strategy-for-england-2023-to-2028",
            ),
            (
                "OHID Fingertips: Suicide prevention profile",
                "https://fingertips.phe.org.uk/profile-group/mental-health/profile/suicide",
            ),
        ),
        indicator_ids=("41001", "91404"),
        proposal_keywords=("suicide",),
    ),
    ExampleBriefing(
        slug="example-self-harm-assessment-and-support",
        title="Example: self-harm — assessment, management and preventing recurrence",
        summary=(
            "What NICE guidance says about caring for people who have self-harmed, and what that means for "
            "services that see children and young people."
        ),
        key_findings=(
            "NICE advises against using risk assessment tools and scales to predict future suicide or repetition "
            "of self-harm.",
            "NICE advises against using a global risk stratification into low, medium or high risk to decide who "
            "should be offered treatment or who should be discharged.",
            "People who have self-harmed should have a psychosocial assessment that focuses on their needs.",
        ),
        body=f"""{EXAMPLE_NOTE}

# What this briefing covers

NICE guideline NG225 covers assessment, management and preventing recurrence for children, young people and
adults who have self-harmed, in primary, secondary and community settings.

# What the guidance recommends

1. Treat people with respect and compassion, and involve them in decisions about their care.
2. Carry out a **psychosocial assessment** focused on the person's needs, rather than on predicting risk.
3. Do not use risk assessment tools or scales, or global risk stratification, to decide care.
4. Plan safety with the person, and share the plan with the people involved in their care if they agree.

# Local data

The key dataset includes hospital admissions as a result of self-harm for young people aged 10 to 24. Admissions
show only the people who reach hospital, so they understate how common self-harm is.

# Why this briefing is flagged

This example's review-by date has passed on purpose, to show the "may be out of date" warning.
""",
        evidence_type="nice_guidance",
        grade="moderate",
        published_on=date(2024, 5, 1),
        review_by=date(2026, 5, 1),
        topics=("mental_health", "children_young_people"),
        tags=("self-harm", "nice"),
        sources=(
            (
                "NICE guideline NG225: Self-harm: assessment, management and preventing recurrence",
                "https://www.nice.org.uk/guidance/ng225",
            ),
            (
                "OHID Fingertips: Children and young people's mental health and wellbeing profile",
                "https://fingertips.phe.org.uk/profile-group/mental-health/profile/cypmh",
            ),
        ),
        indicator_ids=("90813", "92796"),
        proposal_keywords=("self-harm", "self harm"),
    ),
    ExampleBriefing(
        slug="example-children-and-young-peoples-mental-health-prevalence",
        title="Example: how common are mental health conditions in children and young people?",
        summary=(
            "Where local estimates of children's mental health needs come from, and how to read them alongside "
            "service data."
        ),
        key_findings=(
            "Local prevalence figures for children aged 5 to 16 are modelled estimates from national survey "
            "results, not counts of children with a diagnosis.",
            "Estimates are broken down into emotional, conduct and hyperkinetic disorders, which need different "
            "services.",
            "Service activity and local engagement are needed alongside the estimates to see unmet need.",
        ),
        body=f"""{EXAMPLE_NOTE}

# What this briefing covers

The national survey series *Mental Health of Children and Young People in England* measures how common mental
health conditions are. Fingertips applies national results to each area's population to give local estimates.

# How to read the estimates

- They show **expected** need for an area like Wolverhampton, given its population, not observed cases.
- Differences between areas mostly reflect differences in population make-up.
- The confidence of each estimate is not shown in the same way as for counted data.

# Using them in a chapter

Compare the estimates with referrals and waiting times from local services, and with what children, young
people and families tell us in engagement surveys.
""",
        evidence_type="national_statistics",
        grade="moderate",
        published_on=date(2025, 11, 3),
        review_by=date(2027, 11, 3),
        topics=("mental_health", "children_young_people"),
        tags=("prevalence", "modelled estimates"),
        sources=(
            (
                "NHS England: Mental Health of Children and Young People in England (survey series)",
                "https://digital.nhs.uk/data-and-information/publications/statistical/"
                "mental-health-of-children-and-young-people-in-england",
            ),
            (
                "OHID Fingertips: Children and young people's mental health and wellbeing profile",
                "https://fingertips.phe.org.uk/profile-group/mental-health/profile/cypmh",
            ),
        ),
        indicator_ids=("91141", "91137", "91138", "91139"),
        proposal_keywords=("mental health", "children", "young people"),
    ),
    ExampleBriefing(
        slug="example-campylobacter-local-audit-plan",
        title="Example: campylobacter infection — plan for a local audit",
        summary="A draft plan for auditing how local cases of campylobacter infection are followed up.",
        key_findings=(
            "Campylobacter is a common bacterial cause of food poisoning in England.",
            "The audit would compare local follow-up of cases with the agreed local procedure.",
        ),
        body=f"""{EXAMPLE_NOTE}

# What the audit would look at

- how quickly cases reported to the council are followed up;
- whether advice on food hygiene was given and recorded;
- whether clusters of cases were recognised.

This briefing is a **draft**: it is visible to analysts only, until it is published.
""",
        evidence_type="local_audit",
        grade="low",
        published_on=date(2026, 10, 1),
        review_by=date(2027, 10, 1),
        topics=("health_protection",),
        tags=("food safety", "audit"),
        sources=(
            (
                "UK Health Security Agency: Campylobacter infection: annual data",
                "https://www.gov.uk/government/publications/campylobacter-infection-annual-data",
            ),
        ),
        indicator_ids=("93356",),
        proposal_keywords=("campylobacter", "food"),
        status="draft",
    ),
)


def seed() -> str:
    """Load the example briefings (idempotent); link them to indicators and example proposals that exist."""
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
            apply_input(briefing, data, [], [])
            db.session.add(briefing)
            db.session.flush()
            audit_briefing(None, "briefing_created", briefing, "example content from flask seed")
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
