"""Results: the database rows become the arrays the statistics expect, and the numbers are the statistics' own."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from portal.prioritisation import published, results, services
from portal.prioritisation.services import ScoreEntry
from portal.stats.prioritisation import compute_results, reweighted_ranking
from tests.prioritisation.conftest import RoundSetup, score_all

# values[member][proposal][criterion]; 0 = not scored. Member 3 leaves topic D half done.
VALUES = [
    [[5, 4, 4, 3, 5, 4, 3, 4], [2, 2, 3, 2, 2, 3, 2, 2], [4, 4, 5, 4, 3, 4, 4, 5], [3, 3, 2, 3, 3, 2, 3, 3]],
    [[4, 5, 4, 4, 4, 5, 4, 4], [3, 2, 2, 3, 2, 2, 3, 3], [0, 0, 0, 0, 0, 0, 0, 0], [2, 3, 3, 2, 3, 3, 2, 2]],
    [[5, 5, 5, 4, 4, 4, 5, 5], [1, 2, 1, 2, 1, 2, 1, 1], [5, 4, 4, 5, 5, 4, 4, 4], [4, 4, 4, 0, 0, 0, 0, 0]],
]


@pytest.fixture
def scored(round_setup: Callable[..., RoundSetup]) -> RoundSetup:
    """Three members score four topics; member 2 declares a conflict in topic C."""
    setup = round_setup(members=3, proposals=4, top_k=2)
    services.declare_conflict(setup.round.id, setup.proposals[2].id, setup.members[1].id, "I run this service")
    score_all(setup, VALUES)
    return setup


def _expected_scores() -> np.ndarray:
    array = np.array(VALUES, dtype=float)
    array[array == 0] = np.nan
    return array


def test_rows_become_the_arrays_the_statistics_expect(scored: RoundSetup) -> None:
    arrays = results.load_arrays(scored.round)
    assert [u.id for u in arrays.members] == [m.id for m in scored.members]
    assert [e.proposal_id for e in arrays.entries] == [p.id for p in scored.proposals]
    assert [c.id for c in arrays.criteria] == [c.id for c in scored.criteria]
    np.testing.assert_array_equal(arrays.scores, _expected_scores())
    assert arrays.conflicts.tolist() == [[False] * 4, [False, False, True, False], [False] * 4]
    np.testing.assert_array_equal(arrays.weights, np.ones(8))


def test_results_are_the_statistics_functions_own_numbers(scored: RoundSetup) -> None:
    computed = results.compute_round_results(scored.round, names_shown=True)
    expected = compute_results(
        _expected_scores(),
        np.ones(8),
        draws=results.SENSITIVITY_DRAWS,
        spread=results.SENSITIVITY_SPREAD,
        seed=results.SENSITIVITY_SEED,
        top_k=2,
    )
    by_proposal = {row.entry.proposal_id: row for row in computed.rows}
    for j, proposal in enumerate(scored.proposals):
        row = by_proposal[proposal.id]
        assert row.mean_score == pytest.approx(expected.mean_scores[j])
        assert row.rank == expected.ranks[j]
        assert row.borda_points == pytest.approx(expected.borda_points[j])
        assert row.borda_rank == expected.borda_ranks[j]
        assert row.rank_p05 == expected.sensitivity.rank_p05[j]
        assert row.rank_p95 == expected.sensitivity.rank_p95[j]
        assert row.p_top_k == pytest.approx(expected.sensitivity.p_top_k[j])
    assert computed.stats.kendall.w == pytest.approx(expected.kendall.w)
    assert computed.stats.kendall.p_value == pytest.approx(expected.kendall.p_value)
    assert computed.stats.spearman_mean_vs_borda == pytest.approx(expected.spearman_mean_vs_borda)
    assert [r.mean_sd for r in computed.criteria_rows] == pytest.approx(list(expected.criterion_spread["mean_sd"]))
    assert [r.rho for r in computed.rater_rows] == pytest.approx(list(expected.outlying_raters["rho"]), nan_ok=True)
    # Best first; topic A (everyone scored it highly) leads.
    assert computed.rows[0].entry.proposal_id == scored.proposals[0].id
    assert [row.rank for row in computed.rows] == sorted(row.rank for row in computed.rows)


def test_conflicts_and_incomplete_scorings_are_counted_not_guessed(scored: RoundSetup) -> None:
    computed = results.compute_round_results(scored.round, names_shown=True)
    by_proposal = {row.entry.proposal_id: row for row in computed.rows}
    topic_c, topic_d = by_proposal[scored.proposals[2].id], by_proposal[scored.proposals[3].id]
    assert [u.id for u in topic_c.conflicted] == [scored.members[1].id]
    assert topic_c.scorers == 2
    assert topic_d.scorers == 2, "a member who scored only some weighted criteria does not count"
    assert topic_d.mean_score == pytest.approx((22 / 8 + 20 / 8) / 2)  # the two complete scorings only
    assert computed.conflicts_declared == 1


def test_raters_are_numbered_unless_names_may_be_shown(scored: RoundSetup) -> None:
    hidden = results.compute_round_results(scored.round, names_shown=False)
    shown = results.compute_round_results(scored.round, names_shown=True)
    assert [r.label for r in hidden.rater_rows] == ["Member 1", "Member 2", "Member 3"]
    assert all(r.user is None for r in hidden.rater_rows)
    assert [r.label for r in shown.rater_rows] == [m.display_name for m in scored.members]


def test_what_if_re_ranks_with_trial_weights(scored: RoundSetup) -> None:
    arrays = results.load_arrays(scored.round)
    trial = [0, 0, 0, 0, 0, 0, 0, 1.0]  # only public concern counts
    rows = results.what_if(arrays, trial)
    expected = reweighted_ranking(_expected_scores(), np.array(trial))
    base = reweighted_ranking(_expected_scores(), np.ones(8))
    for row in rows:
        j = [e.proposal_id for e in arrays.entries].index(row.entry.proposal_id)
        assert row.rank == expected.ranks[j] and row.base_rank == base.ranks[j]
        assert row.movement == base.ranks[j] - expected.ranks[j]
        assert (row.score is None and math.isnan(expected.mean_scores[j])) or row.score == pytest.approx(
            expected.mean_scores[j]
        )


def test_trial_weights_are_checked(scored: RoundSetup) -> None:
    criteria = list(scored.round.criteria_set.criteria)
    first, second = criteria[0], criteria[1]
    kept = results.parse_trial_weights(criteria, {f"weight-{first.id}": "2.5"})
    assert kept.valid and kept.weights == [2.5] + [1.0] * 7
    bad = results.parse_trial_weights(criteria, {f"weight-{first.id}": "lots", f"weight-{second.id}": "-1"})
    assert not bad.valid
    assert bad.errors == {
        first.id: "Weight for Size of the problem must be a number",
        second.id: "Weight for Severity and impact on health must be between 0 and 100",
    }
    assert bad.values[first.id] == "lots", "what was typed is kept"
    zeros = results.parse_trial_weights(criteria, {f"weight-{c.id}": "0" for c in criteria})
    assert zeros.summary_error == "At least one weight must be greater than 0"


def test_public_rows_hide_a_score_fewer_than_two_members_gave(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup(members=2, proposals=2)
    full = {c.id: ScoreEntry(4) for c in setup.criteria}
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.members[0].id, full)
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.members[1].id, full)
    services.save_scores(setup.round.id, setup.proposals[1].id, setup.members[0].id, full)
    rows = {row.entry.proposal_id: row for row in published.public_rows(setup.round)}
    assert rows[setup.proposals[0].id].score == pytest.approx(4.0)
    assert rows[setup.proposals[1].id].score is None and rows[setup.proposals[1].id].scorers == 1


@pytest.mark.parametrize(("rank", "text"), [(1.0, "1"), (3.5, "3.5 (tied)"), (float("nan"), "Not ranked")])
def test_rank_text(rank: float, text: str) -> None:
    assert results.rank_text(rank) == text


def test_a_rank_shared_by_an_odd_number_of_topics_still_says_it_is_tied() -> None:
    # Tied topics share the mean of their places: three tied for the top are each ranked 2, two for 4th–5th 4.5.
    ranks = [2.0, 2.0, 2.0, 4.5, 4.5, 6.0, math.nan]
    tied = results.tied_ranks(ranks)
    assert tied == {2.0, 4.5}
    assert [results.rank_text(rank, tied) for rank in ranks] == [
        "2 (tied)", "2 (tied)", "2 (tied)", "4.5 (tied)", "4.5 (tied)", "6", "Not ranked"
    ]  # fmt: skip
    assert results.rank_text(2.0) == "2", "without the ranking, a whole rank reads as a single place"
