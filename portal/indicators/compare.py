"""The "tartan rug": every indicator's latest value for a group of areas (the West Midlands authorities or the
statistical neighbours), each compared with England, as Fingertips' area-comparison table does.

The page is bounded (issue 17: no page's size or cost grows with the number of indicators): without a topic, each
topic's first PER_TOPIC indicators with a link to the topic's own list; with a topic, PAGE_SIZE indicators a page.
The indicators shown are chosen in SQL (``compare_query.rug_slice``) and only their values are read and compared;
the CSV, a download, has every indicator of the group and topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_

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
    stored_rows,
)
from portal.indicators.compare_query import RugSlice, rug_slice
from portal.indicators.formatting import COMPARISON_TAG_COLOURS, format_value, publisher_abbreviation
from portal.indicators.row_verdicts import row_verdict, verdict_label
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
# Within a sentence: "West Midlands" is a name and keeps its capitals.
GROUPS_IN_TEXT: dict[str, str] = {"region": "West Midlands authorities", "neighbours": "statistical neighbours"}
PER_TOPIC = 5  # indicators shown of each topic when no topic is chosen (a rug row is wide: one cell per area)
PAGE_SIZE = 25  # indicators per page of one topic
CSV_CHUNK = 100  # indicators whose values the CSV reads at a time


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
    total: int = 0  # indicators of the group and topic in all (the CSV has every one)
    topic_totals: dict[str, int] = field(default_factory=dict)  # by topic, when each shows only its first PER_TOPIC
    page: int = 1
    pages: int = 1
    first: int = 0  # position (from 1) of the first indicator shown, when paged
    last: int = 0
    per_topic: int = PER_TOPIC

    @property
    def group_in_text(self) -> str:
        """The group's name as written within a sentence."""
        return GROUPS_IN_TEXT[self.group]

    def by_topic(self) -> list[tuple[str, list[RugRow]]]:
        """The rows shown, grouped by topic in the overview's topic order."""
        groups: dict[str, list[RugRow]] = {}
        for row in self.rows:
            groups.setdefault(row.indicator.topic, []).append(row)
        return list(groups.items())

    @property
    def limited(self) -> bool:
        """True when some topic has more indicators than this page shows of it."""
        return any(total > self.per_topic for total in self.topic_totals.values())

    @property
    def complete(self) -> bool:
        """True when the page shows every indicator of the group and topic (as the CSV has)."""
        return not self.limited and self.pages == 1

    def hidden(self, topic: str, shown: int) -> int:
        """How many of the topic's indicators this page leaves out (0 when all are shown)."""
        return max(0, self.topic_totals.get(topic, 0) - shown)

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
        """The rows of the table as CSV, each area's value and its verdict against England: every indicator of the
        group and topic for the download (``tartan_rug`` without a page), the page's own rows otherwise."""
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


def _row(indicator: Indicator, rows: Sequence[Row], codes: Sequence[str], england: str) -> RugRow | None:
    """The indicator's rug row from its value rows (the group's areas' and England's, no categories): the latest
    period of the home area's headline sex and age (any area's when the home area has none)."""
    home = [r for r in rows if r.area_code == codes[0]]
    headline = headline_breakdown(home) or headline_breakdown(rows)
    if headline is None:
        return None
    chosen = [r for r in rows if (r.sex, r.age) == headline]
    in_group = [r for r in chosen if r.area_code in codes]
    latest_source = [r for r in chosen if r.area_code == codes[0]] or in_group
    if not latest_source:
        return None
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


def _rows(ids: Sequence[str], codes: Sequence[str], england: str) -> list[RugRow]:
    """The rug rows of these indicators, in this order, from their values that the rug shows (see ``_shown_rows``)."""
    indicators = {i.id: i for i in db.session.scalars(select(Indicator).where(Indicator.id.in_(ids)))}
    values = _shown_rows(ids, codes, england)
    made = (_row(indicators[i], values[i], codes, england) for i in ids if i in indicators)
    return [row for row in made if row is not None]


def _shown_rows(ids: Sequence[str], codes: Sequence[str], england: str) -> dict[str, list[Row]]:
    """Each indicator's value rows (no category breakdown) that ``_row`` needs, read in at most three queries.

    The home area's rows first: they give its headline sex and age and their latest period, which is all the rug
    shows, so the group's and England's rows are read for that period, sex and age only; a full read, of every
    period and breakdown of all the group's areas, took 0.8 s for the 400 indicators of the full-size bench dataset's
    CSV. An indicator the home area has no values for is read whole, and ``_row`` works it out from the group's."""
    plain = IndicatorValue.category_type == ""
    home: dict[str, list[Row]] = {indicator_id: [] for indicator_id in ids}
    for value in stored_rows(IndicatorValue.indicator_id.in_(ids), IndicatorValue.area_code == codes[0], plain):
        home[value.indicator_id].append(value)
    shown: dict[str, tuple[str, str, int, str]] = {}
    for indicator_id, rows in home.items():
        headline = headline_breakdown(rows)
        if headline is not None:
            latest = max((r.period_sortable, r.period) for r in rows if (r.sex, r.age) == headline)
            shown[indicator_id] = (*headline, *latest)
    values: dict[str, list[Row]] = {indicator_id: [] for indicator_id in ids}
    others = [*codes[1:], england]
    if shown:
        key = tuple_(
            IndicatorValue.indicator_id,
            IndicatorValue.sex,
            IndicatorValue.age,
            IndicatorValue.period_sortable,
            IndicatorValue.period,
        )
        # The row-value IN picks each indicator's own period, sex and age; the plain lists beside it, which it implies,
        # let the database probe the unique key on (indicator, area, period), where alone it read every value of the
        # group's areas through the area index (SQLite's query plan).
        for value in stored_rows(
            IndicatorValue.indicator_id.in_(list(shown)),
            IndicatorValue.area_code.in_(others),
            IndicatorValue.period.in_(sorted({period for *_, period in shown.values()})),
            plain,
            key.in_([(indicator_id, *chosen) for indicator_id, chosen in shown.items()]),
        ):
            values[value.indicator_id].append(value)
    unshown = [indicator_id for indicator_id in ids if indicator_id not in shown]
    if unshown:
        for value in stored_rows(IndicatorValue.indicator_id.in_(unshown), IndicatorValue.area_code.in_(others), plain):
            values[value.indicator_id].append(value)
    for indicator_id, rows in home.items():
        values[indicator_id].extend(rows)
    return values


def tartan_rug(group: str, topic: str = "", page: int | None = None) -> Rug:
    """The published indicators (of the topic, if given) held for at least two of the group's areas, in the overview's
    order: the latest period of the home area's headline sex and age, each area's value and its comparison with
    England. ``page`` None gives every one (the CSV); otherwise the page view: without a topic each topic's first
    PER_TOPIC, with one the ``page``-th PAGE_SIZE (past the end: the last page)."""
    group = group if group in GROUPS else "region"
    codes = _group_areas(group)
    names = area_names(codes)
    england = england_code()
    areas = [(c, names.get(c, c)) for c in codes]
    if page is None:
        part = rug_slice(codes, topic)
        ids = [i for i, _ in part.chosen]
        rows = [
            r for start in range(0, len(ids), CSV_CHUNK) for r in _rows(ids[start : start + CSV_CHUNK], codes, england)
        ]
        return Rug(group, GROUPS[group], topic, areas, rows, part.total)
    if not topic:
        part = rug_slice(codes, per_topic=PER_TOPIC)
        rows = _rows([i for i, _ in part.chosen], codes, england)
        return Rug(group, GROUPS[group], topic, areas, rows, part.total, part.topic_totals)
    part = rug_slice(codes, topic, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return _paged(Rug(group, GROUPS[group], topic, areas, _rows([i for i, _ in part.chosen], codes, england)), part)


def _paged(rug: Rug, part: RugSlice) -> Rug:
    shown = len(part.chosen)
    rug.total = part.total
    rug.pages = max(1, -(-part.total // PAGE_SIZE))
    rug.page = part.offset // PAGE_SIZE + 1
    rug.first = part.offset + 1 if shown else 0
    rug.last = part.offset + shown
    return rug
