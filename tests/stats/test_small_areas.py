"""Ward aggregates checked against sums worked out by hand from the source files (with the csv module, not the
portal's readers), for wards chosen to cover a split 2021 LSOA, suppressed house prices and a straddling LSOA."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterator

import pandas as pd
import pytest

from portal.importers.lsoa_wards import read_shipped_lookup
from portal.importers.small_areas import (
    AGE_LSOA,
    HOUSE_PRICES,
    IMD_LSOA,
    TENURE_LSOA,
    data_path,
    read_census_age,
    read_census_tenure,
    read_house_prices,
    read_imd_domains,
)
from portal.stats.small_areas import (
    AGE_BANDS,
    AgeStructure,
    DeprivationCount,
    TenureMix,
    median_house_price,
    ward_profiles,
)

# Bushbury South and Low Hill holds a split LSOA (006A -> 006E/F) and three LSOAs whose house price ONS suppressed;
# Heath Town and St Peter's share the parts of 020F; Wednesfield North and Bilston East are ordinary wards.
WARDS_CHECKED = ["E05001325", "E05001330", "E05001335", "E05001339", "E05001321"]


def _rows(path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return read_shipped_lookup()


@pytest.fixture(scope="module")
def profiles(lookup: pd.DataFrame):
    codes_2021 = set(lookup.loc[lookup["vintage"] == 2021, "lsoa_code"])
    codes_2011 = set(lookup.loc[lookup["vintage"] == 2011, "lsoa_code"])
    lsoa2021 = read_census_age(data_path(AGE_LSOA), codes_2021).join(
        read_census_tenure(data_path(TENURE_LSOA), codes_2021).drop(columns="name")
    )
    lsoa2011 = read_imd_domains(data_path(IMD_LSOA), codes_2011).join(
        read_house_prices(data_path(HOUSE_PRICES), codes_2011).drop(columns="name")
    )
    return ward_profiles(lookup, lsoa2021, lsoa2011)


def _members(lookup: pd.DataFrame, ward: str, vintage: int) -> set[str]:
    rows = lookup[(lookup["ward_code"] == ward) & (lookup["vintage"] == vintage)]
    return set(rows["lsoa_code"])


@pytest.mark.parametrize("ward", WARDS_CHECKED)
def test_population_and_age_bands_match_the_census_file(lookup: pd.DataFrame, profiles, ward: str) -> None:
    members = _members(lookup, ward, 2021)
    total = under_15 = over_65 = 0
    band_0_4 = 0
    for row in _rows(data_path(AGE_LSOA)):
        if row["geography code"] in members:
            total += int(row["Age: Total"])
            band_0_4 += int(row["Age: Aged 4 years and under"])
            under_15 += sum(
                int(row[c])
                for c in ("Age: Aged 4 years and under", "Age: Aged 5 to 9 years", "Age: Aged 10 to 14 years")
            )
            over_65 += sum(int(row[f"Age: Aged {a} to {a + 4} years"]) for a in (65, 70, 75, 80))
            over_65 += int(row["Age: Aged 85 years and over"])
    profile = profiles[ward]
    assert profile.population == total
    assert profile.lsoas_2021 == len(members)
    assert profile.age.band_shares()["0-4"] == pytest.approx(band_0_4 / total * 100)
    assert profile.age.group_share("under_15") == pytest.approx(under_15 / total * 100)
    assert profile.age.group_share("65_plus") == pytest.approx(over_65 / total * 100)
    assert sum(profile.age.band_shares().values()) == pytest.approx(100)


@pytest.mark.parametrize("ward", WARDS_CHECKED)
def test_tenure_shares_match_the_census_file(lookup: pd.DataFrame, profiles, ward: str) -> None:
    members = _members(lookup, ward, 2021)
    prefix = "Tenure of household: "
    households = owned = social = private = 0
    for row in _rows(data_path(TENURE_LSOA)):
        if row["geography code"] in members:
            households += int(row[prefix + "Total: All households"])
            owned += int(row[prefix + "Owned"])  # the file's own subtotal: outright plus mortgage
            social += int(row[prefix + "Social rented"])
            private += int(row[prefix + "Private rented"])
    tenure = profiles[ward].tenure
    assert tenure.households == households
    assert tenure.group_share("owned") == pytest.approx(owned / households * 100)
    assert tenure.group_share("social_rented") == pytest.approx(social / households * 100)
    assert tenure.group_share("private_rented") == pytest.approx(private / households * 100)


@pytest.mark.parametrize("ward", WARDS_CHECKED)
def test_deprivation_shares_match_the_imd_file(lookup: pd.DataFrame, profiles, ward: str) -> None:
    members = _members(lookup, ward, 2011)
    rows = [r for r in _rows(data_path(IMD_LSOA)) if r["lsoa_code"] in members]
    assert len(rows) == len(members)
    for slug, column in (
        ("imd", "IMD_decile"),
        ("income", "Income_decile"),
        ("living_environment", "Environment_decile"),
    ):
        worst_10 = sum(1 for r in rows if int(r[column]) == 1)
        worst_20 = sum(1 for r in rows if int(r[column]) <= 2)
        counted = profiles[ward].deprivation[slug]
        assert (counted.lsoas, counted.most_deprived_10, counted.most_deprived_20) == (len(rows), worst_10, worst_20)
        assert counted.share_20 == pytest.approx(worst_20 / len(rows) * 100)


@pytest.mark.parametrize("ward", WARDS_CHECKED)
def test_house_price_is_the_median_of_published_lsoa_medians(lookup: pd.DataFrame, profiles, ward: str) -> None:
    members = _members(lookup, ward, 2011)
    prices = [r["houseprice"] for r in _rows(data_path(HOUSE_PRICES)) if r["LSOAcode"] in members]
    published = [float(p.replace(",", "")) for p in prices if p.strip() != ":"]
    price = profiles[ward].house_price
    assert price.median == statistics.median(published)
    assert (price.lsoas_with_price, price.lsoas_suppressed) == (len(published), len(prices) - len(published))


def test_a_suppressed_price_is_left_out_not_counted_as_zero(profiles) -> None:
    assert any(p.house_price.lsoas_suppressed for p in profiles.values())
    assert median_house_price([100.0, None, float("nan"), 300.0]).median == 200.0
    assert median_house_price([None]).median is None


def test_shares_of_an_empty_area_are_missing_not_zero() -> None:
    assert AgeStructure({band: 0 for band in AGE_BANDS}).group_share("under_15") is None
    assert TenureMix({}).group_share("owned") is None
    assert DeprivationCount(0, 0, 0).share_10 is None
