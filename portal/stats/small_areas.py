"""Small-area aggregates: age structure, housing tenure, deprivation and house prices for wards, the city and
England, from LSOA counts. Pure: mappings and frames in, plain numbers out (no Flask, no database).

Shares of people and households are ratios of summed counts (never averages of LSOA percentages). Deprivation is the
share of an area's LSOAs in England's most deprived 10% and 20% of LSOAs (IMD 2019 deciles 1 and 1–2). House prices
are the median of the LSOAs' published median prices: a summary of small-area medians, not the median of all sales.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

# Census 2021 TS007A five-year bands, youngest first.
AGE_BANDS: list[str] = [
    "0-4",
    "5-9",
    "10-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-84",
    "85+",
]
AGE_GROUPS: dict[str, tuple[str, list[str]]] = {
    "under_15": ("Aged 0 to 14", AGE_BANDS[:3]),
    "15_to_29": ("Aged 15 to 29", AGE_BANDS[3:6]),
    "15_to_64": ("Aged 15 to 64", AGE_BANDS[3:13]),
    "65_plus": ("Aged 65 and over", AGE_BANDS[13:]),
    "85_plus": ("Aged 85 and over", AGE_BANDS[17:]),
}

# Census 2021 TS054 categories (households), as stored.
TENURE_COUNTS: list[str] = [
    "owned_outright",
    "owned_mortgage",
    "shared_ownership",
    "social_rented_council",
    "social_rented_other",
    "private_rented_landlord",
    "private_rented_other",
    "rent_free",
]
# The groups people ask about, each a sum of categories; together they cover every household once.
TENURE_GROUPS: dict[str, tuple[str, list[str]]] = {
    "owned": ("Owned (outright or with a mortgage or loan)", ["owned_outright", "owned_mortgage"]),
    "shared_ownership": ("Shared ownership", ["shared_ownership"]),
    "social_rented": ("Social rented", ["social_rented_council", "social_rented_other"]),
    "private_rented": ("Private rented", ["private_rented_landlord", "private_rented_other"]),
    "rent_free": ("Lives rent free", ["rent_free"]),
}

# IMD 2019: the overall index and its seven domains (slug, name).
IMD_DOMAINS: list[tuple[str, str]] = [
    ("imd", "Index of Multiple Deprivation (overall)"),
    ("income", "Income"),
    ("employment", "Employment"),
    ("education", "Education, skills and training"),
    ("health", "Health deprivation and disability"),
    ("crime", "Crime"),
    ("housing_barriers", "Barriers to housing and services"),
    ("living_environment", "Living environment"),
]
IMD_DOMAIN_NAMES = dict(IMD_DOMAINS)


def _share(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


@dataclass(frozen=True)
class AgeStructure:
    """People by five-year age band."""

    counts: Mapping[str, float]

    @property
    def total(self) -> float:
        """All usual residents."""
        return float(sum(self.counts.get(band, 0) for band in AGE_BANDS))

    def band_shares(self) -> dict[str, float | None]:
        """Percentage of the population in each band (the pyramid's bars)."""
        return {band: _share(self.counts.get(band, 0), self.total) for band in AGE_BANDS}

    def group_share(self, group: str) -> float | None:
        """Percentage of the population in one of AGE_GROUPS."""
        return _share(sum(self.counts.get(b, 0) for b in AGE_GROUPS[group][1]), self.total)


@dataclass(frozen=True)
class TenureMix:
    """Households by tenure."""

    counts: Mapping[str, float]

    @property
    def households(self) -> float:
        """All households."""
        return float(sum(self.counts.get(c, 0) for c in TENURE_COUNTS))

    def group_share(self, group: str) -> float | None:
        """Percentage of households in one of TENURE_GROUPS."""
        return _share(sum(self.counts.get(c, 0) for c in TENURE_GROUPS[group][1]), self.households)


@dataclass(frozen=True)
class DeprivationCount:
    """For one IMD domain: how many of an area's LSOAs there are, and how many are in England's most deprived 10%
    (decile 1) and 20% (deciles 1–2)."""

    lsoas: int
    most_deprived_10: int
    most_deprived_20: int

    @property
    def share_10(self) -> float | None:
        """Percentage of the LSOAs in England's most deprived 10%."""
        return _share(self.most_deprived_10, self.lsoas)

    @property
    def share_20(self) -> float | None:
        """Percentage of the LSOAs in England's most deprived 20%."""
        return _share(self.most_deprived_20, self.lsoas)


@dataclass(frozen=True)
class HousePrice:
    """The median of the LSOAs' median prices, and how many LSOAs had a published price."""

    median: float | None
    lsoas_with_price: int
    lsoas_suppressed: int


def sum_counts(rows: pd.DataFrame, columns: Sequence[str]) -> dict[str, float]:
    """Column totals over the rows (missing columns count as 0)."""
    return {c: float(rows[c].sum()) if c in rows else 0.0 for c in columns}


def deprivation_counts(deciles: pd.DataFrame) -> dict[str, DeprivationCount]:
    """Counts of LSOAs in the most deprived deciles, per domain, from a frame with ``<domain>_decile`` columns."""
    out = {}
    for slug, _ in IMD_DOMAINS:
        column = deciles[f"{slug}_decile"].dropna()
        out[slug] = DeprivationCount(len(column), int((column <= 1).sum()), int((column <= 2).sum()))
    return out


def median_house_price(prices: Iterable[float | None]) -> HousePrice:
    """The median of the published LSOA medians (suppressed LSOAs, given as None or NaN, are left out)."""
    values = list(prices)
    known = [float(v) for v in values if v is not None and not pd.isna(v)]
    return HousePrice(statistics.median(known) if known else None, len(known), len(values) - len(known))


@dataclass(frozen=True)
class AreaProfile:
    """Everything the ward profile compares, for one area (a ward, the city or England)."""

    code: str
    name: str
    age: AgeStructure
    tenure: TenureMix
    deprivation: Mapping[str, DeprivationCount]
    house_price: HousePrice
    lsoas_2021: int | None = None  # None for England, where it is not shown

    @property
    def population(self) -> float:
        """Usual residents at Census 2021."""
        return self.age.total


def profile_from_lsoas(code: str, name: str, lsoa2021: pd.DataFrame, lsoa2011: pd.DataFrame) -> AreaProfile:
    """An area's profile from its 2021 LSOAs' census counts (columns AGE_BANDS and TENURE_COUNTS) and its 2011
    LSOAs' IMD deciles (``<domain>_decile``) and house prices (``house_price``, NaN when suppressed)."""
    return AreaProfile(
        code=code,
        name=name,
        age=AgeStructure(sum_counts(lsoa2021, AGE_BANDS)),
        tenure=TenureMix(sum_counts(lsoa2021, TENURE_COUNTS)),
        deprivation=deprivation_counts(lsoa2011),
        house_price=median_house_price(lsoa2011["house_price"]),
        lsoas_2021=len(lsoa2021),
    )


def ward_profiles(lookup: pd.DataFrame, lsoa2021: pd.DataFrame, lsoa2011: pd.DataFrame) -> dict[str, AreaProfile]:
    """Every ward's profile. ``lookup`` has vintage, lsoa_code, ward_code, ward_name; the LSOA frames are indexed
    by LSOA code. Each LSOA counts in exactly one ward (its best fit)."""
    out = {}
    for (ward_code, ward_name), rows in lookup.groupby(["ward_code", "ward_name"], sort=True):
        codes_2021 = rows.loc[rows["vintage"] == 2021, "lsoa_code"]
        codes_2011 = rows.loc[rows["vintage"] == 2011, "lsoa_code"]
        out[str(ward_code)] = profile_from_lsoas(
            str(ward_code),
            str(ward_name),
            lsoa2021.loc[lsoa2021.index.intersection(list(codes_2021))],
            lsoa2011.loc[lsoa2011.index.intersection(list(codes_2011))],
        )
    return out


def values_for_2021(lookup: pd.DataFrame, lsoa2011: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """2011-based values (IMD 2019, house prices) for each 2021 LSOA of the lookup: the LSOA's own where its code is
    unchanged, its parent's for a part of a split 2011 LSOA."""
    parents = lookup[lookup["vintage"] == 2021].set_index("lsoa_code")["parent_lsoa11_code"]
    values = lsoa2011.reindex(parents.to_numpy())[list(columns)]
    values.index = parents.index
    return values
