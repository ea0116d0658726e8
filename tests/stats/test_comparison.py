"""Benchmark comparison: hand-checked branches, then Fingertips' own published verdicts."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portal.stats.comparison import (
    Comparison,
    Polarity,
    compare_many,
    compare_to_benchmark,
    describe_comparison,
)

FINGERTIPS_DIR = Path(__file__).resolve().parents[2] / "data" / "fingertips"

# Interval 10-14 around a value of 12.
ABOVE, INSIDE, BELOW = 9.0, 12.5, 15.0


@pytest.mark.parametrize(
    ("benchmark", "polarity", "expected"),
    [
        (ABOVE, Polarity.HIGH_IS_GOOD, Comparison.BETTER),
        (ABOVE, Polarity.LOW_IS_GOOD, Comparison.WORSE),
        (ABOVE, Polarity.NO_JUDGEMENT, Comparison.HIGHER),
        (BELOW, Polarity.HIGH_IS_GOOD, Comparison.WORSE),
        (BELOW, Polarity.LOW_IS_GOOD, Comparison.BETTER),
        (BELOW, Polarity.NO_JUDGEMENT, Comparison.LOWER),
        (INSIDE, Polarity.HIGH_IS_GOOD, Comparison.SIMILAR),
        (INSIDE, Polarity.LOW_IS_GOOD, Comparison.SIMILAR),
        (INSIDE, Polarity.NO_JUDGEMENT, Comparison.SIMILAR),
    ],
)
def test_every_branch(benchmark: float, polarity: Polarity, expected: Comparison) -> None:
    """Area 12 (10-14): a benchmark of 9 means the area is above it, 15 below it, 12.5 similar."""
    assert compare_to_benchmark(12, 10, 14, benchmark, polarity) is expected


@pytest.mark.parametrize("benchmark", [10.0, 14.0])
def test_benchmark_on_a_limit_is_similar(benchmark: float) -> None:
    """The interval is closed: a benchmark exactly equal to either limit is Similar."""
    assert compare_to_benchmark(12, 10, 14, benchmark, Polarity.HIGH_IS_GOOD) is Comparison.SIMILAR


def test_just_outside_a_limit_is_not_similar() -> None:
    """A hair beyond either limit is a significant difference."""
    assert compare_to_benchmark(12, 10, 14, math.nextafter(10, 0), "high_is_good") is Comparison.BETTER
    assert compare_to_benchmark(12, 10, 14, math.nextafter(14, 20), "high_is_good") is Comparison.WORSE


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
@pytest.mark.parametrize("position", range(4))
def test_any_missing_input_is_not_compared(missing: object, position: int) -> None:
    """Value, either limit or the benchmark missing (None, NaN or pd.NA) gives Not compared."""
    args: list[object] = [12, 10, 14, 9]
    args[position] = missing
    assert compare_to_benchmark(*args, Polarity.HIGH_IS_GOOD) is Comparison.NOT_COMPARED  # type: ignore[arg-type]


def test_polarity_may_be_given_as_its_stored_string() -> None:
    """Polarity values as stored in the database work; unknown ones are refused."""
    assert compare_to_benchmark(12, 10, 14, 9, "low_is_good") is Comparison.WORSE
    with pytest.raises(ValueError, match="is not a valid Polarity"):
        compare_to_benchmark(12, 10, 14, 9, "sideways")


def test_inverted_interval_is_refused() -> None:
    """A lower limit above the upper limit is a data error, not a comparison."""
    with pytest.raises(ValueError, match="must not be greater than upper limit"):
        compare_to_benchmark(12, 14, 10, 9, Polarity.HIGH_IS_GOOD)


def test_non_numeric_input_is_refused() -> None:
    """Strings are not quietly treated as missing."""
    with pytest.raises(ValueError, match="expected a number"):
        compare_to_benchmark("12", 10, 14, 9, Polarity.HIGH_IS_GOOD)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        (Comparison.BETTER, "better than England"),
        (Comparison.SIMILAR, "similar to England"),
        (Comparison.WORSE, "worse than England"),
        (Comparison.HIGHER, "higher than England"),
        (Comparison.LOWER, "lower than England"),
        (Comparison.NOT_COMPARED, "not compared with England"),
    ],
)
def test_describe_comparison(comparison: Comparison, expected: str) -> None:
    """Each outcome reads as a phrase that fits after "Wolverhampton is"."""
    assert describe_comparison(comparison, "England") == expected


def test_describe_comparison_accepts_stored_strings() -> None:
    """The stored value of a Comparison is enough."""
    assert describe_comparison("Similar", "the West Midlands") == "similar to the West Midlands"


def test_compare_many_matches_the_scalar_function() -> None:
    """Each row is compared with the benchmark for its period; periods without a benchmark are Not compared."""
    frame = pd.DataFrame(
        {"value": [12, 12, 12, 12, None], "lower": [10, 10, 10, 10, 10], "upper": [14, 14, 14, 14, 14]},
        index=[2019, 2020, 2021, 2022, 2023],
    )
    england = {2019: 9.0, 2020: 14.0, 2021: 15.0, 2023: 12.0}
    result = compare_many(frame, england, Polarity.LOW_IS_GOOD)
    assert list(result.index) == [2019, 2020, 2021, 2022, 2023]
    assert list(result) == [
        Comparison.WORSE,
        Comparison.SIMILAR,
        Comparison.BETTER,
        Comparison.NOT_COMPARED,
        Comparison.NOT_COMPARED,
    ]
    for key, row in frame.iterrows():
        scalar = compare_to_benchmark(row["value"], row["lower"], row["upper"], england.get(key), "low_is_good")
        assert result[key] is scalar


def test_compare_many_refuses_inverted_intervals() -> None:
    """The vectorised helper applies the same check as the scalar one."""
    frame = pd.DataFrame({"value": [12], "lower": [14], "upper": [10]}, index=[2020])
    with pytest.raises(ValueError, match="must not be greater than upper limit"):
        compare_many(frame, {2020: 9.0}, Polarity.HIGH_IS_GOOD)


def _fingertips_export(name: str) -> pd.DataFrame:
    """A Fingertips data export with its column names normalised (exports use spaces or underscores)."""
    path = FINGERTIPS_DIR / name
    if not path.is_file():
        pytest.skip(f"Fingertips export not found at {path}")
    frame = pd.read_csv(path)
    frame.columns = [c.replace(" ", "_").replace(".", "_") for c in frame.columns]
    return frame.rename(columns={"Indicator_ID": "IndicatorID", "Area_Code": "AreaCode", "Time_period": "Timeperiod"})


@pytest.mark.parametrize(
    ("name", "polarity", "expected_rows"),
    [
        ("fingertips_campylobacter_93356_countyua_2015-2017.csv", Polarity.LOW_IS_GOOD, 847),
        ("fingertips_suicide_west_midlands_countyua.csv", Polarity.NO_JUDGEMENT, 75),
        ("fingertips_cyp_mental_health_west_midlands_countyua.csv", Polarity.NO_JUDGEMENT, 135),
    ],
)
def test_reproduces_fingertips_verdicts(name: str, polarity: Polarity, expected_rows: int) -> None:
    """Every non-England row of real Fingertips exports gets the "Compared to England" verdict Fingertips published.

    The benchmark is England's value (no category) for the same indicator, sex, age and period; the comparison uses
    the row's published 95% limits. Indicator 92315 is configured in Fingertips with no comparison, so it is skipped.
    """
    frame = _fingertips_export(name)
    frame = frame[frame["IndicatorID"] != 92315]
    keys = ["IndicatorID", "Sex", "Age", "Timeperiod"]
    is_england = (frame["AreaCode"] == "E92000001") & frame["Category"].isna()
    england = frame[is_england].set_index(keys)["Value"]
    assert england.index.is_unique
    checked = 0
    for row in frame[~is_england].itertuples():
        benchmark = england.get(tuple(getattr(row, k) for k in keys))
        verdict = compare_to_benchmark(row.Value, row.Lower_CI_95_0_limit, row.Upper_CI_95_0_limit, benchmark, polarity)
        assert verdict == row.Compared_to_England_value_or_percentiles, row
        checked += 1
    assert checked == expected_rows
