"""Boundaries, the LSOA-to-ward lookup and median house prices aggregated to wards."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from portal.importers.base import FileProblem, RowError
from portal.importers.boundaries import (
    Boundary,
    lsoa_to_ward_lookup,
    point_in_polygon,
    read_geojson_boundaries,
    representative_point,
    ring_centroid,
)
from portal.importers.house_prices import read_house_prices_by_ward, wolverhampton_lsoa_to_ward
from portal.models import IndicatorValue
from tests.importers import DATA, WARDS, write_csv

HOUSE_PRICES = DATA / "house_prices" / "ons_median_house_price_lsoa_ew.csv"
SQUARE = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]
HOLE = [(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)]


@pytest.fixture(scope="module")
def lookup() -> dict[str, str]:
    """The shipped LSOA 2011 -> ward 2013 lookup by point in polygon."""
    return wolverhampton_lsoa_to_ward()


def test_point_in_polygon_with_holes_and_multipolygons() -> None:
    assert point_in_polygon((0.5, 0.5), [SQUARE])
    assert not point_in_polygon((5.0, 0.5), [SQUARE])
    assert not point_in_polygon((2.0, 2.0), [SQUARE, HOLE])
    far = [(x + 10, y) for x, y in SQUARE]
    assert point_in_polygon((12.0, 2.0), [SQUARE, far])


def test_centroid_and_representative_point_of_a_concave_shape() -> None:
    assert ring_centroid(SQUARE) == pytest.approx((2.0, 2.0))
    # A U shape: its centroid falls in the gap, so a point on the horizontal line through it is used instead.
    u_shape = [(0, 0), (6, 0), (6, 6), (4, 6), (4, 2), (2, 2), (2, 6), (0, 6), (0, 0)]
    ring = [(float(x), float(y)) for x, y in u_shape]
    assert not point_in_polygon(ring_centroid(ring), [ring])
    assert point_in_polygon(representative_point(Boundary("u", "U", [ring])), [ring])


def test_read_geojson_boundaries_polygon_and_multipolygon() -> None:
    document = (
        b'{"type": "FeatureCollection", "features": ['
        b'{"type": "Feature", "properties": {"CD": "A", "NM": "Alpha"},'
        b' "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},'
        b'{"type": "Feature", "properties": {"CD": "B", "NM": null},'
        b' "geometry": {"type": "MultiPolygon",'
        b' "coordinates": [[[[0,0],[1,0],[1,1],[0,0]]], [[[5,5],[6,5],[6,6],[5,5]]]]}}'
        b"]}"
    )
    boundaries = read_geojson_boundaries(io.BytesIO(document), "CD", "NM")
    assert [(b.code, b.name, len(b.rings)) for b in boundaries] == [("A", "Alpha", 1), ("B", "", 2)]
    with pytest.raises(FileProblem, match="no 'XX' property"):
        read_geojson_boundaries(io.BytesIO(document), "XX", "NM")
    with pytest.raises(FileProblem, match="not valid GeoJSON"):
        read_geojson_boundaries(io.BytesIO(b"\x00\x01"), "CD", "NM")


def test_shipped_boundaries_and_lookup(lookup: dict[str, str]) -> None:
    wards = read_geojson_boundaries(DATA / "geography/wolverhampton_wards_2013.geojson", "WD13CD", "WD13NM")
    assert {w.code for w in wards} == WARDS
    assert len(lookup) == 158
    assert set(lookup.values()) == WARDS
    assert min(Counter(lookup.values()).values()) >= 5  # every ward gets several LSOAs


def test_lookup_uses_nearest_ward_when_no_ward_contains_the_point() -> None:
    lsoa = Boundary("L", "", [[(10.0, 10.0), (11.0, 10.0), (11.0, 11.0), (10.0, 10.0)]])
    near = Boundary("W1", "", [[(8.0, 8.0), (9.0, 8.0), (9.0, 9.0), (8.0, 8.0)]])
    far = Boundary("W2", "", [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]])
    assert lsoa_to_ward_lookup([lsoa], [far, near]) == {"L": "W1"}


def test_house_prices_by_ward(lookup: dict[str, str]) -> None:
    result = read_house_prices_by_ward(HOUSE_PRICES, lookup)
    assert result.ok, result.errors
    lsoa = result.values[result.values["indicator_id"] == "median-house-price-lsoa"]
    ward = result.values[result.values["indicator_id"] == "median-house-price-ward"]
    assert len(lsoa) == 158 and len(ward) == 20
    assert ward["derived"].all() and not lsoa["derived"].any()
    # PostgreSQL refuses a longer period than the column holds (SQLite would store it).
    assert result.values["period"].str.len().max() <= IndicatorValue.__table__.c.period.type.length
    assert set(ward["value_note"]) == {"Derived: median of LSOA medians (reference period not stated by the source)"}
    suppressed = lsoa[lsoa["suppressed"]]
    assert len(suppressed) == 6 and suppressed["value"].isna().all()
    # Each ward's value is the median of its LSOAs' published (unsuppressed) medians.
    by_ward = lsoa.assign(ward=lsoa["area_code"].map(lookup)).groupby("ward")["value"].median()
    pd.testing.assert_series_equal(
        ward.set_index("area_code")["value"], by_ward, check_names=False, check_index_type=False
    )
    assert result.areas.set_index("code").loc["E01010410", "parent_code"] in WARDS


def test_house_prices_bad_rows_and_missing_lsoas(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "prices.csv",
        ["LSOAcode", "LSOAname", "houseprice"],
        [["E01000001", "A", "150,000"], ["E01000002", "B", "dear"], ["E01000003", "C", ":"]],
    )
    lookup = {"E01000001": "W1", "E01000002": "W1", "E01000003": "W2", "E01000004": "W2"}
    result = read_house_prices_by_ward(path, lookup)
    assert result.errors == [
        RowError(0, "LSOAcode", "1 LSOAs in the lookup are not in the file, e.g. E01000004"),
        RowError(3, "houseprice", "houseprice must be a number, not 'dear'"),
    ]
