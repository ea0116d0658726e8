"""Aggregation and small-group suppression (portal.stats.survey_results), worked by hand."""

from __future__ import annotations

import pytest

from portal.stats.survey_results import (
    is_suppressed,
    likert_summary,
    matrix_summary,
    multiple_choice_summary,
    net_agreement,
    number_summary,
    ranking_summary,
    single_choice_summary,
    suppressed_groups,
    text_answers,
)


def test_single_choice_counts_and_percentages_of_those_who_answered() -> None:
    summary = single_choice_summary(["Yes", "No", "Yes", None, "Nonsense", "Yes"], ["Yes", "No"])
    assert summary.base == 4
    assert summary.counts == [3, 1]
    assert [r.percent for r in summary.rows] == [75.0, 25.0]


def test_multiple_choice_base_is_people_not_ticks() -> None:
    summary = multiple_choice_summary([["GP", "Dentist"], ["GP"], [], None], ["GP", "Pharmacy", "Dentist"])
    assert summary.base == 2
    assert summary.counts == [2, 0, 1]
    assert [r.percent for r in summary.rows] == [100.0, 0.0, 50.0]


def test_likert_and_net_agreement() -> None:
    labels = ["SD", "D", "N", "A", "SA"]
    summary = likert_summary([1, 2, 3, 4, 4, 5, 5, 5, True, 9], labels)  # True and 9 are not points
    assert summary.counts == [1, 1, 1, 2, 3]
    # (2 + 3 agree − 1 + 1 disagree) / 8 = 37.5 percentage points.
    assert net_agreement(summary) == pytest.approx(37.5)
    assert net_agreement(likert_summary([], labels)) is None


def test_number_summary_with_whole_number_bins() -> None:
    stats = number_summary([1, 2, 2, 3, 10, "x", None, float("nan")], whole_numbers=True)
    assert stats.base == 5
    assert stats.mean == pytest.approx(3.6)
    assert stats.median == 2
    assert (stats.minimum, stats.maximum) == (1, 10)
    assert sum(stats.bin_counts) == 5
    assert stats.bin_edges[0] == 0.5 and stats.bin_edges[-1] == 10.5  # one bar per whole number, 1 to 10


def test_number_summary_of_one_value_and_of_none() -> None:
    assert number_summary([7.0]).bin_counts == (1,)
    assert number_summary([]).base == 0


def test_ranking_mean_positions() -> None:
    summary = ranking_summary([["A", "B", "C"], ["B", "A", "C"], ["A", "C", "B"], ["A", "B"]], ["A", "B", "C"])
    assert summary.base == 3  # the incomplete ranking is left out
    rows = {r.label: r for r in summary.rows}
    assert rows["A"].mean_rank == pytest.approx(4 / 3)
    assert rows["B"].mean_rank == pytest.approx(2.0)  # positions 2, 1, 3
    assert rows["C"].mean_rank == pytest.approx(8 / 3)  # positions 3, 3, 2
    assert rows["A"].first_count == 2
    assert [r.label for r in summary.rows] == ["A", "B", "C"]


def test_matrix_counts_per_row() -> None:
    summary = matrix_summary([{"GP": "Easy", "Dentist": "Hard"}, {"GP": "Easy"}], ["GP", "Dentist"], ["Hard", "Easy"])
    assert [(row, s.counts) for row, s in summary.rows] == [("GP", [0, 2]), ("Dentist", [1, 0])]


def test_text_answers_skip_blanks() -> None:
    assert text_answers(["  a ", "", None, 3, "b"]) == ["a", "b"]


def test_groups_under_five_are_suppressed_but_empty_ones_are_not() -> None:
    assert is_suppressed(4) and not is_suppressed(5) and not is_suppressed(0)


def test_secondary_suppression_protects_a_single_small_group() -> None:
    # Showing NHS (20) and VCS (7) with the total 31 would give away police (4): VCS, the next smallest, hides too.
    assert suppressed_groups({"nhs": 20, "vcs": 7, "police": 4}) == {"police", "vcs"}
    # Two small groups protect each other.
    assert suppressed_groups({"nhs": 20, "police": 4, "housing": 2}) == {"police", "housing"}
    assert suppressed_groups({"nhs": 20, "vcs": 7}) == set()


def test_wide_whole_number_ranges_get_whole_number_bars() -> None:
    stats = number_summary(list(range(0, 100)), whole_numbers=True)
    widths = {round(b - a, 9) for a, b in zip(stats.bin_edges[:-1], stats.bin_edges[1:], strict=True)}
    assert len(widths) == 1 and next(iter(widths)).is_integer() and next(iter(widths)) > 1
    assert stats.bin_edges[0] == -0.5 and all((e + 0.5).is_integer() for e in stats.bin_edges)
    assert sum(stats.bin_counts) == 100 and len(stats.bin_counts) <= 20
