"""Choosing the sex and age an indicator page shows (``?sex=&age=``, no JavaScript needed), the widest gap in
plain English, and the breakdowns the data does not hold, with where to find them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
LIFE = DATA / "fingertips" / "processed_trafford_datalab" / "life_expectancy.csv"
CAMPYLOBACTER = DATA / "fingertips" / "fingertips_campylobacter_93356_countyua_2015-2017.csv"
HOME = "E08000031"


@pytest.fixture
def life_expectancy(seeded_indicators) -> pd.DataFrame:
    """The real life expectancy file (males and females only, no persons) loaded; its Wolverhampton rows."""
    from portal.indicators.file_import import import_file

    outcome = import_file(LIFE, "trafford")
    assert outcome.ok, outcome.errors[:3]
    frame = pd.read_csv(LIFE)
    return frame[frame["area_code"] == HOME]


def _glance(page) -> dict[str, str]:
    rows = {}
    for row in page.select(".govuk-summary-list__row"):
        key, value = row.select_one(".govuk-summary-list__key"), row.select_one(".govuk-summary-list__value")
        if key and value:
            rows[key.get_text(strip=True)] = value.get_text(" ", strip=True)
    return rows


def _latest(frame: pd.DataFrame, sex: str) -> tuple[str, float]:
    rows = frame[frame["inequality"] == sex]
    last = rows.iloc[-1]
    return str(last["period"]), float(last["value"])


def test_life_expectancy_offers_males_and_females(life_expectancy, client_request) -> None:
    page = client_request.get("/indicators/90366")
    form = page.find("select", id="choose-sex").find_parent("form")
    assert form["method"] == "get" and form["action"] == "/indicators/90366"
    assert [o["value"] for o in form.select("#choose-sex option")] == ["Male", "Female"]
    for sex in ("Male", "Female"):
        period, value = _latest(life_expectancy, sex)
        chosen = client_request.get(f"/indicators/90366?sex={sex}")
        glance = _glance(chosen)
        assert glance["Wolverhampton"].startswith(f"{value:.1f}"), sex
        assert sex.lower() in glance["Latest period"] and period in glance["Latest period"]
        assert chosen.select_one("#choose-sex option[selected]")["value"] == sex
        # The charts follow the choice: the trend CSV holds this sex's series.
        trend = chosen.find("a", href=lambda h: h and "/charts/trend.csv" in h)["href"]
        rows = list(csv.reader(io.StringIO(client_request.response(trend).get_data(as_text=True))))
        home_column = rows[0].index("Wolverhampton")
        last = next(r for r in reversed(rows) if r[0] == period)
        assert float(last[home_column]) == pytest.approx(value)


def test_links_choose_a_sex_without_the_form(life_expectancy, client_request) -> None:
    page = client_request.get("/indicators/90366?sex=Female")
    link = page.find("a", href=lambda h: h and "sex=Male" in h)
    male = client_request.get(link["href"])
    assert male.select_one("#choose-sex option[selected]")["value"] == "Male"


def test_an_unknown_choice_falls_back_to_the_headline(life_expectancy, client_request) -> None:
    page = client_request.get("/indicators/90366?sex=Nobody&age=ever")
    default = client_request.get("/indicators/90366")
    assert _glance(page)["Wolverhampton"] == _glance(default)["Wolverhampton"]


def test_the_widest_gap_is_named_in_plain_english(life_expectancy, client_request) -> None:
    period, male = _latest(life_expectancy, "Male")
    _, female = _latest(life_expectancy, "Female")
    text = client_request.get("/indicators/90366").select_one("#widest-gap").get_text(" ", strip=True)
    assert text == (
        f"The widest gap is by sex in {period}: Female {female:.1f} years against Male {male:.1f} years, "
        f"a difference of {female - male:.1f} years."
    )


def test_missing_breakdowns_say_why_and_where_to_find_them(life_expectancy, client_request) -> None:
    page = client_request.get("/indicators/90366")
    missing = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in page.select("#missing-breakdowns .govuk-summary-list__row")
    }
    assert "Sex" not in missing  # held: males and females
    assert {"Ethnic group", "Deprivation", "Ward or small area"} <= set(missing)
    assert "Census 2021" in missing["Ethnic group"] and "Where to find it" in missing["Ethnic group"]


def test_age_choice_on_an_indicator_with_age_rows(seeded_indicators, client_request) -> None:
    frame = pd.read_csv(CAMPYLOBACTER)
    home = frame[(frame["Area Code"] == HOME) & frame["Category Type"].isna()]
    young = home[home["Age"] == "0-9 yrs"].sort_values("Time period").iloc[-1]
    page = client_request.get("/indicators/93356?age=0-9 yrs")
    assert page.select_one("#choose-age option[selected]")["value"] == "0-9 yrs"
    glance = _glance(page)
    assert glance["Wolverhampton"].startswith(f"{young['Value']:.1f}")
    assert "0-9" in glance["Latest period"]


def test_small_area_values_grouped_by_imd_quintile(seeded_indicators, client_request) -> None:
    from portal.small_areas.loading import load_small_areas
    from tests.indicators.test_routes import load_house_prices
    from tests.small_areas.conftest import HOME as LAD
    from tests.small_areas.conftest import read_home_small_areas

    load_small_areas(read_home_small_areas(LAD))
    load_house_prices(seeded_indicators)
    lookup = pd.read_csv(DATA / "lookups" / "wolverhampton_lsoa_ward_best_fit.csv")
    lsoas = list(lookup[lookup["vintage"] == 2011]["lsoa_code"])
    prices = pd.read_csv(DATA / "house_prices" / "ons_median_house_price_lsoa_ew.csv", encoding="utf-8-sig")
    prices = prices.set_index("LSOAcode").loc[lsoas, "houseprice"]
    prices = pd.to_numeric(prices.astype(str).str.replace(",", ""), errors="coerce").dropna()
    imd = pd.read_csv(DATA / "deprivation" / "imd2019_england_lsoa11_deciles_ranks.csv").set_index("lsoa_code")
    quintile = (imd.loc[prices.index, "IMD_decile"] + 1) // 2
    expected = prices.groupby(quintile).median()

    page = client_request.get("/indicators/median-house-price-lsoa")
    table = page.select_one("#chart-imd-quintile-table")
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    assert len(rows) == len(expected) >= 3
    for row, (number, value) in zip(rows, expected.items(), strict=True):
        assert row[0].startswith(f"Quintile {number}")
        assert float(row[1].replace(",", "").replace("£", "")) == pytest.approx(value, abs=0.5)  # shown to £1
    assert "Deprivation" not in {
        r.select_one("dt").get_text(strip=True) for r in page.select("#missing-breakdowns .govuk-summary-list__row")
    }
