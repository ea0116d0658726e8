"""Future need: short-horizon projections of indicator series and a simple ageing-on population projection."""

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

FloatArray = npt.NDArray[np.float64]

MIN_POINTS = 5
BACKTEST_METRIC = "MAE"
MIN_IMPROVEMENT = 0.05
LINEAR = "linear"


class _EtsSpec(NamedTuple):
    damped: bool
    min_points: int


# Each ETS fit needs at least (parameters + 5) points, the rule R's forecast::ets uses: Holt has 4 parameters
# (alpha, beta, initial level and trend), the damped form adds phi. Fewer points give curve-fitting, not forecasts.
ETS_MODELS = {"ETS(A,A,N)": _EtsSpec(damped=False, min_points=9), "ETS(A,Ad,N)": _EtsSpec(damped=True, min_points=10)}
AGEING_ON_LABEL = "Simple ageing-on projection: no mortality, no migration, births held at the latest count"


@dataclass(frozen=True, eq=False)
class Projection:
    """A projected indicator with nested 80% and 95% prediction intervals and how the model was chosen."""

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
class _Forecast:
    point: FloatArray
    lower80: FloatArray
    upper80: FloatArray
    lower95: FloatArray
    upper95: FloatArray


class _FitFailedError(Exception):
    pass


def project_indicator(periods: Sequence[float | int], values: Sequence[float], horizon: int = 3) -> Projection:
    """Project a series ``horizon`` steps ahead with the linear or ETS model that backtests best.

    The candidates are an OLS linear trend (t-distribution prediction intervals) and ETS with additive errors and an
    additive trend, undamped and damped. Each is scored by one-step-ahead mean absolute error from rolling origins over
    the last k points (k = 2–4 with series length); a model later in the order linear, undamped, damped is only
    chosen if it cuts the error by more than ``MIN_IMPROVEMENT`` (5%). An ETS model is only tried when periods are
    evenly spaced and every backtest fit has at least its ``ETS_MODELS`` minimum (9 or 10) points; when no ETS model
    is fitted, ``model`` says why in brackets after "linear". ETS intervals come from statsmodels' analytic variance
    and ignore parameter uncertainty.
    """
    t = np.asarray(periods, dtype=float)
    y = np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != y.shape:
        raise ValueError("periods and values must be 1-D sequences of the same length")
    if t.size < MIN_POINTS:
        raise ValueError(f"at least {MIN_POINTS} points are needed to project a series, got {t.size}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise ValueError("periods and values must be finite")
    steps = np.diff(t)
    if np.any(steps <= 0):
        raise ValueError("periods must be strictly increasing")
    if horizon < 1:
        raise ValueError("horizon must be at least 1")

    n = t.size
    k = max(2, min(4, n // 4))
    step = float(np.median(steps))
    future = t[-1] + step * np.arange(1, horizon + 1)
    origins = range(n - k, n)
    errors = {LINEAR: _backtest(lambda i: _linear_forecast(t[:i], y[:i], t[i : i + 1]).point[0], y, origins)}
    # Below this the linear backtest error is rounding noise: the series is exactly linear.
    tolerance = 1e-9 * max(1.0, float(np.abs(y).max()))
    regular = bool(np.allclose(steps, step, rtol=1e-9, atol=0))
    skipped = ""
    # An exact linear fit cannot be beaten, and ETS fits on perfectly smooth data fail to converge.
    if errors[LINEAR] > tolerance:
        skipped = _add_ets_candidates(errors, y, origins, regular=regular)

    model = LINEAR
    for name, error in errors.items():
        # A more complex model must clearly backtest better: ETS with alpha and beta near 0 is a straight line that
        # can "win" by a hair while its intervals, unlike the OLS ones, do not widen.
        if error < errors[model] * (1 - MIN_IMPROVEMENT) - tolerance:
            model = name
    forecast = None
    if model != LINEAR:
        try:
            forecast = _ets_forecast(y, horizon, ETS_MODELS[model])
        except _FitFailedError:
            model, skipped = LINEAR, "ETS not fitted: the model failed to fit the full series"
    if forecast is None:
        forecast = _linear_forecast(t, y, future)

    if np.all(np.mod(t, 1) == 0) and float(step).is_integer():
        future_periods: npt.NDArray[np.float64] | npt.NDArray[np.int64] = future.astype(np.int64)
    else:
        future_periods = future
    return Projection(
        model=f"{model} ({skipped})" if skipped and model == LINEAR else model,
        backtest_error=errors[model],
        backtest_metric=f"{BACKTEST_METRIC} of one-step-ahead forecasts over the last {k} points",
        future_periods=future_periods,
        point=forecast.point,
        lower80=forecast.lower80,
        upper80=forecast.upper80,
        # Nested by construction; min/max only guards against rounding when a variance is ~0.
        lower95=np.minimum(forecast.lower95, forecast.lower80),
        upper95=np.maximum(forecast.upper95, forecast.upper80),
        candidate_errors=errors,
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


def _add_ets_candidates(errors: dict[str, float], y: FloatArray, origins: range, *, regular: bool) -> str:
    if not regular:
        return "ETS not fitted: periods are unevenly spaced"
    fewest = min(spec.min_points for spec in ETS_MODELS.values())
    if origins.start < fewest:
        return f"ETS not fitted: needs at least {fewest + len(origins)} points"
    for name, spec in ETS_MODELS.items():
        if origins.start < spec.min_points:
            continue
        try:
            errors[name] = _backtest(partial(_ets_one_step, y, spec), y, origins)
        except _FitFailedError:
            continue
    return "" if len(errors) > 1 else "ETS not fitted: the model failed to fit"


def _ets_one_step(y: FloatArray, spec: _EtsSpec, i: int) -> float:
    return float(_ets_forecast(y[:i], 1, spec).point[0])


def _backtest(forecast_at: Callable[[int], float], y: FloatArray, origins: range) -> float:
    return float(np.mean([abs(y[i] - forecast_at(i)) for i in origins]))


def _linear_forecast(t: FloatArray, y: FloatArray, future: FloatArray) -> _Forecast:
    n = t.size
    t_mean = t.mean()
    sxx = float(((t - t_mean) ** 2).sum())
    slope = float(((t - t_mean) * (y - y.mean())).sum()) / sxx
    intercept = float(y.mean()) - slope * t_mean
    point = intercept + slope * future
    if n <= 2:
        nan = np.full_like(point, np.nan)
        return _Forecast(point, nan, nan, nan, nan)
    residual = y - (intercept + slope * t)
    sigma = np.sqrt(float((residual**2).sum()) / (n - 2))
    se = sigma * np.sqrt(1 + 1 / n + (future - t_mean) ** 2 / sxx)
    q80, q95 = stats.t.ppf(0.9, n - 2), stats.t.ppf(0.975, n - 2)
    return _Forecast(point, point - q80 * se, point + q80 * se, point - q95 * se, point + q95 * se)


def _ets_forecast(y: FloatArray, horizon: int, spec: _EtsSpec) -> _Forecast:
    if y.size < spec.min_points:
        raise _FitFailedError
    # statsmodels 0.15 get_prediction needs a pandas index on the endog.
    model = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=spec.damped)
    try:
        # Non-convergence, and the log(0) / inf − inf a zero error variance causes on flat stretches, are checked
        # just below and treated as a failed fit, so the warnings themselves add nothing.
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = model.fit(disp=False)
        if not result.mle_retvals.get("converged", False) or not np.isfinite(result.llf):
            raise _FitFailedError
        prediction = result.get_prediction(start=y.size, end=y.size + horizon - 1)
        point = np.asarray(prediction.predicted_mean, dtype=float)
        band80 = np.asarray(prediction.pred_int(alpha=0.2), dtype=float)
        band95 = np.asarray(prediction.pred_int(alpha=0.05), dtype=float)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as error:
        raise _FitFailedError from error
    if not (np.all(np.isfinite(point)) and np.all(np.isfinite(band80)) and np.all(np.isfinite(band95))):
        raise _FitFailedError
    return _Forecast(point, band80[:, 0], band80[:, 1], band95[:, 0], band95[:, 1])
