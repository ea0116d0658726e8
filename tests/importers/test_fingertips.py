"""Fingertips exports (native and underscore headers) and Trafford Data Lab's processed Fingertips files."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pandas as pd
import pytest

from portal.importers import reading
from portal.importers.base import AREA_COLUMNS, INDICATOR_COLUMNS, VALUE_COLUMNS, RowError
from portal.importers.fingertips import infer_polarity, read_fingertips
from portal.importers.fingertips_areas import fingertips_area_type
from portal.importers.fingertips_layouts import NATIVE_COLUMNS, UNDERSCORE_COLUMNS
from portal.importers.frames import load_indicator_metadata
from portal.importers.trafford import read_trafford_processed
from tests.importers import (
    CAMPYLOBACTER,
    CYP_MENTAL_HEALTH,
    FINGERTIPS,
    FINGERTIPS_EXPORTS,
    SUICIDE,
    WOLVERHAMPTON,
    write_csv,
)

NATIVE_HEADER = list(NATIVE_COLUMNS.values())


def native_row(**cells: object) -> list[object]:
    """One row of a native export: a Wolverhampton campylobacter value unless overridden (by contract key)."""
    row = {key: "" for key in NATIVE_COLUMNS}
    row.update(
        indicator_id="93356",
        indicator_name="Campylobacter incidence rate/100,000\n",
        parent_code="E12000005",
        parent_name="West Midlands region",
        area_code=WOLVERHAMPTON,
        area_name="Wolverhampton",
        area_type="County & UA",
        sex="Persons",
        age="All ages",
        period="2016",
        value="62.9",
        lower_ci95="51.8",
        upper_ci95="75.6",
        count="113",
        denominator="179636",
        source_compared_to_england="Better",
        period_sortable="20160000",
    )
    row.update({k: str(v) for k, v in cells.items()})
    return [row[key] for key in NATIVE_COLUMNS]


@pytest.mark.parametrize(
    ("path", "rows", "indicators", "wolverhampton_rows"),
    [(CAMPYLOBACTER, 852, 1, 5), (CYP_MENTAL_HEALTH, 160, 10, 10), (SUICIDE, 80, 5, 5)],
)
def test_reads_the_real_exports(path: Path, rows: int, indicators: int, wolverhampton_rows: int) -> None:
    result = read_fingertips(path)
    assert result.ok, result.errors[:5]
    assert result.format == "fingertips"
    assert list(result.values.columns) == VALUE_COLUMNS
    assert list(result.indicators.columns) == INDICATOR_COLUMNS
    assert list(result.areas.columns) == AREA_COLUMNS
    assert len(result.values) == rows
    assert len(result.indicators) == indicators
    assert (result.values["area_code"] == WOLVERHAMPTON).sum() == wolverhampton_rows
    for column in ("category_type", "category", "value_note", "source_recent_trend"):
        assert not result.values[column].isna().any()
    assert result.values["value"].dtype == "float64"
    wolverhampton = result.areas.set_index("code").loc[WOLVERHAMPTON]
    assert (wolverhampton["area_type"], wolverhampton["parent_code"]) == ("county_ua", "E12000005")
    assert result.areas.set_index("code").loc["E92000001", "area_type"] == "country"
    assert result.areas.set_index("code").loc["E12000005", "area_type"] == "region"


def test_native_export_crlf_and_newline_in_name() -> None:
    result = read_fingertips(CAMPYLOBACTER)
    assert result.indicators.loc[0, ["indicator_id", "name"]].tolist() == [
        "93356",
        "Campylobacter incidence rate/100,000",
    ]
    wolverhampton = result.values[result.values["area_code"] == WOLVERHAMPTON]
    assert sorted(wolverhampton["period"]) == ["2015", "2015", "2016", "2016", "2017"]
    assert set(wolverhampton["period_sortable"]) == {20150000, 20160000, 20170000}
    assert "Cannot be calculated" in set(result.values["source_recent_trend"])
    deciles = result.values[result.values["category_type"] != ""]
    assert len(deciles) == 60
    assert set(deciles["area_code"]) == {"E92000001"}
    assert result.values["lower_ci998"].isna().all()


@pytest.mark.parametrize(
    ("label", "code", "expected"),
    [
        ("Country", "E92000001", "country"),
        ("England", "E92000001", "country"),
        ("Region", "E12000005", "region"),
        ("County & UA", "E08000031", "county_ua"),
        ("UA", "E08000031", "county_ua"),
        ("Counties & UAs (from Apr 2021)", "E10000028", "county_ua"),
        ("Upper tier local authorities (4/21-3/23)", "E10000028", "county_ua"),
        ("District", "E07000196", "district"),
        ("Districts & UAs (from Apr 2021)", "E07000196", "district"),
        ("Something new", "E07000196", "district"),
        ("Something new", "X99", "other"),
    ],
)
def test_fingertips_area_types(label: str, code: str, expected: str) -> None:
    assert fingertips_area_type(label, code) == expected


def test_underscore_export_maps_england_area_type_and_keeps_99_8_limits() -> None:
    result = read_fingertips(CYP_MENTAL_HEALTH)
    assert fingertips_area_type("England", "E92000001") == "country"
    self_harm = result.values[
        (result.values["indicator_id"] == "90813") & (result.values["area_code"] == WOLVERHAMPTON)
    ]
    assert self_harm[["value", "lower_ci998", "upper_ci998"]].round(2).iloc[0].tolist() == [518.98, 421.52, 631.14]
    assert self_harm["source_compared_to_england"].iloc[0] == "Higher"


def test_suicide_export_sexes_and_periods() -> None:
    values = read_fingertips(SUICIDE).values
    assert set(values["sex"]) == {"Male", "Persons"}
    assert set(values["period"]) == {"2015 - 17", "2013 - 17", "2012 - 14"}


def test_indicator_metadata_comes_from_the_metadata_file_when_given() -> None:
    metadata = load_indicator_metadata()
    assert metadata is not None
    with_metadata = read_fingertips(CAMPYLOBACTER, metadata=metadata).indicators.iloc[0]
    assert (with_metadata["polarity"], with_metadata["value_type"], with_metadata["multiplier"]) == (
        "low_is_good",
        "crude_rate",
        100000.0,
    )
    minimal = read_fingertips(CAMPYLOBACTER).indicators.iloc[0]
    assert (minimal["name"], minimal["polarity"], minimal["topic"]) == (
        "Campylobacter incidence rate/100,000",
        "",  # not known: the export does not say
        "health",
    )


def test_same_result_from_a_file_object_and_in_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = read_fingertips(CAMPYLOBACTER).values
    monkeypatch.setattr(reading, "CHUNK_ROWS", 100)
    from_object = read_fingertips(io.BytesIO(CAMPYLOBACTER.read_bytes())).values
    pd.testing.assert_frame_equal(from_object, expected)


def test_progress_is_reported_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "CHUNK_ROWS", 200)
    calls: list[tuple[int, int]] = []
    read_fingertips(CAMPYLOBACTER, progress=lambda done, total: calls.append((done, total)))
    size = CAMPYLOBACTER.stat().st_size
    assert len(calls) >= 5
    assert calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_text_in_value_is_reported_at_its_spreadsheet_row(tmp_path: Path) -> None:
    # Each name spans two physical lines, so record 3 starts on line 6 but is spreadsheet row 4.
    rows = [native_row(period="2015"), native_row(period="2016"), native_row(period="2017", value="abc")]
    result = read_fingertips(write_csv(tmp_path / "bad.csv", NATIVE_HEADER, rows))
    assert result.errors == [RowError(4, "Value", "Value must be a number, not 'abc'")]
    assert len(result.values) == 3


def test_duplicates_unknown_areas_and_bad_limits_are_reported_by_row(tmp_path: Path) -> None:
    rows = [
        native_row(),
        native_row(area_code="E08000030"),
        native_row(),
        native_row(period="2017", value="80", upper_ci95="75.6"),
    ]
    result = read_fingertips(write_csv(tmp_path / "bad.csv", NATIVE_HEADER, rows), known_area_codes={WOLVERHAMPTON})
    assert [(e.row, e.column) for e in result.errors] == [
        (2, None),
        (3, "Area Code"),
        (4, None),
        (5, "Upper CI 95.0 limit"),
    ]
    assert "rows 2, 4" in result.errors[0].message


def test_wrong_headers_name_the_missing_and_unexpected_columns(tmp_path: Path) -> None:
    header = [c for c in NATIVE_HEADER if c != "Area Code"] + ["Colour"]
    result = read_fingertips(write_csv(tmp_path / "bad.csv", header, []))
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row == 0
    assert "missing columns: Area Code" in error.message
    assert "unexpected columns: Colour" in error.message


def test_underscore_header_mistakes_are_reported_against_the_underscore_names(tmp_path: Path) -> None:
    header = [c for c in UNDERSCORE_COLUMNS.values() if c != "AreaCode"]
    result = read_fingertips(write_csv(tmp_path / "bad.csv", header, []))
    assert "missing columns: AreaCode" in result.errors[0].message


def test_empty_binary_and_cp1252_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read_fingertips(empty).errors == [RowError(0, None, "The file is empty.")]
    binary = tmp_path / "binary.csv"
    binary.write_bytes(random.Random(1).randbytes(1_000_000))
    assert read_fingertips(binary).errors[0].row == 0
    utf8 = write_csv(tmp_path / "utf8.csv", NATIVE_HEADER, [native_row(area_name="Café £")])
    cp1252 = tmp_path / "cp1252.csv"
    cp1252.write_bytes(utf8.read_bytes().decode("utf-8").encode("cp1252"))
    result = read_fingertips(cp1252)
    assert result.ok, result.errors
    assert result.areas.loc[0, "name"] == "Café £"


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    result = read_fingertips(write_csv(tmp_path / "header.csv", NATIVE_HEADER, []))
    assert result.ok
    assert result.values.empty


def test_blank_lines_are_skipped_but_still_counted(tmp_path: Path) -> None:
    rows = [native_row(indicator_name="Name"), native_row(indicator_name="Name", period="2017", value="x")]
    text = write_csv(tmp_path / "rows.csv", NATIVE_HEADER, rows).read_bytes()
    header, first, second = text.split(b"\r\n", 2)
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n".join([header, first, b"", second]))
    result = read_fingertips(path)
    assert result.errors == [RowError(4, "Value", "Value must be a number, not 'x'")]
    assert len(result.values) == 2


def test_infer_polarity_matches_the_export_words_without_exception() -> None:
    values = pd.concat([read_fingertips(p).values for p in FINGERTIPS_EXPORTS], ignore_index=True)
    polarity = infer_polarity(values)
    assert polarity["93356"] == "low_is_good"
    assert polarity["90813"] == "no_judgement"
    england = values[values["area_code"] == "E92000001"].set_index(["indicator_id", "period", "sex", "age"])["value"]
    judged = values[values["source_compared_to_england"].isin(["Better", "Worse"])]
    bench = england[~england.index.duplicated()].reindex(
        pd.MultiIndex.from_frame(judged[["indicator_id", "period", "sex", "age"]])
    )
    above = judged["value"].to_numpy() > bench.to_numpy()
    better = (judged["source_compared_to_england"] == "Better").to_numpy()
    assert (above != better).all()  # Campylobacter: every "Better" is below England, every "Worse" above


@pytest.mark.parametrize(
    ("name", "rows", "indicator", "sexes", "age", "wolverhampton_rows"),
    [
        ("life_expectancy", 5516, "90366", {"Male", "Female"}, "All ages", 18),
        ("adults_smoking", 4587, "92443", {"Persons"}, "18+ yrs", 14),
        ("inequality_life_expectancy", 4752, "92901", {"Male", "Female"}, "All ages", 16),
    ],
)
def test_reads_trafford_processed_files(
    name: str, rows: int, indicator: str, sexes: set[str], age: str, wolverhampton_rows: int
) -> None:
    result = read_trafford_processed(FINGERTIPS / "processed_trafford_datalab" / f"{name}.csv")
    assert result.ok, result.errors[:5]
    assert result.format == "trafford"
    assert len(result.values) == rows
    assert set(result.values["indicator_id"]) == {indicator}
    assert set(result.values["sex"]) == sexes
    assert set(result.values["age"]) == {age}
    assert (result.values["area_code"] == WOLVERHAMPTON).sum() == wolverhampton_rows
    assert result.values[["lower_ci95", "upper_ci95"]].isna().all().all()
    assert result.areas.set_index("code").loc[WOLVERHAMPTON, "area_type"] == "county_ua"


def test_trafford_keeps_source_comparison_and_missing_values() -> None:
    result = read_trafford_processed(FINGERTIPS / "processed_trafford_datalab" / "adults_smoking.csv")
    assert {"Better", "Similar", "Worse", "Not compared"} <= set(result.values["source_compared_to_england"])
    assert result.values["value"].isna().sum() == 75  # "NA" in the file
    assert not result.values["suppressed"].any()


def test_trafford_wrong_header(tmp_path: Path) -> None:
    result = read_trafford_processed(write_csv(tmp_path / "bad.csv", ["area_code", "value"], [["E08000031", "1"]]))
    assert result.errors[0].row == 0
    assert "missing columns: area_name" in result.errors[0].message
