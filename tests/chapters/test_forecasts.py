"""The glue between stored series and the projections: known series in the database, known answers out."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from portal.chapters import forecasts, services
from portal.extensions import db
from portal.models import Indicator, IndicatorValue, Proposal, Role, User
from portal.stats.forecast import LINEAR, MODEL_WORDS, pool_for, series_kind, shipped_pools
from tests.chapters.conftest import HOME, LINEAR_ID, population_at


def test_age_bands_are_read_from_text_and_from_proposal_codes() -> None:
    assert forecasts.parse_age_bands("0-17, 65+; 18 to 64\n85–120") == [(0, 17), (65, None), (18, 64), (85, None)]
    assert forecasts.format_age_bands(forecasts.parse_age_bands("65+, 0-4")) == "65+, 0-4"
    assert forecasts.parse_age_bands("") == []
    with pytest.raises(forecasts.AgeBandError, match="Enter age bands like"):
        forecasts.parse_age_bands("old people")
    with pytest.raises(forecasts.AgeBandError, match="older than the first"):
        forecasts.parse_age_bands("65-18")
    assert forecasts.age_bands_from_codes(["0_4", "5_15", "65_plus", "all"]) == "0-4, 5-15, 65+"


@pytest.mark.parametrize(
    ("label", "years", "expected"),
    [("2022/23", 2, "2024/25"), ("2019 - 21", 1, "2020 - 22"), ("2023", 3, "2026"), ("1999/00", 1, "2000/01")],
)
def test_future_period_labels_keep_the_series_style(label: str, years: int, expected: str) -> None:
    assert forecasts.shift_period_label(label, years) == expected


def test_an_exactly_linear_series_is_projected_as_its_continuation(known_series: Indicator) -> None:
    item = forecasts.project_series(known_series, HOME)

    assert item["periods"] == [f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2023)]
    assert item["future_periods"] == ["2023/24", "2024/25", "2025/26"]
    assert item["point"] == pytest.approx([26.0, 28.0, 30.0])
    assert item["lower95"] == pytest.approx([26.0, 28.0, 30.0])  # no noise: the intervals collapse
    assert item["model"].startswith("linear")
    assert item["backtest_error"] == pytest.approx(0.0, abs=1e-9)
    assert item["model_words"] == MODEL_WORDS[LINEAR]
    # One plain sentence: the method and the backtested coverage of the pool its intervals were calibrated on.
    pool = pool_for(series_kind("proportion", False), shipped_pools())
    assert not item["too_short"]
    assert (item["coverage80"], item["coverage95"]) == (pool.coverage80, pool.coverage95)
    assert item["sentence"].startswith(f"This projection {MODEL_WORDS[LINEAR]} (")
    assert (
        f"contained {100 * pool.coverage80:.0f}% and {100 * pool.coverage95:.0f}% of those values" in item["sentence"]
    )


def test_a_noisy_series_gets_nested_80_and_95_percent_intervals_and_a_stated_error(known_series: Indicator) -> None:
    noise = [0.8, -1.1, 0.5, -0.3, 1.2, -0.9, 0.4, -0.6]
    for row, bump in zip(
        db.session.query(IndicatorValue).filter_by(indicator_id=LINEAR_ID).order_by(IndicatorValue.period_sortable),
        noise,
        strict=True,
    ):
        row.value = row.value + bump
    db.session.commit()

    item = forecasts.project_series(known_series, HOME)

    for i in range(3):
        assert item["lower95"][i] < item["lower80"][i] < item["point"][i] < item["upper80"][i] < item["upper95"][i]
    assert item["backtest_error"] > 0
    assert item["sentence"].count(".") == 1 and item["sentence"].endswith("of those values.")


def test_a_series_too_short_to_backtest_gets_no_interval_and_says_so(known_series: Indicator) -> None:
    db.session.query(IndicatorValue).filter(
        IndicatorValue.indicator_id == LINEAR_ID, IndicatorValue.period_sortable >= 20190000
    ).delete()
    db.session.commit()
    item = forecasts.project_series(known_series, HOME)
    assert item["too_short"] and item["model"] == "naive"
    assert item["point"] == pytest.approx([16.0, 16.0, 16.0])  # repeats the latest of 4 values
    assert item["lower80"] == item["upper80"] == item["lower95"] == item["upper95"] == [None, None, None]
    assert item["coverage80"] is None and item["coverage95"] is None
    assert item["sentence"].startswith("No interval is shown: with only 4 recorded values")
    assert forecasts.projection_rows(item)[-1] == ["2021/22", "Projection", "16.0", "", "", "", ""]
    json.dumps(item, allow_nan=False)  # storable in a JSON column: no NaN

    db.session.query(IndicatorValue).filter(
        IndicatorValue.indicator_id == LINEAR_ID, IndicatorValue.period_sortable >= 20160000
    ).delete()
    db.session.commit()
    item = forecasts.project_series(known_series, HOME)
    assert "point" not in item
    assert item["skipped"] == "It has 1 recorded period for the area; a projection needs at least 2."


def test_breakdowns_and_other_sexes_are_left_out_of_the_series(known_series: Indicator) -> None:
    db.session.add_all(
        [
            IndicatorValue(indicator_id=LINEAR_ID, area_code=HOME, period="2015/16", period_sortable=20150000,
                           sex="Male", value=999.0),
            IndicatorValue(indicator_id=LINEAR_ID, area_code=HOME, period="2015/16", period_sortable=20150000,
                           category_type="Deprivation decile", category="Most deprived", value=999.0),
        ]
    )  # fmt: skip
    db.session.commit()
    series = forecasts.home_series(LINEAR_ID, HOME)
    assert series is not None and 999.0 not in series.values and len(series.values) == 8


def test_the_population_is_aged_on_from_the_ons_single_years(known_series: Indicator) -> None:
    population = forecasts.project_population("0-4, 65+", HOME)

    assert population is not None
    assert population["years"] == [2022, 2023, 2024, 2025, 2026, 2027]
    assert "no mortality" in population["method"].lower()
    young, old = population["bands"]
    assert young["label"] == "0-4" and old["label"] == "65+"
    assert young["values"][0] == sum(population_at(a) for a in range(5))
    # One year on, ages 1–4 are last year's 0–3 and age 0 is held at the latest births.
    assert young["values"][1] == population_at(0) + sum(population_at(a) for a in range(4))
    # The 65+ band gains last year's 64-year-olds and loses nobody (no deaths in this simple method).
    assert old["values"][1] == old["values"][0] + population_at(64)


def test_no_population_estimates_gives_a_reason_not_a_chart(app: object) -> None:
    population = forecasts.project_population("65+", HOME)
    assert population == {"skipped": "The ONS mid-year population estimates for the area have not been loaded."}
    assert forecasts.project_population("", HOME) is None


def test_projections_are_cached_until_the_data_behind_them_changes(
    known_series: Indicator,
    make_prioritised: Callable[..., Proposal],
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analyst = make_user(Role.ANALYST)
    chapter = services.create_chapter(make_prioritised(indicator_ids=[LINEAR_ID]).id, "", analyst.id)
    first = services.projections_for(chapter)
    assert [item["indicator_id"] for item in first["indicators"]] == [LINEAR_ID]
    assert first["population"]["bands"][0]["label"] == "0-4"

    calls = {"n": 0}
    real = forecasts.compute_projections

    def counting(*args: object, **kwargs: object) -> dict[str, object]:
        calls["n"] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(forecasts, "compute_projections", counting)
    services.projections_for(chapter)
    assert calls["n"] == 0  # warm: nothing recomputed

    db.session.add(
        IndicatorValue(indicator_id=LINEAR_ID, area_code=HOME, period="2023/24", period_sortable=20230000, value=26.0)
    )
    db.session.commit()
    updated = services.projections_for(chapter)
    assert calls["n"] == 1
    assert updated["indicators"][0]["future_periods"] == ["2024/25", "2025/26", "2026/27"]


def test_table_rows_show_exactly_what_the_chart_draws(known_series: Indicator) -> None:
    item = forecasts.project_series(known_series, HOME)
    rows = forecasts.projection_rows(item)
    assert rows[0] == ["2015/16", "Recorded", "10.0", "", "", "", ""]
    assert rows[-1][:3] == ["2025/26", "Projection", "30.0"]
    assert len(rows) == 8 + 3
    population = forecasts.project_population("65+", HOME)
    assert population is not None
    table = forecasts.population_rows(population)
    assert forecasts.population_columns(population) == ["Year", "Shown as", "Aged 65+"]
    assert table[0][:2] == ["2022", "Estimate"] and table[1][1] == "Simple projection"
