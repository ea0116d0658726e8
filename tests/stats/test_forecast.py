"""Tests for portal.stats.forecast on series and populations whose projections are known."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from portal.stats.forecast import (
    AGEING_ON_LABEL,
    LINEAR,
    MIN_IMPROVEMENT,
    Projection,
    population_in_age_band,
    project_indicator,
    project_population_ageing_on,
)

YEARS = list(range(2008, 2024))
# A noisy upward series long enough (16 points) for both ETS models to be backtested.
NOISY = [28.9, 30.3, 31.2, 32.0, 33.9, 33.1, 35.6, 36.0, 35.2, 38.1, 39.4, 38.8, 41.0, 42.3, 42.0, 44.1]


def _assert_nested_and_widening(projection: Projection) -> None:
    assert np.all(projection.lower95 <= projection.lower80)
    assert np.all(projection.lower80 <= projection.point)
    assert np.all(projection.point <= projection.upper80)
    assert np.all(projection.upper80 <= projection.upper95)
    # ETS widths only grow with the smoothing parameters, which can be ~0, so for ETS "widen" means never narrow.
    strictly = projection.model.startswith(LINEAR)
    for width in (projection.upper80 - projection.lower80, projection.upper95 - projection.lower95):
        steps = np.diff(width)
        assert np.all(steps > 0) if strictly else np.all(steps >= -1e-9 * width[0])


def test_exact_line_is_projected_exactly_by_the_linear_model() -> None:
    """y = 3 + 2.5(t − 2010) continues to 38, 40.5, 43 in 2024–2026 with (near) zero-width intervals."""
    values = [3 + 2.5 * (year - 2010) for year in YEARS]
    projection = project_indicator(YEARS, values, horizon=3)
    assert projection.model == LINEAR
    assert projection.future_periods.tolist() == [2024, 2025, 2026]
    np.testing.assert_allclose(projection.point, [38, 40.5, 43])
    assert projection.backtest_error == pytest.approx(0, abs=1e-9)
    assert np.all(projection.upper95 - projection.lower95 < 1e-6)


def test_constant_series_projects_constant() -> None:
    """A flat series stays flat, with no interval to speak of."""
    projection = project_indicator(YEARS[:8], [7.4] * 8, horizon=4)
    assert projection.model == LINEAR
    np.testing.assert_allclose(projection.point, 7.4)
    np.testing.assert_allclose(projection.lower95, 7.4)
    np.testing.assert_allclose(projection.upper95, 7.4)


@pytest.mark.parametrize(
    "values",
    [
        NOISY,
        [float(v) for v in (12, 15, 13, 18, 16, 19, 22, 20, 24, 23, 27, 25)],
        [100 * np.exp(-0.1 * i) + (0.3 if i % 2 else -0.3) for i in range(12)],
        [5.0, 5.3, 4.9, 5.6, 5.8, 6.1],
    ],
)
def test_intervals_are_nested_and_widen_with_horizon(values: list[float]) -> None:
    """Whichever model wins, 95% contains 80% contains the point, and both widen further ahead."""
    projection = project_indicator(YEARS[: len(values)], values, horizon=5)
    _assert_nested_and_widening(projection)
    assert len(projection.point) == 5


def test_model_is_chosen_by_backtest_error() -> None:
    """The chosen model's MAE is reported, and no candidate backtests more than 5% better than it."""
    projection = project_indicator(YEARS, NOISY)
    errors = projection.candidate_errors
    assert set(errors) == {LINEAR, "ETS(A,A,N)", "ETS(A,Ad,N)"}
    assert projection.backtest_error == errors[projection.model]
    assert all(error >= projection.backtest_error * (1 - MIN_IMPROVEMENT) for error in errors.values())
    assert projection.backtest_metric.startswith("MAE")


def test_ets_wins_on_a_curved_series() -> None:
    """A decaying curve is followed far better by ETS than by a straight line, so ETS is chosen."""
    values = [100 * np.exp(-0.1 * i) + (0.3 if i % 2 else -0.3) for i in range(12)]
    projection = project_indicator(YEARS[:12], values)
    assert projection.model.startswith("ETS")
    assert projection.backtest_error < projection.candidate_errors[LINEAR] * (1 - MIN_IMPROVEMENT)
    _assert_nested_and_widening(projection)


def test_linear_intervals_match_statsmodels_ols() -> None:
    """Six points are too few to backtest ETS, so the OLS prediction interval is used; it matches statsmodels."""
    t = np.arange(2015, 2021, dtype=float)
    y = np.array([5.0, 5.3, 4.9, 5.6, 5.8, 6.1])
    projection = project_indicator(t, y, horizon=2)
    assert projection.model.startswith("linear (ETS not fitted")
    ols = sm.OLS(y, sm.add_constant(t)).fit()
    future = sm.add_constant(np.array([2021.0, 2022.0]), has_constant="add")
    for alpha, lower, upper in [
        (0.2, projection.lower80, projection.upper80),
        (0.05, projection.lower95, projection.upper95),
    ]:
        frame = ols.get_prediction(future).summary_frame(alpha=alpha)
        np.testing.assert_allclose(lower, frame["obs_ci_lower"])
        np.testing.assert_allclose(upper, frame["obs_ci_upper"])
    np.testing.assert_allclose(projection.point, ols.predict(future))


def test_short_series_falls_back_to_linear_and_says_so() -> None:
    """Five noisy points: ETS is not fitted and the model name explains why."""
    projection = project_indicator([1, 2, 3, 4, 5], [2.0, 2.4, 2.1, 2.9, 3.2])
    assert projection.model == "linear (ETS not fitted: needs at least 11 points)"
    assert set(projection.candidate_errors) == {LINEAR}


def test_uneven_periods_use_linear_only() -> None:
    """ETS assumes equal spacing, so a gap in the series (a missing year) leaves only the linear trend."""
    projection = project_indicator([2012, 2013, 2014, 2015, 2017, 2018, 2019, 2020], NOISY[:8])
    assert projection.model == "linear (ETS not fitted: periods are unevenly spaced)"
    assert projection.future_periods.tolist() == [2021, 2022, 2023]


@pytest.mark.parametrize(
    ("periods", "values"),
    [([1, 2, 3, 4], [1.0, 2, 3, 4]), ([1, 2, 2, 3, 4], [1.0, 2, 3, 4, 5]), ([1, 2, 3, 4, 5], [1.0, 2, np.nan, 4, 5])],
)
def test_unusable_series_are_refused(periods: list[int], values: list[float]) -> None:
    """Fewer than five points, repeated periods and missing values raise ValueError."""
    with pytest.raises(ValueError):
        project_indicator(periods, values)


def test_to_frame_is_indexed_by_period() -> None:
    """The frame has one row per future period."""
    frame = project_indicator(YEARS, NOISY, horizon=2).to_frame()
    assert frame.index.tolist() == [2024, 2025]
    assert list(frame.columns) == ["point", "lower80", "upper80", "lower95", "upper95"]


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
