"""Fixtures for the key dataset: real reference areas, comparator groups and real indicator data in the test DB."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.indicators import reference_data
from portal.models import DataImport

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
FINGERTIPS_FILES = [
    "fingertips_suicide_west_midlands_countyua.csv",
    "fingertips_cyp_mental_health_west_midlands_countyua.csv",
    "fingertips_campylobacter_93356_countyua_2015-2017.csv",
]
CLA_FILE = "dfe_cla_number_and_rate_per_10k_children.csv"


@dataclass
class SeededIndicators:
    """What ``seeded_indicators`` loaded."""

    home: str  # "E08000031" Wolverhampton (config HOME_AREA_CODE)
    region: str  # "E12000005" West Midlands (config HOME_REGION_CODE)
    england: str  # "E92000001"
    imports: dict[str, DataImport] = field(default_factory=dict)  # file name -> its complete DataImport
    value_count: int = 0


@pytest.fixture
def seeded_indicators(app: Flask) -> SeededIndicators:
    """The real key dataset, small enough for any test (about 1 s), loaded through the real loader.

    Loads, on the test database of ``app``:
    - reference areas: England (E92000001), the 9 regions (E12…), every current English local authority (county_ua
      for E06/E08/E09/E10, district for E07 with its county as parent), Wolverhampton's 20 wards (E05001321–
      E05001340, with ``boundary`` rings) and 158 LSOAs (E01…, boundary rings, parent = the ward containing them);
    - comparator groups by slug: ``england`` [E92000001], ``region`` [E12000005], ``statistical-neighbours`` (the
      DfE 2025 neighbours of Wolverhampton, closest first: Sandwell E08000028, Stoke-on-Trent E06000021, Walsall
      E08000030, …) and ``region-authorities`` (the 14 West Midlands upper-tier authorities, Wolverhampton included);
    - the three real Fingertips exports in data/fingertips/ (indicator 41001 "Suicide rate" for the West Midlands
      county/UAs 2001-03…; 10 children and young people's mental health indicators, e.g. 91141; 93356
      "Campylobacter incidence rate/100,000" for every county/UA in England 2015-2017 with sex/age breakdowns),
      with the exports' own "Compared to England/Region" and "Recent Trend" words in ``source_*`` columns;
    - the DfE children looked after file (indicator ``dfe-cla-rate-per-10k``; 20 rows suppressed: value NULL,
      ``suppressed`` True).

    Everything goes through ``portal.indicators.file_import.import_file`` as ``flask seed`` does, so indicator metadata
    (polarity, value type, unit, topic, comparison confidence…) comes from data/indicator_metadata.csv (e.g. 93356 is
    low_is_good, crude_rate, per 100,000). Returns a SeededIndicators with the home/region/England codes, the
    complete DataImport of each file (by file name) and the number of values loaded.
    """
    from portal.indicators.file_import import import_file
    from portal.indicators.loader import value_count
    from portal.indicators.reference_data import seed_comparator_groups, seed_reference_areas

    seed_reference_areas()
    seed_comparator_groups()
    seeded = SeededIndicators(
        home=app.config["HOME_AREA_CODE"], region=app.config["HOME_REGION_CODE"], england=app.config["ENGLAND_CODE"]
    )
    files = [(DATA_DIR / "fingertips" / name, "fingertips") for name in FINGERTIPS_FILES]
    files.append((DATA_DIR / "childrens_social_care" / CLA_FILE, "dfe-cla"))
    for path, fmt in files:
        outcome = import_file(path, fmt)
        assert outcome.ok and outcome.data_import is not None, outcome.errors[:5]
        seeded.imports[path.name] = outcome.data_import
    seeded.value_count = value_count()
    return seeded


@pytest.fixture
def sqlite_areas(app: Flask, db: Any) -> None:
    """Reference areas and comparator groups on SQLite; skips on PostgreSQL, whose imports build a new partition
    instead of inserting into the table."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL imports build a new partition instead")
    reference_data.seed_reference_areas()
    reference_data.seed_comparator_groups()
