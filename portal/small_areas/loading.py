"""Load the shipped small-area files into the database (idempotent) and read them back as frames."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, delete, select

from portal.deployment import home_area_code
from portal.extensions import db
from portal.importers.lsoa_wards import LOOKUP_COLUMNS, coverage
from portal.importers.small_areas import HomeSmallAreas, file_checksums, read_home_small_areas
from portal.models import LsoaWard, SmallAreaFact, SmallAreaLoad
from portal.stats.small_areas import (
    AGE_BANDS,
    IMD_DOMAINS,
    TENURE_COUNTS,
    AreaProfile,
    deprivation_counts,
    median_house_price,
)
from portal.stats.small_areas import ward_profiles as all_ward_profiles  # the frames' own is a cached property

CENSUS_MEASURES = ["total", *AGE_BANDS, "households", *TENURE_COUNTS]
LSOA2011_MEASURES = [
    *(f"{slug}_{kind}" for slug, _ in IMD_DOMAINS for kind in ("decile", "rank")),
    "house_price",
    "population_2019",
]


def latest_load() -> SmallAreaLoad | None:
    """The most recent load, or None before the first."""
    return db.session.scalar(select(SmallAreaLoad).order_by(SmallAreaLoad.id.desc()).limit(1))


def _comparator_measures(
    census: dict[str, float], deprivation: dict[str, Any], house_price: Any, lsoas: int | None
) -> dict[str, float | None]:
    measures: dict[str, float | None] = {m: census[m] for m in CENSUS_MEASURES}
    for slug, count in deprivation.items():
        measures[f"dep:{slug}:lsoas"] = count.lsoas
        measures[f"dep:{slug}:10"] = count.most_deprived_10
        measures[f"dep:{slug}:20"] = count.most_deprived_20
    measures["house_price_median"] = house_price.median
    measures["house_price_lsoas"] = house_price.lsoas_with_price
    measures["house_price_suppressed"] = house_price.lsoas_suppressed
    if lsoas is not None:
        measures["lsoas_in_england"] = lsoas
    return measures


def _fact_rows(data: HomeSmallAreas) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(level: str, code: str, measures: dict[str, Any]) -> None:
        for measure, value in measures.items():
            number = None if value is None or pd.isna(value) else float(value)
            rows.append({"level": level, "area_code": code, "measure": measure, "value": number})

    for code, row in data.lsoa2021[CENSUS_MEASURES].iterrows():
        add("lsoa2021", str(code), {str(k): v for k, v in row.items()})
    for code, row in data.lsoa2011[LSOA2011_MEASURES].iterrows():
        add("lsoa2011", str(code), {str(k): v for k, v in row.items()})
    add(
        "city",
        data.lad_code,
        _comparator_measures(
            data.city_census, deprivation_counts(data.lsoa2011), median_house_price(data.lsoa2011["house_price"]), None
        ),
    )
    add(
        "england",
        "E92000001",
        _comparator_measures(
            data.england_census, data.england_deprivation, data.england_house_price, data.lsoas_in_england
        ),
    )
    return rows


def load_small_areas(data: HomeSmallAreas | None = None, *, force: bool = False) -> tuple[SmallAreaLoad, bool]:
    """Replace the lookup and facts with the shipped files' (read now unless given); unchanged files are skipped
    unless ``force``. Returns the load in force and whether anything was written."""
    data = data or read_home_small_areas(home_area_code())
    latest = latest_load()
    if latest is not None and latest.checksum == data.checksum and latest.lad_code == data.lad_code and not force:
        return latest, False
    try:
        db.session.execute(delete(SmallAreaFact))
        db.session.execute(delete(LsoaWard))
        db.session.execute(
            cast(Table, LsoaWard.__table__).insert(),
            [{c: row[c] for c in LOOKUP_COLUMNS} for row in data.lookup.to_dict("records")],
        )
        db.session.execute(cast(Table, SmallAreaFact.__table__).insert(), _fact_rows(data))
        load = SmallAreaLoad(
            checksum=data.checksum, lad_code=data.lad_code, files=file_checksums(), coverage=coverage(data.lookup)
        )
        db.session.add(load)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return load, True


@dataclass(frozen=True)
class SmallAreaFrames:
    """The loaded small-area data as frames, as ``portal.stats`` functions take them."""

    load_id: int
    checksum: str
    lad_code: str
    lookup: pd.DataFrame
    lsoa2021: pd.DataFrame  # CENSUS_MEASURES by 2021 code
    lsoa2011: pd.DataFrame  # LSOA2011_MEASURES by 2011 code (house_price NaN where suppressed)
    city: dict[str, float | None]
    england: dict[str, float | None]

    def lsoa_names(self) -> dict[str, str]:
        """LSOA code → name (both vintages)."""
        return dict(zip(self.lookup["lsoa_code"], self.lookup["lsoa_name"], strict=True))

    def ward_names(self) -> dict[str, str]:
        """Ward code → name, by name."""
        pairs = sorted(set(zip(self.lookup["ward_code"], self.lookup["ward_name"], strict=True)), key=lambda p: p[1])
        return dict(pairs)

    @cached_property
    def ward_profiles(self) -> dict[str, AreaProfile]:
        """Every ward's profile, worked out once per load in this process (read only): each ward page and each of its
        chart CSVs needs one, and working out all 20 took 60 ms a request."""
        return all_ward_profiles(self.lookup, self.lsoa2021, self.lsoa2011)


_cache: dict[tuple[int, str, str], SmallAreaFrames] = {}
_cache_lock = threading.Lock()


def _pivot(level: str, measures: list[str]) -> pd.DataFrame:
    rows = db.session.execute(
        select(SmallAreaFact.area_code, SmallAreaFact.measure, SmallAreaFact.value).where(SmallAreaFact.level == level)
    ).all()
    frame = pd.DataFrame(rows, columns=["code", "measure", "value"])
    wide = frame.pivot(index="code", columns="measure", values="value").reindex(columns=measures)
    return wide.astype(float).sort_index()


def current_frames() -> SmallAreaFrames | None:
    """The latest load as frames (cached per load in this process), or None before the first load."""
    load = latest_load()
    if load is None:
        return None
    key = (load.id, load.checksum, load.loaded_at.isoformat())
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    lookup = pd.DataFrame(
        db.session.execute(select(*(getattr(LsoaWard, c) for c in LOOKUP_COLUMNS))).all(), columns=LOOKUP_COLUMNS
    )
    comparators = {}
    for level in ("city", "england"):
        rows = db.session.execute(
            select(SmallAreaFact.measure, SmallAreaFact.value).where(SmallAreaFact.level == level)
        ).all()
        comparators[level] = dict(rows)
    frames = SmallAreaFrames(
        load_id=load.id,
        checksum=load.checksum,
        lad_code=load.lad_code,
        lookup=lookup.sort_values(["vintage", "lsoa_code"]).reset_index(drop=True),
        lsoa2021=_pivot("lsoa2021", CENSUS_MEASURES),
        lsoa2011=_pivot("lsoa2011", LSOA2011_MEASURES),
        city=comparators["city"],
        england=comparators["england"],
    )
    with _cache_lock:
        _cache.clear()  # only the latest load is ever read
        _cache[key] = frames
    return frames
