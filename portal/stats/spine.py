"""Spine charts as Fingertips draws them on its area profiles: where one area sits within the range of every local
authority in England, with England's value at the centre.

Fingertips (``fingertipscharts::area_profiles`` and the Fingertips site) takes the quartiles of all areas' values by
linear interpolation (R's default ``quantile``, type 7, which is numpy's default too), centres the scale on England's
value and stretches it equally both ways so that the area furthest from England reaches an end. Where a low value
is good, the scale is flipped so that the best is always on the right. Where neither is better, it runs from lowest
to highest. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from portal.stats.comparison import Polarity

# Quartiles from fewer areas than this say nothing about a national range.
MIN_AREAS = 5


@dataclass(frozen=True)
class SpineRange:
    """Every area's values summarised: the extremes, the quartiles by linear interpolation and how many values."""

    lowest: float
    q25: float
    median: float
    q75: float
    highest: float
    count: int


@dataclass(frozen=True)
class OrientedRange:
    """The range read by polarity: ``worst`` to ``best`` (lowest to highest where neither is better)."""

    worst: float
    worse_quartile: float  # the quartile on the worst side: 25% of areas are worse than this
    median: float
    better_quartile: float  # 25% of areas are better than this
    best: float


@dataclass(frozen=True)
class SpinePositions:
    """Positions on a 0-1 scale, better to the right, with the benchmark (England) at 0.5."""

    worst: float
    worse_quartile: float
    better_quartile: float
    best: float
    area: float
    benchmark: float


class Band(StrEnum):
    """Which quarter of the areas a value falls in, by polarity."""

    WORST = "worst quarter"
    WORSE_MIDDLE = "second-worst quarter"
    BETTER_MIDDLE = "second-best quarter"
    BEST = "best quarter"
    LOWEST = "lowest quarter"
    LOWER_MIDDLE = "second-lowest quarter"
    HIGHER_MIDDLE = "second-highest quarter"
    HIGHEST = "highest quarter"


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def spine_range(values: Sequence[float | None], minimum: int = MIN_AREAS) -> SpineRange | None:
    """The range of the areas' values (None and NaN ignored); None when fewer than ``minimum`` values remain."""
    finite = _finite(values)
    if len(finite) < max(minimum, 1):
        return None
    q25, median, q75 = (float(q) for q in np.quantile(finite, [0.25, 0.5, 0.75]))
    return SpineRange(min(finite), q25, median, q75, max(finite), len(finite))


def orient(summary: SpineRange, polarity: Polarity | str) -> OrientedRange:
    """The range from worst to best: reversed where a low value is good."""
    if Polarity(polarity) is Polarity.LOW_IS_GOOD:
        return OrientedRange(summary.highest, summary.q75, summary.median, summary.q25, summary.lowest)
    return OrientedRange(summary.lowest, summary.q25, summary.median, summary.q75, summary.highest)


def positions(summary: SpineRange, area: float, benchmark: float, polarity: Polarity | str) -> SpinePositions:
    """Where each point sits on the spine, Fingertips' way: the benchmark at 0.5 and the scale stretched equally both
    ways to reach the area furthest from it (the area's own value included), better to the right."""
    half = max(abs(benchmark - summary.lowest), abs(summary.highest - benchmark), abs(area - benchmark))
    low_is_good = Polarity(polarity) is Polarity.LOW_IS_GOOD

    def place(value: float) -> float:
        position = 0.5 if half == 0 else 0.5 + (value - benchmark) / (2 * half)
        return 1.0 - position if low_is_good else position

    ordered = orient(summary, polarity)
    return SpinePositions(
        worst=place(ordered.worst),
        worse_quartile=place(ordered.worse_quartile),
        better_quartile=place(ordered.better_quartile),
        best=place(ordered.best),
        area=place(area),
        benchmark=0.5,
    )


def band(summary: SpineRange, value: float, polarity: Polarity | str) -> Band:
    """The quarter of the range the value falls in (a value on a quartile counts in the middle half)."""
    polarity = Polarity(polarity)
    if value < summary.q25:
        quarter = 0
    elif value < summary.median:
        quarter = 1
    elif value <= summary.q75:
        quarter = 2
    else:
        quarter = 3
    if polarity is Polarity.NO_JUDGEMENT:
        return [Band.LOWEST, Band.LOWER_MIDDLE, Band.HIGHER_MIDDLE, Band.HIGHEST][quarter]
    if polarity is Polarity.LOW_IS_GOOD:
        quarter = 3 - quarter
    return [Band.WORST, Band.WORSE_MIDDLE, Band.BETTER_MIDDLE, Band.BEST][quarter]


def rank(values: Sequence[float | None], value: float, polarity: Polarity | str) -> int:
    """The value's rank among the areas' values, 1 = best (or highest where neither is better); ties share the
    better rank, as in a league table."""
    finite = _finite(values)
    if Polarity(polarity) is Polarity.LOW_IS_GOOD:
        return 1 + sum(1 for v in finite if v < value)
    return 1 + sum(1 for v in finite if v > value)
