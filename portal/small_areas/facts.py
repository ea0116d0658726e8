"""The figures of a ward profile, each with the city and England beside it, ready to render.

``ward_profile_facts(ward_code)`` is what the ward profile page shows: population and age structure (with the age
bands of a pyramid), housing tenure, all seven IMD 2019 domains and the overall index (the share of the ward's LSOAs
in England's most deprived 10% and 20%), and the median house price with its period stated as the source states it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal.charts.tables import format_number
from portal.small_areas.loading import SmallAreaFrames, current_frames
from portal.stats.small_areas import (
    AGE_BANDS,
    AGE_GROUPS,
    IMD_DOMAINS,
    TENURE_GROUPS,
    AgeStructure,
    AreaProfile,
    DeprivationCount,
    HousePrice,
    TenureMix,
)

CENSUS = "Census 2021 (21 March 2021)"
CENSUS_SOURCE = "ONS Census 2021, tables TS007A (age) and TS054 (tenure)"
IMD_PERIOD = "IMD 2019"
IMD_SOURCE = "English Indices of Deprivation 2019 (MHCLG), LSOA deciles"
HOUSE_PRICE_PERIOD = "Not stated by the source file: a 12-month period, most likely ending in 2019"
HOUSE_PRICE_SOURCE = "ONS House Price Statistics for Small Areas (HM Land Registry data), median price by LSOA"
WARD_METHOD_NOTE = (
    "Ward figures add up the ward's small areas (LSOAs), each placed wholly in the ward it overlaps most; "
    "see the LSOA to ward lookup method."
)


@dataclass(frozen=True)
class Figure:
    """One figure of the profile with its comparators."""

    key: str
    section: str
    label: str
    ward: float | None
    city: float | None
    england: float | None
    unit: str  # "people", "households", "%" or "£"
    period: str
    source: str
    note: str = ""

    @property
    def decimals(self) -> int:
        """Shown with one decimal for percentages, none otherwise."""
        return 1 if self.unit == "%" else 0

    def show(self, value: float | None) -> str:
        """A value as people read it: "12,345", "42.1%", "£132,500", or "Not available"."""
        if value is None:
            return "Not available"
        text = format_number(value, self.decimals)
        return {"%": f"{text}%", "£": f"£{text}"}.get(self.unit, text)

    @property
    def ward_text(self) -> str:
        """The ward's value, formatted."""
        return self.show(self.ward)

    @property
    def city_text(self) -> str:
        """The city's value, formatted."""
        return self.show(self.city)

    @property
    def england_text(self) -> str:
        """England's value, formatted."""
        return self.show(self.england)


@dataclass(frozen=True)
class AgeBand:
    """One bar of the ward's age pyramid: the share of each area's people in the band."""

    band: str
    ward: float | None
    city: float | None
    england: float | None


@dataclass(frozen=True)
class WardFacts:
    """A ward's figures, sections in order, with the comparators' names."""

    ward_code: str
    ward_name: str
    city_name: str
    england_name: str
    lsoas_2021: int
    lsoas_2011: int
    figures: list[Figure]
    age_bands: list[AgeBand]
    note: str = WARD_METHOD_NOTE

    def sections(self) -> list[tuple[str, list[Figure]]]:
        """The figures grouped by section, in order."""
        out: list[tuple[str, list[Figure]]] = []
        for figure in self.figures:
            if not out or out[-1][0] != figure.section:
                out.append((figure.section, []))
            out[-1][1].append(figure)
        return out


def _comparator(code: str, name: str, measures: Mapping[str, float | None]) -> AreaProfile:
    """A city or England profile from its stored totals."""
    deprivation = {
        slug: DeprivationCount(
            int(measures.get(f"dep:{slug}:lsoas") or 0),
            int(measures.get(f"dep:{slug}:10") or 0),
            int(measures.get(f"dep:{slug}:20") or 0),
        )
        for slug, _ in IMD_DOMAINS
    }
    return AreaProfile(
        code=code,
        name=name,
        age=AgeStructure({band: measures.get(band) or 0.0 for band in AGE_BANDS}),
        tenure=TenureMix({key: measures.get(key) or 0.0 for _, (_, keys) in TENURE_GROUPS.items() for key in keys}),
        deprivation=deprivation,
        house_price=HousePrice(
            measures.get("house_price_median"),
            int(measures.get("house_price_lsoas") or 0),
            int(measures.get("house_price_suppressed") or 0),
        ),
    )


Values = tuple[float | None, float | None, float | None]


def _values(ward: float | None, city: float | None, england: float | None) -> Values:
    return ward, city, england


def _figure(
    key: str, section: str, label: str, values: Values, unit: str, period: str, source: str, note: str = ""
) -> Figure:
    ward, city, england = values
    return Figure(key, section, label, ward, city, england, unit, period, source, note)


def _figures(ward: AreaProfile, city: AreaProfile, england: AreaProfile) -> list[Figure]:
    areas = (ward, city, england)
    figures = [
        _figure(
            "population",
            "Population",
            "Usual residents",
            _values(*(a.population for a in areas)),
            "people",
            CENSUS,
            CENSUS_SOURCE,
        ),
        _figure(
            "households",
            "Population",
            "Households",
            _values(*(a.tenure.households for a in areas)),
            "households",
            CENSUS,
            CENSUS_SOURCE,
        ),
    ]
    for group in ("under_15", "15_to_29", "15_to_64", "65_plus", "85_plus"):
        figures.append(
            _figure(
                f"age_{group}",
                "Age",
                f"{AGE_GROUPS[group][0]} (% of residents)",
                _values(*(a.age.group_share(group) for a in areas)),
                "%",
                CENSUS,
                CENSUS_SOURCE,
            )
        )
    for group in ("owned", "shared_ownership", "social_rented", "private_rented"):
        figures.append(
            _figure(
                f"tenure_{group}",
                "Housing tenure",
                f"{TENURE_GROUPS[group][0]} (% of households)",
                _values(*(a.tenure.group_share(group) for a in areas)),
                "%",
                CENSUS,
                CENSUS_SOURCE,
            )
        )
    for slug, name in IMD_DOMAINS:
        for depth in (10, 20):
            shares = [a.deprivation[slug].share_10 if depth == 10 else a.deprivation[slug].share_20 for a in areas]
            figures.append(
                _figure(
                    f"imd_{slug}_{depth}",
                    "Deprivation (IMD 2019)",
                    f"{name}: small areas in England's most deprived {depth}% (%)",
                    _values(*shares),
                    "%",
                    IMD_PERIOD,
                    IMD_SOURCE,
                    f"{ward.deprivation[slug].lsoas} small areas (2011 LSOAs) in the ward",
                )
            )
    price = ward.house_price
    suppressed = f"; {price.lsoas_suppressed} not published by ONS" if price.lsoas_suppressed else ""
    figures.append(
        _figure(
            "house_price",
            "House prices",
            "Median house price (median of the small areas' medians)",
            _values(*(a.house_price.median for a in areas)),
            "£",
            HOUSE_PRICE_PERIOD,
            HOUSE_PRICE_SOURCE,
            f"{price.lsoas_with_price} small areas with a published price{suppressed}",
        )
    )
    return figures


def facts_for(frames: SmallAreaFrames, ward_code: str, city_name: str) -> WardFacts | None:
    """The ward's figures from loaded frames; None if the ward is not in the lookup."""
    ward = frames.ward_profiles.get(ward_code)
    if ward is None:
        return None
    city = _comparator(frames.lad_code, city_name, frames.city)
    england = _comparator("E92000001", "England", frames.england)
    shares = [p.age.band_shares() for p in (ward, city, england)]
    rows = frames.lookup[frames.lookup["ward_code"] == ward_code]
    return WardFacts(
        ward_code=ward_code,
        ward_name=ward.name,
        city_name=city_name,
        england_name="England",
        lsoas_2021=int((rows["vintage"] == 2021).sum()),
        lsoas_2011=int((rows["vintage"] == 2011).sum()),
        figures=_figures(ward, city, england),
        age_bands=[AgeBand(band, *(s[band] for s in shares)) for band in AGE_BANDS],
    )


def ward_profile_facts(ward_code: str, city_name: str = "Wolverhampton") -> WardFacts | None:
    """Every figure of the ward's profile with the city and England beside it; None when the small-area data is not
    loaded or the ward is not one of the home area's."""
    frames = current_frames()
    if frames is None:
        return None
    return facts_for(frames, ward_code, city_name)
