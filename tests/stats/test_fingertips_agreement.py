"""Our benchmark comparison agrees with the words Fingertips published in the shipped exports.

For every row of the three exports (England's own rows aside) whose "Compared to England" word is one of Better,
Similar, Worse, Higher, Lower or Not compared, we compare the row's value and confidence interval with England's value
for the same indicator, period, sex and age, and expect Fingertips' word. Only two things come from
data/indicator_metadata.csv: the polarity (which turns "above England" into Better, Worse or Higher) and the confidence
level Fingertips compares at (0.95 or 0.998; blank where Fingertips does not compare the indicator at all). Whether a
row is Similar or different comes from our interval arithmetic alone.

Run with ``-s`` to see the agreement rate; it is also recorded as the test property ``fingertips_agreement``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest

from portal.importers.fingertips import read_fingertips
from portal.importers.frames import load_indicator_metadata
from portal.stats.comparison import Comparison, compare_to_benchmark
from tests.importers import FINGERTIPS_EXPORTS

ENGLAND = "E92000001"
WORDS = {c.value for c in Comparison}
BENCHMARK_KEY = ["indicator_id", "period", "sex", "age"]
LIMITS = {0.95: ("lower_ci95", "upper_ci95"), 0.998: ("lower_ci998", "upper_ci998")}

# Rows where we knowingly disagree with Fingertips, keyed by (indicator_id, area_code, period, sex, age), each with the
# reason (e.g. "Fingertips compared with 99.8% limits for this indicator"). None are needed for the shipped exports:
# all 1,012 comparable rows agree.
ALLOWED_DISAGREEMENTS: dict[tuple[str, str, str, str, str], str] = {}


def comparable_rows() -> pd.DataFrame:
    """Rows the exports compare with England (category rows only if the export compares them), with England's value."""
    values = pd.concat([read_fingertips(path).values for path in FINGERTIPS_EXPORTS], ignore_index=True)
    england = values[(values["area_code"] == ENGLAND) & (values["category_type"] == "")].set_index(BENCHMARK_KEY)
    rows = values[(values["area_code"] != ENGLAND) & values["source_compared_to_england"].isin(WORDS)]
    # Inequality breakdowns count only where Fingertips actually compared them.
    rows = rows[(rows["category_type"] == "") | (rows["source_compared_to_england"] != "Not compared")].copy()
    rows["england"] = england["value"].reindex(pd.MultiIndex.from_frame(rows[BENCHMARK_KEY])).to_numpy()
    return rows.reset_index(drop=True)


def our_comparison(metadata: pd.DataFrame) -> Callable[[pd.Series], str]:
    """A function giving our Comparison word for one row, using only polarity and confidence level from metadata."""
    by_id = metadata.set_index("indicator_id")

    def compare(row: pd.Series) -> str:
        level = by_id.loc[row["indicator_id"], "comparison_confidence"]
        if math.isnan(level):
            return Comparison.NOT_COMPARED.value
        lower, upper = LIMITS[float(level)]
        polarity = by_id.loc[row["indicator_id"], "polarity"]
        return compare_to_benchmark(row["value"], row[lower], row[upper], row["england"], polarity).value

    return compare


@pytest.fixture(scope="module")
def compared() -> pd.DataFrame:
    """The comparable rows with our comparison beside Fingertips' word."""
    metadata = load_indicator_metadata()
    assert metadata is not None
    rows = comparable_rows()
    rows["ours"] = rows.apply(our_comparison(metadata), axis=1)
    return rows


def test_agreement_with_fingertips(compared: pd.DataFrame, record_property: Callable[[str, object], None]) -> None:
    agree = compared["ours"] == compared["source_compared_to_england"]
    n, n_agree = len(compared), int(agree.sum())
    rate = n_agree / n
    print(f"Fingertips agreement: {n_agree}/{n} = {rate:.2%}")
    record_property("fingertips_agreement", f"{n_agree}/{n} = {rate:.2%}")
    assert n == 1012
    assert rate >= 0.995
    disagreements = compared[~agree]
    for row in disagreements.itertuples():
        key = (row.indicator_id, row.area_code, row.period, row.sex, row.age)
        assert key in ALLOWED_DISAGREEMENTS, (
            f"{key}: Fingertips says {row.source_compared_to_england}, we say {row.ours}"
        )


def test_every_comparison_word_is_exercised(compared: pd.DataFrame) -> None:
    assert set(compared["source_compared_to_england"]) == {
        "Better",
        "Similar",
        "Worse",
        "Higher",
        "Lower",
        "Not compared",
    }


def test_indicators_with_both_levels_were_compared_at_95_percent(compared: pd.DataFrame) -> None:
    # 90813 and 92796 publish 99.8% limits too, but Fingertips' words only match the 95% limits.
    metadata = load_indicator_metadata()
    assert metadata is not None
    polarity = metadata.set_index("indicator_id")["polarity"]
    rows = compared[compared["indicator_id"].isin(["90813", "92796"])]
    at_998 = [
        compare_to_benchmark(r.value, r.lower_ci998, r.upper_ci998, r.england, polarity[r.indicator_id]).value
        for r in rows.itertuples()
    ]
    assert (rows["ours"] == rows["source_compared_to_england"]).all()
    assert (pd.Series(at_998, index=rows.index) != rows["source_compared_to_england"]).sum() == 7
