"""What a proposal links to and where it led: its indicators with their latest verdicts, published evidence
briefings, the published prioritisation rounds that scored it, its published chapter and the published "We asked,
you said, we did" pages that cover it (read through the models, never by importing the higher features)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.evidence import services as evidence
from portal.extensions import db
from portal.indicators import services as indicators
from portal.models import Chapter, EvidenceBriefing, Outcome, PrioritisationRound, Proposal, RoundProposal, Survey


@dataclass(frozen=True)
class LinkedIndicator:
    """An indicator linked to a proposal, with its latest verdict against England when the key dataset has one."""

    id: str
    name: str
    summary: indicators.IndicatorSummary | None


def linked_indicators(proposal: Proposal) -> list[LinkedIndicator]:
    """The proposal's indicators with their latest summary (verdict against England, latest value), read from the
    summaries stored at import in one query."""
    links = list(proposal.indicator_links)
    summaries = indicators.headline_summaries([link.indicator_id for link in links])
    out = []
    for link in links:
        summary = summaries[link.indicator_id]
        # The summary's name saves loading each indicator (one query apiece).
        out.append(LinkedIndicator(link.indicator_id, summary.name if summary else link.indicator.name, summary))
    return out


def linked_briefings(proposal: Proposal) -> list[EvidenceBriefing]:
    """Published evidence briefings linked to the proposal."""
    return list(evidence.published_briefings_for_proposal(proposal.id))


@dataclass(frozen=True)
class Outcomes:
    """Where a proposal led: published prioritisation rounds that scored it, its published chapter, and the published
    outcome pages of the rounds and surveys that covered it."""

    rounds: list[PrioritisationRound]
    chapter: Chapter | None
    outcome_pages: list[Outcome]

    @property
    def any(self) -> bool:
        return bool(self.rounds or self.chapter or self.outcome_pages)


def outcomes(proposal: Proposal) -> Outcomes:
    """The published rounds that scored this proposal and its chapter, once published."""
    rounds = list(
        db.session.scalars(
            select(PrioritisationRound)
            .join(RoundProposal, RoundProposal.round_id == PrioritisationRound.id)
            .where(RoundProposal.proposal_id == proposal.id, PrioritisationRound.summary_published_at.is_not(None))
            .order_by(PrioritisationRound.summary_published_at)
        )
    )
    chapter = db.session.scalar(select(Chapter).where(Chapter.proposal_id == proposal.id))
    return Outcomes(
        rounds=rounds,
        chapter=chapter if chapter is not None and chapter.is_published else None,
        outcome_pages=outcome_pages(proposal),
    )


def outcome_pages(proposal: Proposal) -> list[Outcome]:
    """Published "We asked, you said, we did" pages of the rounds that considered the proposal or the surveys about
    it, oldest first (the order things happened)."""
    in_round = select(RoundProposal.round_id).where(RoundProposal.proposal_id == proposal.id)
    about_it = select(Survey.id).where(Survey.proposal_id == proposal.id)
    return list(
        db.session.scalars(
            select(Outcome)
            .where(
                Outcome.published_at.is_not(None),
                Outcome.round_id.in_(in_round) | Outcome.survey_id.in_(about_it),
            )
            .order_by(Outcome.published_at, Outcome.id)
        )
    )
