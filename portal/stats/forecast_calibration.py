"""Build and test the interval calibration of ``portal.stats.forecast`` on many series (pure: arrays in, pools out).

``build_pools`` pools the rolling-origin scores of every series by kind; ``backtest`` rebuilds the pools from all but
the last ``holdout`` values of every series, projects those values and records whether each fell inside its
intervals, so the coverage it reports comes from values the calibration never saw. ``bench/bench_forecast.py`` reads
the shipped data, prints the tables and writes ``forecast_calibration_table.py``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from portal.stats.forecast import (
    ALL_SERIES,
    MAX_HORIZON,
    MIN_POINTS,
    NAIVE,
    OVERLAPPING,
    SINGLE,
    CalibrationPool,
    FloatArray,
    calibration_scores,
    forecast_with_intervals,
    point_forecast,
    pool_for,
    series_kind,
)

# A pool needs this many scores; with fewer its 95% quantile rests on a handful of the largest errors.
MIN_POOL_SCORES = 200
# Horizons with fewer scores than this do not inform the growth exponent gamma.
MIN_SCORES_FOR_GAMMA = 30
DEFAULT_GAMMA = 0.5  # a random walk's errors grow with the square root of the horizon
MAX_GAMMA = 1.5
HOLDOUT = 3
MIN_TESTED_POINTS = 8  # the rule: every series with at least 8 values is tested

VALUE_TYPE_WORDS: dict[str, str] = {
    "count": "counts",
    "proportion": "percentages",
    "crude_rate": "crude rates",
    "dsr": "standardised rates",
    "mean": "averages",
    "median": "medians",
    "score": "scores",
}
LEVELS_USED = ("kind", "periods", "all")


@dataclass(frozen=True)
class BacktestSeries:
    """One recorded series: times, values, its indicator's value type and how many years each period covers."""

    name: str
    t: FloatArray
    y: FloatArray
    value_type: str = ""
    span: float = 1.0

    @property
    def overlap(self) -> float:
        """How many steps each value covers (3 for a 3-year rolling rate in yearly steps)."""
        steps = np.diff(self.t)
        return max(1.0, self.span / float(np.median(steps))) if steps.size else 1.0

    @property
    def kind(self) -> str:
        """The calibration pool name of series like this one."""
        return series_kind(self.value_type, self.overlap > 1)


@dataclass(frozen=True)
class HeldOutPoint:
    """One held-out value: how far the procedure's forecast (and naive's) missed, and whether it was covered."""

    series: str
    kind: str
    pool: str
    level: str
    horizon: int
    model: str
    error: float
    naive_error: float
    scale: float
    mase_scale: float
    inside80: bool
    inside95: bool


def pool_label(name: str) -> str:
    """A pool's name in words: "count/single" → "series of counts for single periods"."""
    if name == ALL_SERIES:
        return "series of every kind"
    value_type, _, periods = name.rpartition("/")
    what = VALUE_TYPE_WORDS.get(value_type, f"{value_type} values") if value_type else "values"
    when = "overlapping periods (such as 3-year rolling rates)" if periods == OVERLAPPING else "single periods"
    return f"series of {what} for {when}"


def conformal_quantile(scores: FloatArray, level: float) -> float:
    """The ⌈(n+1)·level⌉-th smallest score: a new exchangeable score is at most this with probability ≥ level."""
    n = scores.size
    rank = math.ceil((n + 1) * level)
    if n == 0 or rank > n:
        return math.inf
    return float(np.sort(scores)[rank - 1])


def fit_pool(
    name: str, horizons: npt.NDArray[np.int64], scores: FloatArray, series: int, *, label: str | None = None
) -> CalibrationPool:
    """Fit gamma (log median score against log horizon) and the 80%/95% quantiles of score / h^gamma."""
    points = []
    for h in np.unique(horizons):
        at_h = scores[horizons == h]
        median = float(np.median(at_h))
        if at_h.size >= MIN_SCORES_FOR_GAMMA and 0 < median < math.inf:
            points.append((math.log(float(h)), math.log(median)))
    if len(points) >= 2:
        x, y = np.array(points).T
        gamma = float(np.clip(np.polyfit(x, y, 1)[0], 0.0, MAX_GAMMA))
    else:
        gamma = DEFAULT_GAMMA
    normalised = scores / horizons.astype(float) ** gamma
    return CalibrationPool(
        name=name,
        label=label or pool_label(name),
        gamma=gamma,
        q80=conformal_quantile(normalised, 0.8),
        q95=conformal_quantile(normalised, 0.95),
        scores=int(scores.size),
        series=series,
    )


def _truncate(series: BacktestSeries, holdout: int) -> BacktestSeries:
    end = series.y.size - holdout
    return BacktestSeries(series.name, series.t[:end], series.y[:end], series.value_type, series.span)


def _pool_names(kind: str) -> list[str]:
    return list(dict.fromkeys([kind, kind.rsplit("/", 1)[-1], ALL_SERIES]))


def build_pools(
    series: Iterable[BacktestSeries], *, holdout: int = 0, min_scores: int = MIN_POOL_SCORES
) -> dict[str, CalibrationPool]:
    """Pool every series' rolling-origin scores (all but its last ``holdout`` values) by kind, by periods and overall.

    Pools with fewer than ``min_scores`` scores are left out, so those series fall back to the wider pool.
    """
    horizons: dict[str, list[npt.NDArray[np.int64]]] = defaultdict(list)
    scores: dict[str, list[FloatArray]] = defaultdict(list)
    members: dict[str, int] = defaultdict(int)
    for whole in series:
        part = _truncate(whole, holdout) if holdout else whole
        h, z = calibration_scores(part.t, part.y, overlap=part.overlap)
        if not z.size:
            continue
        for name in _pool_names(part.kind):
            horizons[name].append(h)
            scores[name].append(z)
            members[name] += 1
    pools = {}
    for name in sorted(scores):
        z = np.concatenate(scores[name])
        if z.size >= min_scores:
            pools[name] = fit_pool(name, np.concatenate(horizons[name]), z, members[name])
    return pools


def _restricted(pools: Mapping[str, CalibrationPool], level: str) -> dict[str, CalibrationPool]:
    if level == "periods":
        return {n: p for n, p in pools.items() if n in (SINGLE, OVERLAPPING, ALL_SERIES)}
    if level == "all":
        return {n: p for n, p in pools.items() if n == ALL_SERIES}
    return dict(pools)


def held_out_points(
    series: Sequence[BacktestSeries],
    pools: Mapping[str, CalibrationPool],
    *,
    holdout: int = HOLDOUT,
    level: str = "kind",
) -> list[HeldOutPoint]:
    """Forecast the last ``holdout`` values of each series from the values before them, with ``pools``' intervals.

    ``level`` "kind" uses each series' own pool (falling back as ``pool_for`` does); "periods" only the single or
    overlapping pools; "all" the pool of every series, so the wider pools' coverage is tested as well.
    """
    usable = _restricted(pools, level)
    points = []
    for whole in series:
        if whole.y.size - holdout < MIN_POINTS:
            continue
        part = _truncate(whole, holdout)
        pool = pool_for(part.kind, usable)
        future = whole.t[part.y.size :]
        actual = whole.y[part.y.size :]
        result = forecast_with_intervals(part.t, part.y, future, overlap=part.overlap, pool=pool)
        naive = point_forecast(NAIVE, part.t, part.y, future)
        changes = np.abs(np.diff(part.y))
        mase_scale = float(changes.mean()) if changes.size and changes.mean() > 0 else 1.0
        for h in range(min(holdout, MAX_HORIZON)):
            value = float(actual[h])
            points.append(
                HeldOutPoint(
                    series=whole.name,
                    kind=part.kind,
                    pool=pool.name,
                    level=level,
                    horizon=h + 1,
                    model=result.choice.model,
                    error=abs(value - float(result.point[h])),
                    naive_error=abs(value - float(naive[h])),
                    scale=result.scale,
                    mase_scale=mase_scale,
                    inside80=bool(result.lower80[h] <= value <= result.upper80[h]),
                    inside95=bool(result.lower95[h] <= value <= result.upper95[h]),
                )
            )
    return points


@dataclass(frozen=True)
class Backtest:
    """Pools built without the held-out values, and every held-out point at each pooling level."""

    pools: dict[str, CalibrationPool]
    points: dict[str, list[HeldOutPoint]]


def backtest(series: Sequence[BacktestSeries], *, holdout: int = HOLDOUT) -> Backtest:
    """Calibrate on all but the last ``holdout`` values of every series, then test on those values."""
    tested = [s for s in series if s.y.size >= MIN_TESTED_POINTS]
    pools = build_pools(tested, holdout=holdout)
    return Backtest(
        pools, {level: held_out_points(tested, pools, holdout=holdout, level=level) for level in LEVELS_USED}
    )


def coverage(points: Sequence[HeldOutPoint]) -> tuple[float, float]:
    """Shares of points inside their 80% and 95% intervals."""
    if not points:
        return math.nan, math.nan
    return float(np.mean([p.inside80 for p in points])), float(np.mean([p.inside95 for p in points]))


def mae_ratio(points: Sequence[HeldOutPoint]) -> float:
    """Mean absolute scaled error of the chosen forecasts over that of naive (below 1 beats naive).

    Errors are divided by each series' mean absolute one-step change, so a national count does not outweigh a
    district's.
    """
    naive = sum(p.naive_error / p.mase_scale for p in points)
    return sum(p.error / p.mase_scale for p in points) / naive if naive else math.nan


def shipped_pools(series: Sequence[BacktestSeries], test: Backtest) -> dict[str, CalibrationPool]:
    """Pools from every value of every series, each carrying the coverage its held-out test measured."""
    full = build_pools(series)
    unique: dict[tuple[str, str, int], HeldOutPoint] = {}
    for level, points in test.points.items():
        for point in points:
            if level == "kind" and point.pool != point.kind:
                continue  # a fallback inside the kind-level test is counted in the wider pool's own test
            unique[(point.pool, point.series, point.horizon)] = point
    found: dict[str, list[HeldOutPoint]] = defaultdict(list)
    for point in unique.values():
        found[point.pool].append(point)
    result = {}
    for name, pool in full.items():
        points = found.get(name, [])
        c80, c95 = coverage(points)
        result[name] = CalibrationPool(
            **{
                **pool.__dict__,
                "tested_series": len({p.series for p in points}),
                "tested_points": len(points),
                "coverage80": None if not points else round(c80, 4),
                "coverage95": None if not points else round(c95, 4),
            }
        )
    return result
