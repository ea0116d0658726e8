"""The LSOA → ward best-fit lookup: built from the boundaries, shipped, complete, and adding up to the city."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pandas as pd
import pytest
from shapely.geometry import box

from portal.importers.base import FileProblem
from portal.importers.lsoa_wards import (
    LARGEST_OVERLAP,
    SPLIT_ONS_BEST_FIT,
    SPLIT_PARENT_WARD,
    UNCHANGED_CODE,
    Polygon,
    build_home_lookup,
    build_lookup,
    coverage,
    read_shipped_lookup,
    split_parent,
)
from tests.importers import DATA, WARDS, WOLVERHAMPTON

AGE_LSOA = DATA / "census2021" / "census2021-ts007a-lsoa.csv"
AGE_LTLA = DATA / "census2021" / "census2021-ts007a-ltla.csv"
POPULATION_2019 = DATA / "population" / "ons_lsoa_population_mid2019_via_mysociety.csv"
ONS_LOOKUP = DATA / "lookups" / "ons_lsoa21_ward22_lad22_lookup_ew_v3.csv"


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return read_shipped_lookup()


def _csv_rows(path, **options):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle, **options)


def test_the_shipped_lookup_is_what_the_boundaries_give_today(lookup: pd.DataFrame) -> None:
    rebuilt = build_home_lookup(WOLVERHAMPTON)
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), lookup.reset_index(drop=True), check_dtype=False)


def test_every_lsoa_lands_in_exactly_one_of_the_twenty_wards(lookup: pd.DataFrame) -> None:
    ons_2021 = {r["LSOA21CD"] for r in _csv_rows(ONS_LOOKUP) if r["LAD22CD"] == WOLVERHAMPTON}
    with open(DATA / "geography" / "wolverhampton_lsoa_2011.geojson", encoding="utf-8") as handle:
        boundaries_2011 = {f["properties"]["LSOA11CD"] for f in json.load(handle)["features"]}
    for vintage, expected in ((2011, boundaries_2011), (2021, ons_2021)):
        rows = lookup[lookup["vintage"] == vintage]
        counts = Counter(rows["lsoa_code"])
        assert set(counts) == expected, vintage
        assert set(counts.values()) == {1}, f"an LSOA ({vintage}) is in more than one ward"
        assert set(rows["ward_code"]) == WARDS
        assert rows["ward_name"].ne("").all()
    assert len(boundaries_2011) == 158 and len(ons_2021) == 161


def test_ward_populations_sum_to_the_city(lookup: pd.DataFrame) -> None:
    ward_of = {r.lsoa_code: r.ward_code for r in lookup[lookup["vintage"] == 2021].itertuples()}
    by_ward: Counter[str] = Counter()
    city_lsoas = 0
    for row in _csv_rows(AGE_LSOA):
        if row["geography code"] in ward_of:
            by_ward[ward_of[row["geography code"]]] += int(row["Age: Total"])
            city_lsoas += int(row["Age: Total"])
    published = next(int(r["Age: Total"]) for r in _csv_rows(AGE_LTLA) if r["geography code"] == WOLVERHAMPTON)
    assert len(by_ward) == 20
    assert sum(by_ward.values()) == city_lsoas
    # ONS perturbs small-area census counts slightly, so LSOAs add up to the published city total within 0.01%.
    assert abs(city_lsoas - published) / published < 0.0001

    ward_of_2011 = {r.lsoa_code: r.ward_code for r in lookup[lookup["vintage"] == 2011].itertuples()}
    mid_2019 = {
        r["lsoa"]: int(r["pop"].replace(",", "")) for r in _csv_rows(POPULATION_2019) if r["lsoa"] in ward_of_2011
    }
    by_ward_2019: Counter[str] = Counter()
    for code, people in mid_2019.items():
        by_ward_2019[ward_of_2011[code]] += people
    assert len(mid_2019) == 158 and sum(by_ward_2019.values()) == sum(mid_2019.values())


def test_methods_and_agreement_with_the_ons_best_fit(lookup: pd.DataFrame) -> None:
    stats = coverage(lookup)
    assert stats["methods_2011"] == {LARGEST_OVERLAP: 158}
    assert stats["methods_2021"] == {SPLIT_ONS_BEST_FIT: 6, UNCHANGED_CODE: 155}
    # Where the overlay and ONS's population-weighted best fit disagree, the LSOA genuinely straddles wards.
    unchanged = lookup[(lookup["vintage"] == 2011) & (lookup["ons_ward_code"] != "")]
    disagreeing = unchanged[unchanged["ward_code"] != unchanged["ons_ward_code"]]
    assert len(disagreeing) <= 5
    assert (disagreeing["overlap_share"] < 0.75).all()
    # Split parts point at a vanished 2011 LSOA of the same MSOA.
    parts = lookup[lookup["method"] == SPLIT_ONS_BEST_FIT]
    names_2011 = dict(zip(lookup["lsoa_code"], lookup["lsoa_name"], strict=False))
    for part in parts.itertuples():
        assert part.parent_lsoa11_code not in set(lookup.loc[lookup["vintage"] == 2021, "lsoa_code"])
        assert names_2011[part.parent_lsoa11_code][:-1] == part.lsoa_name[:-1]


def test_split_parent_is_the_only_vanished_lsoa_of_the_same_msoa() -> None:
    vanished = {"E1": "Town 006A", "E2": "Town 020F", "E3": "Town 021A", "E4": "Town 021B"}
    assert split_parent("Town 006E", vanished) == "E1"
    assert split_parent("Town 020H", vanished) == "E2"
    assert split_parent("Town 021C", vanished) is None  # two candidates: a merge or a redraw, not a clean split
    assert split_parent("Town 099A", vanished) is None


def _ward(code: str, x0: float, x1: float) -> Polygon:
    return Polygon(code, f"Ward {code}", box(x0, 0, x1, 10))


def test_largest_overlap_and_the_rule_for_split_parts() -> None:
    wards = [_ward("W1", 0, 10), _ward("W2", 10, 20)]
    lsoas = [
        Polygon("L1", "Town 001A", box(2, 2, 12, 4)),  # 80% in W1
        Polygon("L2", "Town 002A", box(11, 2, 19, 4)),  # all in W2 (vanishes: split into two parts)
        Polygon("L3", "Town 003A", box(1, 1, 3, 3)),  # all in W1 (vanishes: split into two parts)
    ]
    ons = pd.DataFrame(
        {
            "lsoa_code": ["L1", "N1", "N2", "N3", "N4"],
            "lsoa_name": ["Town 001A", "Town 002B", "Town 002C", "Town 003B", "Town 003C"],
            "ward_code": ["W2", "W2", "W2", "W1", "W2"],
            "ward_name": ["", "", "", "", ""],
        }
    )
    built = build_lookup(lsoas, wards, ons).set_index(["vintage", "lsoa_code"])
    assert built.loc[(2011, "L1"), "ward_code"] == "W1"
    assert built.loc[(2011, "L1"), "overlap_share"] == pytest.approx(0.8)
    assert built.loc[(2021, "L1"), ["ward_code", "method"]].tolist() == ["W1", UNCHANGED_CODE]
    assert built.loc[(2021, "N1"), ["ward_code", "method", "parent_lsoa11_code"]].tolist() == [
        "W2",
        SPLIT_ONS_BEST_FIT,
        "L2",
    ]
    assert built.loc[(2021, "N3"), ["ward_code", "method"]].tolist() == ["W1", SPLIT_ONS_BEST_FIT]
    # ONS puts N4 in W2, which its parent L3 does not touch: the part keeps its parent's ward.
    assert built.loc[(2021, "N4"), ["ward_code", "method"]].tolist() == ["W1", SPLIT_PARENT_WARD]


def test_a_new_code_without_an_identifiable_parent_is_refused() -> None:
    wards = [_ward("W1", 0, 10)]
    ons = pd.DataFrame({"lsoa_code": ["N9"], "lsoa_name": ["Town 009A"], "ward_code": ["W1"], "ward_name": [""]})
    with pytest.raises(FileProblem, match="parent cannot be identified"):
        build_lookup([Polygon("L1", "Town 001A", box(1, 1, 2, 2))], wards, ons)
