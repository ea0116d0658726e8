"""The LSOA → ward best-fit lookup for the home area, built from the boundaries with shapely.

Method (see data/PROVENANCE.md, "LSOA to ward best-fit lookup"):

- **2011 LSOAs** (the shipped boundaries): each goes wholly to the ward its polygon overlaps most (largest share of
  the LSOA's area). Areas are measured after scaling longitude by the cosine of the mean latitude, which keeps
  ratios of areas right at a city's scale.
- **2021 LSOAs with an unchanged code** (the same area as in 2011): the ward of that 2011 LSOA.
- **2021 LSOAs with a new code**: ONS names a split LSOA's parts after the same MSOA with new letters, so the parent
  is the one 2011 LSOA of that MSOA whose code no longer exists. No 2021 boundaries are shipped, so the part takes
  the ward ONS's own best-fit lookup (LSOA21 → WD22, by population-weighted centroid) gives it; that ward must be
  one the parent's polygon overlaps, otherwise the part takes the parent's ward.

Pure: files or frames in, a frame out; no Flask, no database.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from shapely import affinity
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from portal.importers.base import DATA_DIR, FileProblem

LSOA_BOUNDARIES = Path("geography/wolverhampton_lsoa_2011.geojson")
WARD_BOUNDARIES = Path("geography/wolverhampton_wards_2013.geojson")
ONS_LOOKUP = Path("lookups/ons_lsoa21_ward22_lad22_lookup_ew_v3.csv")
SHIPPED_LOOKUP = Path("lookups/wolverhampton_lsoa_ward_best_fit.csv")

LARGEST_OVERLAP = "largest-overlap"
UNCHANGED_CODE = "unchanged-code"
SPLIT_ONS_BEST_FIT = "split-ons-best-fit"
SPLIT_PARENT_WARD = "split-parent-ward"
# The smallest share of the parent's area a ward must hold for ONS's choice for a split part to be accepted.
MIN_PARENT_OVERLAP = 0.01

LOOKUP_COLUMNS = [
    "vintage",
    "lsoa_code",
    "lsoa_name",
    "ward_code",
    "ward_name",
    "method",
    "overlap_share",
    "parent_lsoa11_code",
    "ons_ward_code",
]
_MSOA_PART = re.compile(r"^(?P<msoa>.+\d{3})[A-Z]$")


@dataclass(frozen=True)
class Polygon:
    """A named area and its geometry (longitude already scaled, so areas compare fairly)."""

    code: str
    name: str
    geometry: BaseGeometry


def _read_features(path: str | os.PathLike[str], code_property: str, name_property: str) -> list[tuple[str, str, dict]]:
    try:
        with open(path, "rb") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileProblem(f"The boundary file is not valid GeoJSON: {exc}") from exc
    features = []
    for number, feature in enumerate(document.get("features", []), start=1):
        properties = feature.get("properties") or {}
        if code_property not in properties:
            raise FileProblem(f"Feature {number} has no {code_property!r} property.")
        features.append((str(properties[code_property]), str(properties.get(name_property) or ""), feature["geometry"]))
    return features


def read_polygons(
    path: str | os.PathLike[str], code_property: str, name_property: str, *, x_scale: float | None = None
) -> list[Polygon]:
    """GeoJSON polygons with longitude scaled by ``x_scale`` (the cosine of the features' mean latitude if None)."""
    features = _read_features(path, code_property, name_property)
    geometries = [shape(geometry) for _, _, geometry in features]
    if x_scale is None:
        latitudes = [g.centroid.y for g in geometries]
        x_scale = math.cos(math.radians(sum(latitudes) / len(latitudes))) if latitudes else 1.0
    polygons = []
    for (code, name, _), geometry in zip(features, geometries, strict=True):
        scaled = affinity.scale(geometry, xfact=x_scale, yfact=1.0, origin=(0, 0))
        polygons.append(Polygon(code, name, scaled if scaled.is_valid else scaled.buffer(0)))
    return polygons


def overlap_shares(lsoa: Polygon, wards: list[Polygon]) -> dict[str, float]:
    """The share of the LSOA's area inside each ward it overlaps (shares may sum to a little under 1 where the
    generalised boundaries do not meet exactly)."""
    area = lsoa.geometry.area
    shares = {}
    for ward in wards:
        if lsoa.geometry.intersects(ward.geometry):
            share = lsoa.geometry.intersection(ward.geometry).area / area if area else 0.0
            if share > 0:
                shares[ward.code] = share
    return shares


def read_ons_lookup(path: str | os.PathLike[str], lad_code: str) -> pd.DataFrame:
    """ONS's LSOA21 → WD22 rows for one local authority: columns lsoa_code, lsoa_name, ward_code, ward_name."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    missing = {"LSOA21CD", "LSOA21NM", "WD22CD", "WD22NM", "LAD22CD"} - set(frame.columns)
    if missing:
        raise FileProblem(f"The ONS lookup has no {', '.join(sorted(missing))} column.")
    frame = frame[frame["LAD22CD"] == lad_code]
    return pd.DataFrame(
        {
            "lsoa_code": frame["LSOA21CD"].to_numpy(),
            "lsoa_name": frame["LSOA21NM"].to_numpy(),
            "ward_code": frame["WD22CD"].to_numpy(),
            "ward_name": frame["WD22NM"].to_numpy(),
        }
    )


def split_parent(name: str, vanished: Mapping[str, str]) -> str | None:
    """The 2011 parent of a new 2021 LSOA: the only vanished 2011 LSOA (code → name) in the same MSOA, or None."""
    match = _MSOA_PART.match(name)
    if match is None:
        return None
    candidates = [code for code, old in vanished.items() if old[:-1] == match["msoa"]]
    return candidates[0] if len(candidates) == 1 else None


def build_lookup(lsoas: list[Polygon], wards: list[Polygon], ons: pd.DataFrame) -> pd.DataFrame:
    """The lookup for both vintages (columns LOOKUP_COLUMNS), from the 2011 LSOA and ward polygons and ONS's rows.

    Raises FileProblem when a new 2021 code has no identifiable 2011 parent.
    """
    ward_names = {w.code: w.name for w in wards}
    ons_ward = dict(zip(ons["lsoa_code"], ons["ward_code"], strict=True))
    rows: list[dict[str, object]] = []
    best: dict[str, tuple[str, float]] = {}
    shares_of: dict[str, dict[str, float]] = {}
    for lsoa in sorted(lsoas, key=lambda p: p.code):
        shares = overlap_shares(lsoa, wards)
        if not shares:
            raise FileProblem(f"LSOA {lsoa.code} overlaps none of the wards.")
        # Largest overlap; a tie (never seen in practice) goes to the lower ward code so the result is stable.
        ward = max(sorted(shares), key=lambda code: shares[code])
        best[lsoa.code], shares_of[lsoa.code] = (ward, shares[ward]), shares
        rows.append(
            {
                "vintage": 2011,
                "lsoa_code": lsoa.code,
                "lsoa_name": lsoa.name,
                "ward_code": ward,
                "method": LARGEST_OVERLAP,
                "overlap_share": shares[ward],
                "parent_lsoa11_code": "",
                "ons_ward_code": ons_ward.get(lsoa.code, ""),
            }
        )
    names_2011 = {p.code: p.name for p in lsoas}
    vanished = {code: name for code, name in names_2011.items() if code not in ons_ward}
    for code, name, ons_code in sorted(zip(ons["lsoa_code"], ons["lsoa_name"], ons["ward_code"], strict=True)):
        if code in best:
            ward, share = best[code]
            method, parent = UNCHANGED_CODE, code
        else:
            parent = split_parent(name, vanished) or ""
            if not parent:
                raise FileProblem(f"LSOA {code} ({name}) is new in 2021 and its 2011 parent cannot be identified.")
            parent_shares = shares_of[parent]
            if parent_shares.get(ons_code, 0.0) >= MIN_PARENT_OVERLAP:
                ward, method = ons_code, SPLIT_ONS_BEST_FIT
            else:
                ward, method = best[parent][0], SPLIT_PARENT_WARD
            share = parent_shares.get(ward, 0.0)
        rows.append(
            {
                "vintage": 2021,
                "lsoa_code": code,
                "lsoa_name": name,
                "ward_code": ward,
                "method": method,
                "overlap_share": share,
                "parent_lsoa11_code": parent,
                "ons_ward_code": ons_code,
            }
        )
    frame = pd.DataFrame(rows)
    frame["ward_name"] = frame["ward_code"].map(ward_names)
    frame["overlap_share"] = frame["overlap_share"].astype(float).round(4)
    return frame[LOOKUP_COLUMNS]


def build_home_lookup(lad_code: str, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The lookup from the shipped boundary files and ONS lookup."""
    lsoas = read_polygons(data_dir / LSOA_BOUNDARIES, "LSOA11CD", "LSOA11NM")
    # The wards use the LSOAs' scale so the two sets of shapes are measured alike.
    scale = math.cos(math.radians(sum(p.geometry.centroid.y for p in lsoas) / len(lsoas)))
    wards = read_polygons(data_dir / WARD_BOUNDARIES, "WD13CD", "WD13NM", x_scale=scale)
    return build_lookup(lsoas, wards, read_ons_lookup(data_dir / ONS_LOOKUP, lad_code))


def read_shipped_lookup(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The shipped lookup CSV (columns LOOKUP_COLUMNS)."""
    frame = pd.read_csv(path or DATA_DIR / SHIPPED_LOOKUP, dtype=str, keep_default_na=False)
    missing = set(LOOKUP_COLUMNS) - set(frame.columns)
    if missing:
        raise FileProblem(f"The lookup has no {', '.join(sorted(missing))} column.")
    frame["vintage"] = frame["vintage"].astype(int)
    frame["overlap_share"] = pd.to_numeric(frame["overlap_share"]).astype(float)
    return frame[LOOKUP_COLUMNS]


def coverage(lookup: pd.DataFrame) -> dict[str, object]:
    """How the lookup was made, in numbers: counts by vintage and method, agreement with ONS, overlap quality."""
    out: dict[str, object] = {}
    for vintage, rows in lookup.groupby("vintage"):
        compared = rows[rows["ons_ward_code"] != ""]
        out[f"lsoas_{vintage}"] = len(rows)
        out[f"wards_{vintage}"] = rows["ward_code"].nunique()
        out[f"methods_{vintage}"] = rows["method"].value_counts().sort_index().to_dict()
        out[f"agree_with_ons_{vintage}"] = int((compared["ward_code"] == compared["ons_ward_code"]).sum())
        out[f"compared_with_ons_{vintage}"] = len(compared)
    overlay = lookup[lookup["vintage"] == 2011]["overlap_share"]
    out["min_overlap_share_2011"] = float(overlay.min())
    out["lsoas_2011_over_90_percent_in_ward"] = int((overlay >= 0.9).sum())
    return out
