"""Fixtures for chapters: prioritised proposals, chapters in any state with recommendations, and known series."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask

from portal.chapters import services
from portal.clock import LONDON, london_today
from portal.extensions import db
from portal.models import (
    Area,
    Chapter,
    Indicator,
    IndicatorValue,
    Organisation,
    Proposal,
    ProposalIndicator,
    ProposalStatus,
    Recommendation,
    Role,
    User,
)
from portal.proposals import services as proposals
from tests.indicators.conftest import seeded_indicators  # noqa: F401 - the real key dataset, for blocks and report

HOME = "E08000031"
LINEAR_ID = "test-linear-series"
# An exactly linear series: 2015/16 … 2022/23, value = 10 + 2 × (year − 2015).
LINEAR_PERIODS = [f"{year}/{(year + 1) % 100:02d}" for year in range(2015, 2023)]
LINEAR_VALUES = [10.0 + 2 * i for i in range(8)]


@pytest.fixture(autouse=True)
def quick_proposals(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proposals submitted straight through the service need no fill-time or rate limits."""
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 0)


@pytest.fixture
def make_prioritised(app: Flask) -> Callable[..., Proposal]:
    """A proposal moved through the real lifecycle to "prioritised"."""
    counter = {"n": 0}

    def make(
        title: str = "Food insecurity in families", *, indicator_ids: list[str] | None = None, **kw: Any
    ) -> Proposal:
        counter["n"] += 1
        answers = {
            "title": title,
            "need": "Families go without enough food.",
            "population_groups": ["low_income"],
            "age_groups": kw.pop("age_groups", ["0_4", "65_plus"]),
            "wards": [],
            "evidence_of_need": "Food bank referrals have risen.",
            "decisions_informed": "Cost of living response.",
            "proposer_type": "public",
        }
        result = proposals.submit_proposal(
            answers, idempotency_key=f"chapter-test-{counter['n']}", send_confirmation=False
        )
        for step in (ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED, ProposalStatus.PRIORITISED):
            proposals.change_status(result.proposal.id, step, "", None)
        proposal = db.session.get(Proposal, result.proposal.id)
        assert proposal is not None
        for indicator_id in indicator_ids or []:
            db.session.add(ProposalIndicator(proposal_id=proposal.id, indicator_id=indicator_id))
        db.session.commit()
        return proposal

    return make


# Every section a chapter cannot be published without, with the summary the tests look for.
REQUIRED_TEXT: dict[str, str] = {
    "summary": "Families with young children go **hungry**.",
    "why": "It was prioritised.",
    "picture": "Child poverty is high.",
    "stakeholders": "Food banks are busier.",
    "evidence": "Healthy Start helps.",
    "recommendations": "We recommend the following.",
}


@dataclass
class Setup:
    """A chapter with its people: an analyst who writes it and sends it for review, a reviewer who publishes it, two
    commissioning organisations with a commissioner each, and a provider organisation with a stakeholder."""

    chapter: Chapter
    analyst: User
    reviewer: User
    commissioner: User
    other_commissioner: User
    icb: Organisation
    council: Organisation
    provider: Organisation
    stakeholder: User
    recommendations: list[Recommendation] = field(default_factory=list)


@pytest.fixture
def make_chapter(
    app: Flask, make_prioritised: Callable[..., Proposal], make_user: Callable[..., User]
) -> Callable[..., Setup]:
    """A chapter in ``status`` ("draft", "in_review" or "published") with every required section written and two
    recommendations: the first addressed to the ICB (for the attention of ``commissioner``) and the provider, the
    second to the council. The analyst sends it for review and the reviewer publishes it."""
    counter = {"n": 0}

    def make(status: str = "published", title: str = "Food insecurity in families", **kw: Any) -> Setup:
        counter["n"] += 1
        n = counter["n"]
        analyst = make_user(Role.ANALYST, email=f"analyst{n}@example.org")
        reviewer = make_user(Role.ANALYST, email=f"reviewer{n}@example.org")
        icb = Organisation(name=f"Black Country ICB {n}", sector="commissioner", verified=True)
        council = Organisation(name=f"City Council Public Health {n}", sector="council", verified=True)
        provider = Organisation(name=f"Royal Wolverhampton NHS Trust {n}", sector="nhs_provider", verified=True)
        db.session.add_all([icb, council, provider])
        db.session.commit()
        commissioner = make_user(Role.COMMISSIONER, email=f"commissioner{n}@example.org", organisation=icb)
        other = make_user(Role.COMMISSIONER, email=f"public.health{n}@example.org", organisation=council)
        stakeholder = make_user(Role.STAKEHOLDER, email=f"provider{n}@example.org", organisation=provider)
        proposal = make_prioritised(title, **kw)
        chapter = services.create_chapter(proposal.id, title, analyst.id)
        for key, body in REQUIRED_TEXT.items():
            services.save_section(chapter.id, key, body, analyst.id)
        first = services.add_recommendation(
            chapter.id,
            services.RecommendationInput(
                "Increase uptake of Healthy Start vouchers.",
                "high",
                organisation_ids=[icb.id, provider.id],
                person_ids=[commissioner.id],
            ),
            analyst.id,
        )
        second = services.add_recommendation(
            chapter.id,
            services.RecommendationInput(
                "Measure household food insecurity locally.", "medium", organisation_ids=[council.id]
            ),
            analyst.id,
        )
        if status in {"in_review", "published"}:
            services.submit_for_review(chapter.id, analyst.id)
        if status == "published":
            services.publish(chapter.id, reviewer.id)
        db.session.refresh(chapter)
        return Setup(
            chapter, analyst, reviewer, commissioner, other, icb, council, provider, stakeholder, [first, second]
        )

    return make


@pytest.fixture
def known_series(app: Flask) -> Indicator:
    """The home area with an exactly linear indicator series and a known single-year-of-age population."""
    if db.session.get(Area, HOME) is None:
        db.session.add(Area(code=HOME, name="Wolverhampton", area_type="county_ua"))
    indicator = Indicator(id=LINEAR_ID, name="A test series", unit="per 1,000", topic="health")
    population = Indicator(id="ons-mye-2022-population", name="Population", unit="people", topic="population")
    db.session.add_all([indicator, population])
    for index, (period, value) in enumerate(zip(LINEAR_PERIODS, LINEAR_VALUES, strict=True)):
        db.session.add(
            IndicatorValue(
                indicator_id=LINEAR_ID,
                area_code=HOME,
                period=period,
                period_sortable=(2015 + index) * 10000,
                value=value,
            )
        )
    for age in range(91):
        label = "90+" if age == 90 else str(age)
        db.session.add(
            IndicatorValue(
                indicator_id="ons-mye-2022-population", area_code=HOME, period="2022", period_sortable=20220000,
                age=label, value=population_at(age),
            )
        )  # fmt: skip
    db.session.add(
        IndicatorValue(
            indicator_id="ons-mye-2022-population", area_code=HOME, period="2022", period_sortable=20220000,
            age="All ages", value=sum(population_at(a) for a in range(91)),
        )
    )  # fmt: skip
    db.session.commit()
    return indicator


def population_at(age: int) -> float:
    """The known test population at a single year of age (90 means 90 and over)."""
    return 500.0 if age == 90 else 1000.0 + age


def london_days_ago(days: int) -> datetime:
    """Noon in the UK on the calendar date ``days`` days before today's. The response period counts UK dates, so a
    moment ``days`` × 24 hours ago can fall on the date after when it crosses the clocks going back (between 23:00
    and midnight UTC in winter for a moment in summer)."""
    return datetime.combine(london_today() - timedelta(days=days), time(12), tzinfo=LONDON)
