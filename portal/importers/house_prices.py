"""Reader for ONS median house prices by LSOA (House Price Statistics for Small Areas), aggregated to wards."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from portal.importers.base import DATA_DIR, OGL, FileProblem, ImportResult, RowError
from portal.importers.boundaries import lsoa_to_ward_lookup, read_geojson_boundaries
from portal.importers.cells import clean_text, parse_numbers
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import Source, read_columns
from portal.importers.validation import validate_values

FORMAT = "house-prices"
COLUMNS = ["LSOAcode", "LSOAname", "houseprice"]
LSOA_INDICATOR = "median-house-price-lsoa"
WARD_INDICATOR = "median-house-price-ward"
# The source file does not say which period it covers (it was published by March 2020), so the label says so
# (within the 32 characters a period may have).
PERIOD = "Not stated (file of March 2020)"
PERIOD_SORTABLE = 20200000
WARD_NOTE = "Derived: median of LSOA medians (reference period not stated by the source)"
LSOA_NOTE = "Reference period not stated by the source"
LSOA_GEOJSON = DATA_DIR / "geography" / "wolverhampton_lsoa_2011.geojson"
WARD_GEOJSON = DATA_DIR / "geography" / "wolverhampton_wards_2013.geojson"

HOUSE_PRICE_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "£",
    "value_type": "median",
    "multiplier": 1.0,
    "polarity": "no_judgement",
    "topic": "housing",
    "source": "ONS House Price Statistics for Small Areas (HM Land Registry Price Paid Data)",
    "publisher": "Office for National Statistics",
    "licence": OGL,
}


def wolverhampton_lsoa_to_ward(
    lsoa_geojson: str | os.PathLike[str] = LSOA_GEOJSON, ward_geojson: str | os.PathLike[str] = WARD_GEOJSON
) -> dict[str, str]:
    """LSOA 2011 -> ward lookup from the shipped boundary files, by a point inside each LSOA (an approximation)."""
    lsoas = read_geojson_boundaries(lsoa_geojson, "LSOA11CD", "LSOA11NM")
    wards = read_geojson_boundaries(ward_geojson, "WD13CD", "WD13NM")
    return lsoa_to_ward_lookup(lsoas, wards)


def read_house_prices_by_ward(
    source: Source, lsoa_to_ward: Mapping[str, str] | None = None, *, metadata: pd.DataFrame | None = None
) -> ImportResult:
    """Median house price for each LSOA in `lsoa_to_ward` and, derived from those, for each ward.

    LSOA prices are strings with thousands separators; ":" is suppressed (blank value, suppressed=True). A ward's value
    is the median of its LSOAs' medians (suppressed LSOAs left out), derived=True. That is not the ward's true median
    sale price, and the LSOA-to-ward assignment is approximate (see wolverhampton_lsoa_to_ward, the default lookup).
    """
    try:
        if lsoa_to_ward is None:
            lsoa_to_ward = wolverhampton_lsoa_to_ward()
        raw, rows = read_columns(source, COLUMNS, allow_extra=True)
    except FileProblem as problem:
        return failed(FORMAT, problem.as_errors())
    codes = clean_text(raw["LSOAcode"]).astype(str)
    keep = codes.isin(set(lsoa_to_ward)).to_numpy()
    raw, rows, codes = raw[keep], rows[keep], codes[keep]
    prices, suppressed, errors = parse_numbers(
        raw["houseprice"], label="houseprice", row_numbers=rows, suppression_markers=frozenset({":"})
    )
    missing = sorted(set(lsoa_to_ward) - set(codes))
    if missing:
        errors.append(
            RowError(0, "LSOAcode", f"{len(missing)} LSOAs in the lookup are not in the file, e.g. {missing[0]}")
        )
    lsoa = pd.DataFrame(
        {
            "indicator_id": LSOA_INDICATOR,
            "area_code": codes,
            "value": prices,
            "suppressed": suppressed,
            "value_note": np.where(suppressed, f"Suppressed by ONS (:). {LSOA_NOTE}", LSOA_NOTE),
            "_row": rows,
        }
    )
    wards = codes.map(lsoa_to_ward)
    grouped = pd.DataFrame({"ward": wards, "price": prices, "row": rows}).groupby("ward", sort=True)
    ward = pd.DataFrame(
        {
            "indicator_id": WARD_INDICATOR,
            "area_code": grouped.size().index,
            "value": grouped["price"].median().to_numpy(),
            "derived": True,
            "value_note": WARD_NOTE,
            "_row": grouped["row"].min().to_numpy(),
        }
    )
    combined = pd.concat([lsoa, ward], ignore_index=True).assign(
        period=PERIOD, period_sortable=PERIOD_SORTABLE, sex="Persons", age="All ages"
    )
    values = finalise_values(combined)
    errors.extend(validate_values(values, known_area_codes=None, row_numbers=combined["_row"]))
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": codes,
                "name": clean_text(raw["LSOAname"]).astype(str),
                "area_type": "lsoa",
                "parent_code": wards,
            }
        )
    )
    indicators = metadata_rows(
        {LSOA_INDICATOR: "Median house price (LSOA)", WARD_INDICATOR: "Median house price (ward, derived)"},
        metadata,
        HOUSE_PRICE_DEFAULTS,
    )
    errors.sort(key=lambda e: e.row)
    return ImportResult(FORMAT, indicators, values.reset_index(drop=True), areas, errors)
