"""Reference areas (England, regions, every current English local authority, the home area's wards and LSOAs with
boundaries) and the comparator groups, from the shipped lookups in data/."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.importers.boundaries import lsoa_to_ward_lookup, read_geojson_boundaries
from portal.indicators import partition_swap
from portal.indicators.loader import AREA_ORDER, all_area_codes
from portal.indicators.stored_summaries import refresh_summaries
from portal.models import Area, ComparatorGroup, ComparatorGroupMember

# ---------------------------------------------------------------------------------------------------------------
# Reference areas and comparator groups

ENGLAND_NAME = "England"
LA_LOOKUP = "lookups/uk_local_authorities_mysociety.csv"
LTLA_UTLA_LOOKUP = "lookups/ons_ltla_utla_apr2023_lookup_ew.csv"
REGION_SOURCE = "childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv"
DFE_LA_CODE_SOURCES = (
    "childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv",
    "childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv",
)
STATISTICAL_NEIGHBOURS = "lookups/dfe_statistical_neighbours_2025_wide.csv"
WARD_BOUNDARIES = ("geography/wolverhampton_wards_2013.geojson", "WD13CD", "WD13NM")
LSOA_BOUNDARIES = ("geography/wolverhampton_lsoa_2011.geojson", "LSOA11CD", "LSOA11NM")
# Upper-tier and unitary authorities; E07 districts sit under a county; E47/E61 (combined authorities, GLA) are not
# areas that indicators are published for.
UPPER_TIER_PREFIXES = ("E06", "E08", "E09", "E10")
STATISTICAL_NEIGHBOURS_NAME = "Statistical neighbours (DfE children's services model, 2025)"
STATISTICAL_NEIGHBOURS_SOURCE = (
    "Department for Education, children's services statistical neighbour benchmarking tool (2025 model), "
    "data/lookups/dfe_statistical_neighbours_2025_wide.csv; DfE local authority numbers mapped to ONS codes with "
    "mySociety's UK local authorities register and the DfE children's social care files."
)


def data_dir() -> Path:
    """The shipped data folder (config DATA_DIR)."""
    return Path(current_app.config["DATA_DIR"])


def _read_lookup(relative: str) -> pd.DataFrame:
    """A lookup CSV from data/ as text, without the UTF-8 byte order mark Excel adds."""
    return pd.read_csv(data_dir() / relative, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def reference_areas() -> list[dict[str, Any]]:
    """England, its regions, every current English local authority, and the home area's wards and LSOAs (with
    boundaries), as Area rows, widest first."""
    config = current_app.config
    rows = _reference_areas(str(data_dir()), config["ENGLAND_CODE"], config["HOME_AREA_CODE"])
    return [dict(row) for row in rows]


@functools.lru_cache(maxsize=4)
def _reference_areas(data_dir: str, england: str, home: str) -> tuple[dict[str, Any], ...]:
    """reference_areas(), computed once per process: the shipped lookups are read-only."""
    return tuple(_authorities(Path(data_dir), england) + _small_areas(Path(data_dir), home))


def _authorities(data: Path, england: str) -> list[dict[str, Any]]:
    """England, the regions and the current English local authorities."""

    def read(relative: str) -> pd.DataFrame:
        return pd.read_csv(data / relative, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    dfe = read(REGION_SOURCE)
    # E13 (Inner and Outer London) are statistical sub-regions; the region is London, E12000007.
    regions = dfe[(dfe["geographic_level"] == "Regional") & dfe["region_code"].str.startswith("E12")]
    regions = regions.drop_duplicates("region_code")
    region_code = dict(zip(regions["region_name"], regions["region_code"], strict=True))
    # DfE's own region for each children's services (upper-tier) authority: mySociety's register has a few wrong
    # (Derbyshire and Lincolnshire), so it is only the fallback.
    dfe_las = dfe[dfe["geographic_level"] == "Local authority"].sort_values("time_period")
    dfe_region = {
        code: (region if region.startswith("E12") else region_code["London"])
        for code, region in zip(dfe_las["new_la_code"], dfe_las["region_code"], strict=True)
    }
    rows: list[dict[str, Any]] = [{"code": england, "name": ENGLAND_NAME, "area_type": "country", "parent_code": None}]
    rows += [
        {"code": code, "name": name, "area_type": "region", "parent_code": england}
        for name, code in sorted(region_code.items(), key=lambda item: item[1])
    ]
    las = read(LA_LOOKUP)
    las = las[(las["nation"] == "England") & (las["current-authority"] == "True") & (las["gss-code"] != "")]
    upper_of = dict(zip(*(read(LTLA_UTLA_LOOKUP)[c] for c in ("LTLA23CD", "UTLA23CD")), strict=True))
    authorities = []
    for la in las.to_dict("records"):
        code = la["gss-code"]
        if code.startswith(UPPER_TIER_PREFIXES):
            region = dfe_region.get(code) or region_code.get(la["region"])
            authorities.append({"code": code, "name": la["nice-name"], "area_type": "county_ua", "parent_code": region})
        elif code.startswith("E07"):
            parent = upper_of.get(code)
            if parent is None or parent == code:
                parent = region_code.get(la["region"])
            authorities.append({"code": code, "name": la["nice-name"], "area_type": "district", "parent_code": parent})
    authorities.sort(key=lambda r: (AREA_ORDER[r["area_type"]], r["code"]))
    return rows + authorities


def _small_areas(data: Path, home: str) -> list[dict[str, Any]]:
    """The home area's wards and LSOAs with boundary rings; each LSOA's parent is the ward containing it."""
    wards = read_geojson_boundaries(data / WARD_BOUNDARIES[0], *WARD_BOUNDARIES[1:])
    lsoas = read_geojson_boundaries(data / LSOA_BOUNDARIES[0], *LSOA_BOUNDARIES[1:])
    ward_of = lsoa_to_ward_lookup(lsoas, wards)
    rows: list[dict[str, Any]] = [
        {"code": w.code, "name": w.name, "area_type": "ward", "parent_code": home, "boundary": _rings(w.rings)}
        for w in sorted(wards, key=lambda w: w.code)
    ]
    rows += [
        {"code": b.code, "name": b.name, "area_type": "lsoa", "parent_code": ward_of.get(b.code),
         "boundary": _rings(b.rings)}
        for b in sorted(lsoas, key=lambda b: b.code)
    ]  # fmt: skip
    return rows


def _rings(rings: Sequence[Sequence[tuple[float, float]]]) -> list[list[list[float]]]:
    """Boundary rings as JSON lists, rounded to 6 decimal places (about 0.1 m) to keep the rows small."""
    return [[[round(x, 6), round(y, 6)] for x, y in ring] for ring in rings]


def seed_reference_areas() -> dict[str, int]:
    """Add the reference areas that are missing and fill in blank names, parents and boundaries; idempotent.

    Returns {"added": n, "updated": n, "total": n}.
    """
    rows = reference_areas()
    existing = {a.code: a for a in db.session.scalars(select(Area))}
    added = updated = 0
    for row in rows:
        area = existing.get(row["code"])
        if area is None:
            db.session.add(Area(**row))
            added += 1
            continue
        changed = False
        if (not area.name or area.name == area.code) and row["name"]:
            area.name, changed = row["name"], True
        if area.parent_code is None and row.get("parent_code"):
            area.parent_code, changed = row["parent_code"], True
        if area.boundary is None and row.get("boundary"):
            area.boundary, changed = row["boundary"], True
        updated += changed
    if added or updated:
        refresh_every_summary()  # area names and parents (the region) appear in every summary
    db.session.commit()
    return {"added": added, "updated": updated, "total": len(rows)}


def _old_la_to_gss() -> dict[str, str]:
    """DfE (old) local authority numbers to ONS codes: mySociety's register, then the DfE files' own pairs."""
    las = _read_lookup(LA_LOOKUP)
    las = las[(las["nation"] == "England") & (las["current-authority"] == "True") & (las["old-ons-la-code"] != "")]
    mapping = dict(zip(las["old-ons-la-code"], las["gss-code"], strict=True))
    for relative in DFE_LA_CODE_SOURCES:
        frame = _read_lookup(relative)
        pairs = frame[(frame["old_la_code"] != "") & (frame["new_la_code"] != "")]
        # The latest year wins, so LAs reorganised since (e.g. North Yorkshire, 815) get their current code.
        pairs = pairs.sort_values("time_period").drop_duplicates("old_la_code", keep="last")
        for old, new in zip(pairs["old_la_code"], pairs["new_la_code"], strict=True):
            mapping.setdefault(old, new)
    return mapping


def comparator_groups() -> list[dict[str, Any]]:
    """The comparator groups for the configured home area: England, its region, its DfE statistical neighbours and
    the upper-tier authorities of its region."""
    config = current_app.config
    home, region, england = config["HOME_AREA_CODE"], config["HOME_REGION_CODE"], config["ENGLAND_CODE"]
    region_area = db.session.get(Area, region)
    region_name = region_area.name if region_area else region
    neighbours = _read_lookup(STATISTICAL_NEIGHBOURS)
    home_row = neighbours[neighbours["old_la_code"].str.strip() == str(config["HOME_OLD_LA_CODE"]).strip()]
    neighbour_codes: list[str] = []
    closeness: list[str] = []
    if not home_row.empty:
        to_gss = _old_la_to_gss()
        record = home_row.iloc[0]
        for rank in range(1, 11):
            old = str(record.get(f"SN_{rank}", "")).strip()
            if old and old in to_gss:
                neighbour_codes.append(to_gss[old])
                closeness.append(str(record.get(f"SN_{rank}P", "")).strip())
    # From the reference list, not the table: data files may add former authorities (e.g. pre-2020 counties).
    current = [r for r in reference_areas() if r["area_type"] == "county_ua" and r["parent_code"] == region]
    region_authorities = [r["code"] for r in sorted(current, key=lambda r: r["name"])]
    described = ", ".join(f"{code} ({close.lower()})" for code, close in zip(neighbour_codes, closeness, strict=True))
    return [
        {"slug": "england", "name": "England", "description": "The national benchmark.",
         "source": "Office for National Statistics area codes.", "members": [england]},
        {"slug": "region", "name": region_name, "description": f"The home region ({region}).",
         "source": "Office for National Statistics area codes.", "members": [region]},
        {"slug": "statistical-neighbours", "name": STATISTICAL_NEIGHBOURS_NAME,
         "description": f"The 10 local authorities most similar to {home}, closest first: {described}.",
         "source": STATISTICAL_NEIGHBOURS_SOURCE, "members": neighbour_codes},
        {"slug": "region-authorities", "name": f"{region_name} authorities",
         "description": f"Upper-tier and unitary local authorities in {region_name}, including {home}.",
         "source": "mySociety UK local authorities register; ONS LTLA to UTLA lookup (April 2023).",
         "members": region_authorities},
    ]  # fmt: skip


def refresh_every_summary() -> None:
    """Work every stored summary out again in this transaction, after any import running now. On PostgreSQL an import
    works its summaries out before it swaps its values in and commits: a change of areas or neighbours committed in
    between would leave those summaries stale. Taking the import lock puts this change wholly before or after it."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        partition_swap.take_import_lock(connection)
    refresh_summaries()


def seed_comparator_groups() -> dict[str, int]:
    """Create or update the comparator groups; a second run changes nothing. Returns {"changed": n, "total": n}."""
    known = all_area_codes()
    changed = 0
    groups = comparator_groups()
    for spec in groups:
        members = [code for code in spec["members"] if code in known]
        group = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == spec["slug"]))
        if group is None:
            group = ComparatorGroup(slug=spec["slug"])
            db.session.add(group)
        fields = {k: spec[k] for k in ("name", "description", "source")}
        current = [m.area_code for m in group.members]
        if current == members and all(getattr(group, k) == v for k, v in fields.items()):
            continue
        for name, value in fields.items():
            setattr(group, name, value)
        if current != members:
            group.members.clear()
            db.session.flush()
            group.members.extend(
                ComparatorGroupMember(area_code=code, position=position) for position, code in enumerate(members)
            )
        changed += 1
    if changed:
        refresh_every_summary()  # the neighbours are compared with in every summary
    db.session.commit()
    return {"changed": changed, "total": len(groups)}
