"""Future need: short-horizon projections of indicator series and a simple ageing-on population projection.

How an indicator is projected (``project_indicator``):

* **Candidates.** Naive (repeat the latest value), drift (continue the average change from the first value to the
  latest) and a straight-line trend fitted by least squares to every value.
* **Model choice by rolling-origin cross-validation.** From every origin with at least ``FIRST_ORIGIN`` values,
  each candidate forecasts the next 1–3 values from the values before the origin; the candidates are compared on the
  mean absolute error of all those forecasts. Naive is the default: another model is chosen only when it beats
  naive by more than ``MIN_IMPROVEMENT`` (20 %; ties go to the fitted line) and there are at least ``MIN_CV_ERRORS``
  one-step forecasts per period a value covers (a 3-year rolling rate shares two years with its neighbour, so its
  consecutive errors are not independent and it needs three times as many).
* **Intervals calibrated on rolling-origin errors.** A forecast's error is divided by the series' own scale (the
  root mean square of the chosen model's last ``SCALE_CHANGES`` one-step errors, for naive its last changes, so a
  long series and the short stretches it was backtested on are scaled alike) and by h^gamma. The 80 % and 95 %
  quantiles of those scores, pooled over the rolling origins of every shipped series of the same kind (value type,
  and single or overlapping periods), give the interval half-widths ``q × scale × h^gamma``. Overlapping periods
  have their own pools, so the extra width their correlated errors need is measured, not assumed.
  ``bench/bench_forecast.py`` builds the pools (``portal.stats.forecast_calibration``) and checks their coverage on
  the last 3 values of every series, which the calibration never saw; ``forecast_calibration_table.py`` holds them.
* **Too short.** A series with fewer than ``MIN_POINTS`` values cannot be tested like the series the intervals were
  checked on: it gets the naive forecast, no interval, and a sentence that says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

NAIVE = "naive"
DRIFT = "drift"
LINEAR = "linear"
MODELS = (NAIVE, DRIFT, LINEAR)
MODEL_WORDS: dict[str, str] = {
    NAIVE: "repeats the latest value",
    DRIFT: "continues the average change from the first recorded value to the latest",
    LINEAR: "continues a straight-line trend fitted to every recorded value",
}
MAX_HORIZON = 3
# The shortest series the interval coverage was tested on (8 values less the 3 held out).
MIN_POINTS = 5
# Rolling origins start with 3 values: the first origin at which a straight line leaves a residual.
FIRST_ORIGIN = 3
MIN_IMPROVEMENT = 0.2
MIN_CV_ERRORS = 4
SCALE_CHANGES = 2
BACKTEST_METRIC = "MAE"
SINGLE = "single"
OVERLAPPING = "overlapping"
ALL_SERIES = "all"
# Value types that are never negative: their intervals are cut at 0.
NON_NEGATIVE = frozenset({"count", "proportion", "crude_rate", "dsr", "median", "rank", "decile"})
AGEING_ON_LABEL = "Simple ageing-on projection: no mortality, no migration, births held at the latest count"


@dataclass(frozen=True)
class CalibrationPool:
    """Interval calibration pooled over series of one kind: half-width = q × scale × h^gamma.

    ``coverage80``/``coverage95`` are the shares of held-out values (the last 3 of each tested series, never used for
    calibration) that fell inside the 80 % and 95 % intervals built this way.
    """

    name: str
    label: str
    gamma: float
    q80: float
    q95: float
    scores: int
    series: int
    tested_series: int = 0
    tested_points: int = 0
    coverage80: float | None = None
    coverage95: float | None = None


@dataclass(frozen=True, eq=False)
class Projection:
    """A projected indicator with nested 80% and 95% prediction intervals and how the model was chosen.

    ``too_short`` series have NaN intervals. ``sentence`` states the method and its backtested coverage in words.
    """

    model: str
    backtest_error: float
    backtest_metric: str
    future_periods: npt.NDArray[np.float64] | npt.NDArray[np.int64]
    point: FloatArray
    lower80: FloatArray
    upper80: FloatArray
    lower95: FloatArray
    upper95: FloatArray
    candidate_errors: Mapping[str, float] = field(default_factory=dict)
    too_short: bool = False
    sentence: str = ""
    pool: CalibrationPool | None = None
    scale: float = float("nan")

    @property
    def coverage80(self) -> float | None:
        """Backtested coverage of the 80% intervals (None when there are no intervals)."""
        return None if self.too_short or self.pool is None else self.pool.coverage80

    @property
    def coverage95(self) -> float | None:
        """Backtested coverage of the 95% intervals (None when there are no intervals)."""
        return None if self.too_short or self.pool is None else self.pool.coverage95

    def to_frame(self) -> pd.DataFrame:
        """Return one row per future period with the point projection and both intervals."""
        return pd.DataFrame(
            {
                "point": self.point,
                "lower80": self.lower80,
                "upper80": self.upper80,
                "lower95": self.lower95,
                "upper95": self.upper95,
            },
            index=pd.Index(self.future_periods, name="period"),
        )


@dataclass(frozen=True)
class ModelChoice:
    """The model rolling-origin cross-validation chose, every candidate's error and how many one-step forecasts."""

    model: str
    errors: dict[str, float]
    one_step: int


# Models ------------------------------------------------------------------------------------------------------------


def point_forecast(model: str, t: FloatArray, y: FloatArray, future: FloatArray) -> FloatArray:
    """The point forecast of ``model`` fitted to (t, y) at the times ``future``."""
    if model == NAIVE:
        return np.full(future.shape, float(y[-1]))
    if y.size < 2:
        raise ValueError(f"{model} needs at least 2 values")
    if model == DRIFT:
        slope = float(y[-1] - y[0]) / float(t[-1] - t[0])
        return y[-1] + slope * (future - t[-1])
    if model == LINEAR:
        t_mean = float(t.mean())
        slope = float(((t - t_mean) * (y - y.mean())).sum()) / float(((t - t_mean) ** 2).sum())
        return float(y.mean()) + slope * (future - t_mean)
    raise ValueError(f"unknown model {model!r}")


def rolling_origin_errors(t: FloatArray, y: FloatArray, horizon: int = MAX_HORIZON) -> dict[str, list[FloatArray]]:
    """Each candidate's signed errors by horizon (list index h − 1) from every origin with ≥ FIRST_ORIGIN values."""
    errors: dict[str, list[list[float]]] = {model: [[] for _ in range(horizon)] for model in MODELS}
    for origin in range(FIRST_ORIGIN, y.size):
        steps = min(horizon, y.size - origin)
        actual = y[origin : origin + steps]
        for model in MODELS:
            forecast = point_forecast(model, t[:origin], y[:origin], t[origin : origin + steps])
            for h in range(steps):
                errors[model][h].append(float(actual[h] - forecast[h]))
    return {model: [np.asarray(e, dtype=float) for e in by_h] for model, by_h in errors.items()}


def choose_model(t: FloatArray, y: FloatArray, *, overlap: float = 1.0) -> ModelChoice:
    """Pick the model by rolling-origin cross-validation; naive unless another clearly and reliably beats it.

    ``overlap`` is how many periods each value covers (3 for a 3-year rolling rate in yearly steps): its consecutive
    errors share data, so it needs ``overlap`` times as many one-step forecasts before a trend can be chosen.
    """
    by_model = rolling_origin_errors(t, y)
    one_step = int(by_model[NAIVE][0].size)
    if one_step == 0:
        return ModelChoice(NAIVE, {}, 0)
    errors = {model: float(np.mean(np.abs(np.concatenate(by_h)))) for model, by_h in by_model.items()}
    chosen = NAIVE
    if one_step >= MIN_CV_ERRORS * max(1.0, overlap):
        for model in (LINEAR, DRIFT):
            if errors[model] < errors[chosen] and errors[model] < errors[NAIVE] * (1 - MIN_IMPROVEMENT):
                chosen = model
    return ModelChoice(chosen, errors, one_step)


def error_scale(t: FloatArray, y: FloatArray, model: str = NAIVE) -> float:
    """Root mean square of the model's last ``SCALE_CHANGES`` one-step forecast errors (all of them if those are 0).

    For naive these are the last one-step changes. A series the model has always forecast exactly gets 0.
    """
    first = 1 if model == NAIVE else 2
    if y.size <= first:
        return float("nan")
    errors = np.array([y[i] - point_forecast(model, t[:i], y[:i], t[i : i + 1])[0] for i in range(first, y.size)])
    recent = float(np.sqrt(np.mean(errors[-SCALE_CHANGES:] ** 2)))
    return recent if recent > 0 else float(np.sqrt(np.mean(errors**2)))


def calibration_scores(
    t: FloatArray, y: FloatArray, *, overlap: float = 1.0, horizon: int = MAX_HORIZON
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Horizons and scores |error| / scale of the whole procedure (model choice included) from every rolling origin.

    At each origin the model is chosen, and the scale measured, from the values before it only. A zero scale gives a
    score of 0 for an exact forecast and infinity otherwise.
    """
    horizons: list[int] = []
    scores: list[float] = []
    for origin in range(FIRST_ORIGIN, y.size):
        past_t, past_y = t[:origin], y[:origin]
        model = choose_model(past_t, past_y, overlap=overlap).model
        scale = error_scale(past_t, past_y, model)
        steps = min(horizon, y.size - origin)
        forecast = point_forecast(model, past_t, past_y, t[origin : origin + steps])
        for h in range(steps):
            error = abs(float(y[origin + h] - forecast[h]))
            horizons.append(h + 1)
            scores.append(error / scale if scale > 0 else (0.0 if error == 0 else math.inf))
    return np.asarray(horizons, dtype=np.int64), np.asarray(scores, dtype=float)


# Kinds of series ---------------------------------------------------------------------------------------------------

_RANGE = re.compile(r"((?:19|20)\d\d)\s*(-|–|/|to)\s*(\d{2}|(?:19|20)\d\d)(?!\d)")


def period_span(label: str) -> int:
    """Years one period label covers: "2019 - 21" → 3, "2017-2019" → 3, "2022/23" or "2019-20" → 1, "2023" → 1.

    A two-year range with "/" or a one-year step is a financial or academic year (one year's data), not a rolling one.
    """
    match = _RANGE.search(label or "")
    if not match:
        return 1
    start, end_text = int(match.group(1)), match.group(3)
    end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
    if end < start:
        end += 100
    if match.group(2) == "/" or end - start <= 1:
        return 1
    return end - start + 1


def series_kind(value_type: str | None, overlapping: bool) -> str:
    """The calibration pool name for a value type ("count", "proportion" …) in single or overlapping periods."""
    periods = OVERLAPPING if overlapping else SINGLE
    return f"{value_type}/{periods}" if value_type else periods


def pool_for(kind: str, pools: Mapping[str, CalibrationPool]) -> CalibrationPool:
    """The pool for a kind, else its single/overlapping pool, else the pool of every series."""
    periods = kind.rsplit("/", 1)[-1]
    for name in (kind, periods, ALL_SERIES):
        if name in pools:
            return pools[name]
    raise LookupError("the forecast calibration has no pool for every series")


def shipped_pools() -> dict[str, CalibrationPool]:
    """The calibration pools built from the shipped data (see bench/bench_forecast.py)."""
    from portal.stats.forecast_calibration_table import POOLS

    return {name: CalibrationPool(name=name, **values) for name, values in POOLS.items()}


# Projection --------------------------------------------------------------------------------------------------------


def project_indicator(
    periods: Sequence[float | int],
    values: Sequence[float],
    horizon: int = MAX_HORIZON,
    *,
    value_type: str | None = None,
    span: float = 1,
    pools: Mapping[str, CalibrationPool] | None = None,
) -> Projection:
    """Project a series ``horizon`` (1–3) steps ahead with intervals calibrated on rolling-origin errors.

    ``value_type`` (the indicator's, e.g. "count") and ``span`` (years each period covers, e.g. 3 for "2019 - 21";
    see ``period_span``) pick the calibration pool of series of the same kind; ``pools`` defaults to the shipped
    calibration. Fewer than ``MIN_POINTS`` values give a naive projection with no interval (``too_short``).
    """
    t = np.asarray(periods, dtype=float)
    y = np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != y.shape:
        raise ValueError("periods and values must be 1-D sequences of the same length")
    if t.size < 2:
        raise ValueError(f"at least 2 points are needed to project a series, got {t.size}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise ValueError("periods and values must be finite")
    steps = np.diff(t)
    if np.any(steps <= 0):
        raise ValueError("periods must be strictly increasing")
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be 1 to {MAX_HORIZON}: intervals are calibrated that far ahead only")

    step = float(np.median(steps))
    future = t[-1] + step * np.arange(1, horizon + 1)
    if np.all(np.mod(t, 1) == 0) and float(step).is_integer():
        future_periods: npt.NDArray[np.float64] | npt.NDArray[np.int64] = future.astype(np.int64)
    else:
        future_periods = future
    overlap = max(1.0, float(span) / step)
    metric = f"{BACKTEST_METRIC} of rolling-origin forecasts 1 to {MAX_HORIZON} steps ahead"

    if t.size < MIN_POINTS:
        point = point_forecast(NAIVE, t, y, future)
        nan = np.full(horizon, np.nan)
        return Projection(
            model=NAIVE,
            backtest_error=float("nan"),
            backtest_metric=metric,
            future_periods=future_periods,
            point=point,
            lower80=nan,
            upper80=nan.copy(),
            lower95=nan.copy(),
            upper95=nan.copy(),
            too_short=True,
            sentence=(
                f"No interval is shown: with only {t.size} recorded values the projection cannot be tested against "
                f"the series' own past (it needs {MIN_POINTS}), so it simply repeats the latest value."
            ),
        )

    pool = pool_for(series_kind(value_type, overlap > 1), shipped_pools() if pools is None else pools)
    result = forecast_with_intervals(t, y, future, overlap=overlap, pool=pool)
    if value_type in NON_NEGATIVE and np.all(y >= 0):
        # A count or rate cannot fall below 0; cutting the bands there cannot change their tested coverage.
        result = replace(
            result,
            lower80=np.maximum(result.lower80, 0.0),
            lower95=np.maximum(result.lower95, 0.0),
            upper80=np.maximum(result.upper80, 0.0),
            upper95=np.maximum(result.upper95, 0.0),
        )
    return Projection(
        model=result.choice.model,
        backtest_error=result.choice.errors.get(result.choice.model, float("nan")),
        backtest_metric=metric,
        future_periods=future_periods,
        point=result.point,
        lower80=result.lower80,
        upper80=result.upper80,
        lower95=result.lower95,
        upper95=result.upper95,
        candidate_errors=result.choice.errors,
        sentence=method_sentence(result.choice, pool, overlap),
        pool=pool,
        scale=result.scale,
    )


@dataclass(frozen=True)
class IntervalForecast:
    """The chosen model's point forecasts with calibrated 80% and 95% intervals, and the scale they used."""

    choice: ModelChoice
    scale: float
    point: FloatArray
    lower80: FloatArray
    upper80: FloatArray
    lower95: FloatArray
    upper95: FloatArray


def forecast_with_intervals(
    t: FloatArray, y: FloatArray, future: FloatArray, *, overlap: float, pool: CalibrationPool
) -> IntervalForecast:
    """Forecast at ``future`` (the h-th time is h steps ahead) with half-widths q × scale × h^gamma from ``pool``."""
    choice = choose_model(t, y, overlap=overlap)
    scale = error_scale(t, y, choice.model)
    point = point_forecast(choice.model, t, y, future)
    growth = np.arange(1, future.size + 1, dtype=float) ** pool.gamma
    half80 = pool.q80 * scale * growth
    # Nested by construction: the 95% quantile of the same scores is never below the 80% one.
    half95 = max(pool.q95, pool.q80) * scale * growth
    return IntervalForecast(choice, scale, point, point - half80, point + half80, point - half95, point + half95)


def _percent(share: float | None) -> str:
    return "not yet measured" if share is None else f"{100 * share:.0f}%"


def method_sentence(choice: ModelChoice, pool: CalibrationPool, overlap: float = 1.0) -> str:
    """One plain sentence: the model, why it was chosen, where the intervals come from and their tested coverage."""
    words = MODEL_WORDS[choice.model]
    if choice.model != NAIVE:
        why = "it forecast this series' own past more closely than repeating the latest value did"
    elif choice.one_step < MIN_CV_ERRORS * max(1.0, overlap):
        why = "there are too few values to show that a trend would forecast it better"
    else:
        why = "no trend forecast this series' own past more closely"
    source = f"its intervals are set from how far such forecasts missed on {pool.series:,} {pool.label}"
    if pool.coverage80 is None or pool.coverage95 is None:
        return f"This projection {words} ({why}); {source}, and their coverage has not been tested yet."
    return (
        f"This projection {words} ({why}); {source}, and in a test on later values they were not set from, the 80% "
        f"and 95% intervals contained {_percent(pool.coverage80)} and {_percent(pool.coverage95)} of those values."
    )


def project_population_ageing_on(
    population_by_age: Mapping[int, float], years: int, *, max_age: int = 90
) -> pd.DataFrame:
    """Age a population on by single years: a simple projection with no mortality or migration.

    Each year everyone moves up one year of age, the open ``max_age``+ band keeps its members and gains the age below,
    and age 0 is held at the latest births count (the base population's age 0). Ages above ``max_age`` in the input
    are added to the open band. Rows are ages 0..max_age, columns are years ahead 0..years (0 = the base); the label
    is in ``frame.attrs["method"]``.
    """
    if years < 0:
        raise ValueError("years must not be negative")
    if max_age < 1:
        raise ValueError("max_age must be at least 1")
    base = np.zeros(max_age + 1)
    for age, count in population_by_age.items():
        if int(age) != age or age < 0:
            raise ValueError(f"ages must be whole numbers of years from 0, got {age!r}")
        if not np.isfinite(count) or count < 0:
            raise ValueError(f"population counts must be finite and non-negative, got {count!r} at age {age}")
        base[min(int(age), max_age)] += float(count)

    columns = [base]
    for _ in range(years):
        previous = columns[-1]
        current = np.empty_like(previous)
        current[0] = base[0]
        current[1:max_age] = previous[: max_age - 1]
        current[max_age] = previous[max_age - 1] + previous[max_age]
        columns.append(current)
    frame = pd.DataFrame(
        np.column_stack(columns),
        index=pd.RangeIndex(max_age + 1, name="age"),
        columns=pd.RangeIndex(years + 1, name="years_ahead"),
    )
    frame.attrs["method"] = AGEING_ON_LABEL
    return frame


def population_in_age_band(projection: pd.DataFrame, lo: int, hi: int | None = None) -> pd.Series:
    """Return the projected population aged lo to hi inclusive per year ahead (hi=None means lo and over)."""
    top = int(projection.index.max())
    hi = top if hi is None else hi
    if lo < 0 or hi < lo:
        raise ValueError("the age band must satisfy 0 <= lo <= hi")
    if hi > top:
        raise ValueError(f"the oldest single age is the open band {top}+; use hi={top} or hi=None")
    band = projection.loc[lo:hi].sum(axis=0)
    band.name = f"{lo}+" if hi == top else f"{lo}-{hi}"
    return band
