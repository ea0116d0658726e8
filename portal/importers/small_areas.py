"""Readers for the small-area files behind ward profiles and segmentation: Census 2021 age (TS007A) and tenure
(TS054) by LSOA and local authority, IMD 2019 deciles and ranks for every domain by LSOA, LSOA median house prices
and mid-2019 LSOA populations. Each returns a frame indexed by area code with the portal's column names.

Pure: files in, frames out. A file whose header is not the expected one raises FileProblem with a plain message.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from portal.importers.base import DATA_DIR, FileProblem
from portal.stats.small_areas import (
    AGE_BANDS,
    IMD_DOMAINS,
    TENURE_COUNTS,
    DeprivationCount,
    HousePrice,
    deprivation_counts,
    median_house_price,
    values_for_2021,
)

Source = str | os.PathLike[str]

AGE_LSOA = Path("census2021/census2021-ts007a-lsoa.csv")
AGE_LTLA = Path("census2021/census2021-ts007a-ltla.csv")
TENURE_LSOA = Path("census2021/census2021-ts054-lsoa.csv")
TENURE_LTLA = Path("census2021/census2021-ts054-ltla.csv")
IMD_LSOA = Path("deprivation/imd2019_england_lsoa11_deciles_ranks.csv")
HOUSE_PRICES = Path("house_prices/ons_median_house_price_lsoa_ew.csv")
POPULATION_2019 = Path("population/ons_lsoa_population_mid2019_via_mysociety.csv")

# English local authority districts (unitary, non-metropolitan, metropolitan, London): their sum is England.
ENGLISH_LA_PREFIXES = ("E06", "E07", "E08", "E09")
ENGLISH_LSOA_PREFIX = "E01"

_AGE_SOURCE = {
    "0-4": "Age: Aged 4 years and under",
    **{f"{start}-{start + 4}": f"Age: Aged {start} to {start + 4} years" for start in range(5, 85, 5)},
    "85+": "Age: Aged 85 years and over",
}
_TENURE_PREFIX = "Tenure of household: "
_TENURE_SOURCE = {
    "households": "Total: All households",
    "owned_outright": "Owned: Owns outright",
    "owned_mortgage": "Owned: Owns with a mortgage or loan",
    "shared_ownership": "Shared ownership: Shared ownership",
    "social_rented_council": "Social rented: Rents from council or Local Authority",
    "social_rented_other": "Social rented: Other social rented",
    "private_rented_landlord": "Private rented: Private landlord or letting agency",
    "private_rented_other": "Private rented: Other private rented",
    "rent_free": "Lives rent free",
}
# IMD file column stem for each domain slug.
_IMD_SOURCE = {
    "imd": "IMD",
    "income": "Income",
    "employment": "Employment",
    "education": "Education",
    "health": "Health",
    "crime": "Crime",
    "housing_barriers": "Housing_and_Access",
    "living_environment": "Environment",
}
assert list(_AGE_SOURCE) == AGE_BANDS and set(_TENURE_SOURCE) - {"households"} == set(TENURE_COUNTS)
assert [slug for slug, _ in IMD_DOMAINS] == list(_IMD_SOURCE)


def _read(source: Source, columns: dict[str, str], code_column: str, **options: object) -> pd.DataFrame:
    """Read the CSV, check it has the source columns, and return them renamed, indexed by code."""
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig", **options)  # type: ignore[call-overload]
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FileProblem(f"The file could not be read as CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    wanted = [code_column, *columns.values()]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise FileProblem(f"The file has no {missing[0]!r} column; is it the right file?")
    out = frame[[*columns.values()]].rename(columns={v: k for k, v in columns.items()})
    out.index = pd.Index(frame[code_column].str.strip(), name="code")
    if not out.index.is_unique:
        raise FileProblem(f"Area code {out.index[out.index.duplicated()][0]} appears more than once.")
    return out


def _numbers(frame: pd.DataFrame, columns: Collection[str], *, missing: Collection[str] = ()) -> pd.DataFrame:
    """Turn the columns into floats ("2,372" style thousands allowed); markers in ``missing`` become NaN."""
    for column in columns:
        text = frame[column].str.replace(",", "", regex=False).str.strip()
        text = text.where(~text.isin(set(missing)), "nan")
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & (text != "nan")
        if bad.any():
            code = frame.index[bad.to_numpy()][0]
            raise FileProblem(f"{column} for {code} is not a number: {frame.loc[code, column]!r}")
        frame[column] = numbers.astype(float)
    return frame


def _select(frame: pd.DataFrame, codes: Collection[str] | None) -> pd.DataFrame:
    return frame if codes is None else frame[frame.index.isin(set(codes))]


def read_census_age(source: Source, codes: Collection[str] | None = None) -> pd.DataFrame:
    """Census 2021 TS007A: name, total and the AGE_BANDS counts of usual residents, by area code."""
    frame = _read(source, {"name": "geography", "total": "Age: Total", **_AGE_SOURCE}, "geography code")
    frame = _numbers(_select(frame, codes).copy(), ["total", *AGE_BANDS])
    mismatched = frame[(frame[AGE_BANDS].sum(axis=1) - frame["total"]).abs() > 0.5]
    if len(mismatched):
        raise FileProblem(f"The age bands of {mismatched.index[0]} do not add up to its total.")
    return frame


def read_census_tenure(source: Source, codes: Collection[str] | None = None) -> pd.DataFrame:
    """Census 2021 TS054: name, households and the TENURE_COUNTS of households, by area code."""
    columns = {"name": "geography", **{k: _TENURE_PREFIX + v for k, v in _TENURE_SOURCE.items()}}
    frame = _numbers(_select(_read(source, columns, "geography code"), codes).copy(), list(_TENURE_SOURCE))
    mismatched = frame[(frame[TENURE_COUNTS].sum(axis=1) - frame["households"]).abs() > 0.5]
    if len(mismatched):
        raise FileProblem(f"The tenure counts of {mismatched.index[0]} do not add up to its households.")
    return frame


def read_imd_domains(source: Source, codes: Collection[str] | None = None) -> pd.DataFrame:
    """IMD 2019 by LSOA (2011): ``<domain>_decile`` (1 = most deprived 10%) and ``<domain>_rank`` (1 = most
    deprived) for the overall index and the seven domains."""
    columns = {}
    for slug, stem in _IMD_SOURCE.items():
        columns[f"{slug}_decile"] = f"{stem}_decile"
        columns[f"{slug}_rank"] = f"{stem}_rank"
    frame = _read(source, columns, "lsoa_code")
    return _numbers(_select(frame, codes).copy(), list(columns))


def read_house_prices(source: Source, codes: Collection[str] | None = None) -> pd.DataFrame:
    """ONS median house price by LSOA (2011): name and ``house_price`` (NaN where ONS suppressed it with ":")."""
    frame = _read(source, {"name": "LSOAname", "house_price": "houseprice"}, "LSOAcode")
    return _numbers(_select(frame, codes).copy(), ["house_price"], missing={":"})


def read_population_2019(source: Source, codes: Collection[str] | None = None) -> pd.DataFrame:
    """Mid-2019 population by LSOA (2011), as ``population_2019``."""
    frame = _read(source, {"population_2019": "pop"}, "lsoa")
    return _numbers(_select(frame, codes).copy(), ["population_2019"])


def english_la_total(frame: pd.DataFrame, columns: Collection[str]) -> dict[str, float]:
    """England's totals: the sum of the English local authority rows of a local authority file."""
    english = frame[frame.index.str.startswith(ENGLISH_LA_PREFIXES)]
    return {c: float(english[c].sum()) for c in columns}


def data_path(relative: Path, data_dir: Path = DATA_DIR) -> Path:
    """A shipped file's full path."""
    return data_dir / relative


SOURCE_FILES: list[Path] = [AGE_LSOA, AGE_LTLA, TENURE_LSOA, TENURE_LTLA, IMD_LSOA, HOUSE_PRICES, POPULATION_2019]


@dataclass(frozen=True)
class HomeSmallAreas:
    """Everything the ward profiles and the segmentation need for the home area, read from the shipped files."""

    lad_code: str
    lookup: pd.DataFrame  # portal.importers.lsoa_wards.LOOKUP_COLUMNS
    lsoa2021: pd.DataFrame  # by LSOA 2021 code: name, total, AGE_BANDS, households, TENURE_COUNTS
    lsoa2011: pd.DataFrame  # by LSOA 2011 code: name, <domain>_decile/_rank, house_price, population_2019
    city_census: dict[str, float]  # the published local authority totals: total, AGE_BANDS, households, TENURE_COUNTS
    england_census: dict[str, float]  # the sum of the English local authorities
    england_deprivation: dict[str, DeprivationCount]
    england_house_price: HousePrice
    lsoas_in_england: int
    checksum: str  # of the source files and the lookup: changes whenever any input does

    def parent_values(self, columns: list[str]) -> pd.DataFrame:
        """2011-based values for each 2021 LSOA: its own where the code is unchanged, its parent's for a split part
        (IMD 2019 and the house prices were published for 2011 LSOAs only)."""
        return values_for_2021(self.lookup, self.lsoa2011, columns)


def _census_frame(age: pd.DataFrame, tenure: pd.DataFrame) -> pd.DataFrame:
    return age.join(tenure.drop(columns="name"), how="outer")


def file_checksums(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """SHA-256 of every source file and the shipped lookup, by path under data/."""
    from portal.importers.lsoa_wards import SHIPPED_LOOKUP

    out = {}
    for relative in [*SOURCE_FILES, SHIPPED_LOOKUP]:
        out[str(relative)] = hashlib.sha256((data_dir / relative).read_bytes()).hexdigest()
    return out


def read_home_small_areas(lad_code: str, data_dir: Path = DATA_DIR) -> HomeSmallAreas:
    """Read the shipped files for the home area, with the city and England comparators."""
    from portal.importers.lsoa_wards import read_shipped_lookup

    lookup = read_shipped_lookup(data_dir / "lookups" / "wolverhampton_lsoa_ward_best_fit.csv")
    codes_2021 = set(lookup.loc[lookup["vintage"] == 2021, "lsoa_code"])
    codes_2011 = set(lookup.loc[lookup["vintage"] == 2011, "lsoa_code"])
    lsoa2021 = _census_frame(
        read_census_age(data_dir / AGE_LSOA, codes_2021), read_census_tenure(data_dir / TENURE_LSOA, codes_2021)
    )
    imd = read_imd_domains(data_dir / IMD_LSOA)
    prices = read_house_prices(data_dir / HOUSE_PRICES)
    lsoa2011 = (
        imd[imd.index.isin(codes_2011)]
        .join(prices.loc[prices.index.isin(codes_2011)], how="left")
        .join(read_population_2019(data_dir / POPULATION_2019, codes_2011), how="left")
    )
    for label, frame, expected in (("2021", lsoa2021, codes_2021), ("2011", lsoa2011, codes_2011)):
        missing = expected - set(frame.index)
        if missing:
            raise FileProblem(
                f"{len(missing)} LSOAs ({label}) of the lookup are missing from the files, e.g. {sorted(missing)[0]}."
            )
    la = _census_frame(read_census_age(data_dir / AGE_LTLA), read_census_tenure(data_dir / TENURE_LTLA))
    census_columns = ["total", *AGE_BANDS, "households", *TENURE_COUNTS]
    if lad_code not in la.index:
        raise FileProblem(f"The census local authority files have no row for {lad_code}.")
    english_prices = prices.loc[prices.index.str.startswith(ENGLISH_LSOA_PREFIX), "house_price"]
    return HomeSmallAreas(
        lad_code=lad_code,
        lookup=lookup,
        lsoa2021=lsoa2021.sort_index(),
        lsoa2011=lsoa2011.sort_index(),
        city_census={c: float(la[c].loc[lad_code]) for c in census_columns},
        england_census=english_la_total(la, census_columns),
        england_deprivation=deprivation_counts(imd),
        england_house_price=median_house_price(english_prices),
        lsoas_in_england=len(imd),
        checksum=hashlib.sha256(json.dumps(file_checksums(data_dir), sort_keys=True).encode()).hexdigest(),
    )
