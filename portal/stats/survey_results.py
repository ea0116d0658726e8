"""Survey result aggregation and small-group suppression: plain values in, plain summaries out.

Percentages are of the people who answered the question (the base), not of everyone who responded, so a
skipped or conditional question does not dilute its own results. For multiple choice, percentages can add up
to more than 100. Segments (such as stakeholder sectors) with fewer than ``SUPPRESSION_THRESHOLD`` responses
are suppressed, following the usual public-sector rule for small numbers: a group that small can identify
people. Complementary suppression (``suppressed_groups``) hides further groups until neither one hidden group nor
any sum of them can be worked out from what is shown, the total included, and what can be worked out (all hidden
groups together) holds at least that many.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

SUPPRESSION_THRESHOLD: Final = 5
MAX_HISTOGRAM_BINS: Final = 20


def is_suppressed(count: int, threshold: int = SUPPRESSION_THRESHOLD) -> bool:
    """True when a group of ``count`` responses is too small to show (0 is an empty group, not a secret)."""
    return 0 < count < threshold


def hidden_groups_safe(
    sizes: Mapping[str, int],
    hidden: Iterable[str],
    threshold: int = SUPPRESSION_THRESHOLD,
    *,
    known_non_empty: bool = True,
) -> bool:
    """True when nothing small about the hidden groups can be worked out from the shown groups and the total.

    With the total and every shown group published, the only combination of hidden groups that can be worked out is
    all of them together (total − shown). So the hidden groups are safe when none are hidden, when together they hold
    nothing, or when at least 2 are hidden and together they hold at least ``threshold``. When each hidden group is
    known to be non-empty (it is listed), the total must also exceed one each, or every hidden size would be 1.
    """
    chosen = set(hidden)
    pooled = sum(sizes.get(group, 0) for group in chosen)
    if not chosen or pooled == 0:
        return True
    floor = len(chosen) if known_non_empty else 0
    return len(chosen) >= 2 and pooled >= threshold and pooled > floor


def suppressed_groups(
    sizes: Mapping[str, int],
    threshold: int = SUPPRESSION_THRESHOLD,
    *,
    hidden: Iterable[str] = (),
    known_non_empty: bool = True,
) -> set[str]:
    """Complementary suppression: the groups to hide so no hidden group, and no sum of them, can be worked out.

    Groups of 1 to ``threshold`` − 1 are hidden, with any in ``hidden`` (hidden for another reason, such as a whole
    segment when ``sizes`` are one question's answer counts). While the hidden groups are not safe
    (``hidden_groups_safe``), the smallest shown non-empty group is hidden too (ties by name). If every group is
    hidden and they are still not safe (``total_hidden``: the total is under the threshold, or every group holds
    exactly 1, as with five groups of 1), the caller must not show the total either.
    ``known_non_empty`` says whether a hidden group is known to have someone in it (a listed segment) or may be
    empty (one question's answers within a segment).
    """
    chosen = {group for group, size in sizes.items() if is_suppressed(size, threshold)} | set(hidden)
    while not hidden_groups_safe(sizes, chosen, threshold, known_non_empty=known_non_empty):
        shown = sorted((size, group) for group, size in sizes.items() if size > 0 and group not in chosen)
        if not shown:
            break
        chosen.add(shown[0][1])
    return chosen


def total_hidden(
    sizes: Mapping[str, int], threshold: int = SUPPRESSION_THRESHOLD, *, known_non_empty: bool = True
) -> bool:
    """True when no choice of hidden groups protects them while the total is shown, so the total must be hidden too.

    That is when the total is 1 to ``threshold`` − 1, or (groups known to be non-empty) every non-empty group holds
    exactly 1: with them all hidden, total = number of groups listed pins each one at 1.
    """
    hidden = suppressed_groups(sizes, threshold, known_non_empty=known_non_empty)
    return not hidden_groups_safe(sizes, hidden, threshold, known_non_empty=known_non_empty)


def percentage(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, or None when there is no base."""
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class CountRow:
    """One option (or scale point) with how many chose it and their share of the base."""

    label: str
    count: int
    percent: float | None


@dataclass(frozen=True)
class CountSummary:
    """Counts for a choice, multiple-choice or Likert question."""

    base: int
    rows: tuple[CountRow, ...]

    @property
    def counts(self) -> list[int]:
        return [row.count for row in self.rows]

    @property
    def labels(self) -> list[str]:
        return [row.label for row in self.rows]


def _rows(labels: Sequence[str], counter: Counter[Any], keys: Sequence[Any], base: int) -> tuple[CountRow, ...]:
    return tuple(
        CountRow(label, counter[key], percentage(counter[key], base)) for label, key in zip(labels, keys, strict=True)
    )


def single_choice_summary(answers: Iterable[Any], options: Sequence[str]) -> CountSummary:
    """Counts of a single-choice question; answers that are not among ``options`` (or blank) are ignored."""
    valid = [a for a in answers if isinstance(a, str) and a in options]
    counter = Counter(valid)
    return CountSummary(len(valid), _rows(options, counter, options, len(valid)))


def multiple_choice_summary(answers: Iterable[Any], options: Sequence[str]) -> CountSummary:
    """Counts of a multiple-choice question: the base is the number who chose at least one option."""
    counter: Counter[str] = Counter()
    base = 0
    for answer in answers:
        if not isinstance(answer, list):
            continue
        chosen = {a for a in answer if a in options}
        if chosen:
            base += 1
            counter.update(chosen)
    return CountSummary(base, _rows(options, counter, options, base))


def likert_summary(answers: Iterable[Any], labels: Sequence[str]) -> CountSummary:
    """Counts for each point of a Likert scale; answers are points 1..len(labels)."""
    points = list(range(1, len(labels) + 1))
    valid = [a for a in answers if isinstance(a, int) and not isinstance(a, bool) and a in points]
    counter = Counter(valid)
    return CountSummary(len(valid), _rows(labels, counter, points, len(valid)))


def net_agreement(summary: CountSummary) -> float | None:
    """Percentage on the upper half of a scale minus the percentage on the lower half (middle point ignored)."""
    if not summary.base:
        return None
    half = len(summary.rows) // 2
    lower = sum(row.count for row in summary.rows[:half])
    upper = sum(row.count for row in summary.rows[len(summary.rows) - half :])
    return 100.0 * (upper - lower) / summary.base


@dataclass(frozen=True)
class NumberSummary:
    """Descriptive statistics and a histogram of a number question."""

    base: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    lower_quartile: float | None
    upper_quartile: float | None
    bin_edges: tuple[float, ...]
    bin_counts: tuple[int, ...]


def _histogram_edges(values: np.ndarray, whole_numbers: bool) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if low == high:
        return np.array([low - 0.5, high + 0.5])
    # Sturges' rule, capped so a chart stays readable.
    bins = min(MAX_HISTOGRAM_BINS, math.ceil(math.log2(len(values))) + 1)
    if whole_numbers:
        # Bars of a whole-number width, edges half-way between whole numbers so each number falls in one bar
        # (one bar per number when the range is small).
        span = high - low + 1
        width = 1.0 if span <= MAX_HISTOGRAM_BINS else float(math.ceil(span / bins))
        count = math.ceil(span / width)
        return low - 0.5 + width * np.arange(count + 1)
    return np.linspace(low, high, bins + 1)


def number_summary(answers: Iterable[Any], whole_numbers: bool = False) -> NumberSummary:
    """Summarise numeric answers (ints or floats; anything else is ignored)."""
    numbers = [float(a) for a in answers if isinstance(a, int | float) and not isinstance(a, bool)]
    numbers = [n for n in numbers if math.isfinite(n)]
    if not numbers:
        return NumberSummary(0, None, None, None, None, None, None, (), ())
    values = np.array(numbers)
    edges = _histogram_edges(values, whole_numbers)
    counts, edges = np.histogram(values, bins=edges)
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return NumberSummary(
        base=len(numbers),
        mean=float(values.mean()),
        median=float(median),
        minimum=float(values.min()),
        maximum=float(values.max()),
        lower_quartile=float(q1),
        upper_quartile=float(q3),
        bin_edges=tuple(float(e) for e in edges),
        bin_counts=tuple(int(c) for c in counts),
    )


@dataclass(frozen=True)
class RankRow:
    """One option of a ranking question: its mean rank (1 is top) and how often it was put first."""

    label: str
    mean_rank: float | None
    first_count: int


@dataclass(frozen=True)
class RankingSummary:
    """Mean ranks, best first."""

    base: int
    rows: tuple[RankRow, ...]


def ranking_summary(answers: Iterable[Any], options: Sequence[str]) -> RankingSummary:
    """Average rank of each option across complete rankings (lists of every option, top first)."""
    complete = [a for a in answers if isinstance(a, list) and sorted(a) == sorted(options) and a]
    ranks: dict[str, list[int]] = {option: [] for option in options}
    firsts: Counter[str] = Counter()
    for ranking in complete:
        firsts[ranking[0]] += 1
        for position, option in enumerate(ranking, start=1):
            ranks[option].append(position)
    rows = [
        RankRow(option, (sum(ranks[option]) / len(ranks[option])) if ranks[option] else None, firsts[option])
        for option in options
    ]
    rows.sort(key=lambda row: (row.mean_rank is None, row.mean_rank or 0.0))
    return RankingSummary(len(complete), tuple(rows))


@dataclass(frozen=True)
class MatrixSummary:
    """For each row of a matrix question, counts on each point of its scale."""

    rows: tuple[tuple[str, CountSummary], ...]


def matrix_summary(answers: Iterable[Any], row_labels: Sequence[str], scale: Sequence[str]) -> MatrixSummary:
    """Counts per row and scale point; answers are dicts of row label to scale label."""
    answer_list = [a for a in answers if isinstance(a, dict)]
    rows = []
    for row in row_labels:
        rows.append((row, single_choice_summary((a.get(row) for a in answer_list), scale)))
    return MatrixSummary(tuple(rows))


def text_answers(answers: Iterable[Any]) -> list[str]:
    """The non-blank free-text answers, in the order given."""
    return [a.strip() for a in answers if isinstance(a, str) and a.strip()]
