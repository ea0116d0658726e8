"""ONS population estimates: the mid-2022 workbook and mid-2019 LSOA totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from portal.importers.base import ImportResult, RowError
from portal.importers.boundaries import read_geojson_boundaries
from portal.importers.population import population_pyramid, read_lsoa_population, read_mye_single_year
from tests.importers import DATA, WOLVERHAMPTON, write_csv

MYE = DATA / "population" / "ons_mye_uk_mid2022_mye22final.xlsx"
LSOA_POPULATION = DATA / "population" / "ons_lsoa_population_mid2019_via_mysociety.csv"


@pytest.fixture(scope="module")
def mye() -> ImportResult:
    """The workbook is slow to open (a few seconds), so it is read once for these tests."""
    return read_mye_single_year(MYE)


def test_mye_covers_england_regions_and_local_authorities(mye: ImportResult) -> None:
    assert mye.ok, mye.errors[:5]
    values = mye.values
    assert set(values["indicator_id"]) == {"ons-mye-2022-population"}
    assert set(values["period"]) == {"2022"}
    # 1 + 9 + 317 English areas, 3 sexes, 91 single ages plus "All ages".
    assert values["area_code"].nunique() == 327
    assert len(values) == 327 * 3 * 92
    ages = values.loc[values["area_code"] == WOLVERHAMPTON, "age"]
    assert {"0", "45", "89", "90+", "All ages"} <= set(ages)


def test_mye_persons_and_totals_are_sums(mye: ImportResult) -> None:
    values = mye.values.set_index(["area_code", "sex", "age"])["value"]
    male, female = values[(WOLVERHAMPTON, "Male", "All ages")], values[(WOLVERHAMPTON, "Female", "All ages")]
    assert values[(WOLVERHAMPTON, "Persons", "All ages")] == male + female == 267651
    assert values[("E92000001", "Persons", "All ages")] == 57106398
    assert values[(WOLVERHAMPTON, "Male", "0")] == 1763
    derived = mye.values[mye.values["derived"]]
    assert set(derived["sex"]) | set(derived["age"]) >= {"Persons", "All ages"}
    assert not mye.values[(mye.values["sex"] != "Persons") & (mye.values["age"] != "All ages")]["derived"].any()


def test_population_pyramid(mye: ImportResult) -> None:
    pyramid = population_pyramid(mye.values, WOLVERHAMPTON)
    assert list(pyramid.columns) == ["age", "sex", "population"]
    assert pyramid["age"].dtype == "int64"
    assert len(pyramid) == 91 * 2
    assert pyramid["age"].max() == 90
    assert pyramid["population"].sum() == 267651


def test_mye_rejects_a_file_that_is_not_the_workbook(tmp_path: Path) -> None:
    csv = tmp_path / "not.xlsx"
    csv.write_text("code,name\nE08000031,Wolverhampton\n")
    assert read_mye_single_year(csv).errors == [
        RowError(0, None, "The file is not the ONS mid-2022 population workbook (an .xlsx with a MYEB1 sheet).")
    ]
    workbook = tmp_path / "other.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(workbook, sheet_name="Other", index=False)
    assert read_mye_single_year(workbook).errors == [RowError(0, None, "The workbook has no MYEB1 sheet.")]


def test_lsoa_population_bom_and_thousands() -> None:
    lsoas = {
        b.code
        for b in read_geojson_boundaries(DATA / "geography/wolverhampton_lsoa_2011.geojson", "LSOA11CD", "LSOA11NM")
    }
    result = read_lsoa_population(LSOA_POPULATION, lsoas)
    assert result.ok, result.errors[:5]
    assert len(result.values) == 158
    assert set(result.values["area_code"]) == lsoas
    everything = read_lsoa_population(LSOA_POPULATION, None)
    assert len(everything.values) == 42620
    assert everything.values.set_index("area_code").loc["E01011949", "value"] == 1954  # "1,954"


def test_lsoa_population_bad_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "pop.csv", ["lsoa", "pop"], [["E01010410", "1,500"], ["E01010411", "many"]])
    result = read_lsoa_population(path, None)
    assert result.errors == [RowError(3, "pop", "pop must be a number, not 'many'")]
