"""Turn a round's rows into the arrays the statistics expect, and the statistics back into rows for pages.

All the arithmetic is in :mod:`portal.stats.prioritisation`; this module only gathers scores as numpy arrays shaped
(members, proposals, criteria) with NaN where a member did not score (or declared a conflict), and labels results.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.models import (
    ConflictOfInterest,
    Criterion,
    PrioritisationRound,
    Proposal,
    RoundProposal,
    Score,
    ScoreChange,
    User,
)
from portal.stats.prioritisation import (
    PrioritisationResults,
    compute_results,
    normalise_weights,
    reweighted_ranking,
    weighted_scores,
)

SENSITIVITY_DRAWS = 1000
SENSITIVITY_SPREAD = 0.25
# Fixed, so the same scores always give the same rank intervals (a page reload never changes the results).
SENSITIVITY_SEED = 20261128
TRIAL_WEIGHT_MAX = 100.0


@dataclass(frozen=True)
class RoundArrays:
    """A round's scores as arrays, with the members, proposals and criteria that label each axis."""

    round: PrioritisationRound
    members: list[User]
    entries: list[RoundProposal]
    criteria: list[Criterion]
    weights: np.ndarray
    scores: np.ndarray  # (members, proposals, criteria), NaN where not scored
    conflicts: np.ndarray  # (members, proposals), True where the member declared a conflict
    comments: dict[tuple[int, int, int], str]
    quorum: int  # the fewest members who must score every weighted criterion of a topic for it to be ranked

    @property
    def full_scorers(self) -> np.ndarray:
        """Per proposal, how many members scored every weighted criterion."""
        return np.asarray((~np.isnan(weighted_scores(self.scores, self.weights))).sum(axis=0), dtype=int)

    @property
    def quorate(self) -> np.ndarray:
        """Per proposal, True when enough members scored it fully for it to be ranked."""
        return self.full_scorers >= self.quorum

    @property
    def ranked_scores(self) -> np.ndarray:
        """The scores the ranking uses: a topic below the quorum counts as not scored, so it is never ranked."""
        scores = self.scores.copy()
        scores[:, ~self.quorate, :] = np.nan
        return scores


def _with_people_and_topics(round_: PrioritisationRound) -> tuple[list[User], list[RoundProposal]]:
    """The round's members' users and its entries, each entry's proposal loaded with them: one query for the users and
    one for the proposals, set onto the members and entries, where loading each on first use (the results pages read
    every one) ran a query per member and per topic (238 for a round of 200 topics and 15 members)."""
    members = list(round_.members)
    user_ids = {member.user_id for member in members}
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    for member in members:
        set_committed_value(member, "user", users.get(member.user_id))
    return [member.user for member in members], entries_with_proposals(round_)


def entries_with_proposals(round_: PrioritisationRound) -> list[RoundProposal]:
    """The round's entries, each with its proposal, in two queries (not one per topic)."""
    entries = list(round_.proposals)
    proposal_ids = {entry.proposal_id for entry in entries}
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids)))}
    for entry in entries:
        set_committed_value(entry, "proposal", proposals.get(entry.proposal_id))
    return entries


def load_arrays(round_: PrioritisationRound) -> RoundArrays:
    """Read every score of a round into arrays."""
    members, entries = _with_people_and_topics(round_)
    criteria = list(round_.criteria_set.criteria)
    m_index = {user.id: i for i, user in enumerate(members)}
    p_index = {entry.proposal_id: j for j, entry in enumerate(entries)}
    c_index = {criterion.id: k for k, criterion in enumerate(criteria)}
    scores = np.full((len(members), len(entries), len(criteria)), np.nan)
    comments: dict[tuple[int, int, int], str] = {}
    rows = db.session.execute(
        select(Score.user_id, Score.proposal_id, Score.criterion_id, Score.value, Score.comment).where(
            Score.round_id == round_.id
        )
    )
    for user_id, proposal_id, criterion_id, value, comment in rows:
        i, j, k = m_index.get(user_id), p_index.get(proposal_id), c_index.get(criterion_id)
        if i is None or j is None or k is None:
            continue
        if value is not None:
            scores[i, j, k] = value
        if comment:
            comments[(i, j, k)] = comment
    conflicts = np.zeros((len(members), len(entries)), dtype=bool)
    for user_id, proposal_id in db.session.execute(
        select(ConflictOfInterest.user_id, ConflictOfInterest.proposal_id).where(
            ConflictOfInterest.round_id == round_.id
        )
    ):
        if user_id in m_index and proposal_id in p_index:
            conflicts[m_index[user_id], p_index[proposal_id]] = True
    # A conflicted member's scores never count, even if any were left behind.
    scores[conflicts] = np.nan
    weights = np.array([criterion.weight for criterion in criteria], dtype=float)
    return RoundArrays(
        round_, members, entries, criteria, weights, scores, conflicts, comments, round_.effective_quorum
    )


def data_version(round_: PrioritisationRound) -> str:
    """Changes whenever anything behind a round's results changes (the chart cache key)."""
    last_change = db.session.scalar(select(func.max(ScoreChange.id)).where(ScoreChange.round_id == round_.id))
    conflicts = db.session.scalar(
        select(func.count(ConflictOfInterest.id)).where(ConflictOfInterest.round_id == round_.id)
    )
    titles = db.session.scalar(
        select(func.max(Proposal.updated_at)).where(Proposal.id.in_([e.proposal_id for e in round_.proposals]))
    )
    members = ",".join(str(m.user_id) for m in round_.members)
    proposals = ",".join(str(e.proposal_id) for e in round_.proposals)
    settings = f"{round_.criteria_set_id}:{round_.status}:{round_.top_k}:{round_.effective_quorum}"
    return f"{settings}:{last_change}:{conflicts}:{members}:{proposals}:{titles}"


def effective_top_k(round_: PrioritisationRound) -> int:
    """The round's k, never more than the number of proposals."""
    return max(1, min(round_.top_k, len(round_.proposals)))


def criterion_means(scores: np.ndarray) -> np.ndarray:
    """Mean score per proposal and criterion over the members who gave one (NaN where nobody did)."""
    present = ~np.isnan(scores)
    count = present.sum(axis=0)
    out = np.full(scores.shape[1:], np.nan)
    np.divide(np.where(present, scores, 0.0).sum(axis=0), count, out=out, where=count > 0)
    return out


def finite_or_none(value: float) -> float | None:
    """A number, or None for a missing one (NaN)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


@dataclass(frozen=True)
class ProposalRow:
    """One proposal's results."""

    entry: RoundProposal
    mean_score: float | None  # None below the quorum
    rank: float  # NaN below the quorum: never ranked
    borda_points: float | None
    borda_rank: float
    rank_p05: float
    rank_median: float
    rank_p95: float
    p_top_k: float | None  # the chance of being in the top k, only for a topic above the quorum
    scorers: int  # members who scored every weighted criterion
    quorate: bool
    conflicted: list[User]
    criterion_means: list[float | None]

    @property
    def proposal(self) -> Proposal:
        return self.entry.proposal


@dataclass(frozen=True)
class CriterionRow:
    """One criterion's weight and how much members disagreed on it."""

    criterion: Criterion
    weight_share: float
    mean_sd: float | None
    n_proposals: int
    high_disagreement: bool


@dataclass(frozen=True)
class RaterRow:
    """How one member's ranking compares with the rest of the group."""

    label: str
    user: User | None
    rho: float | None
    n_proposals: int
    outlying: bool
    complete: int


@dataclass(frozen=True)
class RoundResults:
    """Everything the results page, the charts and the exports show."""

    round: PrioritisationRound
    arrays: RoundArrays
    stats: PrioritisationResults
    rows: list[ProposalRow]  # best rank first
    criteria_rows: list[CriterionRow]
    rater_rows: list[RaterRow]
    top_k: int
    draws: int
    spread: float
    names_shown: bool

    @property
    def final(self) -> bool:
        return not self.round.is_open

    @property
    def any_scores(self) -> bool:
        return bool(np.any(~np.isnan(self.arrays.scores)))

    @property
    def conflicts_declared(self) -> int:
        return int(self.arrays.conflicts.sum())

    @property
    def quorum(self) -> int:
        return self.arrays.quorum


def compute_round_results(
    round_: PrioritisationRound, *, names_shown: bool, arrays: RoundArrays | None = None
) -> RoundResults:
    """Run every statistic on a round's scores. ``names_shown`` decides whether raters are named or numbered."""
    arrays = arrays or load_arrays(round_)
    top_k = effective_top_k(round_)
    ranked = arrays.ranked_scores
    quorate = arrays.quorate
    scorers = arrays.full_scorers
    stats = compute_results(
        ranked,
        arrays.weights,
        draws=SENSITIVITY_DRAWS,
        spread=SENSITIVITY_SPREAD,
        seed=SENSITIVITY_SEED,
        top_k=top_k,
    )
    means = criterion_means(ranked)
    sens = stats.sensitivity
    rows = []
    for j, entry in enumerate(arrays.entries):
        counted = bool(quorate[j])
        rows.append(
            ProposalRow(
                entry=entry,
                mean_score=finite_or_none(stats.mean_scores[j]) if counted else None,
                rank=float(stats.ranks[j]) if counted else math.nan,
                borda_points=finite_or_none(stats.borda_points[j]) if counted else None,
                borda_rank=float(stats.borda_ranks[j]) if counted else math.nan,
                rank_p05=float(sens.rank_p05[j]) if counted else math.nan,
                rank_median=float(sens.rank_median[j]) if counted else math.nan,
                rank_p95=float(sens.rank_p95[j]) if counted else math.nan,
                p_top_k=float(sens.p_top_k[j]) if counted else None,
                scorers=int(scorers[j]),
                quorate=counted,
                conflicted=[arrays.members[i] for i in np.flatnonzero(arrays.conflicts[:, j])],
                criterion_means=[finite_or_none(v) for v in means[j]],
            )
        )
    # Ranked topics first, best first; then those below the quorum in round order.
    rows.sort(key=lambda row: (not row.quorate, row.rank if row.quorate else 0.0, row.entry.position))
    shares = normalise_weights(arrays.weights)
    spread = stats.criterion_spread
    criteria_rows = [
        CriterionRow(
            criterion=criterion,
            weight_share=float(shares[k]),
            mean_sd=finite_or_none(float(spread["mean_sd"].iloc[k])),
            n_proposals=int(spread["n_proposals"].iloc[k]),
            high_disagreement=bool(spread["high_disagreement"].iloc[k]),
        )
        for k, criterion in enumerate(arrays.criteria)
    ]
    raters = stats.outlying_raters
    complete = (~np.isnan(weighted_scores(arrays.scores, arrays.weights))).sum(axis=1)
    rater_rows = [
        RaterRow(
            label=user.name_or_email if names_shown else f"Member {i + 1}",
            user=user if names_shown else None,
            rho=finite_or_none(float(raters["rho"].iloc[i])),
            n_proposals=int(raters["n_proposals"].iloc[i]),
            outlying=bool(raters["outlying"].iloc[i]),
            complete=int(complete[i]),
        )
        for i, user in enumerate(arrays.members)
    ]
    return RoundResults(
        round=round_,
        arrays=arrays,
        stats=stats,
        rows=rows,
        criteria_rows=criteria_rows,
        rater_rows=rater_rows,
        top_k=top_k,
        draws=SENSITIVITY_DRAWS,
        spread=SENSITIVITY_SPREAD,
        names_shown=names_shown,
    )


# --------------------------------------------------------------------------------------------------------------
# "What if" weights
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialWeights:
    """Weights typed into the "what if" panel, with a message per criterion that was not a valid weight."""

    values: dict[int, str]
    weights: list[float] | None
    errors: dict[int, str]
    summary_error: str = ""

    @property
    def valid(self) -> bool:
        return self.weights is not None


def parse_trial_weights(criteria: list[Criterion], submitted: Mapping[str, str]) -> TrialWeights:
    """Read ``weight-<criterion id>`` values; a missing one keeps the round's own weight."""
    values: dict[int, str] = {}
    errors: dict[int, str] = {}
    weights: list[float] = []
    for criterion in criteria:
        raw = (submitted.get(f"weight-{criterion.id}") or "").strip()
        values[criterion.id] = raw if raw else f"{criterion.weight:g}"
        if not raw:
            weights.append(criterion.weight)
            continue
        try:
            weight = float(raw)
        except ValueError:
            errors[criterion.id] = f"Weight for {criterion.name} must be a number"
            continue
        if not math.isfinite(weight) or not 0 <= weight <= TRIAL_WEIGHT_MAX:
            errors[criterion.id] = f"Weight for {criterion.name} must be between 0 and {TRIAL_WEIGHT_MAX:g}"
            continue
        weights.append(weight)
    if errors:
        return TrialWeights(values, None, errors)
    if not any(w > 0 for w in weights):
        return TrialWeights(values, None, errors, "At least one weight must be greater than 0")
    return TrialWeights(values, weights, errors)


@dataclass(frozen=True)
class WhatIfRow:
    """A proposal's rank with the trial weights beside its rank with the round's weights."""

    entry: RoundProposal
    score: float | None
    rank: float
    base_rank: float

    @property
    def movement(self) -> float:
        """Places gained (positive) or lost (negative) against the round's own weights."""
        return self.base_rank - self.rank


def what_if(arrays: RoundArrays, weights: list[float]) -> list[WhatIfRow]:
    """Re-rank the proposals with trial weights (instant: no Monte-Carlo)."""
    ranked = arrays.ranked_scores
    base = reweighted_ranking(ranked, arrays.weights)
    trial = reweighted_ranking(ranked, np.asarray(weights, dtype=float))
    quorate = arrays.quorate
    rows = [
        WhatIfRow(
            entry=entry,
            score=finite_or_none(trial.mean_scores[j]) if quorate[j] else None,
            rank=float(trial.ranks[j]) if quorate[j] else math.nan,
            base_rank=float(base.ranks[j]) if quorate[j] else math.nan,
        )
        for j, entry in enumerate(arrays.entries)
    ]
    return sorted(
        rows, key=lambda row: (row.score is None, row.rank if row.score is not None else 0.0, row.entry.position)
    )


# --------------------------------------------------------------------------------------------------------------
# Individual scores (chair and analysts while open; members too once closed)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndividualRow:
    """One member's scores for one proposal."""

    member: User
    conflict: bool
    weighted: float | None
    values: list[int | None]
    comments: list[str]


def individual_scores(arrays: RoundArrays) -> list[tuple[RoundProposal, list[IndividualRow]]]:
    """Each proposal with every member's scores, weighted total and comments."""
    member_totals = weighted_scores(arrays.scores, arrays.weights)
    out = []
    for j, entry in enumerate(arrays.entries):
        rows = []
        for i, member in enumerate(arrays.members):
            values = [None if math.isnan(v) else int(v) for v in arrays.scores[i, j]]
            rows.append(
                IndividualRow(
                    member=member,
                    conflict=bool(arrays.conflicts[i, j]),
                    weighted=finite_or_none(member_totals[i, j]),
                    values=values,
                    comments=[arrays.comments.get((i, j, k), "") for k in range(len(arrays.criteria))],
                )
            )
        out.append((entry, rows))
    return out


def tied_ranks(ranks: Iterable[float | None]) -> frozenset[float]:
    """The ranks of one ranking that more than one topic holds. Tied topics share the mean of their places, so three
    topics tied for the top are each ranked 2: that rank is whole, and only this tells it apart from a topic alone in
    second place."""
    counts = Counter(float(rank) for rank in ranks if rank is not None and not math.isnan(rank))
    return frozenset(rank for rank, count in counts.items() if count > 1)


def rank_text(value: float | None, tied: Collection[float] = frozenset()) -> str:
    """A rank for people: "3", or "3.5 (tied)" / "2 (tied)" when topics share places (``tied``: the ranking's
    ``tied_ranks``; a rank between two places is always a tie)."""
    if value is None or math.isnan(value):
        return "Not ranked"
    if float(value).is_integer() and float(value) not in tied:
        return str(int(value))
    return f"{value:g} (tied)"
