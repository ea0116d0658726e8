"""The open data API: indicator list, values as JSON and CSV (formula-safe), errors as JSON, the OpenAPI document."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portal.api.openapi import ROW_FIELDS
from portal.models import Indicator, IndicatorValue
from portal.stats.comparison import Comparison
from tests.indicators.conftest import SeededIndicators

COMPARISON_WORDS = {c.value for c in Comparison}


def get_json(client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_indicator_list_has_metadata_and_links(client, seeded_indicators: SeededIndicators) -> None:
    items = get_json(client, "/api/v1/indicators")

    by_id = {item["id"]: item for item in items}
    assert {"41001", "93356", "dfe-cla-rate-per-10k"} <= set(by_id)
    suicide = by_id["41001"]
    for field in ("id", "name", "unit", "value_type", "polarity", "topic", "source", "publisher", "licence", "links"):
        assert field in suicide
    assert suicide["name"] == "Suicide rate"
    assert suicide["licence"] == "Open Government Licence v3.0"
    assert suicide["links"]["data"] == "http://localhost/api/v1/indicators/41001/data"
    assert suicide["links"]["csv"] == "http://localhost/api/v1/indicators/41001/data?format=csv"


def test_the_list_is_public(client, app) -> None:
    assert get_json(client, "/api/v1/indicators") == []


def test_data_rows_carry_comparisons_and_trend_in_fingertips_words(client, seeded_indicators) -> None:
    rows = get_json(client, "/api/v1/indicators/93356/data?area=E08000031&sex=Persons")

    assert rows and {r["area_code"] for r in rows} == {"E08000031"} and {r["sex"] for r in rows} == {"Persons"}
    assert {r["area_name"] for r in rows} == {"Wolverhampton"}
    for row in rows:
        assert row["compared_to_england"] in COMPARISON_WORDS
        assert row["compared_to_region"] in COMPARISON_WORDS
        assert isinstance(row["recent_trend"], str) and row["recent_trend"]
    latest = max(rows, key=lambda r: r["period_sortable"])
    stored = seeded_indicators_value("93356", "E08000031", latest["period"], "Persons", latest["age"])
    assert latest["value"] == pytest.approx(stored.value)
    assert latest["lower_ci95"] == pytest.approx(stored.lower_ci95)
    # The comparison agrees with the export's own column for this row.
    assert latest["compared_to_england"] == stored.source_compared_to_england


def seeded_indicators_value(indicator_id: str, area: str, period: str, sex: str, age: str) -> IndicatorValue:
    from portal.extensions import db

    return db.session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator_id,
            IndicatorValue.area_code == area,
            IndicatorValue.period == period,
            IndicatorValue.sex == sex,
            IndicatorValue.age == age,
            IndicatorValue.category_type == "",
        )
    ).one()


def test_empty_parameters_are_ignored(client, seeded_indicators, db) -> None:
    stored = db.session.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id == "93356")).all()
    everything = get_json(client, "/api/v1/indicators/93356/data")
    blank = get_json(client, "/api/v1/indicators/93356/data?area=&sex=&age=&category_type=")
    assert len(everything) == len(blank) == len(stored) > 800
    young = get_json(client, "/api/v1/indicators/93356/data?age=0-9+yrs")
    assert len(young) == sum(v.age == "0-9 yrs" for v in stored) > 0


def test_suppressed_values_are_null_and_flagged(client, seeded_indicators) -> None:
    rows = get_json(client, "/api/v1/indicators/dfe-cla-rate-per-10k/data")
    suppressed = [r for r in rows if r["suppressed"]]
    assert suppressed and all(r["value"] is None for r in suppressed)


def test_csv_download_has_the_same_rows_and_columns(client, seeded_indicators) -> None:
    response = client.get("/api/v1/indicators/41001/data?format=csv&area=E08000031")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="indicator-41001-data.csv"'
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    rows = get_json(client, "/api/v1/indicators/41001/data?area=E08000031")
    assert len(table) == len(rows) > 0
    assert list(table[0]) == list(ROW_FIELDS)  # the documented order
    assert set(table[0]) == set(rows[0])
    assert [(r["period"], r["sex"], r["age"]) for r in table] == [(r["period"], r["sex"], r["age"]) for r in rows]
    assert [float(r["value"]) for r in table] == pytest.approx([r["value"] for r in rows])


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, seeded_indicators, db) -> None:
    value = db.session.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id == "41001")).first()
    value.value_note = '=HYPERLINK("http://evil.example","click")'
    value.age = "+1 yrs"
    indicator = db.session.get(Indicator, "41001")
    db.session.commit()

    response = client.get(f"/api/v1/indicators/{indicator.id}/data?format=csv&area={value.area_code}")
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    poisoned = [r for r in table if r["age"].endswith("+1 yrs")]
    assert poisoned and poisoned[0]["age"] == "'+1 yrs"
    assert poisoned[0]["value_note"].startswith("'=HYPERLINK")
    # Numbers stay numbers, even negative ones, and other text is untouched.
    assert all(not r["value"].startswith("'") for r in table)
    assert all(r["sex"] in {"Persons", "Male", "Female"} for r in table)


def test_an_unknown_indicator_is_a_json_404(client, seeded_indicators) -> None:
    body = get_json(client, "/api/v1/indicators/no-such-thing/data", status=404)
    assert body["error"] == "not_found" and "no-such-thing" in body["message"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("format=xml", "format must be json or csv"),
        ("sex=Both", "sex must be Persons, Male, Female or Not applicable"),
        ("area=Wolverhampton+City", "area must be an area code such as E08000031"),
        ("area=Wolverhampton", "There is no area with the code Wolverhampton"),
        ("area=E08999999", "There is no area with the code E08999999"),
        ("age=" + "x" * 121, "age must be 120 characters or fewer"),
        ("colour=red", "Unknown parameter 'colour'"),
    ],
)
def test_bad_parameters_are_a_json_400_with_a_message(client, seeded_indicators, query: str, message: str) -> None:
    body = get_json(client, f"/api/v1/indicators/41001/data?{query}", status=400)
    assert body["error"] == "bad_parameter" and message in body["message"]


def test_the_openapi_document_describes_both_endpoints_and_every_field(client, seeded_indicators) -> None:
    document = get_json(client, "/api/v1/openapi.json")

    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    assert {"/indicators", "/indicators/{indicator_id}/data"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    row_fields = set(schemas["ValueRow"]["properties"])
    for row in get_json(client, "/api/v1/indicators/93356/data?area=E08000031"):
        assert set(row) == row_fields
    for item in get_json(client, "/api/v1/indicators"):
        assert set(item) == set(schemas["Indicator"]["properties"])
    parameters = {p["name"] for p in document["paths"]["/indicators/{indicator_id}/data"]["get"]["parameters"]}
    assert parameters == {"indicator_id", "area", "sex", "age", "category_type", "format", "page", "per_page", "cursor"}
    comparison = schemas["ValueRow"]["properties"]["compared_to_england"]["enum"]
    assert set(comparison) == COMPARISON_WORDS
    area_types = schemas["ValueRow"]["properties"]["area_type"]["enum"]
    assert {"country", "region", "county_ua", "combined_auth", "icb", "sub_icb", "pcn", "gp", "msoa"} <= set(area_types)


def test_rows_of_every_area_type_can_be_asked_for_by_their_code(client, seeded_indicators) -> None:
    from portal.indicators.file_import import import_file

    fixture = Path(__file__).resolve().parents[1] / "importers" / "fixtures" / "fingertips_2024_api_all_area_types.csv"
    assert import_file(fixture).ok

    group = get_json(client, "/api/v1/indicators/93560/data?area=Cl_L3_8b2r")
    assert [(r["area_name"], r["area_type"]) for r in group] == [("Expanded Areas", "ons_group")]
    combined = get_json(client, "/api/v1/indicators/93560/data?area=e47000011")  # any case for ONS codes
    assert [(r["area_code"], r["area_type"]) for r in combined] == [("E47000011", "combined_auth")]
    wolverhampton = get_json(client, "/api/v1/indicators/93560/data?area=E08000031&sex=Female")
    assert {r["area_type"] for r in wolverhampton} == {"county_ua"} and len(wolverhampton) == 2
