"""The "tartan rug": every indicator's latest value for a group of areas (the West Midlands authorities or the
statistical neighbours), each compared with England, as Fingertips' area-comparison table does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from portal.charts.tables import to_csv
from portal.deployment import england_code, home_area_code
from portal.extensions import db
from portal.indicators.catalogue import (
    NEIGHBOURS_SLUG,
    REGION_AUTHORITIES_SLUG,
    Row,
    area_names,
    comparators,
    headline_breakdown,
    list_indicators,
    stored_rows,
)
from portal.indicators.formatting import COMPARISON_TAG_COLOURS, format_value, publisher_abbreviation
from portal.indicators.summaries import row_verdict, verdict_label
from portal.models import ComparatorGroup, Indicator, IndicatorValue
from portal.stats.comparison import Comparison

# Shapes beside the words, so a verdict never rests on colour alone (and survives printing in black and white).
COMPARISON_SHAPES: dict[Comparison, str] = {
    Comparison.BETTER: "▲",
    Comparison.SIMILAR: "●",
    Comparison.WORSE: "▼",
    Comparison.HIGHER: "△",
    Comparison.LOWER: "▽",
    Comparison.NOT_COMPARED: "○",
}
GROUPS: dict[str, str] = {"region": "West Midlands authorities", "neighbours": "Statistical neighbours"}


@dataclass(frozen=True)
class RugCell:
    """One area's latest value of one indicator and how it compares with England."""

    value: float | None
    text: str
    comparison: Comparison
    label: str = ""  # the verdict as shown, "Worse (as published by OHID)" for a publisher's own; default the word

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.comparison.value)

    @property
    def shape(self) -> str:
        """The verdict's shape."""
        return COMPARISON_SHAPES[self.comparison]

    @property
    def colour(self) -> str:
        """The GOV.UK tag colour of the verdict."""
        return COMPARISON_TAG_COLOURS[self.comparison]


@dataclass(frozen=True)
class RugRow:
    """One indicator across the areas."""

    indicator: Indicator
    period: str
    breakdown: str  # "" for Persons, All ages
    england_text: str
    cells: list[RugCell]


@dataclass
class Rug:
    """The areas × indicators table as shown."""

    group: str
    group_name: str
    topic: str
    areas: list[tuple[str, str]]  # (code, name), the home area first
    rows: list[RugRow]

    def counts(self) -> list[tuple[str, Comparison, int]]:
        """How many Better / Similar / Worse… verdicts each area has: (area name, verdict, count)."""
        out = []
        for index, (_, name) in enumerate(self.areas):
            for comparison in COMPARISON_SHAPES:
                count = sum(1 for r in self.rows if r.cells[index].comparison == comparison)
                if count:
                    out.append((name, comparison, count))
        return out

    def csv(self) -> str:
        """Exactly the table shown, as CSV: each area's value and its verdict against England."""
        header = ["Indicator", "Period", "Breakdown", "England"]
        for _, name in self.areas:
            header += [name, f"{name} compared with England"]
        body = []
        for row in self.rows:
            line = [row.indicator.name, row.period, row.breakdown, row.england_text]
            for cell in row.cells:
                line += [cell.text, cell.label]
            body.append(line)
        return to_csv(header, body)


def _group_areas(group: str) -> list[str]:
    """The home area first, then the group's other members in the group's order."""
    slug = NEIGHBOURS_SLUG if group == "neighbours" else REGION_AUTHORITIES_SLUG
    found = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == slug))
    members = [m.area_code for m in found.members] if found is not None else []
    if not members and group == "region":
        places = comparators(home_area_code())
        members = places.region_authorities if places is not None else []
    home = home_area_code()
    return [home, *(code for code in members if code != home)]


def _breakdown_words(sex: str, age: str) -> str:
    parts = [] if sex == "Persons" else [sex]
    if age != "All ages":
        parts.append(age)
    return ", ".join(parts)


def _row(indicator: Indicator, codes: Sequence[str], england: str) -> RugRow | None:
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_([*codes, england]),
        IndicatorValue.category_type == "",
    )
    home = [r for r in rows if r.area_code == codes[0]]
    headline = headline_breakdown(home) or headline_breakdown(rows)
    if headline is None:
        return None
    chosen = [r for r in rows if (r.sex, r.age) == headline]
    in_group = [r for r in chosen if r.area_code in codes]
    if len({r.area_code for r in in_group}) < 2:
        return None  # nothing to compare across the areas
    latest_source = [r for r in chosen if r.area_code == codes[0]] or in_group
    latest = max((r.period_sortable, r.period) for r in latest_source)
    by_code: dict[str, Row] = {r.area_code: r for r in chosen if (r.period_sortable, r.period) == latest}
    benchmark_row = by_code.get(england)
    benchmark = benchmark_row.value if benchmark_row is not None and not benchmark_row.suppressed else None
    cells = []
    for code in codes:
        row = by_code.get(code)
        if row is None:
            cells.append(RugCell(None, "No data", Comparison.NOT_COMPARED))
        elif row.suppressed:
            cells.append(RugCell(None, row.marker, Comparison.NOT_COMPARED))
        else:
            verdict = row_verdict(row, benchmark, indicator, row.source_compared_to_england)
            label = verdict_label(verdict.comparison, verdict.source, publisher_abbreviation(indicator.publisher))
            cells.append(RugCell(row.value, format_value(row.value, indicator), verdict.comparison, label))
    return RugRow(
        indicator,
        latest[1],
        _breakdown_words(*headline),
        format_value(benchmark, indicator) if benchmark is not None else "No data",
        cells,
    )


def tartan_rug(group: str, topic: str = "") -> Rug:
    """Every published indicator (of the topic, if given) held for at least two of the group's areas: the latest
    period of the home area's headline sex and age, each area's value and its comparison with England."""
    group = group if group in GROUPS else "region"
    codes = _group_areas(group)
    names = area_names(codes)
    england = england_code()
    rows = [r for i in list_indicators(topic or None) if (r := _row(i, codes, england)) is not None]
    return Rug(group, GROUPS[group], topic, [(c, names.get(c, c)) for c in codes], rows)
