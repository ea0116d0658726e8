"""Ward profiles: the ward map coloured by a ward indicator, each ward indicator's value and the population pyramid."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from bokeh.model import Model
from sqlalchemy import func, select

from portal.charts.age_bands import age_band_chart
from portal.charts.maps import WardShape, ward_map
from portal.charts.pyramid import population_pyramid_chart
from portal.charts.tables import to_csv
from portal.deployment import england_code, home_area_code
from portal.extensions import db
from portal.importers.population import population_pyramid
from portal.indicators.catalogue import (
    POPULATION_INDICATOR,
    PUBLISHED,
    area_names,
    get_area,
    headline_breakdown,
    stored_rows,
    ward_areas,
)
from portal.indicators.chart_data import CHART_STYLE_VERSION, ChartData, Column, data_version, value_label
from portal.indicators.formatting import decimals_for, format_value
from portal.models import Area, Indicator, IndicatorValue
from portal.small_areas.facts import CENSUS, CENSUS_SOURCE, WardFacts, ward_profile_facts
from portal.small_areas.loading import latest_load

# ---------------------------------------------------------------------------------------------------------------
# Ward profiles


def ward_indicators(parent_code: str | None = None) -> list[Indicator]:
    """Indicators with values for the home area's wards, by name."""
    wards = [code for code, _ in ward_areas(parent_code)]
    if not wards:
        return []
    ids = select(IndicatorValue.indicator_id).where(IndicatorValue.area_code.in_(wards)).distinct()
    indicators = list(db.session.scalars(select(Indicator).where(Indicator.id.in_(ids), Indicator.status == PUBLISHED)))
    return sorted(indicators, key=lambda i: i.name.lower())


@dataclass
class WardValue:
    """One ward's value of the chosen indicator."""

    code: str
    name: str
    value: float | None
    formatted: str
    rank: int | None  # 1 = highest value


@dataclass
class WardProfile:
    """Everything the ward profile shows."""

    ward: Area
    indicators: list[Indicator]
    indicator: Indicator | None
    period: str
    ward_values: list[WardValue]
    this_ward: WardValue | None
    map_chart: ChartData | None
    pyramid_chart: ChartData | None
    profile_rows: list[tuple[Indicator, str, str]] = field(default_factory=list)  # indicator, period, formatted
    facts: WardFacts | None = None
    age_chart: ChartData | None = None
    indicator_rows: list[WardIndicatorRow] = field(default_factory=list)
    wards: list[tuple[str, str]] = field(default_factory=list)  # every ward of the city, by name

    @property
    def previous_ward(self) -> tuple[str, str] | None:
        """The ward before this one by name (wrapping round), for "previous ward" links."""
        return _neighbour(self.wards, self.ward.code, -1)

    @property
    def next_ward(self) -> tuple[str, str] | None:
        """The ward after this one by name (wrapping round)."""
        return _neighbour(self.wards, self.ward.code, 1)


def _neighbour(wards: list[tuple[str, str]], code: str, step: int) -> tuple[str, str] | None:
    codes = [c for c, _ in wards]
    if code not in codes or len(codes) < 2:
        return None
    return wards[(codes.index(code) + step) % len(codes)]


@dataclass(frozen=True)
class WardIndicatorRow:
    """A ward-level indicator's latest value for the ward, with the city's and England's for the same period where
    the portal holds them."""

    indicator: Indicator
    period: str
    ward_text: str
    city_text: str
    england_text: str


def _ward_values(indicator: Indicator, wards: dict[str, str]) -> tuple[str, list[WardValue]]:
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(list(wards)),
        IndicatorValue.category_type == "",
    )
    headline = headline_breakdown(rows)
    if headline is None:
        return "", []
    rows = [r for r in rows if (r.sex, r.age) == headline]
    latest = max((r.period_sortable, r.period) for r in rows)
    by_code = {r.area_code: r for r in rows if (r.period_sortable, r.period) == latest}
    ranked = sorted((r.value for r in by_code.values() if r.value is not None and not r.suppressed), reverse=True)
    values = []
    for code, name in wards.items():
        row = by_code.get(code)
        value = row.value if row is not None and not row.suppressed else None
        formatted = row.marker if row is not None and row.suppressed else format_value(value, indicator)
        values.append(WardValue(code, name, value, formatted, ranked.index(value) + 1 if value is not None else None))
    values.sort(key=lambda w: (w.value is None, -(w.value or 0.0), w.name))
    return latest[1], values


def _ward_map_chart(
    indicator: Indicator, ward: Area | None, period: str, values: list[WardValue], slug: str = "map"
) -> ChartData | None:
    """The wards shaded by the indicator, with ``ward`` outlined (none on an indicator page), and its table."""
    boundaries: dict[str, Any] = dict(
        db.session.execute(
            select(Area.code, Area.boundary).where(Area.code.in_([w.code for w in values]), Area.boundary.is_not(None))
        ).all()
    )
    if not boundaries:
        return None
    decimals = decimals_for(indicator)
    title = f"{indicator.name} by ward, {period}"
    columns = [Column("Ward"), Column(value_label(indicator), decimals), Column("Rank (1 = highest)", 0)]
    highlight = ward.code if ward is not None else None
    table = [
        [
            w.name + (" (this ward)" if w.code == highlight else ""),
            w.value if w.value is not None else w.formatted,
            w.rank if w.rank is not None else "",
        ]
        for w in values
    ]
    shapes = [
        WardShape(w.code, w.name, boundaries[w.code], w.value, w.formatted) for w in values if w.code in boundaries
    ]

    def build() -> Model:
        return ward_map(title, shapes, highlight=highlight, value_label=value_label(indicator))

    summary_text = (
        f"Map of the {len(shapes)} wards shaded by {indicator.name}, darker for higher values"
        + (f"; {ward.name} is outlined." if ward is not None else ", with a colour scale beside it.")
        + " The table lists every ward with its value and rank, highest first; wards without a value are grey."
    )
    return ChartData(slug, title, summary_text, columns, table, build)


def indicator_ward_map(indicator: Indicator, parent_code: str) -> ChartData | None:
    """The indicator page's ward map: the latest ward values shaded on the parent area's wards, with the table;
    None when the indicator has no ward values there or the wards have no boundaries."""
    wards = dict(ward_areas(parent_code))
    if not wards:
        return None
    period, values = _ward_values(indicator, wards)
    if not any(w.value is not None for w in values):
        return None
    return _ward_map_chart(indicator, None, period, values, slug="ward-map")


PYRAMID_BAND = 5
PYRAMID_TOP = 90


def _band(age: int) -> str:
    if age >= PYRAMID_TOP:
        return f"{PYRAMID_TOP}+"
    start = age - age % PYRAMID_BAND
    return f"{start}-{start + PYRAMID_BAND - 1}"


def population_pyramid_data(area_code: str, reference_code: str) -> ChartData | None:
    """The area's population by five-year age band and sex against the reference area's, as percentages of each
    area's whole population (from the ONS mid-2022 estimates); None when they are not loaded."""
    rows = stored_rows(
        IndicatorValue.indicator_id == POPULATION_INDICATOR,
        IndicatorValue.area_code.in_([area_code, reference_code]),
        IndicatorValue.sex.in_(["Male", "Female"]),
        IndicatorValue.age != "All ages",
    )
    if not rows:
        return None
    frame = pd.DataFrame(
        {
            "indicator_id": [r.indicator_id for r in rows],
            "area_code": [r.area_code for r in rows],
            "sex": [r.sex for r in rows],
            "age": [r.age for r in rows],
            "value": [r.value for r in rows],
        }
    )
    names = area_names([area_code, reference_code])
    bands = [_band(a) for a in range(0, PYRAMID_TOP + 1, PYRAMID_BAND)]
    shares: dict[str, dict[tuple[str, str], float]] = {}
    for code in (area_code, reference_code):
        pyramid = population_pyramid(frame, code)
        if pyramid.empty:
            shares[code] = {}
            continue
        total = float(pyramid["population"].sum())
        grouped: dict[tuple[str, str], float] = defaultdict(float)
        for age, sex, population in zip(pyramid["age"], pyramid["sex"], pyramid["population"], strict=True):
            grouped[(_band(int(age)), sex)] += float(population) / total * 100 if total else 0.0
        shares[code] = {key: round(value, 2) for key, value in grouped.items()}
    if not shares[area_code]:
        return None
    area_name, reference_name = names.get(area_code, area_code), names.get(reference_code, reference_code)
    has_reference = bool(shares[reference_code])
    columns = [Column("Age"), Column(f"{area_name} males (%)", 2), Column(f"{area_name} females (%)", 2)]
    if has_reference:
        columns += [Column(f"{reference_name} males (%)", 2), Column(f"{reference_name} females (%)", 2)]
    table: list[list[Any]] = []
    for band in reversed(bands):  # oldest first, as the pyramid reads from the top
        own, reference = shares[area_code], shares[reference_code]
        row: list[Any] = [band, own.get((band, "Male"), 0.0), own.get((band, "Female"), 0.0)]
        if has_reference:
            row += [reference.get((band, "Male"), 0.0), reference.get((band, "Female"), 0.0)]
        table.append(row)
    title = f"Population by age and sex, mid-2022: {area_name}" + (f" and {reference_name}" if has_reference else "")

    def build() -> Model:
        reference = shares[reference_code]
        return population_pyramid_chart(
            title,
            bands,
            [shares[area_code].get((b, "Male"), 0.0) for b in bands],
            [shares[area_code].get((b, "Female"), 0.0) for b in bands],
            area_name=area_name,
            reference_male_percent=[reference.get((b, "Male"), 0.0) for b in bands] if has_reference else None,
            reference_female_percent=[reference.get((b, "Female"), 0.0) for b in bands] if has_reference else None,
            reference_name=reference_name,
        )

    summary_text = (
        f"Population pyramid: the share of {area_name}'s population in each five-year age band, males to the left "
        "and females to the right" + (f", with {reference_name}'s shares as diamond markers." if has_reference else ".")
    )
    return ChartData("pyramid", title, summary_text, columns, table, build)


def _headline_value(indicator: Indicator, area_code: str, period: str) -> str:
    """The area's headline value of the indicator for the period, formatted; "Not available" when not held."""
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code == area_code,
        IndicatorValue.category_type == "",
        IndicatorValue.period == period,
    )
    headline = headline_breakdown(rows)
    row = next((r for r in rows if (r.sex, r.age) == headline), None)
    if row is None:
        return "Not available"
    return row.marker if row.suppressed else format_value(row.value, indicator)


def ward_indicator_rows(code: str, parent: str, indicators: list[Indicator]) -> list[WardIndicatorRow]:
    """Every ward-level indicator's latest value for the ward, with the city and England beside it."""
    wards = dict(ward_areas(parent))
    out = []
    for indicator in indicators:
        period, values = _ward_values(indicator, wards)
        own = next((w for w in values if w.code == code), None)
        if own is None:
            continue
        out.append(
            WardIndicatorRow(
                indicator,
                period,
                own.formatted,
                _headline_value(indicator, parent, period),
                _headline_value(indicator, england_code(), period),
            )
        )
    return out


def ward_age_chart(facts: WardFacts) -> ChartData:
    """The ward's people by five-year age band (Census 2021) against the city and England, as shares of each area's
    usual residents; the census age table has no sex split, so bars rather than a pyramid."""
    title = f"Usual residents by age, {CENSUS}: {facts.ward_name}, {facts.city_name} and England"
    columns = [
        Column("Age"),
        Column(f"{facts.ward_name} (%)", 1),
        Column(f"{facts.city_name} (%)", 1),
        Column(f"{facts.england_name} (%)", 1),
    ]
    rows: list[list[Any]] = [[b.band, b.ward, b.city, b.england] for b in reversed(facts.age_bands)]

    def build() -> Model:
        bands = [b.band for b in facts.age_bands]
        return age_band_chart(
            title,
            bands,
            [b.ward for b in facts.age_bands],
            area_name=facts.ward_name,
            comparators=[
                (facts.city_name, [b.city for b in facts.age_bands]),
                (facts.england_name, [b.england for b in facts.age_bands]),
            ],
        )

    summary_text = (
        f"Bars: the share of {facts.ward_name}'s usual residents in each five-year age band, youngest at the bottom; "
        f"{facts.city_name}'s shares are white diamonds and England's black circles. Source: {CENSUS_SOURCE}."
    )
    return ChartData("ages", title, summary_text, columns, rows, build)


def ward_profile(code: str, indicator_id: str | None = None) -> WardProfile | None:
    """A ward's profile: the ward map coloured by the chosen ward indicator (the first ward indicator by default,
    preferring deprivation), the ward's value of every ward indicator and the city's population pyramid; None if
    the code is not one of the home area's wards."""
    ward = get_area(code)
    if ward is None or ward.area_type != "ward":
        return None
    parent = ward.parent_code or home_area_code()
    wards = dict(ward_areas(parent))
    indicators = ward_indicators(parent)
    chosen = chosen_ward_indicator(code, indicator_id)
    period, values = _ward_values(chosen, wards) if chosen is not None else ("", [])
    this_ward = next((w for w in values if w.code == code), None)
    profile_rows = []
    for indicator in indicators:
        ward_period, ward_values = _ward_values(indicator, wards)
        own = next((w for w in ward_values if w.code == code), None)
        if own is not None:
            profile_rows.append((indicator, ward_period, own.formatted))
    facts = ward_profile_facts(code, names_city(parent))
    return WardProfile(
        facts=facts,
        age_chart=ward_age_chart(facts) if facts is not None else None,
        indicator_rows=ward_indicator_rows(code, parent, indicators),
        wards=list(wards.items()),
        ward=ward,
        indicators=indicators,
        indicator=chosen,
        period=period,
        ward_values=values,
        this_ward=this_ward,
        map_chart=_ward_map_chart(chosen, ward, period, values) if chosen is not None and values else None,
        pyramid_chart=population_pyramid_data(parent, england_code()),
        profile_rows=profile_rows,
    )


def names_city(parent: str) -> str:
    """The city's name (the ward's parent area), or its code."""
    return area_names([parent]).get(parent, parent)


def ward_chart(code: str, slug: str, indicator_id: str | None = None) -> ChartData | None:
    """One chart of a ward profile ("map", "pyramid" or "ages"), or None."""
    profile = ward_profile(code, indicator_id)
    if profile is None:
        return None
    return {"map": profile.map_chart, "pyramid": profile.pyramid_chart, "ages": profile.age_chart}.get(slug)


def ward_data_version(indicator_id: str | None) -> str:
    """A fingerprint of the data behind a ward profile's charts: the chosen indicator, the population estimates and
    the wards' boundaries."""
    load = latest_load()
    parts = [
        data_version(indicator_id) if indicator_id else "",
        data_version(POPULATION_INDICATOR) or "",
        load.checksum if load is not None else "",
        str(load.id) if load is not None else "",
    ]
    boundaries = db.session.execute(
        select(func.count(), func.max(Area.code)).where(Area.area_type == "ward", Area.boundary.is_not(None))
    ).one()
    return hashlib.sha256(f"{parts}|{boundaries}|{CHART_STYLE_VERSION}".encode()).hexdigest()[:32]


def chosen_ward_indicator(code: str, indicator_id: str | None) -> Indicator | None:
    """The indicator a ward map is coloured by: the one asked for if it has ward values, else the default."""
    ward = get_area(code)
    if ward is None or ward.area_type != "ward":
        return None
    indicators = ward_indicators(ward.parent_code or home_area_code())
    chosen = next((i for i in indicators if i.id == indicator_id), None)
    if chosen is None:
        chosen = next((i for i in indicators if i.topic == "deprivation"), indicators[0] if indicators else None)
    return chosen


# ---------------------------------------------------------------------------------------------------------------
# Two wards side by side


@dataclass(frozen=True)
class ComparedFigure:
    """One row of the two-ward comparison."""

    section: str
    label: str
    first: str
    second: str
    city: str
    england: str
    period: str


@dataclass
class WardComparison:
    """Two wards' figures side by side, with the city and England."""

    first: WardFacts
    second: WardFacts
    rows: list[ComparedFigure]

    def sections(self) -> list[tuple[str, list[ComparedFigure]]]:
        """The rows grouped by section, in order."""
        out: list[tuple[str, list[ComparedFigure]]] = []
        for row in self.rows:
            if not out or out[-1][0] != row.section:
                out.append((row.section, []))
            out[-1][1].append(row)
        return out

    def csv(self) -> str:
        """Exactly the rows the page shows, as CSV."""
        header = [
            "Section",
            "Figure",
            self.first.ward_name,
            self.second.ward_name,
            self.first.city_name,
            self.first.england_name,
            "Period",
        ]
        return to_csv(header, [[r.section, r.label, r.first, r.second, r.city, r.england, r.period] for r in self.rows])


def compare_wards(first: str, second: str) -> WardComparison | None:
    """The two wards' profile figures and ward-level indicators side by side; None if either is not a ward of the
    home area or the small-area data is not loaded."""
    areas = [get_area(code) for code in (first, second)]
    if any(a is None or a.area_type != "ward" for a in areas):
        return None
    parent = areas[0].parent_code or home_area_code()  # type: ignore[union-attr]
    city = names_city(parent)
    facts = [ward_profile_facts(code, city) for code in (first, second)]
    if facts[0] is None or facts[1] is None:
        return None
    rows = [
        ComparedFigure(a.section, a.label, a.ward_text, b.ward_text, a.city_text, a.england_text, a.period)
        for a, b in zip(facts[0].figures, facts[1].figures, strict=True)
    ]
    indicators = ward_indicators(parent)
    one = {r.indicator.id: r for r in ward_indicator_rows(first, parent, indicators)}
    two = {r.indicator.id: r for r in ward_indicator_rows(second, parent, indicators)}
    for indicator in indicators:
        a_row, b_row = one.get(indicator.id), two.get(indicator.id)
        if a_row is None and b_row is None:
            continue
        held = a_row or b_row
        assert held is not None
        rows.append(
            ComparedFigure(
                "Other ward-level indicators",
                indicator.name,
                a_row.ward_text if a_row else "Not available",
                b_row.ward_text if b_row else "Not available",
                held.city_text,
                held.england_text,
                held.period,
            )
        )
    return WardComparison(facts[0], facts[1], rows)


def facts_csv(facts: WardFacts) -> str:
    """The ward profile's figures exactly as its tables show them, as CSV."""
    header = ["Section", "Figure", facts.ward_name, facts.city_name, facts.england_name, "Period", "Source", "Note"]
    return to_csv(
        header,
        [
            [f.section, f.label, f.ward_text, f.city_text, f.england_text, f.period, f.source, f.note]
            for f in facts.figures
        ],
    )
