"""The evidence a member sees beside the score boxes: each linked indicator's summary, supports and briefings."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.evidence.services import published_briefings_for_proposal
from portal.indicators.services import IndicatorSummary, headline_summaries
from portal.models import EvidenceBriefing, Proposal


@dataclass(frozen=True)
class IndicatorEvidence:
    """A linked indicator and its summary (None when the key dataset has nothing for it yet)."""

    indicator_id: str
    name: str
    summary: IndicatorSummary | None


@dataclass
class ProposalEvidence:
    """What the scoring page shows beside the score boxes."""

    indicators: list[IndicatorEvidence] = field(default_factory=list)
    briefings: list[EvidenceBriefing] = field(default_factory=list)
    supports: int = 0


def proposal_evidence(proposal: Proposal) -> ProposalEvidence:
    """Each linked indicator's summary (with its inequality gap; stored at import, read in one query), the supports
    count and the published briefings linked to a proposal."""
    evidence = ProposalEvidence(supports=proposal.support_count)
    links = list(proposal.indicator_links)
    summaries = headline_summaries([link.indicator_id for link in links], with_gap=True)
    for link in links:
        summary = summaries[link.indicator_id]
        # The summary's name saves loading each indicator (one query apiece).
        name = summary.name if summary is not None else getattr(link.indicator, "name", None) or link.indicator_id
        evidence.indicators.append(IndicatorEvidence(link.indicator_id, name, summary))
    evidence.briefings = list(published_briefings_for_proposal(proposal.id))
    return evidence
