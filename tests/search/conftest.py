"""A small corpus for site-wide search: smoking indicators, briefings, topics, a chapter and its recommendations,
with unpublished look-alikes that must never be found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from portal.clock import london_today
from portal.evidence import services as evidence
from portal.extensions import db
from portal.models import (
    Chapter,
    ChapterSection,
    ChapterStatus,
    EvidenceBriefing,
    Indicator,
    Proposal,
    ProposalStatus,
    Recommendation,
)
from portal.proposals import lifecycle, submission


@pytest.fixture(autouse=True)
def quick_proposals(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 0)


@pytest.fixture
def make_topic(app: Flask) -> Callable[..., Proposal]:
    """A proposal through the real service, moved to ``status``."""
    counter = {"n": 0}

    def make(title: str, need: str = "A need.", status: ProposalStatus = ProposalStatus.PUBLISHED) -> Proposal:
        counter["n"] += 1
        answers = {
            "title": title,
            "need": need,
            "population_groups": ["everyone"],
            "age_groups": ["all"],
            "proposer_type": "public",
        }
        result = submission.submit_proposal(answers, idempotency_key=f"search-{counter['n']}", send_confirmation=False)
        if status is not ProposalStatus.SUBMITTED:
            lifecycle.change_status(result.proposal.id, status, "", None)
        found = db.session.get(Proposal, result.proposal.id)
        assert found is not None
        return found

    return make


@pytest.fixture
def make_briefing(app: Flask) -> Callable[..., EvidenceBriefing]:
    """A briefing through the evidence service, published unless ``published=False``."""

    def make(title: str, summary: str, body: str = "", *, published: bool = True) -> EvidenceBriefing:
        today = london_today()
        briefing = evidence.create_briefing(
            evidence.BriefingInput(
                title=title,
                summary=summary,
                key_findings="",
                body=body,
                evidence_type="national_guidance",
                grade="moderate",
                published_on=today - timedelta(days=10),
                review_by=today + timedelta(days=365),
                topics=["healthy_lifestyles"],
                tags=[],
                sources=[("NICE NG209", "https://www.nice.org.uk/guidance/ng209")],
            ),
            author_id=None,
        )
        if published:
            evidence.set_published(briefing.id, True, None)
        return briefing

    return make


@pytest.fixture
def make_chapter(app: Flask, make_topic: Callable[..., Proposal]) -> Callable[..., Chapter]:
    """A chapter stored directly (publishing rules belong to the chapters feature), with sections and
    recommendations."""
    made: list[str] = []

    def make(title: str, sections: dict[str, str], recommendations: list[str], *, published: bool = True) -> Chapter:
        proposal = make_topic(f"Topic behind chapter {len(made) + 1}")
        made.append(title)
        chapter = Chapter(
            slug=title.lower().replace(" ", "-"),
            title=title,
            proposal_id=proposal.id,
            status=ChapterStatus.PUBLISHED.value if published else ChapterStatus.DRAFT.value,
            published_at=datetime.now(UTC) if published else None,
        )
        chapter.sections = [
            ChapterSection(key=key, position=index, body=body) for index, (key, body) in enumerate(sections.items())
        ]
        chapter.recommendations = [
            Recommendation(text=text, position=index) for index, text in enumerate(recommendations)
        ]
        db.session.add(chapter)
        db.session.commit()
        return chapter

    return make


@dataclass
class Corpus:
    """What the search should and should not find."""

    indicators: list[Indicator]
    topics: dict[str, Proposal]
    briefings: dict[str, EvidenceBriefing]
    chapters: dict[str, Chapter]


@pytest.fixture
def corpus(
    app: Flask,
    make_topic: Callable[..., Proposal],
    make_briefing: Callable[..., EvidenceBriefing],
    make_chapter: Callable[..., Chapter],
) -> Corpus:
    indicators = [
        Indicator(
            id="92443",
            name="Smoking prevalence in adults (18+): current smokers (APS)",
            definition="Prevalence of smoking among persons aged 18 years and over.",
            topic="healthy_lifestyles",
        ),
        Indicator(
            id="93085",
            name="Smoking status at time of delivery",
            definition="Mothers known to be smokers at the time of delivery.",
            topic="healthy_lifestyles",
        ),
        Indicator(
            id="40501",
            name="Lung cancer registrations",
            definition="New cases of lung cancer, most of them caused by tobacco smoke.",
            topic="health",
        ),
        Indicator(id="41001", name="Suicide rate", definition="Deaths from suicide per 100,000.", topic="health"),
    ]
    db.session.add_all(indicators)
    db.session.commit()
    topics = {
        "smoking": make_topic(
            "Smoking in the most deprived neighbourhoods", "Smoking rates remain high in some neighbourhoods."
        ),
        "air": make_topic("Air quality around schools", "Traffic fumes at the school gates."),
        "unpublished": make_topic("Smoking near the bus station", status=ProposalStatus.SUBMITTED),
    }
    briefings = {
        "pregnancy": make_briefing("Stop smoking support in pregnancy", "Support for pregnant women who smoke."),
        "body only": make_briefing(
            "Tobacco control: what works", "Local tobacco control.", body="Cutting smoking saves lives."
        ),
        "falls": make_briefing("Preventing falls in older people", "Strength and balance."),
        "draft": make_briefing("Smoking cessation draft", "Not ready.", published=False),
    }
    chapters = {
        "published": make_chapter(
            "Tobacco and health",
            {"summary": "Tobacco is the leading cause of preventable death.", "need": "Smoking is common in Bilston."},
            ["Expand stop smoking services in Bilston", "Improve falls prevention"],
        ),
        "draft": make_chapter(
            "Smoking draft chapter", {"summary": "Draft."}, ["Draft smoking recommendation"], published=False
        ),
    }
    return Corpus(indicators, topics, briefings, chapters)


def result_titles(page: Any, kind: str) -> list[str]:
    """The result titles shown in one group of the search page."""
    section = page.find("section", attrs={"aria-labelledby": f"results-{kind}"})
    if section is None:
        return []
    return [heading.get_text(" ", strip=True) for heading in section.select("h3")]
