"""Tests for portal.stats.prioritisation against hand-worked and published values, plus property tests."""

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

import portal.stats.concordance as concordance
from portal.stats.prioritisation import (
    CHI_SQUARE,
    EXACT,
    PERMUTATION,
    PERMUTATIONS,
    KendallW,
    PrioritisationResults,
    borda_ranking,
    compute_results,
    concordance_p_value,
    criterion_spread,
    kendalls_w,
    mean_weighted_scores,
    normalise_weights,
    outlying_raters,
    rank_descending,
    reweighted_ranking,
    spearman_rho,
    weight_sensitivity,
    weighted_scores,
)

NAN = np.nan
# No example database: the suite must not write into the working tree.
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, database=None)


# --- hand-checked values ------------------------------------------------------------------------------------------


def test_normalise_weights_sums_to_one() -> None:
    """Weights 1, 1, 2 become quarters, quarters and a half."""
    np.testing.assert_allclose(normalise_weights([1, 1, 2]), [0.25, 0.25, 0.5])


@pytest.mark.parametrize("weights", [[0, 0, 0], [1, -1, 2], [], [1, np.inf], [[1, 2]]])
def test_normalise_weights_rejects_unusable_weights(weights: list[float]) -> None:
    """All-zero, negative, empty, infinite and 2-D weights are refused."""
    with pytest.raises(ValueError):
        normalise_weights(weights)


def test_weighted_scores_and_means_by_hand() -> None:
    """Weights 1:3 normalise to 0.25/0.75; a partly scored proposal is incomplete for that member."""
    scores = np.array(
        [
            [[4, 2], [NAN, NAN]],  # member 0: 0.25·4 + 0.75·2 = 2.5; proposal 1 not scored (conflict)
            [[5, NAN], [1, 5]],  # member 1: proposal 0 incomplete → NaN; 0.25·1 + 0.75·5 = 4.0
        ]
    )
    np.testing.assert_allclose(weighted_scores(scores, [1, 3]), [[2.5, NAN], [NAN, 4.0]])
    np.testing.assert_allclose(mean_weighted_scores(scores, [1, 3]), [2.5, 4.0])


def test_mean_weighted_scores_is_nan_for_an_unscored_proposal() -> None:
    """A proposal nobody scored has no mean (and no warning)."""
    scores = np.array([[[3.0], [NAN]], [[5.0], [NAN]]])
    np.testing.assert_allclose(mean_weighted_scores(scores, [1]), [4.0, NAN])


def test_rank_descending_averages_ties_and_puts_nan_last() -> None:
    """[3, 1, 3, NaN, 2]: the two 3s share ranks 1–2 → 1.5; 2 → 3; 1 → 4; NaN → 5."""
    np.testing.assert_array_equal(rank_descending([3, 1, 3, NAN, 2]), [1.5, 4, 1.5, 5, 3])


def test_borda_by_hand() -> None:
    """Points = proposals the member ranked below it, ties averaged, unscored proposals get nothing."""
    member_scores = np.array(
        [
            [4, 3, 3, 1, NAN],  # ranks 1, 2.5, 2.5, 4 of 4 → points 3, 1.5, 1.5, 0
            [2, 5, NAN, 1, NAN],  # scored 3: ranks 2, 1, –, 3 → points 1, 2, 0, 0
            [5, 4, 3, 2, NAN],  # ranks 1, 2, 3, 4 → points 3, 2, 1, 0
        ]
    )
    points, ranks = borda_ranking(member_scores)
    # Totals 3+1+3 = 7, 1.5+2+2 = 5.5, 1.5+0+1 = 2.5, 0; nobody scored proposal 4.
    np.testing.assert_allclose(points, [7, 5.5, 2.5, 0, NAN])
    np.testing.assert_array_equal(ranks, [1, 2, 3, 4, 5])


def test_borda_tied_totals_share_the_rank() -> None:
    """Two members with opposite orders give every proposal n−1 = 2 points, so all tie at rank 2."""
    points, ranks = borda_ranking(np.array([[3, 2, 1], [1, 2, 3]]))
    np.testing.assert_allclose(points, [2, 2, 2])
    np.testing.assert_array_equal(ranks, [2, 2, 2])


def test_spearman_without_ties() -> None:
    """d = −1, 1, −1, 1, 0 so Σd² = 4 and rho = 1 − 6·4 / (5·(25 − 1)) = 1 − 24/120 = 0.8."""
    assert spearman_rho([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)


def test_spearman_with_ties_and_missing_pairs() -> None:
    """Pearson on ranks: deviations (−1.5, −.5, .5, 1.5) and (−1, −1, .5, 1.5) give 4.5 / √(5·4.5) = √0.9."""
    assert spearman_rho([1, 2, 3, 4, NAN], [1.5, 1.5, 3, 4, 2]) == pytest.approx(np.sqrt(0.9))


def test_spearman_of_constant_input_is_nan() -> None:
    """A constant ranking has no correlation; NaN is returned without scipy's warning."""
    assert np.isnan(spearman_rho([1, 1, 1], [1, 2, 3]))


def test_kendalls_w_textbook_example_without_ties() -> None:
    """Three judges ranking six objects (the executives/applicants example reproduced from Siegel 1956): W = .16.

    Rank sums R = 8, 14, 11, 11, 11, 8; mean m(n+1)/2 = 10.5; S = 6.25+12.25+.25+.25+.25+6.25 = 25.5.
    W = 12·25.5 / (3²·(6³−6)) = 306 / 1890 = 0.161905; chi2 = m(n−1)W = 15·W = 2.428571 on 5 df.
    """
    ranks = np.array([[1, 6, 3, 2, 5, 4], [1, 5, 6, 4, 2, 3], [6, 3, 2, 5, 4, 1]], dtype=float)
    # kendalls_w takes scores (high = good); reversing every member's order leaves S, and so W, unchanged.
    result = kendalls_w(ranks)
    assert result.w == pytest.approx(306 / 1890)
    assert result.chi2 == pytest.approx(15 * 306 / 1890)
    assert (result.df, result.m, result.n) == (5, 3, 6)
    # Six topics: the p-value is a permutation one, not the chi-squared approximation (which 3 members do not justify).
    assert result.method in (EXACT, PERMUTATION)
    assert result.p_value == pytest.approx(_enumerated_p(ranks), abs=4 * np.sqrt(0.25 / PERMUTATIONS))


def test_kendalls_w_with_ties_by_hand() -> None:
    """Scores give ranks (1, 2.5, 2.5, 4), (1, 2, 3, 4), (2, 1, 3.5, 3.5).

    R = 4, 5.5, 9, 11.5; mean 7.5; S = 12.25 + 4 + 2.25 + 16 = 34.5. Two members each have one pair tied: T = 2³−2 = 6
    each, ΣT = 12. W = 12·34.5 / (3²·(4³−4) − 3·12) = 414 / (540 − 36) = 414/504 = 23/28 = 0.821429.
    chi2 = 3·3·W = 207/28 = 7.392857 on 3 df.
    """
    scores = np.array([[5, 4, 4, 1], [4, 3, 2, 1], [4, 5, 2, 2]], dtype=float)
    result = kendalls_w(scores)
    assert result.w == pytest.approx(23 / 28)
    assert result.chi2 == pytest.approx(207 / 28)
    assert result.method == EXACT
    assert result.p_value == pytest.approx(_enumerated_p(scores))


def test_kendalls_w_published_example_with_ties() -> None:
    """The anxiety data (3 raters × 20 subjects, many ties) from the R package irr: kendall(anxiety, correct=TRUE).

    irr reports Wt = 0.54, Chisq(19) = 30.8, p-value = 0.0429.
    """
    anxiety = np.array(
        [
            [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3],
            [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4],
            [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2],
        ],
        dtype=float,
    )
    result = kendalls_w(anxiety)
    assert round(result.w, 2) == 0.54
    assert round(result.chi2, 1) == 30.8
    assert round(result.p_value, 4) == 0.0429
    assert result.method == CHI_SQUARE and result.can_test
    assert (result.df, result.m, result.n) == (19, 3, 20)
    # The tie-corrected Friedman statistic is m(n−1)W, an independent implementation of the same quantity.
    assert result.chi2 == pytest.approx(stats.friedmanchisquare(*anxiety.T).statistic)


def _enumerated_p(scores: npt.ArrayLike) -> float:
    """Exhaustive enumeration: every order of every member's ranks (all n! of them), counting S ≥ the observed S.

    An independent implementation (ranks from scipy, S = Σ(R − mean R)², whose tail is W's tail since W is S over a
    constant fixed by each member's ties). The first member's order is kept: reordering every member the same way
    leaves S unchanged, so this only divides both counts by n!.
    """
    ranks = np.array([stats.rankdata(-row) for row in np.asarray(scores, dtype=float)])
    orders = np.array(list(itertools.permutations(range(ranks.shape[1]))))
    sums = ranks[:1]
    for row in ranks[1:]:
        sums = (sums[:, None, :] + row[orders][None, :, :]).reshape(-1, ranks.shape[1])
    spread = ((sums - sums.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    observed = ((ranks.sum(axis=0) - ranks.sum(axis=0).mean()) ** 2).sum()
    return float(np.mean(spread >= observed - 1e-9))


def test_the_example_rounds_two_topics_get_exact_p_values_and_no_claim() -> None:
    """Issue 16's rounds: with one conflict only 2 topics remain. Five members agree (round 1): W = 1, chi-squared
    p = 0.025, exact p = 2/2⁵ = 0.0625. Four agree and one ties (round 2): W = 0.8, chi-squared p = 0.046, exact p =
    2/2⁴ = 0.125. Neither claims agreement beyond chance: 2 topics are too few to test."""
    round_1 = np.array([[4.2, 3.1]] * 5)
    result = kendalls_w(round_1)
    assert result.w == pytest.approx(1.0) and result.chi2 == pytest.approx(5.0)
    assert stats.chi2.sf(result.chi2, 1) == pytest.approx(0.0253, abs=1e-4)  # what the page used to claim
    assert (result.method, result.p_value) == (EXACT, pytest.approx(0.0625))
    assert result.p_value == pytest.approx(_enumerated_p(round_1))
    assert not result.can_test
    assert result.statement == (
        "Every member scored only 2 of the same topics, so the panel is too small to test whether members agree more "
        "than they would by chance."
    )

    round_2 = np.array([[4.2, 3.1]] * 4 + [[3.5, 3.5]])
    result = kendalls_w(round_2)
    assert result.w == pytest.approx(0.8)
    assert stats.chi2.sf(result.chi2, 1) == pytest.approx(0.0455, abs=1e-4)
    assert result.p_value == pytest.approx(0.125) == _enumerated_p(round_2)
    assert not result.can_test and "too small to test" in result.statement


@PROPERTY_SETTINGS
@given(
    st.sampled_from([(2, 2), (2, 6), (2, 9), (3, 2), (3, 4), (3, 5), (4, 2), (4, 3)]).flatmap(
        lambda shape: arrays(np.float64, (shape[1], shape[0]), elements=st.integers(1, 3).map(float))
    )
)
def test_exact_p_values_equal_exhaustive_enumeration(scores: np.ndarray) -> None:
    """On every small panel (topics × members up to 4 × 3, 3 × 5, 2 × 9), with ties, exact p = enumeration."""
    result = kendalls_w(scores)
    if result.w != result.w:
        return  # every member tied everything: nothing to test
    assert result.method == EXACT
    assert result.p_value == pytest.approx(_enumerated_p(scores), abs=1e-12)
    assert result.can_test == (scores.shape[1] >= 3)


def test_permutation_p_values_agree_with_the_exact_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forced to sample, the permutation p is within 4 standard errors of the exact p, and is never 0."""
    rng = np.random.default_rng(7)
    ranks = np.array([stats.rankdata(rng.integers(1, 6, size=4)) for _ in range(5)])
    exact, method = concordance_p_value(ranks)
    assert method == EXACT
    monkeypatch.setattr(concordance, "EXACT_MAX_WORK", 0)
    sampled, method = concordance_p_value(ranks)
    assert method == PERMUTATION
    assert sampled == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / PERMUTATIONS) + 1e-4)
    identical = np.tile(np.arange(1.0, 5.0), (6, 1))
    assert concordance_p_value(identical)[0] > 0


def test_strong_agreement_among_enough_topics_is_claimed_with_its_method() -> None:
    """Six members ranking 4 topics identically: exact p = 4!/(4!)⁶ = 1/24⁵, stated as p < 0.001 and agreement."""
    result = kendalls_w(np.tile([4.0, 3.0, 2.0, 1.0], (6, 1)))
    assert result.method == EXACT and result.can_test
    assert result.p_value == pytest.approx(24.0**-5)
    assert result.statement == (
        "An exact test, counting every way the members could have ranked the topics at random, gives p < 0.001: "
        "members agree more than they would by chance."
    )


def test_more_than_seven_topics_use_the_chi_squared_approximation() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(1, 6, size=(6, 8)).astype(float)
    result = kendalls_w(scores)
    assert result.method == CHI_SQUARE
    assert result.p_value == pytest.approx(stats.chi2.sf(result.chi2, 7))
    assert result.statement.startswith(f"The chi-squared test (chi-squared {result.chi2:.2f} on 7 degrees of freedom)")


def test_kendalls_w_drops_conflicted_proposals_and_absent_members() -> None:
    """A conflict removes that proposal for everyone; a member who scored nothing is left out."""
    scores = np.array([[5, 4, 4, 1, 3], [4, 3, 2, 1, NAN], [4, 5, 2, 2, 1], [NAN, NAN, NAN, NAN, NAN]], dtype=float)
    assert kendalls_w(scores) == kendalls_w(scores[:3, :4])
    assert kendalls_w(scores).m == 3 and kendalls_w(scores).n == 4


def test_kendalls_w_is_nan_when_nothing_can_be_ranked() -> None:
    """One member, or members who tie everything, give no W."""
    assert np.isnan(kendalls_w(np.array([[1.0, 2.0, 3.0]])).w)
    assert np.isnan(kendalls_w(np.array([[2.0, 2.0, 2.0], [4.0, 4.0, 4.0]])).w)


def test_criterion_spread_flags_the_disputed_criterion() -> None:
    """Criteria 0–2 have unanimous scores (SD 0); criterion 3 is 1/3/5 everywhere (SD 2).

    mean_sd = 0, 0, 0, 2 → mean 0.5, SD (ddof=1) √((3·0.25 + 2.25)/3) = 1, threshold 1.5: only criterion 3 is flagged.
    """
    one_member = [[3, 4, 2, 1], [2, 2, 5, 3]]
    scores = np.array([one_member, one_member, one_member], dtype=float)
    scores[:, :, 3] = np.array([1, 3, 5])[:, None]
    scores[1, 1, 0] = NAN  # two members left on that cell still give SD 0
    spread = criterion_spread(scores)
    np.testing.assert_allclose(spread["mean_sd"], [0, 0, 0, 2])
    assert spread["high_disagreement"].tolist() == [False, False, False, True]
    assert spread["n_proposals"].tolist() == [2, 2, 2, 2]


def test_outlying_rater_is_the_one_who_reverses_the_order() -> None:
    """Member 3 ranks in reverse: rho against the others' mean is −1, flagged; the rest get rho = 1."""
    agree = [[1], [2], [3], [4], [5]]
    scores = np.array([agree, agree, agree, agree[::-1]], dtype=float)
    frame = outlying_raters(scores, [1])
    np.testing.assert_allclose(frame["rho"], [1, 1, 1, -1])
    assert frame["outlying"].tolist() == [False, False, False, True]
    assert frame["n_proposals"].tolist() == [5, 5, 5, 5]


def test_sensitivity_matches_a_draw_by_draw_loop() -> None:
    """The matmul shortcut gives the same ranks as recomputing every draw, even with incomplete scorings."""
    rng = np.random.default_rng(7)
    scores = rng.integers(1, 6, size=(6, 9, 3)).astype(float)
    scores[0, 2, 1] = NAN
    scores[3, 4, :] = NAN
    weights = np.array([1.0, 2.0, 3.0])
    result = weight_sensitivity(scores, weights, draws=50, spread=0.4, seed=11, top_k=3)
    # Re-create the documented draw: one U(1−spread, 1+spread) multiplier per positive weight per draw.
    multipliers = np.random.default_rng(11).uniform(0.6, 1.4, size=(50, 3))
    loop_ranks = np.array([reweighted_ranking(scores, weights * row).ranks for row in multipliers])
    np.testing.assert_array_equal(result.rank_min, loop_ranks.min(axis=0))
    np.testing.assert_array_equal(result.rank_max, loop_ranks.max(axis=0))
    np.testing.assert_allclose(result.p_top_k, (loop_ranks <= 3).mean(axis=0))
    np.testing.assert_array_equal(result.base_rank, reweighted_ranking(scores, weights).ranks)


@pytest.mark.parametrize(("kwargs"), [{"draws": 0}, {"spread": 1.0}, {"spread": -0.1}, {"top_k": 0}])
def test_sensitivity_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    """Zero draws, a spread that could zero a weight, and top_k below 1 are refused."""
    with pytest.raises(ValueError):
        weight_sensitivity(np.ones((2, 3, 2)), [1, 1], **kwargs)  # type: ignore[arg-type]


def test_compute_results_bundles_everything() -> None:
    """The bundle is consistent with the individual functions."""
    rng = np.random.default_rng(3)
    scores = rng.integers(1, 6, size=(5, 7, 4)).astype(float)
    scores[1, 2, :] = NAN
    weights = [3, 1, 1, 2]
    results = compute_results(scores, weights, draws=100, seed=1, top_k=3)
    assert isinstance(results, PrioritisationResults)
    assert isinstance(results.kendall, KendallW)
    np.testing.assert_allclose(results.mean_scores, mean_weighted_scores(scores, weights))
    np.testing.assert_array_equal(results.ranks, reweighted_ranking(scores, weights).ranks)
    np.testing.assert_array_equal(results.borda_ranks, borda_ranking(weighted_scores(scores, weights)).ranks)
    assert results.spearman_mean_vs_borda == pytest.approx(spearman_rho(results.ranks, results.borda_ranks))
    assert results.kendall == kendalls_w(weighted_scores(scores, weights))
    assert list(results.criterion_spread.index) == [0, 1, 2, 3]
    assert len(results.outlying_raters) == 5
    table = results.proposal_table()
    assert len(table) == 7 and {"mean_score", "rank", "borda_rank", "p_top_k"} <= set(table.columns)
    assert ((table["rank_p05"] <= table["rank_p95"]) & table["p_top_k"].between(0, 1)).all()


# --- properties ---------------------------------------------------------------------------------------------------


@st.composite
def scoring_rounds(draw: st.DrawFn) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Draw integer 1–5 scores with occasional whole-proposal conflicts, and positive weights."""
    members, proposals, criteria = draw(st.integers(2, 6)), draw(st.integers(2, 8)), draw(st.integers(1, 4))
    scores = draw(arrays(np.float64, (members, proposals, criteria), elements=st.sampled_from([1.0, 2, 3, 4, 5])))
    conflicts = draw(arrays(np.bool_, (members, proposals), elements=st.sampled_from([False, False, False, True])))
    scores[conflicts] = NAN
    weights = draw(arrays(np.float64, criteria, elements=st.floats(0.1, 10)))
    return scores, weights


def _assert_same_results(a: PrioritisationResults, b: PrioritisationResults) -> None:
    np.testing.assert_allclose(a.member_scores, b.member_scores)
    np.testing.assert_allclose(a.mean_scores, b.mean_scores)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.borda_points, b.borda_points)
    np.testing.assert_array_equal(a.borda_ranks, b.borda_ranks)
    np.testing.assert_allclose(a.kendall.w, b.kendall.w)
    np.testing.assert_allclose(a.outlying_raters["rho"], b.outlying_raters["rho"])
    np.testing.assert_array_equal(a.sensitivity.to_frame(), b.sensitivity.to_frame())


@PROPERTY_SETTINGS
@given(scoring_rounds(), st.floats(0.01, 100))
def test_scaling_weights_changes_nothing(
    round_: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]], factor: float
) -> None:
    """Only relative weights matter."""
    scores, weights = round_
    original = compute_results(scores, weights, draws=50, seed=5)
    _assert_same_results(original, compute_results(scores, weights * factor, draws=50, seed=5))
    np.testing.assert_allclose(original.weights, normalise_weights(weights * factor))


@PROPERTY_SETTINGS
@given(arrays(np.float64, st.integers(2, 10), elements=st.sampled_from([1.0, 2, 3, 4, 5])), st.integers(2, 8))
def test_identical_raters_have_perfect_concordance(row: npt.NDArray[np.float64], members: int) -> None:
    """Members who all give the same scores agree completely, ties included."""
    if np.all(row == row[0]):
        assert np.isnan(kendalls_w(np.tile(row, (members, 1))).w)
    else:
        assert kendalls_w(np.tile(row, (members, 1))).w == pytest.approx(1.0)


@PROPERTY_SETTINGS
@given(scoring_rounds(), st.data())
def test_zero_weight_criterion_has_no_effect(
    round_: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]], data: st.DataObject
) -> None:
    """Adding a criterion with weight 0, whatever its scores (missing included), changes no score or rank."""
    scores, weights = round_
    members, proposals, criteria = scores.shape
    extra = data.draw(arrays(np.float64, (members, proposals, 1), elements=st.sampled_from([NAN, 1.0, 3.0, 5.0])))
    at = data.draw(st.integers(0, criteria))
    widened = np.concatenate([scores[:, :, :at], extra, scores[:, :, at:]], axis=2)
    widened_weights = np.insert(weights, at, 0.0)
    np.testing.assert_allclose(weighted_scores(widened, widened_weights), weighted_scores(scores, weights))
    _assert_same_results(
        compute_results(scores, weights, draws=50, seed=2), compute_results(widened, widened_weights, draws=50, seed=2)
    )


@PROPERTY_SETTINGS
@given(scoring_rounds())
def test_no_spread_gives_zero_width_intervals(round_: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]) -> None:
    """With spread=0 every draw uses the nominal weights, so every draw gives the base rank."""
    result = weight_sensitivity(*round_, draws=30, spread=0.0, seed=1)
    np.testing.assert_array_equal(result.rank_p95 - result.rank_p05, 0)
    np.testing.assert_array_equal(result.rank_max - result.rank_min, 0)
    np.testing.assert_array_equal(result.rank_median, result.base_rank)


@PROPERTY_SETTINGS
@given(scoring_rounds(), st.integers(0, 2**32 - 1))
def test_same_seed_same_result(round_: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]], seed: int) -> None:
    """The Monte-Carlo is reproducible from its seed."""
    first = weight_sensitivity(*round_, draws=40, seed=seed)
    np.testing.assert_array_equal(first.to_frame(), weight_sensitivity(*round_, draws=40, seed=seed).to_frame())
