"""The FORMATS registry (the CLI's --format names) and detect_format."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.importers import FORMATS, detect_format
from portal.importers.base import ImportResult
from tests.importers import DATA, write_csv

CONTRACT_NAMES = {
    "fingertips",
    "generic",
    "trafford",
    "dfe-cin",
    "dfe-cla",
    "ons-subnational",
    "imd-lsoa",
    "imd-ward",
    "iod-lad",
    "mye",
    "house-prices",
}
SHIPPED = {
    "fingertips/fingertips_campylobacter_93356_countyua_2015-2017.csv": "fingertips",
    "fingertips/fingertips_cyp_mental_health_west_midlands_countyua.csv": "fingertips",
    "fingertips/fingertips_suicide_west_midlands_countyua.csv": "fingertips",
    "fingertips/fingertips_cervical_screening_93560_25-49_all_areas.csv": "fingertips",
    "fingertips/fingertips_ui_compare_areas_chd_admissions_90988.csv": "fingertips",
    "fingertips/processed_trafford_datalab/life_expectancy.csv": "trafford",
    "childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv": "dfe-cin",
    "childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv": "dfe-cla",
    "ons_indicators/ons_subnational_indicators_machine_readable.csv": "ons-subnational",
    "deprivation/imd2019_england_lsoa11_deciles_ranks.csv": "imd-lsoa",
    "deprivation/imd2019_england_ward19_aggregated_humaniverse.csv": "imd-ward",
    "deprivation/iod2019_lad_all_domains_long.csv": "iod-lad",
    "deprivation/iod2025_lad24_all_domains_long.csv": "iod-lad",
    "population/ons_mye_uk_mid2022_mye22final.xlsx": "mye",
    "population/ons_lsoa_population_mid2019_via_mysociety.csv": "lsoa-population",
    "house_prices/ons_median_house_price_lsoa_ew.csv": "house-prices",
}


def test_registry_has_the_cli_names() -> None:
    assert set(FORMATS) >= CONTRACT_NAMES
    assert all(callable(reader) for reader in FORMATS.values())


@pytest.mark.parametrize(("name", "expected"), SHIPPED.items())
def test_detect_format_of_shipped_files(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "fingertips/fingertips_suicide_west_midlands_countyua.csv",
        "deprivation/iod2025_lad24_all_domains_long.csv",
        "childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv",
    ],
)
def test_every_reader_runs_with_only_a_path(name: str) -> None:
    result = FORMATS[SHIPPED[name]](DATA / name)
    assert isinstance(result, ImportResult)
    assert result.ok


def test_detect_format_of_generic_and_unknown_files(tmp_path: Path) -> None:
    generic = write_csv(tmp_path / "local.csv", ["Indicator ID", "Area Code", "Period", "Value"], [])
    assert detect_format(generic) == "generic"
    assert detect_format(write_csv(tmp_path / "other.csv", ["a", "b"], [["1", "2"]])) is None
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 10)
    assert detect_format(binary) is None
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert detect_format(empty) is None
    assert detect_format(DATA / "lookups" / "uk_local_authorities_mysociety.csv") is None
