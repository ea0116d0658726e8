"""Tests for portal.stats.forecast: models and model choice checked by hand, intervals checked for coverage."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.stats.forecast import (
    AGEING_ON_LABEL,
    DRIFT,
    LINEAR,
    MAX_HORIZON,
    MIN_IMPROVEMENT,
    MIN_POINTS,
    NAIVE,
    CalibrationPool,
    calibration_scores,
    choose_model,
    error_scale,
    method_sentence,
    period_span,
    point_forecast,
    pool_for,
    population_in_age_band,
    project_indicator,
    project_population_ageing_on,
    rolling_origin_errors,
    series_kind,
    shipped_pools,
)
from portal.stats.forecast_calibration import (
    BacktestSeries,
    backtest,
    build_pools,
    conformal_quantile,
    coverage,
    fit_pool,
    held_out_points,
)

YEARS = list(range(2008, 2024))
POOL = CalibrationPool(name="count/single", label="series of counts", gamma=0.5, q80=1.5, q95=3.0, scores=900,
                       series=100, tested_series=90, tested_points=270, coverage80=0.81, coverage95=0.95)  # fmt: skip
POOLS = {"count/single": POOL, "single": POOL, "all": POOL}


def _f(values: list[float]) -> np.ndarray:
    return np.asarray(values, dtype=float)


def test_the_three_candidate_models_by_hand() -> None:
    """Naive repeats 9; drift continues (9 − 1)/4 = 2 a year; the least-squares line through (0,1)…(4,9) too."""
    t, y = _f([0, 1, 2, 3, 4]), _f([1, 4, 4, 8, 9])
    future = _f([5, 6])
    np.testing.assert_allclose(point_forecast(NAIVE, t, y, future), [9, 9])
    np.testing.assert_allclose(point_forecast(DRIFT, t, y, future), [11, 13])
    # slope = Σ(t − 2)(y − 5.2) / Σ(t − 2)² = 20 / 10 = 2; intercept 5.2 − 2·2 = 1.2
    np.testing.assert_allclose(point_forecast(LINEAR, t, y, future), [11.2, 13.2])


def test_rolling_origin_errors_use_only_values_before_each_origin() -> None:
    """Origins 3 and 4 of a 5-value series: naive misses by y[i] − y[i−1], and two steps ahead by y[4] − y[2]."""
    t, y = _f([0, 1, 2, 3, 4]), _f([1, 4, 4, 8, 9])
    errors = rolling_origin_errors(t, y)
    np.testing.assert_allclose(errors[NAIVE][0], [8 - 4, 9 - 8])
    np.testing.assert_allclose(errors[NAIVE][1], [9 - 4])
    assert errors[NAIVE][2].size == 0
    # Drift from origin 3 (values 1, 4, 4): slope 1.5, so 5.5 for t=3 and 7 for t=4.
    np.testing.assert_allclose(errors[DRIFT][0][0], 8 - 5.5)
    np.testing.assert_allclose(errors[DRIFT][1][0], 9 - 7)


def test_a_steady_trend_is_chosen_over_naive_and_the_sentence_says_why() -> None:
    """A rising series with little noise: a trend forecasts its past far better than naive, so a trend is chosen."""
    noise = [0.3, -0.2, 0.1, -0.3, 0.2, 0.0, -0.1, 0.3, -0.2, 0.1, 0.0, -0.3]
    values = [10 + 2 * i + e for i, e in enumerate(noise)]
    projection = project_indicator(YEARS[:12], values, value_type="count", pools=POOLS)
    assert projection.model in (DRIFT, LINEAR)
    errors = projection.candidate_errors
    assert errors[projection.model] < errors[NAIVE] * (1 - MIN_IMPROVEMENT)
    assert projection.backtest_error == errors[projection.model]
    assert projection.point[0] == pytest.approx(10 + 2 * 12, abs=1)
    assert "more closely than repeating the latest value" in projection.sentence


def test_a_wandering_series_keeps_naive() -> None:
    """A random walk (no trend to find) is forecast best by its latest value, so naive is kept."""
    values = [50.3, 50.0, 51.3, 51.5, 50.4, 51.1, 53.7, 55.6, 54.2, 51.7, 50.4, 50.5]
    projection = project_indicator(YEARS[:12], values, pools=POOLS)
    assert projection.model == NAIVE
    assert projection.candidate_errors[NAIVE] < min(projection.candidate_errors[m] for m in (DRIFT, LINEAR))
    np.testing.assert_allclose(projection.point, [50.5, 50.5, 50.5])
    assert "no trend forecast this series' own past more closely" in projection.sentence


def test_noise_around_a_level_is_averaged_by_the_fitted_line() -> None:
    """A series that only wobbles around 50: the fitted line (nearly its mean) beats repeating the last wobble."""
    values = [50, 52, 49, 51, 50, 53, 48, 51, 50, 52, 49, 50]
    projection = project_indicator(YEARS[:12], values, pools=POOLS)
    assert projection.model == LINEAR
    assert projection.point == pytest.approx([50.2, 50.2, 50.2], abs=0.5)


def test_short_and_overlapping_series_need_more_forecasts_before_a_trend_is_chosen() -> None:
    """Six values give 3 one-step forecasts (< 4): naive. Twelve give 9, enough for yearly values but not for
    3-year rolling values, whose consecutive errors share two years of data (they need 12)."""
    short = [10.0 + 2 * i for i in range(6)]
    assert choose_model(_f(YEARS[:6]), _f(short)).model == NAIVE
    steady = _f([10.0 + 2 * i + (0.1 if i % 2 else -0.1) for i in range(12)])
    assert choose_model(_f(YEARS[:12]), steady).model != NAIVE
    rolling = choose_model(_f(YEARS[:12]), steady, overlap=3)
    assert rolling.model == NAIVE and rolling.one_step == 9
    projection = project_indicator(YEARS[:12], steady, span=3, value_type="count", pools=POOLS)
    assert "too few values to show that a trend would forecast it better" in projection.sentence


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=5, max_size=14))
def test_a_model_that_does_not_beat_naive_is_never_chosen(values: list[float]) -> None:
    """Whatever the series, a model other than naive has a cross-validated error at least 20% below naive's."""
    choice = choose_model(_f(list(range(len(values)))), _f(values))
    if choice.model != NAIVE:
        assert choice.errors[choice.model] < choice.errors[NAIVE] * (1 - MIN_IMPROVEMENT)
        assert choice.one_step >= 4


def test_intervals_are_centred_nested_and_widen_as_the_pool_says() -> None:
    """Half-widths are q × scale × h^gamma, with scale the RMS of the last two one-step changes."""
    values = [50.3, 50.0, 51.3, 51.5, 50.4, 51.1, 53.7, 55.6, 54.2, 51.7, 50.4, 50.5]
    projection = project_indicator(YEARS[:12], values, value_type="count", pools=POOLS)
    scale = math.sqrt(((50.4 - 51.7) ** 2 + (50.5 - 50.4) ** 2) / 2)
    assert projection.scale == pytest.approx(scale)
    h = np.arange(1, 4) ** 0.5
    np.testing.assert_allclose(projection.upper80 - projection.point, 1.5 * scale * h)
    np.testing.assert_allclose(projection.point - projection.lower95, 3.0 * scale * h)
    assert np.all(projection.lower95 < projection.lower80) and np.all(projection.upper80 < projection.upper95)
    assert projection.coverage80 == 0.81 and projection.coverage95 == 0.95
    assert projection.future_periods.tolist() == [2020, 2021, 2022]


def test_a_flat_stretch_at_the_end_uses_every_change_for_the_scale() -> None:
    """The last two changes are 0, so the scale is the RMS of all changes; a constant series gets no width at all."""
    assert error_scale(_f([0, 1, 2, 3]), _f([1, 3, 3, 3])) == pytest.approx(math.sqrt(4 / 3))
    projection = project_indicator(YEARS[:8], [7.4] * 8, pools=POOLS)
    np.testing.assert_allclose(projection.lower95, 7.4)
    np.testing.assert_allclose(projection.upper95, 7.4)


def test_an_exact_line_is_continued_with_no_width_because_its_model_never_missed() -> None:
    """y = 3 + 2.5(t − 2010): the fitted line forecasts every past value exactly, so its error scale is 0."""
    values = [3 + 2.5 * (year - 2010) for year in YEARS]
    projection = project_indicator(YEARS, values, value_type="count", pools=POOLS)
    assert projection.model == LINEAR
    np.testing.assert_allclose(projection.point, [38, 40.5, 43])
    assert projection.scale == pytest.approx(0, abs=1e-9)
    np.testing.assert_allclose(projection.upper95, projection.lower95, atol=1e-6)
    # For naive the scale is the last changes: 2.5 each.
    assert error_scale(_f(YEARS), _f(values)) == pytest.approx(2.5)


def test_counts_are_never_projected_below_zero() -> None:
    """A small, jumpy count: the lower bands stop at 0 instead of going negative; other value types are not cut."""
    values = [12.0, 3.0, 9.0, 1.0, 8.0, 2.0, 7.0, 1.0]
    count = project_indicator(YEARS[:8], values, value_type="count", pools=POOLS)
    assert np.all(count.lower95 >= 0) and np.any(count.lower95 == 0)
    score = project_indicator(YEARS[:8], values, value_type="score", pools=POOLS)
    assert np.any(score.lower95 < 0)
    np.testing.assert_allclose(count.upper95, score.upper95)


def test_a_series_too_short_to_backtest_gets_no_interval_and_says_so() -> None:
    """Four values: the latest repeated, NaN intervals, no stated coverage and a sentence explaining why."""
    projection = project_indicator([2019, 2020, 2021, 2022], [3.0, 4.0, 3.5, 5.0], pools=POOLS)
    assert projection.too_short
    np.testing.assert_allclose(projection.point, [5.0, 5.0, 5.0])
    assert np.all(np.isnan(projection.lower80)) and np.all(np.isnan(projection.upper95))
    assert projection.coverage80 is None and projection.coverage95 is None
    assert projection.sentence.startswith("No interval is shown: with only 4 recorded values")
    assert f"needs {MIN_POINTS}" in projection.sentence


@pytest.mark.parametrize(
    ("periods", "values", "horizon"),
    [
        ([1], [1.0], 3),
        ([1, 2, 2, 3, 4], [1.0, 2, 3, 4, 5], 3),
        ([1, 2, 3, 4, 5], [1.0, 2, np.nan, 4, 5], 3),
        ([1, 2, 3, 4, 5], [1.0, 2, 3, 4, 5], MAX_HORIZON + 1),
        ([1, 2, 3, 4, 5], [1.0, 2, 3, 4, 5], 0),
    ],
)
def test_unusable_series_and_horizons_are_refused(periods: list[int], values: list[float], horizon: int) -> None:
    """One value, repeated periods, missing values and horizons beyond the calibrated 3 raise ValueError."""
    with pytest.raises(ValueError):
        project_indicator(periods, values, horizon, pools=POOLS)


def test_to_frame_is_indexed_by_period() -> None:
    """The frame has one row per future period."""
    frame = project_indicator(YEARS[:10], [float(v) for v in range(10)], horizon=2, pools=POOLS).to_frame()
    assert frame.index.tolist() == [2018, 2019]
    assert list(frame.columns) == ["point", "lower80", "upper80", "lower95", "upper95"]


@pytest.mark.parametrize(
    ("label", "years"),
    [("2019 - 21", 3), ("2017-2019", 3), ("2022/23", 1), ("2019-20", 1), ("2023", 1), ("1999/00", 1),
     ("2099 - 01", 3), ("Q1 2020", 1), ("2015/16 - 17/18", 1)],
)  # fmt: skip
def test_period_span_counts_the_years_a_label_covers(label: str, years: int) -> None:
    assert period_span(label) == years


def test_pools_fall_back_from_kind_to_periods_to_every_series() -> None:
    """A kind with its own pool uses it; an unknown value type uses the single/overlapping pool, then "all"."""
    other = CalibrationPool(name="overlapping", label="x", gamma=1, q80=1, q95=2, scores=300, series=30)
    everything = CalibrationPool(name="all", label="y", gamma=1, q80=1, q95=2, scores=300, series=30)
    pools = {"count/single": POOL, "overlapping": other, "all": everything}
    assert series_kind("count", False) == "count/single" and series_kind(None, True) == "overlapping"
    assert pool_for("count/single", pools) is POOL
    assert pool_for("rank/overlapping", pools) is other
    assert pool_for("rank/single", pools) is everything
    with pytest.raises(LookupError):
        pool_for("count/single", {})


def test_calibration_scores_never_look_ahead() -> None:
    """Changing a later value leaves every score from an origin before it unchanged."""
    rng = np.random.default_rng(5)
    y = np.cumsum(rng.normal(size=12)) + 20
    t = np.arange(12.0)
    h1, z1 = calibration_scores(t, y)
    changed = y.copy()
    changed[-1] += 100
    h2, z2 = calibration_scores(t, changed)
    np.testing.assert_array_equal(h1, h2)
    # Scores whose target is the last value differ; every other score is the same.
    targets = np.concatenate([np.arange(o, min(o + 3, 12)) for o in range(3, 12)])
    np.testing.assert_allclose(z1[targets != 11], z2[targets != 11])
    assert np.all(z1[targets == 11] != z2[targets == 11])


def test_conformal_quantile_is_the_rank_ceiling_of_n_plus_one() -> None:
    """Of 19 scores 1..19, the 80% quantile is the ⌈20 × 0.8⌉ = 16th; the 95% one is the 19th; 99% is infinite."""
    scores = np.arange(1.0, 20.0)
    assert conformal_quantile(scores, 0.8) == 16
    assert conformal_quantile(scores, 0.95) == 19
    assert conformal_quantile(scores, 0.99) == math.inf


def test_fit_pool_recovers_how_scores_grow_with_the_horizon() -> None:
    """Scores that grow exactly as h^0.5 give gamma 0.5 and the same quantiles at every horizon once divided."""
    base = np.linspace(0.1, 3.0, 300)
    horizons = np.repeat([1, 2, 3], 300)
    scores = np.concatenate([base * h**0.5 for h in (1, 2, 3)])
    pool = fit_pool("count/single", horizons, scores, 100)
    assert pool.gamma == pytest.approx(0.5)
    assert pool.q80 == pytest.approx(conformal_quantile(np.tile(base, 3), 0.8))
    assert pool.label == "series of counts for single periods"


def _random_walks(count: int, seed: int) -> list[BacktestSeries]:
    rng = np.random.default_rng(seed)
    series = []
    for i in range(count):
        length = int(rng.integers(8, 15))
        sd = float(rng.choice([0.5, 2.0, 10.0]))
        values = 100 + np.cumsum(rng.normal(0, sd, size=length))
        series.append(BacktestSeries(f"walk {i}", np.arange(2000.0, 2000 + length), values, "count"))
    return series


def test_calibrated_intervals_cover_held_out_values_of_series_they_never_saw() -> None:
    """Pools from one set of random walks give, on the last 3 values of another set, coverage near 80% and 95%."""
    pools = build_pools(_random_walks(300, seed=1))
    c80, c95 = coverage(held_out_points(_random_walks(300, seed=2), pools))
    assert 0.75 <= c80 <= 0.85 and 0.92 <= c95 <= 0.98
    # The bench's own protocol: calibrate on all but the last 3 values of each series, test on those 3.
    c80, c95 = coverage(backtest(_random_walks(300, seed=3)).points["kind"])
    assert 0.75 <= c80 <= 0.85 and 0.92 <= c95 <= 0.98


def test_shipped_calibration_meets_the_coverage_goals() -> None:
    """The pools the portal uses were tested (bench/bench_forecast.py) and met the goals for every shipped kind."""
    pools = shipped_pools()
    for kind in ("count/single", "proportion/single", "mean/overlapping", "score/overlapping"):
        assert kind in pools
    tested = [pools[k] for k in ("count/single", "proportion/single", "mean/overlapping", "score/overlapping")]
    points = sum(p.tested_points for p in tested)
    c80 = sum(p.coverage80 * p.tested_points for p in tested if p.coverage80 is not None) / points
    c95 = sum(p.coverage95 * p.tested_points for p in tested if p.coverage95 is not None) / points
    assert 0.76 <= c80 <= 0.84 and 0.92 <= c95 <= 0.98
    assert all(p.q95 > p.q80 > 0 for p in pools.values())


def test_method_sentence_is_one_plain_sentence_with_the_tested_coverage() -> None:
    choice = choose_model(_f(YEARS[:10]), _f([5, 6, 5, 7, 6, 5, 6, 7, 6, 5]))
    sentence = method_sentence(choice, POOL)
    assert sentence.startswith("This projection repeats the latest value")
    assert "100 series of counts" in sentence and "contained 81% and 95%" in sentence
    assert sentence.count(".") == 1 and sentence.endswith(".")
    untested = CalibrationPool(name="all", label="series of every kind", gamma=1, q80=1, q95=2, scores=300, series=30)
    assert "has not been tested yet" in method_sentence(choice, untested)


def test_ageing_on_matches_hand_calculation() -> None:
    """Ages 0..3+ (max_age=3); the age-5 count joins the 3+ band, so the base is 10, 20, 30, 45.

    Year 1: age 0 held at 10 births; 1 ← 10; 2 ← 20; 3+ ← 30 + 45 = 75.
    Year 2: 10; 1 ← 10; 2 ← 10; 3+ ← 20 + 75 = 95. With no deaths the total grows by the 10 births a year.
    """
    projection = project_population_ageing_on({0: 10, 1: 20, 2: 30, 3: 40, 5: 5}, 2, max_age=3)
    expected = pd.DataFrame(
        {0: [10.0, 20, 30, 45], 1: [10.0, 10, 20, 75], 2: [10.0, 10, 10, 95]},
        index=pd.RangeIndex(4, name="age"),
    )
    expected.columns = pd.RangeIndex(3, name="years_ahead")
    pd.testing.assert_frame_equal(projection, expected)
    assert projection.sum().tolist() == [105, 115, 125]
    assert projection.attrs["method"] == AGEING_ON_LABEL


def test_population_in_age_band_sums_inclusive_ages() -> None:
    """Ages 1–2 give 50, 30, 20; 2 and over gives 75, 95, 105; the open band is labelled n+."""
    projection = project_population_ageing_on({0: 10, 1: 20, 2: 30, 3: 45}, 2, max_age=3)
    assert population_in_age_band(projection, 1, 2).tolist() == [50, 30, 20]
    over = population_in_age_band(projection, 2)
    assert over.tolist() == [75, 95, 105]
    assert over.name == "2+"
    with pytest.raises(ValueError):
        population_in_age_band(projection, 2, 4)


def test_ageing_on_with_default_open_band_and_missing_ages() -> None:
    """Missing ages count as zero; people reach the 90+ band and stay there."""
    projection = project_population_ageing_on({0: 100, 88: 7, 95: 3}, 3)
    assert projection.shape == (91, 4)
    assert projection.loc[90].tolist() == [3, 3, 10, 10]
    assert projection.loc[3, 3] == 100


@pytest.mark.parametrize(("population", "years"), [({0: -1}, 1), ({-1: 5}, 1), ({1.5: 5}, 1), ({0: 5}, -1)])
def test_ageing_on_refuses_bad_input(population: dict[int, float], years: int) -> None:
    """Negative counts, negative or fractional ages, and negative years raise ValueError."""
    with pytest.raises(ValueError):
        project_population_ageing_on(population, years)
