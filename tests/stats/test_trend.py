"""Recent trend markers on hand-computed series and the degenerate cases."""

import math

import numpy as np
import pytest
from scipy import stats

from portal.stats.comparison import Polarity
from portal.stats.confidence import rate_interval
from portal.stats.trend import (
    RecentTrend,
    TrendDirection,
    non_overlapping,
    period_years,
    recent_trend,
    recent_trend_from_intervals,
    trend_label,
)

THOUSANDS = [1000] * 5
# 100, 120, 140, 160, 180 per 1000 over t = 1..5.
RISING = [100, 120, 140, 160, 180]


def test_rising_proportion_hand_computed() -> None:
    """Chi-squared for linear trend, worked by hand.

    N = sum(n) = 5000, X = sum(x) = 700,
    A = sum(x*t) = 100 + 240 + 420 + 640 + 900 = 2300,
    B = sum(n*t) = 1000 * 15 = 15000, C = sum(n*t^2) = 1000 * 55 = 55000.
    chi2 = N (N*A - X*B)^2 / (X (N - X) (N*C - B^2))
         = 5000 * (11,500,000 - 10,500,000)^2 / (700 * 4300 * (275,000,000 - 225,000,000))
         = 5e15 / 1.505e14 = 33.2226 > 9.5495 (the 99.8% point of chi-squared on 1 df), and every leave-one-out
    slope of the log-odds is positive, so the trend is increasing.
    """
    trend = recent_trend(RISING, THOUSANDS, Polarity.HIGH_IS_GOOD)
    assert trend.chi_squared == pytest.approx(5e15 / 1.505e14, rel=1e-12)
    assert trend.p_value == pytest.approx(stats.chi2.sf(5e15 / 1.505e14, 1), rel=1e-12)
    assert trend == RecentTrend(
        TrendDirection.INCREASING, "Increasing and getting better", trend.p_value, 5, trend.chi_squared
    )


def test_flat_proportion_hand_computed() -> None:
    """100, 102, 98, 101, 99 per 1000: A = 1497, N*A - X*B = 7,485,000 - 7,500,000 = -15,000.

    chi2 = 5000 * 15,000^2 / (500 * 4500 * 5e7) = 1.125e12 / 1.125e14 = 0.01: no significant change.
    """
    trend = recent_trend([100, 102, 98, 101, 99], THOUSANDS, Polarity.HIGH_IS_GOOD)
    assert trend.chi_squared == pytest.approx(0.01, rel=1e-12)
    assert trend.direction is TrendDirection.NO_CHANGE
    assert trend.label == "No significant change"


def test_significance_is_at_99_8_percent_by_default() -> None:
    """100, 108, 116, 124, 132 per 1000: N*A - X*B = 9,100,000 - 8,700,000 = 400,000.

    chi2 = 5000 * 1.6e11 / (580 * 4420 * 5e7) = 8e14 / 1.2818e14 = 6.241: significant at 95% (3.841) but not at
    99.8% (9.5495), which is what Fingertips uses.
    """
    counts = [100, 108, 116, 124, 132]
    trend = recent_trend(counts, THOUSANDS, Polarity.HIGH_IS_GOOD)
    assert trend.chi_squared == pytest.approx(8e14 / 1.2818e14, rel=1e-12)
    assert trend.direction is TrendDirection.NO_CHANGE
    assert recent_trend(counts, THOUSANDS, Polarity.HIGH_IS_GOOD, confidence=0.95).direction is (
        TrendDirection.INCREASING
    )


def test_chi_squared_agrees_with_the_armitage_form() -> None:
    """The Fingertips formula equals Armitage's T^2 / Var(T) with T = sum t (x - n p)."""
    x = np.array([312, 298, 341, 355, 390], dtype=float)
    n = np.array([4100, 3980, 4230, 4150, 4320], dtype=float)
    t = np.arange(1, 6, dtype=float)
    p = x.sum() / n.sum()
    t_stat = (t * (x - n * p)).sum()
    variance = p * (1 - p) * ((n * t**2).sum() - (n * t).sum() ** 2 / n.sum())
    assert recent_trend(x, n, "high_is_good").chi_squared == pytest.approx(t_stat**2 / variance, rel=1e-10)


@pytest.mark.parametrize(
    ("counts", "polarity", "direction", "label"),
    [
        (RISING, Polarity.HIGH_IS_GOOD, TrendDirection.INCREASING, "Increasing and getting better"),
        (RISING, Polarity.LOW_IS_GOOD, TrendDirection.INCREASING, "Increasing and getting worse"),
        (RISING, Polarity.NO_JUDGEMENT, TrendDirection.INCREASING, "Increasing"),
        (RISING[::-1], Polarity.HIGH_IS_GOOD, TrendDirection.DECREASING, "Decreasing and getting worse"),
        (RISING[::-1], Polarity.LOW_IS_GOOD, TrendDirection.DECREASING, "Decreasing and getting better"),
        (RISING[::-1], Polarity.NO_JUDGEMENT, TrendDirection.DECREASING, "Decreasing"),
    ],
)
def test_labels_follow_polarity(counts: list[int], polarity: Polarity, direction: TrendDirection, label: str) -> None:
    """Fingertips' wording for each direction and polarity; reversing the series gives the same chi-squared."""
    trend = recent_trend(counts, THOUSANDS, polarity)
    assert (trend.direction, trend.label) == (direction, label)
    assert trend.chi_squared == pytest.approx(5e15 / 1.505e14, rel=1e-12)


def test_outlier_check_overrides_a_large_chi_squared() -> None:
    """110, 105, 100, 95, 300 per 1000: chi-squared is huge, but without the last point the slope is negative."""
    trend = recent_trend([110, 105, 100, 95, 300], THOUSANDS, Polarity.HIGH_IS_GOOD)
    assert trend.chi_squared is not None and trend.chi_squared > 100
    assert trend.direction is TrendDirection.NO_CHANGE


def test_only_the_most_recent_points_are_used() -> None:
    """Older values before the last five make no difference."""
    assert recent_trend([900, 5, *RISING], [1000, 1000, *THOUSANDS], "high_is_good") == recent_trend(
        RISING, THOUSANDS, "high_is_good"
    )


def test_rate_trend_uses_inverse_variance_weighted_regression() -> None:
    """For rates, the slope and its variance come from weighted least squares with weights 1/SE^2.

    SE is (upper - lower) / 3.92 from each rate's 95% Byar's interval, as Fingertips does; checked here against a
    weighted least-squares fit done independently with numpy.
    """
    counts = [500, 550, 600, 650, 700]
    pops = [100000] * 5
    t = np.arange(1, 6, dtype=float)
    y = np.array(counts) / np.array(pops)
    se = np.array([np.subtract(*rate_interval(c, p, 1)[::-1]) / 3.92 for c, p in zip(counts, pops, strict=True)])
    design = np.column_stack([np.ones(5), t]) / se[:, None]
    (_, slope), *_ = np.linalg.lstsq(design, y / se, rcond=None)
    slope_variance = np.linalg.inv(design.T @ design)[1, 1]
    trend = recent_trend(counts, pops, Polarity.LOW_IS_GOOD, value_type="rate")
    assert trend.chi_squared == pytest.approx(slope**2 / slope_variance, rel=1e-9)
    assert (trend.direction, trend.label) == (TrendDirection.INCREASING, "Increasing and getting worse")


def test_rate_trend_allows_zero_counts() -> None:
    """A year with no events still has an exact interval, so a rate trend can be calculated."""
    trend = recent_trend([0, 2, 1, 3, 2], [5000] * 5, "low_is_good", value_type="rate")
    assert trend.direction is TrendDirection.NO_CHANGE
    assert trend.p_value is not None


@pytest.mark.parametrize(
    ("counts", "denominators", "points"),
    [
        ([100, 120, 140, 160], [1000] * 4, 4),  # fewer than five points
        ([], [], 0),
        ([100, None, 140, 160, 180], THOUSANDS, 5),  # a missing count
        ([100, math.nan, 140, 160, 180], THOUSANDS, 5),
        (RISING, [1000, 1000, None, 1000, 1000], 5),  # a missing denominator
        (RISING, [1000, 1000, 0, 1000, 1000], 5),  # a zero denominator
        ([0, 120, 140, 160, 180], THOUSANDS, 5),  # log-odds undefined at 0%
        ([100, 120, 140, 160, 1000], THOUSANDS, 5),  # and at 100%
    ],
)
def test_cannot_be_calculated(counts: list, denominators: list, points: int) -> None:
    """Too few points, missing values, zero denominators and 0% / 100% proportions give Cannot be calculated."""
    trend = recent_trend(counts, denominators, Polarity.HIGH_IS_GOOD)
    assert trend == RecentTrend(TrendDirection.CANNOT_BE_CALCULATED, "Cannot be calculated", None, points)


def test_missing_values_outside_the_window_do_not_matter() -> None:
    """A gap before the last five points is ignored."""
    trend = recent_trend([None, *RISING], [None, *THOUSANDS], Polarity.HIGH_IS_GOOD)
    assert trend.direction is TrendDirection.INCREASING


def test_zero_denominator_for_rates_cannot_be_calculated() -> None:
    """Rates need a population for every year too."""
    trend = recent_trend(RISING, [1000, 0, 1000, 1000, 1000], "high_is_good", value_type="rate")
    assert trend.direction is TrendDirection.CANNOT_BE_CALCULATED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": [-1, 120, 140, 160, 180]}, "zero or more"),
        ({"denominators": [1000, -5, 1000, 1000, 1000]}, "zero or more"),
        ({"counts": [100, 120, 140, 160, 1800]}, "must not be greater than its denominator"),
        ({"denominators": [1000] * 4}, "must be the same length"),
        ({"counts": ["100", 120, 140, 160, 180]}, r"counts\[0\] must be a number"),
        ({"points": 2}, "points must be a whole number of at least 3"),
        ({"confidence": 99.8}, "confidence must be a fraction"),
        ({"value_type": "dsr"}, "value_type must be"),
        ({"polarity": "sideways"}, "is not a valid"),
    ],
)
def test_invalid_input_raises_value_error(kwargs: dict, message: str) -> None:
    """Impossible data and bad arguments are errors, not a trend marker."""
    args = {"counts": RISING, "denominators": THOUSANDS, "polarity": "high_is_good"} | kwargs
    with pytest.raises(ValueError, match=message):
        recent_trend(**args)


@pytest.mark.parametrize(
    ("direction", "polarity", "label"),
    [
        (TrendDirection.NO_CHANGE, Polarity.HIGH_IS_GOOD, "No significant change"),
        (TrendDirection.CANNOT_BE_CALCULATED, Polarity.LOW_IS_GOOD, "Cannot be calculated"),
        ("Increasing", "low_is_good", "Increasing and getting worse"),
        ("Decreasing", "high_is_good", "Decreasing and getting worse"),
    ],
)
def test_trend_label(direction: TrendDirection | str, polarity: Polarity | str, label: str) -> None:
    """Labels can be produced from stored strings as well as the enums."""
    assert trend_label(direction, polarity) == label


# --- values with confidence intervals (age-standardised rates, means, life expectancy) ---------------------------

LIFE_EXPECTANCY = [78.0, 78.3, 78.5, 78.9, 79.2]
LE_LOWER = [v - 0.4 for v in LIFE_EXPECTANCY]
LE_UPPER = [v + 0.4 for v in LIFE_EXPECTANCY]


def test_interval_trend_is_the_inverse_variance_weighted_regression() -> None:
    trend = recent_trend_from_intervals(LIFE_EXPECTANCY, LE_LOWER, LE_UPPER, Polarity.HIGH_IS_GOOD)
    se = (np.array(LE_UPPER) - np.array(LE_LOWER)) / 3.92
    # numpy's weighted fit with known (unscaled) variances: the same slope and standard error.
    (slope, _), cov = np.polyfit(np.arange(1, 6), LIFE_EXPECTANCY, 1, w=1 / se, cov="unscaled")
    assert trend.chi_squared == pytest.approx(slope**2 / cov[0, 0], rel=1e-9)
    assert trend.direction is TrendDirection.INCREASING and trend.label == "Increasing and getting better"
    assert trend.p_value == pytest.approx(stats.chi2.sf(slope**2 / cov[0, 0], 1), rel=1e-9)


def test_interval_trend_with_wide_intervals_is_no_significant_change() -> None:
    wide_lower = [v - 3 for v in LIFE_EXPECTANCY]
    wide_upper = [v + 3 for v in LIFE_EXPECTANCY]
    trend = recent_trend_from_intervals(LIFE_EXPECTANCY, wide_lower, wide_upper, Polarity.HIGH_IS_GOOD)
    assert trend.direction is TrendDirection.NO_CHANGE


@pytest.mark.parametrize(
    "lower",
    [LE_LOWER[:4], [*LE_LOWER[:4], None], [*LE_UPPER[:4], LE_LOWER[4] + 0.8]],
    ids=["four points", "missing limit", "zero width"],
)
def test_interval_trend_cannot_be_calculated(lower: list) -> None:
    values, upper = LIFE_EXPECTANCY[: len(lower)], LE_UPPER[: len(lower)]
    trend = recent_trend_from_intervals(values, lower, upper, Polarity.HIGH_IS_GOOD)
    assert trend.direction is TrendDirection.CANNOT_BE_CALCULATED


def test_overlapping_rolling_periods_are_skipped() -> None:
    assert period_years("2015 - 17") == (2015, 2017)
    assert period_years("2013/14 - 15/16") == (2013, 2015)
    assert period_years("1999 - 01") == (1999, 2001)
    rolling = [f"{y} - {(y + 2) % 100:02d}" for y in range(2001, 2018)]  # 2001 - 03 … 2017 - 19
    kept = [rolling[i] for i in non_overlapping(rolling)]
    assert kept == ["2002 - 04", "2005 - 07", "2008 - 10", "2011 - 13", "2014 - 16", "2017 - 19"]
    yearly = ["2015", "2016/17", "2018"]
    assert non_overlapping(yearly) == [0, 1, 2]
