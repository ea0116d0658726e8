"""Ward profiles with the small-area figures, the ward chooser and "Compare two wards", checked against sums worked
out by hand from the shipped source files (not through the portal's own aggregation)."""

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
LOOKUP = DATA / "lookups" / "wolverhampton_lsoa_ward_best_fit.csv"
AGE = DATA / "census2021" / "census2021-ts007a-lsoa.csv"
TENURE = DATA / "census2021" / "census2021-ts054-lsoa.csv"
IMD = DATA / "deprivation" / "imd2019_england_lsoa11_deciles_ranks.csv"
OVER_65 = [f"Age: Aged {a} to {a + 4} years" for a in range(65, 85, 5)] + ["Age: Aged 85 years and over"]
WARDS = [f"E0500{n}" for n in range(1321, 1341)]
BILSTON_EAST, ST_PETERS = "E05001321", "E05001335"


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("£", "").replace("%", ""))


def _figure_rows(page) -> dict[str, list[str]]:
    """Figure label → [ward, city, England, period] from the profile's figure tables."""
    rows = {}
    for tr in page.select("table.portal-ward-facts tbody tr"):
        header = tr.find("th")
        label = header.contents[0].strip() if header.contents else ""
        rows[label] = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
    return rows


@pytest.fixture
def wards_ready(seeded_indicators, loaded):
    """Reference areas (wards) and the small-area files, both loaded."""
    return loaded


def _ward_lsoas(ward: str, vintage: int) -> list[str]:
    lookup = pd.read_csv(LOOKUP)
    return list(lookup[(lookup["ward_code"] == ward) & (lookup["vintage"] == vintage)]["lsoa_code"])


def test_every_ward_profile_shows_at_least_twelve_figures_with_city_and_england(wards_ready, client_request) -> None:
    for ward in WARDS:
        page = client_request.get(f"/areas/wards/{ward}")
        rows = _figure_rows(page)
        complete = [r for r in rows.values() if all(c != "Not available" for c in r[:3])]
        assert len(complete) >= 12, ward
        headers = [th.get_text(strip=True) for th in page.select("table.portal-ward-facts thead th")][:5]
        assert headers[2:4] == ["Wolverhampton", "England"]
        captions = {c.get_text(strip=True) for c in page.select("table.portal-ward-facts caption")}
        assert {"Population", "Age", "Housing tenure", "Deprivation (IMD 2019)", "House prices"} <= captions
        # Seven domains and the overall index, each at 10% and 20%.
        assert len([label for label in rows if "most deprived" in label]) == 16
        assert "Not stated by the source file" in rows["Median house price (median of the small areas' medians)"][3]


def test_ward_figures_match_sums_worked_out_from_the_source_files(wards_ready, client_request) -> None:
    ages = pd.read_csv(AGE).set_index("geography code")
    tenure = pd.read_csv(TENURE).set_index("geography code")
    imd = pd.read_csv(IMD).set_index("lsoa_code")
    for ward in (BILSTON_EAST, ST_PETERS):
        rows = _figure_rows(client_request.get(f"/areas/wards/{ward}"))
        lsoas21, lsoas11 = _ward_lsoas(ward, 2021), _ward_lsoas(ward, 2011)
        people = ages.loc[lsoas21, "Age: Total"].sum()
        assert _number(rows["Usual residents"][0]) == people
        over_65 = ages.loc[lsoas21, OVER_65].sum().sum()
        assert _number(rows["Aged 65 and over (% of residents)"][0]) == pytest.approx(over_65 / people * 100, abs=0.05)
        households = tenure.loc[lsoas21, "Tenure of household: Total: All households"].sum()
        social = tenure.loc[lsoas21, "Tenure of household: Social rented"].sum()
        shown = _number(rows["Social rented (% of households)"][0])
        assert shown == pytest.approx(social / households * 100, abs=0.05)
        most_deprived_10 = (imd.loc[lsoas11, "Income_decile"] == 1).sum()
        label = "Income: small areas in England's most deprived 10% (%)"
        assert _number(rows[label][0]) == pytest.approx(most_deprived_10 / len(lsoas11) * 100, abs=0.05)


def test_ward_populations_on_the_pages_add_up_to_the_city(wards_ready, client_request) -> None:
    total, city = 0.0, None
    for ward in WARDS:
        row = _figure_rows(client_request.get(f"/areas/wards/{ward}"))["Usual residents"]
        total += _number(row[0])
        city = _number(row[1])
    lsoas = [code for ward in WARDS for code in _ward_lsoas(ward, 2021)]
    assert len(lsoas) == len(set(lsoas)) == 161
    assert total == pd.read_csv(AGE).set_index("geography code").loc[lsoas, "Age: Total"].sum()
    # The city's own census total is published separately; the census's small-area noise keeps them within 0.01%.
    lad = pd.read_csv(AGE.with_name("census2021-ts007a-ltla.csv")).set_index("geography code")
    assert city == lad.loc["E08000031", "Age: Total"]
    assert abs(total - city) / city < 0.0001


def test_ward_figures_csv_is_exactly_the_tables(wards_ready, client_request) -> None:
    page = client_request.get(f"/areas/wards/{BILSTON_EAST}")
    link = page.find("a", string="Download these figures (CSV)")
    response = client_request.response(link["href"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["Section", "Figure", "Bilston East", "Wolverhampton", "England"]
    shown = _figure_rows(page)
    assert len(rows) - 1 == len(shown)
    for row in rows[1:]:
        assert [c.replace(",", "") for c in shown[row[1]][:3]] == [c.replace(",", "") for c in row[2:5]]


def test_age_chart_has_a_table_and_draws(wards_ready, client_request) -> None:
    page = client_request.get(f"/areas/wards/{BILSTON_EAST}")
    table = page.select_one("#chart-ages-table")
    body = table.select("tbody tr")
    assert len(body) == 18  # 0-4 … 85+
    shares = [_number(tr.find_all("td")[0].get_text()) for tr in body]
    assert sum(shares) == pytest.approx(100, abs=0.2)
    chart = client_request.response(f"/areas/wards/{BILSTON_EAST}/charts/ages.json")
    assert chart.status_code == 200 and b"Bilston East" in chart.data
    assert client_request.response(f"/areas/wards/{BILSTON_EAST}/charts/ages.csv").status_code == 200


def test_ward_chooser_works_without_javascript_and_links_neighbours(wards_ready, client_request) -> None:
    page = client_request.get(f"/areas/wards/{BILSTON_EAST}")
    form = page.find("select", id="ward-chooser").find_parent("form")
    assert form["method"] == "get" and form["action"] == "/areas/wards"
    assert len(form.select("option")) == 20
    response = client_request.response(f"/areas/wards?ward={ST_PETERS}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/areas/wards/{ST_PETERS}")
    # An unknown ward falls back to the index rather than redirecting anywhere.
    assert client_request.response("/areas/wards?ward=E05000001").status_code == 200
    nav = page.find("nav", attrs={"aria-label": "Other wards"})
    assert nav.find("a", rel="next")["href"].startswith("/areas/wards/E05")


def test_compare_two_wards_side_by_side_with_csv(wards_ready, client_request) -> None:
    page = client_request.get(f"/areas/wards/compare?a={BILSTON_EAST}&b={ST_PETERS}")
    assert "Bilston East and St Peter's" in page.find("h2", class_="govuk-heading-l").get_text()
    first = page.select_one("#compare-1")
    headers = [th.get_text(strip=True) for th in first.select("thead th")]
    assert headers[:5] == ["Figure", "Bilston East", "St Peter's", "Wolverhampton", "England"]
    body = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in page.select("table tbody tr")]
    people = next(r for r in body if r[0] == "Usual residents")
    ages = pd.read_csv(AGE).set_index("geography code")
    assert _number(people[1]) == ages.loc[_ward_lsoas(BILSTON_EAST, 2021), "Age: Total"].sum()
    assert _number(people[2]) == ages.loc[_ward_lsoas(ST_PETERS, 2021), "Age: Total"].sum()
    csv_link = page.find("a", string="Download this comparison (CSV)")
    rows = list(csv.reader(io.StringIO(client_request.response(csv_link["href"]).get_data(as_text=True))))
    assert len(rows) - 1 == len(body)
    assert [c.replace(",", "") for c in rows[1][1:6]] == [c.replace(",", "") for c in body[0][:5]]


def test_compare_asks_for_a_ward_when_one_is_missing(wards_ready, client_request) -> None:
    page = client_request.get(f"/areas/wards/compare?a={BILSTON_EAST}&b=nope")
    assert page.title.get_text(strip=True).startswith("Error:")
    assert "Select the second ward" in page.select_one(".govuk-error-summary").get_text()
    assert client_request.response(f"/areas/wards/compare.csv?a={BILSTON_EAST}&b=nope").status_code == 404
    assert client_request.get("/areas/wards/compare").select_one(".govuk-error-summary") is None
