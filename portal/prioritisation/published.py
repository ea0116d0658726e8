"""A round's published ranking: stored when its summary is published, and read back by the public pages (issue 17).

Publishing works the ranking out once from every member's scores (``public_summary``) and stores each topic's
place, rank, weighted score and number of full scorers on its entry, so the public summary and its CSV read one row
per topic instead of every score of the round (24,000 for 200 topics × 15 members × 8 criteria: 40 ms a request,
growing with the round). A closed round's scores, members, topics and criteria cannot change, and only a closed
round is published, so the stored ranking is the one its scores give (tested). Withdrawing the summary clears it. A
round published before migration 0028 has none stored, and is ranked from its scores on each request until it is
published again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from portal.models import PrioritisationRound, RoundProposal
from portal.prioritisation.results import RoundArrays, entries_with_proposals, finite_or_none, load_arrays
from portal.stats.prioritisation import reweighted_ranking, weighted_scores

# The public summary shows a topic's weighted score only when at least this many members scored it fully, so a
# published mean can never be one member's own score.
MIN_PUBLIC_SCORERS = 2


@dataclass(frozen=True)
class PublicRow:
    """What the public summary shows for a proposal: no individual member's scores."""

    entry: RoundProposal
    rank: float  # NaN below the quorum: never ranked
    score: float | None  # None below the quorum, or when fewer than MIN_PUBLIC_SCORERS members scored it fully
    scorers: int
    quorate: bool


@dataclass(frozen=True)
class PublicSummary:
    """The published ranking and how many members took part."""

    rows: list[PublicRow]
    members_scored: int


def public_summary(round_: PrioritisationRound) -> PublicSummary:
    """The published ranking (weighted score and rank per proposal, best first) and the number of members who fully
    scored at least one proposal."""
    arrays = load_arrays(round_)
    complete = ~np.isnan(weighted_scores(arrays.scores, arrays.weights))
    return PublicSummary(rows=public_rows(round_, arrays), members_scored=int(complete.any(axis=1).sum()))


def public_rows(round_: PrioritisationRound, arrays: RoundArrays | None = None) -> list[PublicRow]:
    """The published ranking: weighted score and rank per proposal, best first."""
    arrays = arrays or load_arrays(round_)
    ranking = reweighted_ranking(arrays.ranked_scores, arrays.weights)
    scorers = arrays.full_scorers
    quorate = arrays.quorate
    rows = [
        PublicRow(
            entry=entry,
            rank=float(ranking.ranks[j]) if quorate[j] else math.nan,
            score=finite_or_none(ranking.mean_scores[j]) if quorate[j] and scorers[j] >= MIN_PUBLIC_SCORERS else None,
            scorers=int(scorers[j]),
            quorate=bool(quorate[j]),
        )
        for j, entry in enumerate(arrays.entries)
    ]
    return sorted(rows, key=lambda row: (not row.quorate, row.rank if row.quorate else 0.0, row.entry.position))


def store_ranking(round_: PrioritisationRound) -> None:
    """Work out the round's public ranking from its scores and store it on the round and its entries (the caller
    commits)."""
    summary = public_summary(round_)
    for place, row in enumerate(summary.rows, start=1):
        entry = row.entry
        entry.published_place = place
        entry.published_rank = row.rank if row.quorate else None
        entry.published_score = row.score
        entry.published_scorers = row.scorers
    round_.published_members_scored = summary.members_scored


def clear_ranking(round_: PrioritisationRound) -> None:
    """Forget a withdrawn summary's stored ranking (the caller commits)."""
    for entry in round_.proposals:
        entry.published_place = entry.published_rank = entry.published_score = entry.published_scorers = None
    round_.published_members_scored = None


def published_summary(round_: PrioritisationRound) -> PublicSummary:
    """The ranking the public sees: as stored at publication, best first; worked out from the scores when none is
    stored."""
    if round_.published_members_scored is None:
        return public_summary(round_)
    entries = entries_with_proposals(round_)
    if any(entry.published_place is None for entry in entries):
        return public_summary(round_)
    rows = [
        PublicRow(
            entry=entry,
            rank=math.nan if entry.published_rank is None else entry.published_rank,
            score=entry.published_score,
            scorers=entry.published_scorers or 0,
            quorate=entry.published_rank is not None,
        )
        for entry in sorted(entries, key=lambda entry: entry.published_place or 0)
    ]
    return PublicSummary(rows=rows, members_scored=round_.published_members_scored)
