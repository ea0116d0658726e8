"""Survey result aggregation and small-group suppression: plain values in, plain summaries out.

Percentages are of the people who answered the question (the base), not of everyone who responded, so a
skipped or conditional question does not dilute its own results. For multiple choice, percentages can add up
to more than 100. Survey results are figures the portal
derives itself, so the portal's small-numbers policy (``portal.stats.small_numbers``) applies: segments (such as
stakeholder sectors) with fewer than ``SUPPRESSION_THRESHOLD`` responses are suppressed, with complementary
suppression so no hidden group, nor any sum of them, can be worked out from what is shown.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

# The small-numbers policy (threshold, rule, complementary suppression) lives in portal.stats.small_numbers; its
# names are re-exported here for the survey features.
from portal.stats.small_numbers import THRESHOLD as SUPPRESSION_THRESHOLD  # noqa: F401
from portal.stats.small_numbers import hidden_groups_safe, is_suppressed, suppressed_groups, total_hidden  # noqa: F401

MAX_HISTOGRAM_BINS: Final = 20


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
