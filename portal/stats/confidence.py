"""Indicator values with confidence intervals, following UKHSA's PHEindicatormethods R package.

Proportions use Wilson score limits (``phe_proportion``), crude rates use Byar's approximation for counts of 10 or
more and exact Poisson limits below that (``phe_rate``), and directly standardised rates use Dobson limits
(``phe_dsr``). Confidence levels are fractions: Fingertips uses 0.95 and 0.998.
"""

import functools
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import stats

# European Standard Population 2013, 19 five-year bands 0-4 ... 85-89 and 90+ (phe_dsr's default esp2013).
ESP2013_AGE_BANDS: Final[tuple[str, ...]] = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip
ESP2013: Final[tuple[int, ...]] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip

# phe_rate switches from exact Poisson limits to Byar's approximation at this count.
BYARS_MIN_COUNT: Final = 10
# phe_dsr does not publish a DSR when the total count is below this ("dsr NA for total count < 10").
DSR_MIN_TOTAL_COUNT: Final = 10

MIN_CONFIDENCE: Final = 0.9


@dataclass(frozen=True)
class ValueWithCI:
    """An indicator value with the limits of its confidence interval, on the same (multiplied) scale."""

    value: float
    lower: float
    upper: float
    confidence: float
    method: str


def _number(name: str, x: object) -> float:
    """Return x as a finite float, or raise ValueError naming the argument."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be a number, not {x!r}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {x!r}")
    return value


def _count(count: object) -> float:
    """Validate an observed count (zero allowed)."""
    x = _number("count", count)
    if x < 0:
        raise ValueError(f"count must be zero or more, not {x:g}")
    return x


def _denominator(denominator: object) -> float:
    """Validate a denominator (must be positive)."""
    n = _number("denominator", denominator)
    if n <= 0:
        raise ValueError(f"denominator must be greater than zero, not {n:g}")
    return n


def _multiplier(multiplier: object) -> float:
    """Validate a multiplier such as 100 or 100000."""
    m = _number("multiplier", multiplier)
    if m <= 0:
        raise ValueError(f"multiplier must be greater than zero, not {m:g}")
    return m


def _check_confidence(confidence: object) -> float:
    """Validate a confidence level given as a fraction, e.g. 0.95 or 0.998."""
    c = _number("confidence", confidence)
    if not MIN_CONFIDENCE <= c < 1:
        raise ValueError(
            f"confidence must be a fraction from 0.9 up to (not including) 1, e.g. 0.95 or 0.998; got {c:g}"
        )
    return c


@functools.lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    """Two-sided standard normal critical value, computed as PHEindicatormethods does (remembered: the same few
    confidence levels are asked for thousands of times when a long series' trends are worked out)."""
    return float(stats.norm.ppf(confidence + (1 - confidence) / 2))


def wilson_interval(count: float, denominator: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score limits for the proportion count/denominator, as fractions between 0 and 1."""
    x = _count(count)
    n = _denominator(denominator)
    if x > n:
        raise ValueError(f"count ({x:g}) must not be greater than denominator ({n:g}) for a proportion")
    z = _z(_check_confidence(confidence))
    centre = 2 * x + z**2
    spread = z * math.sqrt(z**2 + 4 * x * (1 - x / n))
    scale = 2 * (n + z**2)
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def byars_interval(count: float, denominator: float = 1.0, confidence: float = 0.95) -> tuple[float, float]:
    """Byar's approximate Poisson limits for count, divided by denominator (1 gives limits for the count itself).

    As PHEindicatormethods' ``byars_lower``, the lower limit is NaN where the approximation goes negative (very small
    counts at high confidence); use :func:`rate_interval`, which switches to exact limits below 10.
    """
    x = _count(count)
    n = _denominator(denominator)
    z = _z(_check_confidence(confidence))
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3 if x > 0 else math.nan
    if lower < 0:
        lower = math.nan
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower / n, upper / n


def exact_poisson_interval(count: float, denominator: float = 1.0, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (chi-squared based) Poisson limits for count, divided by denominator."""
    x = _count(count)
    n = _denominator(denominator)
    c = _check_confidence(confidence)
    # qchisq(p, 0) is 0 in R; scipy returns NaN for zero degrees of freedom.
    lower = float(stats.chi2.ppf((1 - c) / 2, 2 * x)) / 2 if x > 0 else 0.0
    upper = float(stats.chi2.ppf(c + (1 - c) / 2, 2 * x + 2)) / 2
    return lower / n, upper / n


def _rate_method(count: float) -> str:
    """Name the interval method phe_rate uses for this count."""
    return "Byars" if count >= BYARS_MIN_COUNT else "Exact"


def rate_interval(
    count: float, denominator: float, multiplier: float = 100000, confidence: float = 0.95
) -> tuple[float, float]:
    """Confidence limits for the rate count/denominator x multiplier: Byar's for counts of 10 or more, else exact."""
    x = _count(count)
    m = _multiplier(multiplier)
    interval = byars_interval if _rate_method(x) == "Byars" else exact_poisson_interval
    lower, upper = interval(x, denominator, confidence)
    return lower * m, upper * m


def rate_with_ci(count: float, denominator: float, multiplier: float = 100000, confidence: float = 0.95) -> ValueWithCI:
    """A crude rate per ``multiplier`` with its confidence interval (PHEindicatormethods ``phe_rate``)."""
    lower, upper = rate_interval(count, denominator, multiplier, confidence)
    x, n = _count(count), _denominator(denominator)
    return ValueWithCI(x / n * multiplier, lower, upper, confidence, _rate_method(x))


def proportion_with_ci(
    count: float, denominator: float, multiplier: float = 100, confidence: float = 0.95
) -> ValueWithCI:
    """A proportion (x 100 gives a percentage) with Wilson score limits (PHEindicatormethods ``phe_proportion``)."""
    m = _multiplier(multiplier)
    lower, upper = wilson_interval(count, denominator, confidence)
    x, n = _count(count), _denominator(denominator)
    return ValueWithCI(x / n * m, lower * m, upper * m, confidence, "Wilson")


def _as_array(name: str, values: Iterable[float | None], *, allow_missing: bool) -> np.ndarray:
    """Convert an iterable of numbers to a float array, rejecting non-numbers and (unless allowed) missing values."""
    out = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isnan(v)):
            if not allow_missing:
                raise ValueError(f"{name}[{i}] is missing")
            out.append(math.nan)
        else:
            out.append(_number(f"{name}[{i}]", v))
    return np.array(out, dtype=float)


def dsr_with_ci(
    counts: Iterable[float | None],
    populations: Iterable[float],
    standard_populations: Iterable[float] = ESP2013,
    multiplier: float = 100000,
    confidence: float = 0.95,
) -> ValueWithCI:
    """A directly standardised rate with Dobson limits (PHEindicatormethods ``phe_dsr``).

    The three sequences are matched by position (e.g. the 19 ESP2013 age bands). Missing counts count as zero, as in
    phe_dsr. When the total count is below 10 the DSR is not published: value and limits are NaN.
    """
    c = _check_confidence(confidence)
    m = _multiplier(multiplier)
    x = _as_array("counts", counts, allow_missing=True)
    n = _as_array("populations", populations, allow_missing=False)
    s = _as_array("standard_populations", standard_populations, allow_missing=False)
    if not len(x) == len(n) == len(s) or len(x) == 0:
        raise ValueError(
            f"counts, populations and standard_populations must be the same non-zero length "
            f"(got {len(x)}, {len(n)} and {len(s)})"
        )
    if np.any(x < 0):
        raise ValueError("counts must all be zero or more")
    if np.any(n <= 0):
        raise ValueError("populations must all be greater than zero")
    if np.any(s < 0) or s.sum() <= 0:
        raise ValueError("standard populations must be zero or more and not all zero")

    x = np.nan_to_num(x, nan=0.0)
    total = float(x.sum())
    if total < DSR_MIN_TOTAL_COUNT:
        return ValueWithCI(math.nan, math.nan, math.nan, c, "Dobson")

    weights = s / n
    value = float((x * weights).sum() / s.sum() * m)
    # Dobson: scale the Byar's limits for the total count by the DSR's standard error per event.
    var_dsr = float((x * weights**2).sum() / s.sum() ** 2)
    scale = math.sqrt(var_dsr / total) * m
    byars_lower, byars_upper = byars_interval(total, 1.0, c)
    return ValueWithCI(value, value + scale * (byars_lower - total), value + scale * (byars_upper - total), c, "Dobson")
