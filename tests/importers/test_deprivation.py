"""Indices of Deprivation: IMD 2019 by LSOA, the derived ward scores, and the LAD summaries for 2019 and 2025."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.importers.boundaries import read_geojson_boundaries
from portal.importers.deprivation import domain_slug, read_imd_lsoa, read_imd_ward, read_iod_lad
from tests.importers import DATA, WARDS, WOLVERHAMPTON, write_csv

DEPRIVATION = DATA / "deprivation"
LSOAS = {
    b.code for b in read_geojson_boundaries(DATA / "geography/wolverhampton_lsoa_2011.geojson", "LSOA11CD", "LSOA11NM")
}


def test_imd_lsoa_for_wolverhampton() -> None:
    result = read_imd_lsoa(DEPRIVATION / "imd2019_england_lsoa11_deciles_ranks.csv", LSOAS)
    assert result.ok, result.errors[:5]
    assert len(LSOAS) == 158
    assert len(result.values) == 316
    assert set(result.values["indicator_id"]) == {"imd2019-decile", "imd2019-rank"}
    assert set(result.values["area_code"]) == LSOAS
    assert set(result.values["category_type"]) == {""}
    assert set(result.areas["area_type"]) == {"lsoa"}
    deciles = result.values[result.values["indicator_id"] == "imd2019-decile"]["value"]
    assert deciles.between(1, 10).all()
    assert dict(zip(result.indicators["indicator_id"], result.indicators["value_type"], strict=True)) == {
        "imd2019-decile": "decile",
        "imd2019-rank": "rank",
    }


def test_imd_ward_is_derived() -> None:
    result = read_imd_ward(DEPRIVATION / "imd2019_england_ward19_aggregated_humaniverse.csv", WARDS)
    assert result.ok
    assert len(result.values) == 20
    assert result.values["derived"].all()
    assert "population-weighted" in result.values["value_note"].iloc[0]
    assert "humaniverse" in result.values["value_note"].iloc[0]
    assert result.values.set_index("area_code").loc["E05001321", "value"] == pytest.approx(46.1433, abs=1e-4)


@pytest.mark.parametrize(
    ("name", "year", "districts", "imd_rank"),
    [("iod2019_lad_all_domains_long.csv", 2019, 317, 24), ("iod2025_lad24_all_domains_long.csv", 2025, 296, 23)],
)
def test_iod_lad(name: str, year: int, districts: int, imd_rank: int) -> None:
    result = read_iod_lad(DEPRIVATION / name, year)
    assert result.ok, result.errors[:5]
    assert len(result.values) == districts * 10 * 2
    assert len(result.indicators) == 20
    assert set(result.values["period"]) == {str(year)}
    wolverhampton = result.values[result.values["area_code"] == WOLVERHAMPTON].set_index("indicator_id")
    assert len(wolverhampton) == 20
    assert wolverhampton.loc[f"iod{year}-imd-rank-average-score", "value"] == imd_rank
    assert f"out of {districts}" in wolverhampton.loc[f"iod{year}-imd-rank-average-score", "value_note"]
    kinds = result.indicators.set_index("indicator_id")
    assert kinds.loc[f"iod{year}-income-average-score", ["value_type", "polarity"]].tolist() == ["score", "low_is_good"]
    assert kinds.loc[f"iod{year}-income-rank-average-score", ["value_type", "polarity"]].tolist() == [
        "rank",
        "high_is_good",
    ]


def test_iod_year_is_checked_and_inferred() -> None:
    path = DEPRIVATION / "iod2019_lad_all_domains_long.csv"
    wrong = read_iod_lad(path, 2025)
    assert [(e.row, e.message) for e in wrong.errors] == [(0, "This file is for 2019, not 2025.")]
    assert set(read_iod_lad(path).values["period"]) == {"2019"}


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Income Deprivation", "income"),
        ("Health and Disability", "health"),
        ("Health Deprivation and Disability", "health"),
        ("Living Environment Deprivation", "living-environment"),
        ("Income Deprivation Affecting Older People", "idaopi"),
        ("Index of Multiple Deprivation", "imd"),
    ],
)
def test_domain_names_of_both_editions(name: str, slug: str) -> None:
    assert domain_slug(name) == slug


def test_bad_rows_are_reported(tmp_path: Path) -> None:
    header = ["lsoa_code", "IMD_decile", "IMD_rank"]
    path = write_csv(tmp_path / "imd.csv", header, [["E01010410", "3", "9000"], ["E01010411", "three", "9001"]])
    result = read_imd_lsoa(path, None)
    assert [(e.row, e.column) for e in result.errors] == [(3, "IMD_decile")]
    missing = read_imd_lsoa(write_csv(tmp_path / "bad.csv", ["lsoa_code"], [["E01010410"]]), None)
    assert missing.errors[0].row == 0 and "IMD_decile" in missing.errors[0].message
