"""What ``flask seed`` loads for the key dataset: the reference areas, the comparator groups, then every shipped data
file in data/ (real published data, listed in data/PROVENANCE.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.importers.base import ImportResult
from portal.indicators.file_import import import_file
from portal.indicators.loader import all_area_codes, value_count
from portal.indicators.reference_data import data_dir, seed_comparator_groups, seed_reference_areas
from portal.indicators.stored_summaries import refresh_summaries, summaries_missing
from portal.models import Area

# ---------------------------------------------------------------------------------------------------------------
# The seed: reference areas, comparator groups, then every shipped data file

# (path under data/, format key in portal.importers.FORMATS, reader options), in load order.
SHIPPED_SOURCES: list[tuple[str, str, dict[str, Any]]] = [
    ("fingertips/fingertips_suicide_west_midlands_countyua.csv", "fingertips", {}),
    ("fingertips/fingertips_cyp_mental_health_west_midlands_countyua.csv", "fingertips", {}),
    ("fingertips/fingertips_campylobacter_93356_countyua_2015-2017.csv", "fingertips", {}),
    ("fingertips/fingertips_cervical_screening_93560_25-49_all_areas.csv", "fingertips", {}),
    ("fingertips/fingertips_ui_compare_areas_chd_admissions_90988.csv", "fingertips", {}),
    ("fingertips/processed_trafford_datalab/adults_smoking.csv", "trafford", {}),
    ("fingertips/processed_trafford_datalab/life_expectancy.csv", "trafford", {}),
    ("fingertips/processed_trafford_datalab/inequality_life_expectancy.csv", "trafford", {}),
    ("childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv", "dfe-cin", {}),
    ("childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv", "dfe-cla", {}),
    ("ons_indicators/ons_subnational_indicators_machine_readable.csv", "ons-subnational", {}),
    ("deprivation/iod2019_lad_all_domains_long.csv", "iod-lad", {"year": 2019}),
    ("deprivation/iod2025_lad24_all_domains_long.csv", "iod-lad", {"year": 2025}),
    ("deprivation/imd2019_england_ward19_aggregated_humaniverse.csv", "imd-ward", {}),
    ("deprivation/imd2019_england_lsoa11_deciles_ranks.csv", "imd-lsoa", {}),
    ("house_prices/ons_median_house_price_lsoa_ew.csv", "house-prices", {}),
    ("population/ons_lsoa_population_mid2019_via_mysociety.csv", "lsoa-population", {}),
    ("population/ons_mye_uk_mid2022_mye22final.xlsx", "mye", {}),
]
SMALL_AREA_TYPES = frozenset({"ward", "lsoa"})


def shipped_sources() -> list[tuple[Path, str, dict[str, Any]]]:
    """The shipped data files, their formats and reader options, with absolute paths."""
    return [(data_dir() / relative, fmt, options) for relative, fmt, options in SHIPPED_SOURCES]


def home_small_areas_only(result: ImportResult) -> ImportResult:
    """Keep ward and LSOA rows only for the wards and LSOAs already known (the home area's); the shipped England-wide
    IMD files would otherwise add some 40,000 small areas that no page shows."""
    known_small = set(db.session.scalars(select(Area.code).where(Area.area_type.in_(SMALL_AREA_TYPES))))
    areas = result.areas
    small = areas["area_type"].isin(SMALL_AREA_TYPES)
    foreign = set(areas.loc[small & ~areas["code"].isin(known_small), "code"])
    if not foreign:
        return result
    values = result.values[~result.values["area_code"].isin(foreign)].reset_index(drop=True)
    kept_areas = areas[~areas["code"].isin(foreign)].reset_index(drop=True)
    return ImportResult(result.format, result.indicators, values, kept_areas, list(result.errors))


def seed(echo: Callable[[str], None] | None = None) -> str:
    """Load the reference areas, comparator groups and every shipped data file; idempotent (a source whose latest
    complete import has the same checksum is skipped). Returns a one-line summary."""
    started = time.perf_counter()
    areas = seed_reference_areas()
    groups = seed_comparator_groups()
    loaded = unchanged = 0
    codes = all_area_codes()
    for path, fmt, options in shipped_sources():
        outcome = import_file(
            path,
            fmt,
            known_area_codes=codes,
            skip_if_unchanged=True,
            reader_options=options,
            prepare=home_small_areas_only,
        )
        if not outcome.ok:
            shown = "; ".join(f"row {e.row}: {e.message}" for e in outcome.errors[:5])
            raise RuntimeError(f"{path.name} did not import ({len(outcome.errors)} problems): {shown}")
        if outcome.unchanged:
            unchanged += 1
        else:
            loaded += 1
            codes = all_area_codes()  # the file may have defined new areas
        if echo is not None:
            record = outcome.data_import
            rows = record.row_count if record else 0
            echo(f"  {path.name}: {'unchanged' if outcome.unchanged else 'loaded'} ({rows:,} rows)")
    refreshed = 0
    if summaries_missing():
        # A database migrated since its data was loaded has no stored summaries yet: store them once.
        refreshed = refresh_summaries()
        db.session.commit()
    changed = areas["added"] or areas["updated"] or groups["changed"] or loaded or refreshed
    state = "updated" if changed else "unchanged"
    return (
        f"{state}: {areas['total']} reference areas ({areas['added']} added), {groups['total']} comparator groups "
        f"({groups['changed']} changed), {len(SHIPPED_SOURCES)} data files ({loaded} loaded, {unchanged} unchanged), "
        f"{value_count():,} indicator values in {time.perf_counter() - started:.1f} s"
    )
