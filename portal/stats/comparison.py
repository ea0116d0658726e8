"""Compare an area's value with a benchmark (e.g. England) the way Fingertips does, by confidence interval overlap."""

import math
import numbers
from collections.abc import Hashable, Mapping
from enum import StrEnum

import numpy as np
import pandas as pd
from pandas.api.typing import NAType


class Polarity(StrEnum):
    """Whether a higher indicator value is better, worse, or neither."""

    HIGH_IS_GOOD = "high_is_good"
    LOW_IS_GOOD = "low_is_good"
    NO_JUDGEMENT = "no_judgement"


class Comparison(StrEnum):
    """Fingertips' benchmark comparison outcomes."""

    BETTER = "Better"
    SIMILAR = "Similar"
    WORSE = "Worse"
    HIGHER = "Higher"
    LOWER = "Lower"
    NOT_COMPARED = "Not compared"


# Outcome when the whole interval is above / below the benchmark, by polarity.
_ABOVE: dict[Polarity, Comparison] = {
    Polarity.HIGH_IS_GOOD: Comparison.BETTER,
    Polarity.LOW_IS_GOOD: Comparison.WORSE,
    Polarity.NO_JUDGEMENT: Comparison.HIGHER,
}
_BELOW: dict[Polarity, Comparison] = {
    Polarity.HIGH_IS_GOOD: Comparison.WORSE,
    Polarity.LOW_IS_GOOD: Comparison.BETTER,
    Polarity.NO_JUDGEMENT: Comparison.LOWER,
}

_PHRASES: dict[Comparison, str] = {
    Comparison.BETTER: "better than",
    Comparison.SIMILAR: "similar to",
    Comparison.WORSE: "worse than",
    Comparison.HIGHER: "higher than",
    Comparison.LOWER: "lower than",
    Comparison.NOT_COMPARED: "not compared with",
}


def _as_float(x: float | NAType | None) -> float:
    """The value as a float, with None and pandas' missing markers as NaN."""
    if type(x) is float:
        return x  # the usual case, first: the checks below cost more than the comparison they guard
    if x is None or x is pd.NA:
        return math.nan
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"expected a number, not {x!r}")
    return float(x)


def compare_to_benchmark(
    value: float | None,
    lower: float | None,
    upper: float | None,
    benchmark: float | None,
    polarity: Polarity | str,
) -> Comparison:
    """Compare an area's value and confidence interval with a benchmark value, as Fingertips does.

    Similar when the benchmark lies within [lower, upper] (limits included); otherwise Better/Worse by polarity, or
    Higher/Lower for indicators with no judgement. Not compared when any input is missing.
    """
    polarity = Polarity(polarity)
    figures = [_as_float(x) for x in (value, lower, upper, benchmark)]
    if any(math.isnan(x) for x in figures):
        return Comparison.NOT_COMPARED
    _, low, high, bench = figures
    if low > high:
        raise ValueError(f"lower limit ({low:g}) must not be greater than upper limit ({high:g})")
    if low <= bench <= high:
        return Comparison.SIMILAR
    return _ABOVE[polarity] if low > bench else _BELOW[polarity]


def compare_many(
    frame: pd.DataFrame, benchmark_by_key: Mapping[Hashable, float], polarity: Polarity | str
) -> pd.Series:
    """Compare every row of frame (columns value, lower, upper) with the benchmark for its index key.

    Typically the index is the time period and benchmark_by_key holds England's value for each period; rows whose key
    has no benchmark are Not compared. Returns a Series of Comparison aligned with frame.index.
    """
    polarity = Polarity(polarity)
    value = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    lower = pd.to_numeric(frame["lower"], errors="coerce").to_numpy(dtype=float)
    upper = pd.to_numeric(frame["upper"], errors="coerce").to_numpy(dtype=float)
    benchmark = np.array([benchmark_by_key.get(key, math.nan) for key in frame.index], dtype=float)
    missing = np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(benchmark)
    if np.any(~missing & (lower > upper)):
        raise ValueError("lower limit must not be greater than upper limit")
    outcome = np.select(
        [missing, (lower <= benchmark) & (benchmark <= upper), lower > benchmark],
        [Comparison.NOT_COMPARED, Comparison.SIMILAR, _ABOVE[polarity]],
        default=_BELOW[polarity],
    )
    return pd.Series([Comparison(o) for o in outcome], index=frame.index, dtype=object)


def describe_comparison(comparison: Comparison | str, benchmark_name: str) -> str:
    """Plain-English verdict, e.g. "similar to England" or "not compared with England"."""
    return f"{_PHRASES[Comparison(comparison)]} {benchmark_name}"
