"""The ONS subnational indicators download (cp1252, preamble, thousands separators, compact periods)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from portal.importers.base import RowError
from portal.importers.ons_indicators import INDICATORS, ons_period, read_ons_subnational
from tests.importers import DATA, WOLVERHAMPTON

ONS = DATA / "ons_indicators" / "ons_subnational_indicators_machine_readable.csv"
METADATA = DATA / "ons_indicators" / "ons_subnational_indicators_metadata.csv"
PREAMBLE = "There may be some discrepancies\r\n\r\n"
HEADER = "AREACD,AREANM,Geography,Indicator,Category,Period,Measure,Unit,Value,MAD\r\n"


def test_reads_the_real_file() -> None:
    result = read_ons_subnational(ONS, METADATA)
    assert result.ok, result.errors[:5]
    values = result.values
    assert set(values["area_code"].str[:3]) == {"E06", "E07", "E08", "E09", "E10", "E12", "E92"}
    assert len(result.indicators) == 33  # the 36 indicators less three with no English LA, region or England rows
    assert (values["area_code"] == WOLVERHAMPTON).sum() == 32
    hle = values[
        (values["indicator_id"] == "ons-healthy-life-expectancy-male") & (values["area_code"] == WOLVERHAMPTON)
    ]
    assert hle[["period", "period_sortable", "sex", "value"]].iloc[0].tolist() == ["2018-2020", 20180000, "Male", 60.04]


def test_cp1252_thousands_and_missing_values() -> None:
    result = read_ons_subnational(ONS, METADATA)
    england = result.values.set_index(["indicator_id", "area_code"])
    assert england.loc[("ons-net-additions-housing-stock", "E92000001"), "value"] == 216489  # "216,489" in the file
    assert result.indicators.set_index("indicator_id").loc["ons-gva-per-hour-worked", "unit"] == "£"
    missing = result.values[result.values["value"].isna()]
    assert len(missing) == 11 and not missing["suppressed"].any()  # "NA" is missing, not suppressed


def test_polarity_comes_from_the_metadata_file() -> None:
    polarity = read_ons_subnational(ONS, METADATA).indicators.set_index("indicator_id")["polarity"]
    assert polarity["ons-adult-smoking-prevalence"] == "low_is_good"  # "Negative"
    assert polarity["ons-wellbeing-anxiety"] == "low_is_good"
    assert polarity["ons-healthy-life-expectancy-female"] == "high_is_good"  # blank


def test_mislabelled_duplicate_row_is_dropped() -> None:
    values = read_ons_subnational(ONS, METADATA).values
    fe = values[(values["indicator_id"] == "ons-fe-skills-achievements") & (values["area_code"] == "E06000062")]
    assert fe["value"].tolist() == [5540]  # the row naming E06000062 "Buckinghamshire" (5210) is left out


def test_every_download_title_is_mapped_to_a_metadata_worksheet() -> None:
    metadata = pd.read_csv(METADATA, encoding="utf-8-sig", dtype=str)
    assert {spec.worksheet for spec in INDICATORS.values()} <= set(metadata["Worksheet"])
    assert len({spec.indicator_id for spec in INDICATORS.values()}) == len(INDICATORS)


def test_bad_value_is_reported_at_its_row_after_the_preamble(tmp_path: Path) -> None:
    path = tmp_path / "ons.csv"
    rows = (
        "E08000031,Wolverhampton,Metropolitan District,Median Weekly Pay,x,2021,Pounds,£,481.3,0\r\n"
        "E08000030,Walsall,Metropolitan District,Median Weekly Pay,x,2021,Pounds,£,lots,0\r\n"
        "E08000028,Sandwell,Metropolitan District,Median Weekly Pay,x,2021,Pounds,£,:,0\r\n"
    )
    path.write_bytes((PREAMBLE + HEADER + rows).encode("cp1252"))
    result = read_ons_subnational(path, METADATA)
    assert result.errors == [RowError(5, "Value", "Value must be a number, not 'lots'")]
    sandwell = result.values.set_index("area_code").loc["E08000028"]
    assert bool(sandwell["suppressed"]) and pd.isna(sandwell["value"])


def test_wrong_header_and_unknown_indicator(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes((PREAMBLE + "AREACD,Value\r\nE08000031,1\r\n").encode("cp1252"))
    assert "missing columns: AREANM" in read_ons_subnational(bad, METADATA).errors[0].message
    unknown = tmp_path / "unknown.csv"
    unknown.write_bytes((PREAMBLE + HEADER + "E08000031,W,M,Happiness index,x,2021,R,NA,7,0\r\n").encode("cp1252"))
    assert read_ons_subnational(unknown, METADATA).errors == [
        RowError(4, "Indicator", "Indicator 'Happiness index' is not one this reader knows")
    ]


@pytest.mark.parametrize(
    ("period", "label", "sortable"),
    [("2020", "2020", 20200000), ("201820", "2018-2020", 20180000), ("202122", "2021-2022", 20210000)],
)
def test_ons_period(period: str, label: str, sortable: int) -> None:
    labels, sortables = ons_period(pd.Series([period]))
    assert (labels[0], sortables[0]) == (label, sortable)
