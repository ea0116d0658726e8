"""Theme pages (/indicators/themes/<slug>): each theme's indicators with the region and England, the small-area
figures the theme needs, and a CSV of exactly the tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from tests.small_areas import conftest as small_area_fixtures

home_data = small_area_fixtures.home_data
loaded = small_area_fixtures.loaded

DATA = Path(__file__).resolve().parents[2] / "data"
ONS = DATA / "ons_indicators" / "ons_subnational_indicators_machine_readable.csv"
CIN = DATA / "childrens_social_care" / "dfe_b1_children_in_need_2013_to_2025.csv"
TENURE = DATA / "census2021" / "census2021-ts054-ltla.csv"


@pytest.fixture
def themed(seeded_indicators, loaded):
    """The key dataset plus the ONS subnational indicators, children in need and the small-area files."""
    from portal.indicators.file_import import import_file

    for path, fmt in ((ONS, "ons-subnational"), (CIN, "dfe-cin")):
        outcome = import_file(path, fmt)
        assert outcome.ok, outcome.errors[:3]
    return seeded_indicators


def _rows(page, table_id: str) -> dict[str, list[str]]:
    out = {}
    for tr in page.select(f"#{table_id} tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        out[cells[0]] = cells[1:]
    return out


def _ons(area: str, words: str) -> float:
    frame = pd.read_csv(ONS, skiprows=2, encoding="latin-1")
    rows = frame[(frame["AREACD"] == area) & frame["Indicator"].str.contains(words, regex=False)]
    return float(rows.sort_values("Period").iloc[-1]["Value"])


def test_themes_are_linked_from_the_overview(themed, client_request) -> None:
    overview = client_request.get("/indicators")
    index = client_request.get(overview.find("a", href="/indicators/themes")["href"])
    links = [a["href"] for a in index.select("#themes a")]
    assert links == [
        "/indicators/themes/housing",
        "/indicators/themes/employment-and-economy",
        "/indicators/themes/childrens-social-care",
    ]
    client_request.get("/indicators/themes/nonsense", expected_status=404)


def test_employment_theme_has_employment_pay_and_qualifications(themed, client_request) -> None:
    page = client_request.get("/indicators/themes/employment-and-economy")
    rows = _rows(page, "theme-indicators")
    employment = next(v for k, v in rows.items() if k.startswith("Employment rate"))
    assert employment[1].startswith(f"{_ons('E08000031', 'Employment rate'):.1f}")
    assert employment[3].startswith(f"{_ons('E92000001', 'Employment rate'):.1f}")
    assert employment[4].split()[-1] in {"Better", "Similar", "Worse", "Higher", "Lower", "compared"}
    pay = next(v for k, v in rows.items() if k.startswith("Gross median weekly pay"))
    assert pay[1].replace(",", "").startswith(f"£{_ons('E08000031', 'Median Weekly Pay'):.0f}"[:4])
    assert any(k.startswith("Proportion of the population aged 16 – 64 with level 3+") for k in rows)


def test_housing_theme_has_tenure_against_england_and_net_additions(themed, client_request) -> None:
    page = client_request.get("/indicators/themes/housing")
    figures = _rows(page, "theme-figures")
    tenure = pd.read_csv(TENURE).set_index("geography code")
    english = tenure[tenure.index.str.startswith("E0")]  # England: the sum of its local authorities
    total, social = "Tenure of household: Total: All households", "Tenure of household: Social rented"
    city = tenure.loc["E08000031", social] / tenure.loc["E08000031", total] * 100
    england = english[social].sum() / english[total].sum() * 100
    assert figures["Social rented (% of households)"][:2] == [f"{city:.1f}%", f"{england:.1f}%"]
    assert "Not stated by the source file" in figures["Median house price (median of the small areas' medians)"][2]
    indicators = _rows(page, "theme-indicators")
    assert any(k.startswith("Net additions to the housing stock") for k in indicators)


def test_childrens_social_care_theme_lists_every_dfe_indicator(themed, client_request) -> None:
    from portal.indicators.catalogue import list_indicators

    page = client_request.get("/indicators/themes/childrens-social-care")
    rows = _rows(page, "theme-indicators")
    expected = [i.name for i in list_indicators() if i.id.startswith("dfe-")]
    assert len(rows) == len(expected) >= 5
    assert all(any(k.startswith(name) for k in rows) for name in expected)


def test_theme_csv_is_exactly_the_tables(themed, client_request) -> None:
    page = client_request.get("/indicators/themes/housing")
    link = page.find("a", string="Download these tables (CSV)")
    rows = list(csv.reader(io.StringIO(client_request.response(link["href"]).get_data(as_text=True))))
    assert rows[0][:6] == ["Table", "Figure", "Period", "Wolverhampton", "West Midlands", "England"]
    indicators, figures = _rows(page, "theme-indicators"), _rows(page, "theme-figures")
    assert len(rows) - 1 == len(indicators) + len(figures)
    for line in rows[1:]:
        if line[0] == "Indicators":
            shown = indicators[line[1]]
            assert [c.replace(",", "") for c in shown[:4]] == [c.replace(",", "") for c in line[2:6]]
            assert shown[4].endswith(line[6]) and shown[5] == line[7]
        else:
            assert [c.replace(",", "") for c in figures[line[1]][:2]] == [
                line[3].replace(",", ""),
                line[5].replace(",", ""),
            ]
