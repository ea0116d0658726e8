"""Example proposals loaded by ``flask seed``, marked as examples wherever they are shown.

They cover the lifecycle (waiting for moderation, published, shortlisted, prioritised, not prioritised) so that a
fresh install shows every page with something on it. A second run changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Proposal, ProposalStatus
from portal.proposals.choices import ward_choices
from portal.proposals.finding import get_by_idempotency_key
from portal.proposals.lifecycle import change_status
from portal.proposals.submission import existing_indicator_ids, submit_proposal

S = ProposalStatus

_EXAMPLES: list[dict[str, Any]] = [
    {
        "key": "example-loneliness",
        "title": "Loneliness and social isolation among older people",
        "need": "Many older people in the city live alone and see few people from week to week. Day centres and "
        "lunch clubs have closed, and bus routes have been cut.",
        "population_groups": ["carers", "disabled"],
        "age_groups": ["65_plus"],
        "evidence_of_need": "Voluntary groups report rising demand for befriending, and GP practices see older "
        "patients who mainly need company.",
        "decisions_informed": "Commissioning of befriending and social prescribing services.",
        "proposer_type": "stakeholder",
        "sector": "vcs",
        "path": [S.PUBLISHED],
        "indicators": [
            "iod2025-idaopi-average-score",
            "iod2019-idaopi-average-score",
            "ons-wellbeing-life-satisfaction",
        ],
    },
    {
        "key": "example-cyp-mental-health",
        "title": "Mental health of children and young people",
        "need": "Waiting times for children's mental health support are long, and schools report more pupils with "
        "anxiety and self-harm.",
        "population_groups": ["mental_health"],
        "age_groups": ["5_15", "16_24"],
        "evidence_of_need": "Hospital admissions for self-harm among young people are a concern locally.",
        "decisions_informed": "The children and young people's mental health transformation plan.",
        "proposer_type": "stakeholder",
        "sector": "education",
        "path": [S.PUBLISHED, S.SHORTLISTED],
        "indicators": ["91141", "90813", "91871"],
    },
    {
        "key": "example-food-insecurity",
        "title": "Food insecurity in families with young children",
        "need": "Food banks are feeding more working families, and health visitors see more children who do not "
        "get enough to eat.",
        "population_groups": ["low_income"],
        "age_groups": ["0_4", "5_15"],
        "evidence_of_need": "Food bank referrals have risen, and child poverty is high in several wards.",
        "decisions_informed": "The council's cost of living response and the healthy start programme.",
        "proposer_type": "public",
        "path": [S.PUBLISHED, S.SHORTLISTED, S.RECOMMENDED, S.PRIORITISED],
        "indicators": ["iod2025-idaci-average-score", "iod2019-idaci-average-score", "ons-child-overweight-obesity"],
    },
    {
        "key": "example-dental-health",
        "title": "Access to NHS dentistry for children",
        "need": "Families cannot find an NHS dentist taking on children, and tooth decay is a common reason for "
        "children's hospital operations.",
        "population_groups": ["everyone"],
        "age_groups": ["0_4", "5_15"],
        "evidence_of_need": "Tooth extractions under general anaesthetic are among the commonest operations for "
        "young children.",
        "decisions_informed": "Dental commissioning by the integrated care board and oral health promotion.",
        "proposer_type": "stakeholder",
        "sector": "nhs_provider",
        "path": [S.PUBLISHED, S.SHORTLISTED, S.RECOMMENDED, S.PRIORITISED],
        "indicators": [],
    },
    {
        "key": "example-gambling",
        "title": "Gambling harms",
        "need": "Problem gambling harms families' finances and mental health, but little is known about how many "
        "people it affects locally.",
        "population_groups": ["everyone"],
        "age_groups": ["16_24", "25_64"],
        "evidence_of_need": "Debt advice services report gambling as a growing factor.",
        "decisions_informed": "Licensing policy and support services.",
        "proposer_type": "public",
        "path": [S.PUBLISHED, S.SHORTLISTED, S.NOT_PRIORITISED],
        "indicators": [],
    },
    {
        "key": "example-suicide-prevention",
        "title": "Suicide prevention among middle-aged men",
        "need": "Men in their forties and fifties are the group most likely to die by suicide, and many had no contact "
        "with mental health services beforehand.",
        "population_groups": ["mental_health"],
        "age_groups": ["25_64"],
        "evidence_of_need": "Local suicide audits and the real-time surveillance system point to debt, relationship "
        "breakdown and unemployment as common factors.",
        "decisions_informed": "The local suicide prevention plan and support in workplaces and job centres.",
        "proposer_type": "stakeholder",
        "sector": "council",
        "path": [S.PUBLISHED, S.SHORTLISTED],
        "indicators": ["41001", "91393", "91404"],
    },
    {
        "key": "example-smoking",
        "title": "Smoking in the most deprived neighbourhoods",
        "need": "Smoking rates have fallen overall but remain high in some neighbourhoods, widening the gap in life "
        "expectancy.",
        "population_groups": ["low_income"],
        "age_groups": ["25_64"],
        "evidence_of_need": "Stop smoking services see fewer people from the areas where smoking is most common.",
        "decisions_informed": "Targeting of stop smoking services and the tobacco control plan.",
        "proposer_type": "public",
        "path": [S.PUBLISHED, S.SHORTLISTED],
        "indicators": ["92443", "ons-adult-smoking-prevalence", "92901"],
    },
    {
        "key": "example-air-quality",
        "title": "Air quality around schools",
        "need": "Parents are worried about traffic fumes at the school gates at drop-off and pick-up times.",
        "population_groups": ["everyone"],
        "age_groups": ["5_15"],
        "evidence_of_need": "Several schools are next to busy main roads.",
        "decisions_informed": "School streets schemes and the air quality action plan.",
        "proposer_type": "public",
        "path": [],
        "indicators": ["iod2025-living-environment-average-score", "iod2019-living-environment-average-score"],
    },
]

_EXAMPLE_ANSWERS: dict[ProposalStatus, str] = {
    S.NOT_PRIORITISED: "The steering group agreed this matters but scored it lower than other topics this round, "
    "mainly because local data on gambling harm is limited. It can be proposed again when more evidence exists.",
}


def seed() -> str:
    """Load example proposals (marked as examples) across the lifecycle; a second run changes nothing."""
    wards = [code for code, _ in ward_choices()]
    created = 0
    for index, example in enumerate(_EXAMPLES):
        key = f"seed-{example['key']}"
        if get_by_idempotency_key(key) is not None:
            continue
        answers = {
            **example,
            # Every other example names two real wards; the rest affect the whole city.
            "wards": [wards[(index * 3) % len(wards)], wards[(index * 3 + 1) % len(wards)]]
            if wards and index % 2
            else [],
            # Only indicators the key dataset really has (submit_proposal drops the others); at most three.
            "indicators": existing_indicator_ids(example["indicators"])[:3],
        }
        result = submit_proposal(answers, idempotency_key=key, is_example=True, send_confirmation=False)
        for status in example["path"]:
            change_status(result.proposal.id, status, _EXAMPLE_ANSWERS.get(status, ""), None)
        created += 1
    total = db.session.scalar(select(func.count()).where(Proposal.is_example.is_(True))) or 0
    return f"{created} example proposals added ({total} in all)"
