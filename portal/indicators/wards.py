"""Ward profiles: the ward map coloured by a ward indicator, each ward indicator's value and the population pyramid."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from bokeh.model import Model
from sqlalchemy import func, select

from portal.charts.maps import WardShape, ward_map
from portal.charts.pyramid import population_pyramid_chart
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
        formatted = "suppressed" if row is not None and row.suppressed else format_value(value, indicator)
        values.append(WardValue(code, name, value, formatted, ranked.index(value) + 1 if value is not None else None))
    values.sort(key=lambda w: (w.value is None, -(w.value or 0.0), w.name))
    return latest[1], values


def _ward_map_chart(indicator: Indicator, ward: Area, period: str, values: list[WardValue]) -> ChartData | None:
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
    table = [
        [
            w.name + (" (this ward)" if w.code == ward.code else ""),
            w.value if w.value is not None else w.formatted,
            w.rank if w.rank is not None else "",
        ]
        for w in values
    ]
    shapes = [
        WardShape(w.code, w.name, boundaries[w.code], w.value, w.formatted) for w in values if w.code in boundaries
    ]

    def build() -> Model:
        return ward_map(title, shapes, highlight=ward.code, value_label=value_label(indicator))

    summary_text = (
        f"Map of the {len(shapes)} wards shaded by {indicator.name.lower()}, darker for higher values; "
        f"{ward.name} is outlined."
    )
    return ChartData("map", title, summary_text, columns, table, build)


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
    return WardProfile(
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


def ward_chart(code: str, slug: str, indicator_id: str | None = None) -> ChartData | None:
    """One chart of a ward profile ("map" or "pyramid"), or None."""
    profile = ward_profile(code, indicator_id)
    if profile is None:
        return None
    return {"map": profile.map_chart, "pyramid": profile.pyramid_chart}.get(slug)


def ward_data_version(indicator_id: str | None) -> str:
    """A fingerprint of the data behind a ward profile's charts: the chosen indicator, the population estimates and
    the wards' boundaries."""
    parts = [data_version(indicator_id) if indicator_id else "", data_version(POPULATION_INDICATOR) or ""]
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
