"""Complementary suppression of survey segments (issue 16): nothing hidden can be worked out from what is shown.

The checks play the part of someone reading the published tables. They know every shown group's size, the total
over all groups, which groups are hidden, and that a hidden segment has at least 1 response (it is listed; for one
question's answers within segments, at least 0). They work out everything those facts pin down by linear
programming (scipy's linprog), the standard audit for cell suppression, independently of the code under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from portal.stats.survey_results import SUPPRESSION_THRESHOLD, suppressed_groups, total_hidden

T = SUPPRESSION_THRESHOLD
# Derandomized so CI gives the same answer every run; widen the search locally with --hypothesis-seed.
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None, derandomize=True)


def _worked_out(sizes: dict[str, int], hidden: set[str], lower: int) -> dict[tuple[str, ...], int]:
    """Every set of hidden groups whose combined size the reader can pin down, with that size (LP bounds)."""
    names = sorted(hidden)
    pooled = sum(sizes[g] for g in names)  # = total − the shown groups, which the reader has
    found = {}
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(range(len(names)), size):
            c = np.zeros(len(names))
            c[list(subset)] = 1
            bounds = [(lower, None)] * len(names)
            a_eq, b_eq = np.ones((1, len(names))), [pooled]
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
            high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
            assert low.status == 0 and high.status == 0
            smallest, largest = int(np.ceil(low.fun - 1e-9)), int(np.floor(-high.fun + 1e-9))
            if smallest == largest:
                found[tuple(names[i] for i in subset)] = smallest
    return found


def _leaks(sizes: dict[str, int], hidden: set[str], lower: int = 1) -> list[str]:
    problems = []
    for groups, value in _worked_out(sizes, hidden, lower).items():
        if len(groups) == 1 and value > 0:
            problems.append(f"{groups[0]} = {value} can be worked out")
        elif 0 < value < T:
            problems.append(f"{' + '.join(groups)} = {value} can be worked out and is under {T}")
    return problems


segment_sizes = st.dictionaries(
    st.sampled_from(["nhs", "vcs", "police", "housing", "council", "public", "schools"]),
    st.integers(0, 14),
    min_size=1,
    max_size=7,
)


@PROPERTY_SETTINGS
@given(segment_sizes)
# Found with random seeds (it failed about 1 run in 5): five listed groups of 1 and a shown total of 5 pin every
# group at 1, whatever is hidden. Only hiding the total protects them; suppressed_groups now says so (total_hidden).
@example({"nhs": 1, "vcs": 1, "police": 1, "housing": 1, "council": 1})
@example({"nhs": 1, "vcs": 1, "police": 1, "housing": 1, "council": 1, "public": 1, "schools": 0})
def test_nothing_small_can_be_worked_out_from_the_shown_segments_and_the_total(sizes: dict[str, int]) -> None:
    hidden = suppressed_groups(sizes)
    assert all(g in hidden for g, n in sizes.items() if 0 < n < T), "every small group is hidden"
    assert not any(sizes[g] == 0 for g in hidden), "an empty group is not a secret"
    total = sum(sizes.values())
    if total_hidden(sizes):
        # Too few responses altogether, or all groups of 1: every group is hidden and the caller hides the total as
        # well; the audit confirms that hiding groups alone could not have protected them.
        assert hidden == {g for g, n in sizes.items() if n > 0}
        assert 0 < total < T or _leaks(sizes, hidden) != []
        return
    assert _leaks(sizes, hidden) == []


@PROPERTY_SETTINGS
@given(segment_sizes, st.data())
def test_one_questions_answers_are_protected_the_same_way(sizes: dict[str, int], data: st.DataObject) -> None:
    """Within a question, a group may have nobody answering (lower bound 0), and hidden segments stay hidden."""
    segments_hidden = suppressed_groups(sizes)
    bases = {g: data.draw(st.integers(0, n)) for g, n in sizes.items()}
    hidden = suppressed_groups(bases, hidden=segments_hidden, known_non_empty=False)
    assert segments_hidden <= hidden
    assert all(g in hidden for g, n in bases.items() if 0 < n < T)
    if total_hidden(bases, known_non_empty=False):
        assert 0 < sum(bases.values()) < T
        return  # the question's total is itself too small: the caller hides the whole question
    assert _leaks(bases, hidden, lower=0) == []


def test_the_issues_example_hides_a_third_group() -> None:
    """Sizes {1, 2, 10, 10}: hiding only the two small groups left everyone − shown = 3 responses exposed."""
    sizes = {"a": 1, "b": 2, "c": 10, "d": 10}
    old_rule = {"a", "b"}  # two small groups, so the old rule added no second group
    assert _leaks(sizes, old_rule) == [f"a + b = 3 can be worked out and is under {T}"]
    hidden = suppressed_groups(sizes)
    assert hidden == {"a", "b", "c"}
    assert _leaks(sizes, hidden) == []


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ({"nhs": 20, "vcs": 7, "police": 4}, {"police", "vcs"}),  # one small group: the next smallest joins it
        ({"nhs": 20, "police": 4, "housing": 2}, {"police", "housing"}),  # together 6: they protect each other
        ({"nhs": 20, "vcs": 7}, set()),
        ({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 30, "g": 40}, {"a", "b", "c", "d", "e", "f"}),  # 5 ones
        ({"a": 4, "b": 0, "c": 9}, {"a", "c"}),  # an empty group cannot protect anyone
        ({"a": 3}, {"a"}),
    ],
)
def test_hand_worked_cases(sizes: dict[str, int], expected: set[str]) -> None:
    assert suppressed_groups(sizes) == expected


def test_every_four_group_segmentation_up_to_eight_is_safe() -> None:
    """All 9⁴ segmentations with sizes 0–8: the new rule leaves nothing small to work out; the old one often did.

    With hidden sizes ≥ 1 and their sum known, a set of a of the k hidden groups sums to between a and
    sum − (k − a), so it is pinned down exactly when sum = k.
    """

    def pinned(sizes: tuple[int, ...], hidden: set[int]) -> bool:
        k, pooled = len(hidden), sum(sizes[i] for i in hidden)
        if k == 0:
            return False
        if pooled == k:  # every hidden group is exactly 1
            return True
        return k == 1 or pooled < T  # one group pinned, or all of them together are too few

    def old_rule(sizes: tuple[int, ...]) -> set[int]:
        hidden = {i for i, n in enumerate(sizes) if 0 < n < T}
        if len(hidden) == 1:
            others = sorted((n, i) for i, n in enumerate(sizes) if n > 0 and i not in hidden)
            hidden |= {others[0][1]} if others else set()
        return hidden

    checked = old_leaks = 0
    for sizes in itertools.product(range(9), repeat=4):
        if sum(sizes) < T:
            continue
        checked += 1
        new = suppressed_groups({str(i): n for i, n in enumerate(sizes)})
        assert not pinned(sizes, {int(g) for g in new}), sizes
        old_leaks += pinned(sizes, old_rule(sizes))
    assert checked == 6491 and old_leaks > 900
