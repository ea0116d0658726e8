"""Fingertips' "recent trend" marker for the most recent five values of an indicator.

Follows the Fingertips trend-marker method (OHID "Fingertips trend markers" technical guidance and the Fingertips
``TrendMarkerCalculator``):

* proportions: the chi-squared test for linear trend in proportions (Cochran-Armitage, as R's ``prop.trend.test``);
  the direction is the least-squares slope of the log-odds against time;
* rates and other values: the slope of a weighted least-squares line through the values, weighted by the inverse
  variance taken from each value's 95% confidence interval (Byar's/exact limits here); chi-squared = (slope / SE)^2.

A trend is significant when chi-squared on 1 degree of freedom exceeds the critical value for ``confidence``
(99.8% in Fingertips, i.e. 9.5495) and the slope keeps its sign when each point in turn is left out (the outlier
check); otherwise there is no significant change.
"""

import math
import numbers
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

import numpy as np
from scipy import stats

from portal.stats.comparison import Polarity
from portal.stats.confidence import rate_interval

TREND_POINTS: Final = 5
# Fingertips derives each value's standard error from its 95% interval as (upper - lower) / 3.92.
_CI95_WIDTH_IN_SE: Final = 3.92


class TrendDirection(StrEnum):
    """Direction of a recent trend, in Fingertips' words."""

    INCREASING = "Increasing"
    DECREASING = "Decreasing"
    NO_CHANGE = "No significant change"
    CANNOT_BE_CALCULATED = "Cannot be calculated"


@dataclass(frozen=True)
class RecentTrend:
    """A recent-trend marker: direction, its label with polarity, and the test behind it."""

    direction: TrendDirection
    label: str
    p_value: float | None
    points: int
    chi_squared: float | None = None
    published: bool = False  # True for the publisher's own marker, read from the file rather than computed


def trend_label(direction: TrendDirection, polarity: Polarity | str) -> str:
    """Fingertips' wording for a trend, e.g. "Increasing and getting worse" when low is good."""
    direction = TrendDirection(direction)
    polarity = Polarity(polarity)
    if direction not in (TrendDirection.INCREASING, TrendDirection.DECREASING):
        return direction.value
    if polarity is Polarity.NO_JUDGEMENT:
        return direction.value
    increasing = direction is TrendDirection.INCREASING
    better = increasing == (polarity is Polarity.HIGH_IS_GOOD)
    return f"{direction.value} and getting {'better' if better else 'worse'}"


def _cannot(points: int) -> RecentTrend:
    """The marker for a series that cannot be tested."""
    direction = TrendDirection.CANNOT_BE_CALCULATED
    return RecentTrend(direction, direction.value, None, points)


def _series(name: str, values: Iterable[float | None]) -> list[float]:
    """Numbers as floats, with None and NaN kept as NaN so the caller can treat them as missing."""
    out = []
    for i, v in enumerate(values):
        if v is None:
            out.append(math.nan)
        elif isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"{name}[{i}] must be a number, not {v!r}")
        else:
            out.append(float(v))
    return out


def _ols_slope(t: np.ndarray, y: np.ndarray) -> float:
    """Ordinary least-squares slope of y on t."""
    k = len(t)
    return float((k * (t * y).sum() - t.sum() * y.sum()) / (k * (t**2).sum() - t.sum() ** 2))


def _wls_slope_and_variance(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares slope of y on t and its variance, with known weights (inverse variances)."""
    s1, s2, s3, s4, s5 = w.sum(), (w * y * t).sum(), (w * t).sum(), (w * y).sum(), (w * t**2).sum()
    det = s1 * s5 - s3**2
    return float((s1 * s2 - s3 * s4) / det), float(s1 / det)


def _proportion_test(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> tuple[float, list[float]]:
    """Chi-squared for linear trend in proportions, and logit slopes for all points then leaving each out."""
    big_n, big_x = n.sum(), x.sum()
    a, b, c = (x * t).sum(), (n * t).sum(), (n * t**2).sum()
    chi_squared = float(big_n * (big_n * a - big_x * b) ** 2 / (big_x * (big_n - big_x) * (big_n * c - b**2)))
    logit = np.log(x / (n - x))
    slopes = [_ols_slope(t, logit)]
    slopes += [_ols_slope(np.delete(t, i), np.delete(logit, i)) for i in range(len(t))]
    return chi_squared, slopes


def _rate_test(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> tuple[float, list[float]]:
    """Chi-squared for the weighted regression slope of the rates, and slopes for all points then leaving each out."""
    limits = [rate_interval(float(count), float(den), 1, 0.95) for count, den in zip(x, n, strict=True)]
    se = np.array([(upper - lower) / _CI95_WIDTH_IN_SE for lower, upper in limits])
    y, w = x / n, 1 / se**2
    slope, variance = _wls_slope_and_variance(t, y, w)
    slopes = [slope]
    slopes += [_wls_slope_and_variance(np.delete(t, i), np.delete(y, i), np.delete(w, i))[0] for i in range(len(t))]
    return slope**2 / variance, slopes


def recent_trend(
    counts: Iterable[float | None],
    denominators: Iterable[float | None],
    polarity: Polarity | str,
    *,
    points: int = TREND_POINTS,
    confidence: float = 0.998,
    value_type: Literal["proportion", "rate"] = "proportion",
) -> RecentTrend:
    """Fingertips' recent trend for a series ordered oldest to newest, using its last ``points`` values.

    Cannot be calculated when there are too few points, or the recent points have a missing count or denominator,
    a zero denominator, or (for proportions) a count of 0 or equal to the denominator, where the log-odds used for
    the direction are undefined.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 3:
        raise ValueError(f"points must be a whole number of at least 3, not {points!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be a fraction between 0 and 1, e.g. 0.998; got {confidence!r}")
    if value_type not in ("proportion", "rate"):
        raise ValueError(f"value_type must be 'proportion' or 'rate', not {value_type!r}")
    polarity = Polarity(polarity)
    all_x, all_n = _series("counts", counts), _series("denominators", denominators)
    if len(all_x) != len(all_n):
        raise ValueError(f"counts and denominators must be the same length (got {len(all_x)} and {len(all_n)})")
    if len(all_x) < points:
        return _cannot(len(all_x))

    x, n = np.array(all_x[-points:]), np.array(all_n[-points:])
    if np.isnan(x).any() or np.isnan(n).any() or np.isinf(x).any() or np.isinf(n).any():
        return _cannot(points)
    if (x < 0).any() or (n < 0).any():
        raise ValueError("counts and denominators must be zero or more")
    if (n == 0).any():
        return _cannot(points)
    if value_type == "proportion":
        if (x > n).any():
            raise ValueError("a count must not be greater than its denominator for a proportion")
        if ((x == 0) | (x == n)).any():
            return _cannot(points)

    t = np.arange(1, points + 1, dtype=float)
    test = _proportion_test if value_type == "proportion" else _rate_test
    chi_squared, slopes = test(x, n, t)
    p_value = float(stats.chi2.sf(chi_squared, 1))
    # Fingertips counts a zero slope as positive when checking that every leave-one-out slope keeps the sign.
    consistent = len({-1 if s < 0 else 1 for s in slopes}) == 1
    significant = chi_squared > stats.chi2.ppf(confidence, 1) and consistent
    if significant and slopes[0] != 0:
        direction = TrendDirection.INCREASING if slopes[0] > 0 else TrendDirection.DECREASING
    else:
        direction = TrendDirection.NO_CHANGE
    return RecentTrend(direction, trend_label(direction, polarity), p_value, points, chi_squared)


def recent_trend_from_intervals(
    values: Iterable[float | None],
    lowers: Iterable[float | None],
    uppers: Iterable[float | None],
    polarity: Polarity | str,
    *,
    points: int = TREND_POINTS,
    confidence: float = 0.998,
) -> RecentTrend:
    """Fingertips' recent trend for values with 95% confidence intervals (age-standardised rates, means, life
    expectancy, rates without counts), ordered oldest to newest, using the last ``points`` values.

    The slope of a weighted least-squares line through the values, each weighted by the inverse of its variance, with
    its standard error taken from the interval's width as (upper - lower) / 3.92; significance and the leave-one-out
    check as for :func:`recent_trend`. Cannot be calculated with too few points or a missing or zero-width interval.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 3:
        raise ValueError(f"points must be a whole number of at least 3, not {points!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be a fraction between 0 and 1, e.g. 0.998; got {confidence!r}")
    polarity = Polarity(polarity)
    y_all, lo_all, hi_all = _series("values", values), _series("lowers", lowers), _series("uppers", uppers)
    if not len(y_all) == len(lo_all) == len(hi_all):
        raise ValueError("values, lowers and uppers must be the same length")
    if len(y_all) < points:
        return _cannot(len(y_all))
    y, lower, upper = np.array(y_all[-points:]), np.array(lo_all[-points:]), np.array(hi_all[-points:])
    if not (np.isfinite(y).all() and np.isfinite(lower).all() and np.isfinite(upper).all()):
        return _cannot(points)
    se = (upper - lower) / _CI95_WIDTH_IN_SE
    if (se <= 0).any():
        return _cannot(points)
    t = np.arange(1, points + 1, dtype=float)
    w = 1 / se**2
    slope, variance = _wls_slope_and_variance(t, y, w)
    slopes = [slope]
    slopes += [_wls_slope_and_variance(np.delete(t, i), np.delete(y, i), np.delete(w, i))[0] for i in range(points)]
    chi_squared = slope**2 / variance
    p_value = float(stats.chi2.sf(chi_squared, 1))
    consistent = len({-1 if s < 0 else 1 for s in slopes}) == 1
    significant = chi_squared > stats.chi2.ppf(confidence, 1) and consistent
    if significant and slope != 0:
        direction = TrendDirection.INCREASING if slope > 0 else TrendDirection.DECREASING
    else:
        direction = TrendDirection.NO_CHANGE
    return RecentTrend(direction, trend_label(direction, polarity), p_value, points, chi_squared)


_ROLLING = re.compile(r"^(\d{4})(?:/(\d{2}))?\s*-\s*(\d{2}|\d{4})(?:/(\d{2}))?$")


def period_years(label: str) -> tuple[int, int] | None:
    """The first and last year a period label covers by its start year: "2015 - 17" is (2015, 2017), "2013/14 -
    15/16" is (2013, 2015), "2019" and "2019/20" cover one year; None for a label that names no year."""
    text = (label or "").strip()
    match = _ROLLING.match(text)
    if match:
        start = int(match.group(1))
        end_text = match.group(3)
        end = int(end_text) if len(end_text) == 4 else start - start % 100 + int(end_text)
        if end < start:
            end += 100
        return start, end
    year = re.match(r"^(\d{4})", text)
    return (int(year.group(1)), int(year.group(1))) if year else None


def non_overlapping(periods: Sequence[str]) -> list[int]:
    """Indexes of the periods (oldest first) a trend uses: from the latest back, each period that ends before the one
    kept after it starts, as Fingertips skips overlapping rolling periods ("2015 - 17", then "2012 - 14", …)."""
    kept: list[int] = []
    next_start: int | None = None
    for index in range(len(periods) - 1, -1, -1):
        years = period_years(periods[index])
        if years is None:  # a label we cannot place: keep it, as without rolling periods
            kept.append(index)
            continue
        if next_start is None or years[1] < next_start:
            kept.append(index)
            next_start = years[0]
    return sorted(kept)
