"""The key dataset's public pages, chart JSON, CSV downloads and the locally served Bokeh."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path

import bokeh
import pandas as pd
import pytest
from bokeh.util.paths import static_path

from portal.charts import cache as chart_cache
from portal.indicators.loader import file_checksum, load_import_result
from portal.indicators.routes import ordinal
from tests.indicators.test_services import CAMPYLOBACTER, SUICIDE, export, export_row

DATA = Path(__file__).resolve().parents[2] / "data"
WARD_IMD = DATA / "deprivation" / "imd2019_england_ward19_aggregated_humaniverse.csv"
POPULATION = DATA / "population" / "ons_mye_uk_mid2022_mye22final.xlsx"
BILSTON_EAST = "E05001321"


def overview_row(page, indicator_id: str):
    """The overview table row whose indicator link points at ``indicator_id``."""
    link = page.find("a", href=f"/indicators/{indicator_id}")
    assert link is not None, f"indicator {indicator_id} is not on the page"
    return [cell.get_text(" ", strip=True) for cell in link.find_parent("tr").find_all(["th", "td"])]


def test_ordinal() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
    ]  # fmt: skip


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def table_rows(table) -> list[list[str]]:
    """A table's header and body rows as text, numbers without thousands separators (as in the CSV)."""
    header = [th.get_text(strip=True) for th in table.select("thead th")]
    body = []
    for tr in table.select("tbody tr"):
        cells = [cell.get_text(strip=True) for cell in tr.find_all(["th", "td"])]
        body.append([c.replace(",", "") if c.replace(",", "").replace(".", "").lstrip("-").isdigit() else c
                     for c in cells])  # fmt: skip
    return [header, *body]


def load_ward_imd(seeded) -> None:
    """The real humaniverse ward IMD 2019 scores for Wolverhampton's wards."""
    from portal.importers.deprivation import read_imd_ward
    from portal.indicators.catalogue import ward_areas

    result = read_imd_ward(WARD_IMD, [code for code, _ in ward_areas()])
    assert result.ok, result.errors[:3]
    load_import_result(result, source_key=WARD_IMD.name, file_name=WARD_IMD.name, checksum=file_checksum(WARD_IMD))


HOUSE_PRICES = DATA / "house_prices" / "ons_median_house_price_lsoa_ew.csv"


def load_house_prices(seeded) -> None:
    """The real ONS median house prices for Wolverhampton's LSOAs, and the derived ward medians."""
    from portal.importers.house_prices import read_house_prices_by_ward

    result = read_house_prices_by_ward(HOUSE_PRICES)
    assert result.ok, result.errors[:3]
    load_import_result(result, source_key=HOUSE_PRICES.name, file_name=HOUSE_PRICES.name, checksum="test")


@cache
def _population_result():
    from portal.importers.population import read_mye_single_year

    return read_mye_single_year(POPULATION)


def load_population(seeded) -> None:
    """The real ONS mid-2022 single-year estimates, for Wolverhampton and England only (to keep the test quick)."""
    result = _population_result()
    assert result.ok
    keep = {seeded.home, seeded.england}
    values = result.values[result.values["area_code"].isin(keep)].reset_index(drop=True)
    areas = result.areas[result.areas["code"].isin(keep)].reset_index(drop=True)
    trimmed = type(result)(result.format, result.indicators, values, areas, [])
    load_import_result(trimmed, source_key=POPULATION.name, file_name=POPULATION.name, checksum="test")


# --- Bokeh, served locally ---------------------------------------------------------------------------------------


def test_bokeh_is_served_locally_with_long_cache(client_request) -> None:
    response = client_request.response(f"/bokeh/static/js/bokeh.min.js?v={bokeh.__version__}")
    assert response.status_code == 200
    assert response.data == (Path(static_path()) / "js" / "bokeh.min.js").read_bytes()
    assert response.cache_control.max_age >= 365 * 24 * 3600
    assert response.cache_control.public
    assert "javascript" in response.mimetype


def test_bokeh_static_refuses_paths_outside_its_folder(client_request) -> None:
    assert client_request.response("/bokeh/static/../../__init__.py").status_code == 404
    assert client_request.response("/bokeh/static/js/not-there.js").status_code == 404


# --- the overview -------------------------------------------------------------------------------------------------


def test_overview_shows_real_wolverhampton_values(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators")
    assert page.h1.get_text(strip=True) == "How Wolverhampton compares"
    whole_population = {"age": "All ages", "categorytype": ""}
    for path, indicator_id, where in ((SUICIDE, "41001", {}), (CAMPYLOBACTER, "93356", whole_population)):
        own = export_row(path, indicator_id, seeded_indicators.home, **where)
        england = export_row(path, indicator_id, seeded_indicators.england, **where)
        region = export_row(path, indicator_id, seeded_indicators.region, **where)
        cells = overview_row(page, indicator_id)
        assert cells[1] == own["timeperiod"]
        assert cells[2].startswith(f"{own['value']:,.1f}")
        assert cells[3].startswith(f"{england['value']:,.1f}")
        assert cells[4].startswith(f"{region['value']:,.1f}")
    suicide = overview_row(page, "41001")
    assert suicide[6] == export_row(SUICIDE, "41001", seeded_indicators.home)["comparedtoenglandvalueorpercentiles"]
    assert "males aged 10+ yrs" in suicide[0].lower()
    headings = [h2.get_text(strip=True) for h2 in page.select("#overview-results h2")]
    assert headings[0] == "Health" and "Children" in headings


def test_overview_tags_carry_text_and_govuk_colour(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators")
    tags = page.select("#overview-results .govuk-tag")
    assert tags
    colours = {"Similar": "govuk-tag--yellow", "Higher": "govuk-tag--blue", "Lower": "govuk-tag--blue",
               "Not compared": "govuk-tag--grey", "Better": "govuk-tag--green", "Worse": "govuk-tag--red"}  # fmt: skip
    for tag in tags:
        assert colours[tag.get_text(strip=True)] in tag["class"]


def test_overview_filters_by_topic_without_javascript(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators?topic=children")
    headings = [h2.get_text(strip=True) for h2 in page.select("#overview-results h2")]
    assert headings == ["Children"]
    assert page.find("a", href="/indicators/dfe-cla-rate-per-10k")
    assert not page.find("a", href="/indicators/41001")
    assert page.select_one("#filter-topic option[selected]")["value"] == "children"
    form = page.select_one("form.portal-filters")
    assert form["method"] == "get" and form["action"] == "/indicators" and form.find("button", type="submit")


def test_overview_filter_with_htmx_returns_only_the_results(seeded_indicators, client_request) -> None:
    response = client_request.response("/indicators?significance=Similar", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = client_request.get("/indicators?significance=Similar", htmx=True)
    assert fragment.find("html") is None and fragment.find("h1") is None
    tags = [tag.get_text(strip=True) for tag in fragment.select(".govuk-tag")]
    assert tags and set(tags) == {"Similar"}
    assert fragment.find("a", href="/indicators/41001")  # Wolverhampton's suicide rate is similar to England's


def test_overview_significance_filter_without_htmx(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators?significance=Not+compared")
    tags = {tag.get_text(strip=True) for tag in page.select("#overview-results .govuk-tag")}
    assert tags == {"Not compared"}
    assert "where the comparison with England is ‘Not compared’" in page.get_text()


def test_overview_ignores_unknown_filter_values(seeded_indicators, client_request) -> None:
    everything = client_request.get("/indicators")
    odd = client_request.get("/indicators?topic=<script>&significance=Amazing")
    assert len(odd.select("#overview-results tbody tr")) == len(everything.select("#overview-results tbody tr"))


def test_overview_with_no_data_yet(app, client_request) -> None:
    page = client_request.get("/indicators")
    assert "0 indicators" in page.get_text()


# --- the indicator page ----------------------------------------------------------------------------------------


def test_indicator_page_has_verdict_charts_tables_and_csv_links(seeded_indicators, client_request) -> None:
    own = export_row(CAMPYLOBACTER, "93356", seeded_indicators.home, age="All ages")
    page = client_request.get("/indicators/93356")
    verdict = page.select_one("#verdict").get_text(" ", strip=True)
    assert verdict.startswith(f"In {own['timeperiod']} Wolverhampton's ")
    assert f"{own['value']:.1f}" in verdict and "England" in verdict
    charts = page.select("[data-bokeh-json]")
    ids = [c["id"] for c in charts]
    assert {"chart-trend", "chart-compare-region", "chart-compare-neighbours", "chart-age"} <= set(ids)
    for chart in charts:
        block = chart.find_parent(class_="portal-chart-block")
        assert block.find("table", class_="govuk-table"), chart["id"]
        link = block.find("a", href=lambda h: h and h.endswith(".csv"))
        assert link is not None and "CSV" in link.get_text()
        assert chart["data-bokeh-json"].startswith("/indicators/93356/charts/")
        # role="img" and its label are set by charts.js once it draws (without JavaScript the table stands in).
        assert not chart.has_attr("role") and chart["data-chart-label"].startswith("Chart: ")
    assert page.find("h2", string="Definition and source")
    assert "fingertips_campylobacter_93356_countyua_2015-2017.csv" in page.get_text()
    scripts = [s.get("src", "") for s in page.find_all("script")]
    # BokehJS is never in the page up front: charts.js (deferred) loads it when a chart nears the screen.
    assert not any("bokeh.min.js" in src for src in scripts)
    charts_js = page.find("script", src=lambda src: src and src.split("?")[0] == "/static/js/charts.js")
    assert charts_js is not None and charts_js.has_attr("defer")  # fingerprinted: ?v=<hash>
    assert charts_js["data-bokeh-src"].startswith("/bokeh/static/js/bokeh.min.js")
    # The only inline script is GOV.UK's one-liner, allowed by the CSP nonce; charts need none.
    assert all(s.get("src") or s.get("nonce") for s in page.find_all("script")), "inline script without a nonce"


def test_every_chart_csv_equals_its_table(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators/93356")
    for chart in page.select("[data-bokeh-json]"):
        block = chart.find_parent(class_="portal-chart-block")
        link = block.find("a", href=lambda h: h and h.endswith(".csv"))
        response = client_request.response(link["href"])
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        assert csv_rows(response) == table_rows(block.find("table")), chart["id"]


def test_compare_chart_rows_are_the_region_with_significance(seeded_indicators, client_request) -> None:
    source = export(SUICIDE)
    response = client_request.response("/indicators/41001/charts/compare-region.csv")
    rows = csv_rows(response)
    assert rows[0] == ["Area", "Value", "Lower 95% limit", "Upper 95% limit", "Compared with England"]
    shown = {row[0].removesuffix(" (this area)"): row for row in rows[1:]}
    assert "Wolverhampton" in shown and "Wolverhampton (this area)" in [r[0] for r in rows[1:]]
    in_region = source[(source["indicatorid"] == "41001") & source["parentcode"].eq(seeded_indicators.region)]
    for record in in_region.itertuples():
        if record.areaname in shown:
            assert shown[record.areaname][1] == f"{record.value:.1f}"
            assert shown[record.areaname][4] == record.comparedtoenglandvalueorpercentiles
    values = [float(row[1]) for row in rows[1:]]
    assert values == sorted(values, reverse=True)


def test_chart_json_is_a_bokeh_item_and_is_cached(
    seeded_indicators, client_request, app, monkeypatch, tmp_path
) -> None:
    monkeypatch.setitem(app.config, "CHART_CACHE_DIR", tmp_path)
    chart_cache.clear_memory_cache()
    renders: list[object] = []
    real = chart_cache.chart_json
    monkeypatch.setattr(chart_cache, "chart_json", lambda fig: renders.append(fig) or real(fig))
    first = client_request.response("/indicators/93356/charts/trend.json")
    assert first.status_code == 200 and first.mimetype == "application/json"
    item = json.loads(first.get_data(as_text=True))
    assert item["root_id"] and item["doc"]["roots"]
    assert len(renders) == 1
    second = client_request.response("/indicators/93356/charts/trend.json")
    assert second.get_data() == first.get_data()
    assert len(renders) == 1, "a warm chart must do no Bokeh work"
    assert list(tmp_path.glob("*.json"))


def test_unknown_indicator_and_chart_are_404(seeded_indicators, client_request) -> None:
    client_request.get("/indicators/no-such-indicator", expected_status=404)
    assert client_request.response("/indicators/no-such-indicator/charts/trend.json").status_code == 404
    assert client_request.response("/indicators/41001/charts/no-such-chart.json").status_code == 404
    assert client_request.response("/indicators/41001/charts/no-such-chart.csv").status_code == 404


# --- wards ---------------------------------------------------------------------------------------------------------


def test_ward_index_links_every_ward(seeded_indicators, client_request) -> None:
    page = client_request.get("/areas/wards")
    links = page.select("a[href^='/areas/wards/E05']")
    assert len(links) == 20
    assert any(link.get_text(strip=True) == "Bilston East" for link in links)


def test_ward_profile_has_a_map_and_its_table(seeded_indicators, client_request) -> None:
    load_ward_imd(seeded_indicators)
    page = client_request.get(f"/areas/wards/{BILSTON_EAST}")
    assert page.h1.get_text(strip=True) == "Bilston East"
    chart = page.select_one("#chart-map")
    assert chart["data-bokeh-json"].startswith(f"/areas/wards/{BILSTON_EAST}/charts/map.json")
    table = chart.find_parent(class_="portal-chart-block").find("table")
    rows = table_rows(table)
    assert len(rows) == 21  # header and 20 wards
    scores = pd.read_csv(WARD_IMD).set_index("ward_code")["Score"]
    own = next(row for row in rows[1:] if row[0] == "Bilston East (this ward)")
    assert own[1] == f"{scores[BILSTON_EAST]:.1f}"
    response = client_request.response(chart["data-bokeh-json"])
    assert response.status_code == 200
    assert "Bilston East (this ward)" in response.get_data(as_text=True)
    block = chart.find_parent(class_="portal-chart-block")
    link = block.find("a", href=lambda h: h and h.endswith("indicator=imd2019-ward-score"))
    assert csv_rows(client_request.response(link["href"])) == rows


def test_ward_profile_map_indicator_changes_with_htmx(seeded_indicators, client_request) -> None:
    load_ward_imd(seeded_indicators)
    fragment = client_request.get(f"/areas/wards/{BILSTON_EAST}?indicator=imd2019-ward-score", htmx=True)
    assert fragment.find("h1") is None
    assert fragment.select_one("#chart-map")
    assert "highest of 20 wards" in fragment.get_text()
    scores = pd.read_csv(WARD_IMD).set_index("ward_code")["Score"]
    wolverhampton = scores[scores.index.isin([f"E0500{n}" for n in range(1321, 1341)])]
    rank = int((wolverhampton > scores[BILSTON_EAST]).sum()) + 1
    place = "" if rank == 1 else ordinal(rank) + " "
    expected = f"Bilston East: {scores[BILSTON_EAST]:.1f}, the {place}highest of 20 wards"
    assert expected in fragment.get_text(" ", strip=True).replace(" ,", ",")


def test_ward_profile_without_population_data_says_so(seeded_indicators, client_request) -> None:
    page = client_request.get(f"/areas/wards/{BILSTON_EAST}")
    assert "Population data is not available" in page.get_text()
    assert "No ward-level data has been loaded yet" in page.get_text()
    assert client_request.response(f"/areas/wards/{BILSTON_EAST}/charts/pyramid.json").status_code == 404


def test_ward_profile_population_pyramid_from_the_ons_estimates(seeded_indicators, client_request) -> None:
    load_population(seeded_indicators)
    page = client_request.get(f"/areas/wards/{BILSTON_EAST}")
    chart = page.select_one("#chart-pyramid")
    assert chart is not None
    rows = table_rows(chart.find_parent(class_="portal-chart-block").find("table"))
    assert rows[0] == ["Age", "Wolverhampton males (%)", "Wolverhampton females (%)", "England males (%)",
                       "England females (%)"]  # fmt: skip
    assert rows[1][0] == "90+" and rows[-1][0] == "0-4"
    assert sum(float(c) for row in rows[1:] for c in row[1:3]) == pytest.approx(100, abs=0.2)
    response = client_request.response(chart["data-bokeh-json"])
    assert response.status_code == 200 and json.loads(response.get_data(as_text=True))["root_id"]


def test_unknown_ward_is_404(seeded_indicators, client_request) -> None:
    client_request.get("/areas/wards/E05999999", expected_status=404)
    client_request.get(f"/areas/wards/{seeded_indicators.home}", expected_status=404)  # an authority, not a ward
    assert client_request.response("/areas/wards/E05999999/charts/map.json").status_code == 404
    assert client_request.response(f"/areas/wards/{BILSTON_EAST}/charts/other.json").status_code == 404
