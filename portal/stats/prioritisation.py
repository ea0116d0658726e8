"""Criteria-based prioritisation statistics for steering-group scoring of JSNA topic proposals.

Inputs are plain numpy arrays:

* ``scores`` shaped (members, proposals, criteria), on an integer scale such as 1–5, with NaN where a member did not
  score (for example a declared conflict of interest);
* ``weights`` shaped (criteria,), any non-negative values with a positive total (they are normalised to sum to 1).

A member's score for a proposal is complete only when every criterion with a positive weight was scored; criteria
with weight 0 are ignored everywhere, so adding one changes nothing. Ranks are 1 = best, ties share the average rank,
and values that agree to ``TIE_DECIMALS`` decimal places count as ties so floating-point noise from weight arithmetic
cannot split a genuine tie.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from portal.stats.concordance import EXACT, PERMUTATION, PERMUTATIONS, concordance_p_value

FloatArray = npt.NDArray[np.float64]

TIE_DECIMALS = 9
OUTLIER_RHO = 0.3
# Agreement test: exact (every arrangement counted) or by random permutations up to this many topics, chi-squared
# beyond; with fewer than MIN_TOPICS_TO_TEST topics no significance is claimed.
EXACT_MAX_TOPICS = 7
MIN_TOPICS_TO_TEST = 3
SIGNIFICANCE = 0.05
CHI_SQUARE = "chi-square"


class KendallW(NamedTuple):
    """Kendall's coefficient of concordance with its significance test, over the m members and n proposals used.

    ``p_value`` comes from ``method``: "exact" (every arrangement of each member's ranks counted), "permutation"
    (``PERMUTATIONS`` random arrangements) or "chi-square" (m(n−1)W on n−1 degrees of freedom, reported as ``chi2``
    whatever the method). ``can_test`` is False with fewer than 3 topics: ``statement`` then says the panel is too
    small to test rather than claiming (or denying) agreement beyond chance.
    """

    w: float
    chi2: float
    df: int
    p_value: float
    m: int
    n: int
    method: str = CHI_SQUARE
    can_test: bool = False
    statement: str = ""


class BordaResult(NamedTuple):
    """Borda points summed over members and the ranks they imply."""

    points: FloatArray
    ranks: FloatArray


class WeightedRanking(NamedTuple):
    """Mean weighted score per proposal and its rank."""

    mean_scores: FloatArray
    ranks: FloatArray


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Per-proposal rank stability under Monte-Carlo perturbation of the criterion weights."""

    draws: int
    spread: float
    top_k: int
    base_rank: FloatArray
    rank_p05: FloatArray
    rank_median: FloatArray
    rank_p95: FloatArray
    rank_min: FloatArray
    rank_max: FloatArray
    p_top_k: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """Return one row per proposal with the rank interval and the top-k probability."""
        frame = pd.DataFrame(
            {
                "base_rank": self.base_rank,
                "rank_p05": self.rank_p05,
                "rank_median": self.rank_median,
                "rank_p95": self.rank_p95,
                "rank_min": self.rank_min,
                "rank_max": self.rank_max,
                "p_top_k": self.p_top_k,
            }
        )
        frame.index.name = "proposal"
        return frame


@dataclass(frozen=True, eq=False)
class PrioritisationResults:
    """Everything the prioritisation results page shows, computed from one set of scores and weights."""

    weights: FloatArray
    member_scores: FloatArray
    mean_scores: FloatArray
    ranks: FloatArray
    borda_points: FloatArray
    borda_ranks: FloatArray
    spearman_mean_vs_borda: float
    kendall: KendallW
    criterion_spread: pd.DataFrame
    outlying_raters: pd.DataFrame
    sensitivity: SensitivityResult

    def proposal_table(self) -> pd.DataFrame:
        """Return one row per proposal joining the score, Borda and sensitivity results."""
        frame = pd.DataFrame(
            {
                "mean_score": self.mean_scores,
                "rank": self.ranks,
                "borda_points": self.borda_points,
                "borda_rank": self.borda_ranks,
                "rank_p05": self.sensitivity.rank_p05,
                "rank_p95": self.sensitivity.rank_p95,
                "p_top_k": self.sensitivity.p_top_k,
            }
        )
        frame.index.name = "proposal"
        return frame


def normalise_weights(weights: npt.ArrayLike) -> FloatArray:
    """Scale non-negative criterion weights so they sum to 1."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty 1-D array")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    if np.any(w < 0):
        raise ValueError("weights must not be negative")
    total = w.sum()
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    return w / total


def weighted_scores(scores: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Return each member's weighted score per proposal, NaN where the member's scoring is incomplete."""
    s, w = _validate(scores, weights)
    return _weighted(s, w)


def mean_weighted_scores(scores: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Return the mean over members of the weighted score per proposal, ignoring incomplete scorings."""
    return _nanmean_axis0(weighted_scores(scores, weights))


def rank_descending(values: npt.ArrayLike) -> FloatArray:
    """Rank values with 1 = highest, average ranks for ties, and NaN values sharing the last places."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError("values must be 1-D")
    ranks = np.empty_like(v)
    present = ~np.isnan(v)
    n_present = int(present.sum())
    ranks[present] = stats.rankdata(-v[present], method="average")
    ranks[~present] = (n_present + 1 + v.size) / 2
    return ranks


def borda_ranking(member_proposal_scores: npt.ArrayLike) -> BordaResult:
    """Sum Borda points (proposals ranked below, ties averaged) over members and rank proposals by them.

    A member gives no points to a proposal they did not score, so a proposal with declared conflicts can collect fewer
    points than one everybody scored (the mean-score ranking has no such bias); proposals nobody scored get NaN.
    """
    x = _as_member_matrix(member_proposal_scores)
    missing = np.isnan(x)
    if x.size == 0:
        points = np.zeros(x.shape[1])
    else:
        member_ranks = stats.rankdata(-_for_ranking(x), axis=1, method="average", nan_policy="omit")
        n_scored = (~missing).sum(axis=1, keepdims=True)
        points = np.where(missing, 0.0, n_scored - member_ranks).sum(axis=0)
    points[missing.all(axis=0)] = np.nan
    return BordaResult(points=points, ranks=rank_descending(points))


def spearman_rho(rank_a: npt.ArrayLike, rank_b: npt.ArrayLike) -> float:
    """Return Spearman's rho (scipy semantics, ties averaged) over pairs where both values are present."""
    a = np.asarray(rank_a, dtype=float)
    b = np.asarray(rank_b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("rank_a and rank_b must be 1-D arrays of the same length")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    # scipy warns (an error under our test settings) and returns NaN for constant input; return NaN quietly instead.
    if a.size < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    return float(stats.spearmanr(a, b).statistic)


def kendalls_w(member_proposal_scores: npt.ArrayLike) -> KendallW:
    """Return tie-corrected Kendall's W for members (rows) ranking proposals (columns), with its significance test.

    Members who scored nothing are left out. Then only proposals scored by every remaining member are used, so each
    member ranks the same set: a conflict of interest removes that proposal from W rather than removing the member.
    ``m`` and ``n`` report what was actually used. W = 12S / (m²(n³−n) − mΣT), T = Σ(t³−t) per member,
    chi2 = m(n−1)W on n−1 degrees of freedom. Up to ``EXACT_MAX_TOPICS`` topics the p-value is the exact permutation
    p (the chance, if every member ranked at random keeping their own ties, of agreement at least this strong), or a
    random-permutation estimate when the exact count is too large; beyond that the chi-squared approximation.
    """
    x = _as_member_matrix(member_proposal_scores)
    x = x[~np.isnan(x).all(axis=1)]
    x = x[:, ~np.isnan(x).any(axis=0)]
    m, n = x.shape
    df = max(n - 1, 0)
    nan = float("nan")
    if m < 2 or n < 2:
        return KendallW(w=nan, chi2=nan, df=df, p_value=nan, m=m, n=n)
    rounded = _for_ranking(x)
    ranks = stats.rankdata(-rounded, axis=1, method="average")
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - m * (n + 1) / 2) ** 2).sum())
    ties = 0.0
    for row in rounded:
        counts = np.unique(row, return_counts=True)[1].astype(float)
        ties += float((counts**3 - counts).sum())
    denominator = m * m * (n**3 - n) - m * ties
    # Every member tying every proposal leaves nothing to agree on.
    if denominator <= 0:
        return KendallW(w=nan, chi2=nan, df=df, p_value=nan, m=m, n=n)
    w = 12 * s / denominator
    chi2 = m * (n - 1) * w
    if n <= EXACT_MAX_TOPICS:
        p_value, method = concordance_p_value(ranks)
    else:
        p_value, method = float(stats.chi2.sf(chi2, df)), CHI_SQUARE
    can_test = n >= MIN_TOPICS_TO_TEST
    result = KendallW(w=w, chi2=chi2, df=df, p_value=p_value, m=m, n=n, method=method, can_test=can_test)
    return result._replace(statement=agreement_statement(result))


def agreement_statement(result: KendallW) -> str:
    """The agreement test in plain English, claiming significance only when the panel can be tested."""
    if result.w != result.w:
        return "Kendall's W needs at least 2 members who scored at least 2 of the same topics."
    if not result.can_test:
        return (
            f"Every member scored only {result.n} of the same topics, so the panel is too small to test whether "
            "members agree more than they would by chance."
        )
    p = "p < 0.001" if result.p_value < 0.001 else f"p = {result.p_value:.3f}"
    if result.method == EXACT:
        how = "An exact test, counting every way the members could have ranked the topics at random,"
    elif result.method == PERMUTATION:
        how = f"A permutation test, from {PERMUTATIONS:,} random rankings by every member,"
    else:
        how = f"The chi-squared test (chi-squared {result.chi2:.2f} on {result.df} degrees of freedom)"
    verdict = (
        "members agree more than they would by chance"
        if result.p_value < SIGNIFICANCE
        else "this much agreement could happen by chance"
    )
    return f"{how} gives {p}: {verdict}."


def criterion_spread(scores: npt.ArrayLike, *, criteria: list[str] | None = None) -> pd.DataFrame:
    """Return per criterion the mean over proposals of the between-member standard deviation, with a flag.

    For each proposal and criterion the sample SD (ddof=1) across the members who scored it is taken (needs two
    members); ``mean_sd`` averages those over proposals. ``high_disagreement`` marks criteria whose ``mean_sd`` is
    above the mean + 1 SD (ddof=1) of ``mean_sd`` across criteria; with fewer than three criteria nothing is flagged.
    """
    s = _as_scores(scores)
    present = ~np.isnan(s)
    filled = np.where(present, s, 0.0)
    count = present.sum(axis=0)
    mean = np.divide(filled.sum(axis=0), count, out=np.zeros(count.shape), where=count > 0)
    squares = np.where(present, (s - mean) ** 2, 0.0).sum(axis=0)
    has_sd = count >= 2
    sd = np.sqrt(np.divide(squares, count - 1, out=np.zeros(count.shape), where=has_sd))
    n_proposals = has_sd.sum(axis=0)
    mean_sd = np.full(s.shape[2], np.nan)
    np.divide(np.where(has_sd, sd, 0.0).sum(axis=0), n_proposals, out=mean_sd, where=n_proposals > 0)
    flagged = np.zeros(s.shape[2], dtype=bool)
    defined = ~np.isnan(mean_sd)
    if defined.sum() >= 3:
        threshold = mean_sd[defined].mean() + mean_sd[defined].std(ddof=1)
        flagged[defined] = mean_sd[defined] > threshold
    index = pd.Index(criteria if criteria is not None else range(s.shape[2]), name="criterion")
    if len(index) != s.shape[2]:
        raise ValueError("criteria must name every criterion")
    return pd.DataFrame({"mean_sd": mean_sd, "n_proposals": n_proposals, "high_disagreement": flagged}, index=index)


def outlying_raters(scores: npt.ArrayLike, weights: npt.ArrayLike, *, threshold: float = OUTLIER_RHO) -> pd.DataFrame:
    """Return per member Spearman's rho against the mean of the other members, flagging rho below ``threshold``.

    Rho uses the proposals where both the member and at least one other member have a complete score, and needs at
    least three of them; otherwise it is NaN and the member is not flagged.
    """
    s, w = _validate(scores, weights)
    return _outlying(_weighted(s, w), threshold)


def weight_sensitivity(
    scores: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    draws: int = 1000,
    spread: float = 0.25,
    seed: int | np.random.Generator | None = 0,
    top_k: int = 5,
) -> SensitivityResult:
    """Perturb each weight by U(1−spread, 1+spread) per draw and summarise the resulting ranks per proposal.

    Intervals are the 5th and 95th percentiles of the drawn ranks (``inverted_cdf``, so they are ranks that occurred);
    ``p_top_k`` is the share of draws with rank ≤ top_k (a proposal tied across the cut-off, e.g. rank 5.5, is out).
    """
    s, w = _validate(scores, weights)
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if not 0 <= spread < 1:
        raise ValueError("spread must be in [0, 1) so perturbed weights stay positive")
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    # Zero-weight criteria are dropped before drawing, so adding one leaves the random stream (and every result) as is.
    positive = w > 0
    s, w = s[:, :, positive], w[positive]
    # The mean over members of Σw·s equals Σw·(mean over members of s) when each member's scoring is complete, so
    # each draw is one row of a single matmul.
    complete: npt.NDArray[np.bool_] = np.asarray(~np.isnan(s).any(axis=2))
    n_complete = complete.sum(axis=0)
    rated = n_complete > 0
    criterion_means = np.where(complete[..., None], s, 0.0).sum(axis=0)[rated] / n_complete[rated, None]
    rng = np.random.default_rng(seed)
    drawn = w * rng.uniform(1 - spread, 1 + spread, size=(draws, w.size))
    drawn /= drawn.sum(axis=1, keepdims=True)
    n_proposals, n_rated = s.shape[1], int(rated.sum())
    ranks = np.full((draws, n_proposals), (n_rated + 1 + n_proposals) / 2)
    if n_rated:
        ranks[:, rated] = stats.rankdata(-_for_ranking(drawn @ criterion_means.T), axis=1, method="average")
    base = np.full(n_proposals, np.nan)
    base[rated] = criterion_means @ w
    p05, median, p95 = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf")
    return SensitivityResult(
        draws=draws,
        spread=spread,
        top_k=top_k,
        base_rank=rank_descending(_for_ranking(base)),
        rank_p05=p05,
        rank_median=median,
        rank_p95=p95,
        rank_min=ranks.min(axis=0),
        rank_max=ranks.max(axis=0),
        p_top_k=(ranks <= top_k).mean(axis=0),
    )


def reweighted_ranking(scores: npt.ArrayLike, weights: npt.ArrayLike) -> WeightedRanking:
    """Return mean weighted scores and ranks for a trial set of weights (the "what if" panel)."""
    mean = mean_weighted_scores(scores, weights)
    return WeightedRanking(mean_scores=mean, ranks=rank_descending(_for_ranking(mean)))


def compute_results(
    scores: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    draws: int = 1000,
    spread: float = 0.25,
    seed: int | np.random.Generator | None = 0,
    top_k: int = 5,
) -> PrioritisationResults:
    """Compute every prioritisation statistic for one round of scoring."""
    s, w = _validate(scores, weights)
    member = _weighted(s, w)
    mean = _nanmean_axis0(member)
    ranks = rank_descending(_for_ranking(mean))
    borda = borda_ranking(member)
    # Proposals nobody scored sit last in both rankings; leaving them out stops them inflating the agreement.
    unscored = np.isnan(mean)
    rho = spearman_rho(np.where(unscored, np.nan, ranks), np.where(unscored, np.nan, borda.ranks))
    return PrioritisationResults(
        weights=w,
        member_scores=member,
        mean_scores=mean,
        ranks=ranks,
        borda_points=borda.points,
        borda_ranks=borda.ranks,
        spearman_mean_vs_borda=rho,
        kendall=kendalls_w(member),
        criterion_spread=criterion_spread(s),
        outlying_raters=_outlying(member, OUTLIER_RHO),
        sensitivity=weight_sensitivity(s, w, draws=draws, spread=spread, seed=seed, top_k=top_k),
    )


def _as_scores(scores: npt.ArrayLike) -> FloatArray:
    s = np.asarray(scores, dtype=float)
    if s.ndim != 3:
        raise ValueError("scores must be shaped (members, proposals, criteria)")
    if np.isinf(s).any():
        raise ValueError("scores must be finite or NaN")
    return s


def _as_member_matrix(values: npt.ArrayLike) -> FloatArray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 2:
        raise ValueError("member scores must be shaped (members, proposals)")
    if np.isinf(x).any():
        raise ValueError("member scores must be finite or NaN")
    return x


def _validate(scores: npt.ArrayLike, weights: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    s = _as_scores(scores)
    w = normalise_weights(weights)
    if s.shape[2] != w.size:
        raise ValueError(f"scores have {s.shape[2]} criteria but there are {w.size} weights")
    return s, w


def _complete_mask(s: FloatArray, w: FloatArray) -> npt.NDArray[np.bool_]:
    return np.asarray(~np.isnan(s[:, :, w > 0]).any(axis=2))


def _weighted(s: FloatArray, w: FloatArray) -> FloatArray:
    result = np.nan_to_num(s) @ w
    result[~_complete_mask(s, w)] = np.nan
    return result


def _nanmean_axis0(x: FloatArray) -> FloatArray:
    # np.nanmean warns on all-NaN columns (a proposal nobody scored); that is an expected case here.
    present = ~np.isnan(x)
    count = present.sum(axis=0)
    out = np.full(x.shape[1:], np.nan)
    np.divide(np.where(present, x, 0.0).sum(axis=0), count, out=out, where=count > 0)
    return out


def _for_ranking(x: FloatArray) -> FloatArray:
    return np.round(x, TIE_DECIMALS)


def _outlying(member: FloatArray, threshold: float) -> pd.DataFrame:
    present = ~np.isnan(member)
    filled = np.where(present, member, 0.0)
    total, count = filled.sum(axis=0), present.sum(axis=0)
    rhos, pairs = [], []
    for i in range(member.shape[0]):
        others = count - present[i]
        others_mean = np.full(member.shape[1], np.nan)
        np.divide(total - filled[i], others, out=others_mean, where=others > 0)
        both = present[i] & (others > 0)
        pairs.append(int(both.sum()))
        own = np.where(both, _for_ranking(member[i]), np.nan)
        rhos.append(spearman_rho(own, _for_ranking(others_mean)) if pairs[-1] >= 3 else float("nan"))
    rho = np.asarray(rhos, dtype=float)
    frame = pd.DataFrame(
        {"rho": rho, "n_proposals": np.asarray(pairs, dtype=int), "outlying": np.nan_to_num(rho, nan=1.0) < threshold}
    )
    frame.index.name = "member"
    return frame
