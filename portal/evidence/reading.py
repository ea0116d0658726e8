"""Reading briefings: which ones the public and analysts may see, and what each links to. Drafts never leave here
for the public."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, select

from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    BriefingStatus,
    EvidenceBriefing,
    EvidenceBriefingIndicator,
    EvidenceBriefingProposal,
    Indicator,
    Proposal,
    ProposalStatus,
)

# Proposals the public may see; a briefing's link to any other proposal is shown to staff only.
PUBLIC_PROPOSAL_STATUSES = frozenset(
    {
        ProposalStatus.PUBLISHED.value,
        ProposalStatus.SHORTLISTED.value,
        ProposalStatus.RECOMMENDED.value,
        ProposalStatus.PRIORITISED.value,
        ProposalStatus.NOT_PRIORITISED.value,
        ProposalStatus.DEFERRED.value,
        ProposalStatus.CHAPTER_IN_PROGRESS.value,
        ProposalStatus.CHAPTER_PUBLISHED.value,
    }
)


def get_published(slug: str) -> EvidenceBriefing | None:
    """The published briefing with this slug, or None (drafts are None too)."""
    return db.session.scalar(
        select(EvidenceBriefing).where(
            EvidenceBriefing.slug == slug, EvidenceBriefing.status == BriefingStatus.PUBLISHED.value
        )
    )


def get_for_viewer(slug: str, *, include_drafts: bool) -> EvidenceBriefing | None:
    """The briefing with this slug if the viewer may see it: published, or any when ``include_drafts``."""
    if not include_drafts:
        return get_published(slug)
    return db.session.scalar(select(EvidenceBriefing).where(EvidenceBriefing.slug == slug))


def get_briefing(briefing_id: int) -> EvidenceBriefing | None:
    """Any briefing by id, drafts included (for analysts' pages)."""
    return db.session.get(EvidenceBriefing, briefing_id)


def published_briefings_for_proposal(proposal_id: int) -> list[EvidenceBriefing]:
    """Published briefings linked to a proposal, newest first."""
    return _published_linked(EvidenceBriefingProposal, EvidenceBriefingProposal.proposal_id == proposal_id)


def published_briefings_for_indicator(indicator_id: str) -> list[EvidenceBriefing]:
    """Published briefings linked to an indicator, newest first."""
    return _published_linked(EvidenceBriefingIndicator, EvidenceBriefingIndicator.indicator_id == str(indicator_id))


def _published_linked(
    link: type[EvidenceBriefingProposal] | type[EvidenceBriefingIndicator], condition: ColumnElement[bool]
) -> list[EvidenceBriefing]:
    """Published briefings with a ``link`` row that meets ``condition``, newest first."""
    return list(
        db.session.scalars(
            select(EvidenceBriefing)
            .join(link, link.briefing_id == EvidenceBriefing.id)
            .where(condition, EvidenceBriefing.status == BriefingStatus.PUBLISHED.value)
            .order_by(EvidenceBriefing.published_on.desc(), EvidenceBriefing.id.desc())
        )
    )


def linked_proposals(briefing: EvidenceBriefing, *, include_hidden: bool) -> list[Proposal]:
    """The proposals a briefing is linked to; the public sees only proposals that are themselves public."""
    proposals = [link.proposal for link in briefing.proposal_links]
    if not include_hidden:
        proposals = [proposal for proposal in proposals if proposal.status in PUBLIC_PROPOSAL_STATUSES]
    return sorted(proposals, key=lambda proposal: proposal.reference)


def linked_indicators(briefing: EvidenceBriefing) -> list[Indicator]:
    """The indicators a briefing is linked to, by name."""
    return sorted((link.indicator for link in briefing.indicator_links), key=lambda indicator: indicator.name)


def all_briefings() -> list[EvidenceBriefing]:
    """Every briefing, drafts included, most recently changed first (for analysts)."""
    return list(
        db.session.scalars(select(EvidenceBriefing).order_by(EvidenceBriefing.updated_at.desc(), EvidenceBriefing.id))
    )


def stale_briefings(today: date | None = None) -> list[EvidenceBriefing]:
    """Published briefings whose review-by date has passed, the most overdue first."""
    today = today or london_today()
    return list(
        db.session.scalars(
            select(EvidenceBriefing)
            .where(EvidenceBriefing.status == BriefingStatus.PUBLISHED.value, EvidenceBriefing.review_by < today)
            .order_by(EvidenceBriefing.review_by, EvidenceBriefing.id)
        )
    )
