"""The catalogue of the key dataset: indicators, topics, areas, comparator groups and the stored value rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.util import ClauseAdapter

from portal.deployment import england_code, home_area_code, home_region_code
from portal.extensions import db
from portal.models import Area, ComparatorGroup, Indicator, IndicatorValue
from portal.stats.small_numbers import Disclosure, disclosure, marker

# Topics in the order the overview shows them.
TOPICS: list[tuple[str, str]] = [
    ("health", "Health"),
    ("social_care", "Social care"),
    ("children", "Children"),
    ("housing", "Housing"),
    ("economy", "Economy and employment"),
    ("deprivation", "Deprivation"),
    ("population", "Population"),
]
TOPIC_LABELS = dict(TOPICS)
TOPIC_ORDER = {key: rank for rank, (key, _) in enumerate(TOPICS)}

NEIGHBOURS_SLUG = "statistical-neighbours"
REGION_AUTHORITIES_SLUG = "region-authorities"
POPULATION_INDICATOR = "ons-mye-2022-population"


class Row(NamedTuple):
    """One stored value, as plain data."""

    indicator_id: str
    area_code: str
    period: str
    period_sortable: int
    sex: str
    age: str
    category_type: str
    category: str
    value: float | None
    lower_ci95: float | None
    upper_ci95: float | None
    lower_ci998: float | None
    upper_ci998: float | None
    count: float | None  # type: ignore[assignment]  # the column's name; shadows tuple.count, never called
    denominator: float | None
    value_note: str
    suppressed: bool
    derived: bool
    source_recent_trend: str
    # The publisher's own verdicts, as written in the file ("" when it gave none).
    source_compared_to_england: str = ""
    source_compared_to_region: str = ""
    # Who withheld the value under the small-numbers policy: "" (shown), "publisher" or "portal" (not stored).
    suppressed_by: str = ""

    @property
    def disclosure(self) -> Disclosure:
        """Whether the value is shown, and if not, who withheld it."""
        return Disclosure(self.suppressed_by) if self.suppressed_by else Disclosure.SHOWN

    @property
    def marker(self) -> str:
        """The text shown in place of a withheld value ("" when it is shown)."""
        return marker(self.disclosure)


_ROW_COLUMNS = [getattr(IndicatorValue, name) for name in Row._fields if name != "suppressed_by"]


def released(row: Row) -> Row:
    """The row as the portal may show it, under the small-numbers policy: a publisher's figure as released (its
    suppression marked as the publisher's); a figure the portal derived from too few events withheld, with its
    value, limits, count and denominator blanked so no page, chart, CSV or API response can show them."""
    status = disclosure(publisher_suppressed=row.suppressed, derived=row.derived, count=row.count)
    if status is Disclosure.PORTAL:
        return row._replace(
            value=None,
            lower_ci95=None,
            upper_ci95=None,
            lower_ci998=None,
            upper_ci998=None,
            count=None,
            denominator=None,
            suppressed=True,
            suppressed_by=status.value,
        )
    return row._replace(suppressed_by=status.value) if status is Disclosure.PUBLISHER else row


# Set by ``reading_values_from``: what the value queries below read in place of the indicator_values table.
_VALUES: ContextVar[FromClause | None] = ContextVar("values_read_from", default=None)
ValuesQuery = TypeVar("ValuesQuery", bound=Select[*tuple[Any, ...]])


@contextmanager
def reading_values_from(values: FromClause) -> Iterator[None]:
    """Within the block, ``stored_rows`` and ``published_levels`` read ``values`` (a selectable with indicator_values'
    columns, e.g. the values an import is about to swap in) instead of the table; their callers' conditions, written
    on ``IndicatorValue``'s columns, are adapted to it."""
    token = _VALUES.set(values)
    try:
        yield
    finally:
        _VALUES.reset(token)


def values_query(query: ValuesQuery) -> ValuesQuery:
    """The query as is, or reading the selectable ``reading_values_from`` set instead of indicator_values."""
    values = _VALUES.get()
    return query if values is None else ClauseAdapter(values).traverse(query)


def stored_rows(*conditions: Any) -> list[Row]:
    """Value rows matching the conditions, oldest period first, as the small-numbers policy lets them be shown."""
    query = select(*_ROW_COLUMNS).where(*conditions).order_by(IndicatorValue.period_sortable, IndicatorValue.period)
    session = db.session
    if session.autoflush:
        session.flush()  # as the session's own execute would
    # On the session's connection, the rows come back as plain tuples, without the ORM's per-row loading: the
    # 100,000 rows of a big indicator's summaries (which each import works out) in 0.34 s instead of 0.42 s.
    return [released(Row(*r)) for r in session.connection().execute(values_query(query)).all()]


PUBLISHED = "published"
DRAFT = "draft"


def list_indicators(topic: str | None = None, *, include_drafts: bool = False) -> list[Indicator]:
    """Published indicators (optionally of one topic; drafts too when asked), in the overview's topic order then by
    name."""
    query = select(Indicator)
    if not include_drafts:
        query = query.where(Indicator.status == PUBLISHED)
    if topic:
        query = query.where(Indicator.topic == topic)
    indicators = list(db.session.scalars(query))
    indicators.sort(key=lambda i: (TOPIC_ORDER.get(i.topic, len(TOPICS)), i.name.lower(), i.id))
    return indicators


def get_indicator(indicator_id: str) -> Indicator | None:
    """One indicator by id (published or draft), or None."""
    return db.session.get(Indicator, indicator_id)


def get_published_indicator(indicator_id: str) -> Indicator | None:
    """One published indicator by id; None for an unknown id or a draft, which the public does not see."""
    indicator = db.session.get(Indicator, indicator_id)
    return indicator if indicator is not None and indicator.status == PUBLISHED else None


def topic_label(topic: str) -> str:
    """The topic's name for people."""
    return TOPIC_LABELS.get(topic, topic.replace("_", " ").capitalize())


def get_area(code: str) -> Area | None:
    """One area by code, or None."""
    return db.session.get(Area, code)


def ward_areas(parent_code: str | None = None) -> list[tuple[str, str]]:
    """The wards of the home area (or of ``parent_code``) as (code, name), by name."""
    parent = parent_code or home_area_code()
    query = select(Area.code, Area.name).where(Area.area_type == "ward", Area.parent_code == parent)
    return sorted(((c, n) for c, n in db.session.execute(query)), key=lambda pair: pair[1])


def _group_members(slug: str) -> list[str]:
    """The area codes of a comparator group, in its order ([] when there is no such group)."""
    group = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == slug))
    return [m.area_code for m in group.members] if group is not None else []


@dataclass(frozen=True)
class Comparators:
    """The areas an area is compared with."""

    area: Area
    england: Area | None
    region: Area | None
    neighbours: list[str]  # the home area's statistical neighbours, closest first (empty for other areas)
    region_authorities: list[str]
    neighbours_name: str = "Statistical neighbours"


def _region_of(area: Area) -> Area | None:
    """The region above an area, following parents (an LA's region, a ward's LA's region)."""
    current: Area | None = area
    for _ in range(6):
        if current is None or current.area_type == "region":
            return current
        current = current.parent
    return None


def comparators(area_code: str) -> Comparators | None:
    """England, the region, the statistical neighbours and the region's authorities for an area (None if unknown)."""
    area = get_area(area_code)
    if area is None:
        return None
    england = get_area(england_code())
    region = _region_of(area) if area.area_type != "region" else None
    if region is None and area.code == home_area_code():
        region = get_area(home_region_code())
    if area.code == home_area_code():
        neighbours = _group_members(NEIGHBOURS_SLUG)
        group = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == NEIGHBOURS_SLUG))
        neighbours_name = group.name if group is not None else "Statistical neighbours"
    else:
        neighbours, neighbours_name = [], "Statistical neighbours"
    authorities = _group_members(REGION_AUTHORITIES_SLUG) if area.code == home_area_code() else []
    if not authorities and region is not None:
        authorities = list(
            db.session.scalars(
                select(Area.code).where(Area.parent_code == region.code, Area.area_type.in_(("county_ua", "district")))
            )
        )
    return Comparators(area, england, region, neighbours, authorities, neighbours_name)


def area_names(codes: Iterable[str]) -> dict[str, str]:
    """Area names by code, for the codes that are known."""
    codes = set(codes)
    if not codes:
        return {}
    return dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


def headline_breakdown(rows: Sequence[Row]) -> tuple[str, str] | None:
    """The (sex, age) an indicator is usually quoted for: Persons and All ages when present, else the commonest."""
    plain = [r for r in rows if not r.category_type]
    if not plain:
        return None
    sexes = {r.sex for r in plain}
    if "Persons" in sexes:
        sex = "Persons"
    else:
        counts: dict[str, int] = defaultdict(int)
        for r in plain:
            counts[r.sex] += 1
        sex = max(sorted(counts), key=lambda s: counts[s])
    ages: dict[str, int] = defaultdict(int)
    for r in plain:
        if r.sex == sex:
            ages[r.age] += 1
    age = "All ages" if "All ages" in ages else max(sorted(ages), key=lambda a: ages[a])
    return sex, age


SMALL_AREA_WORDS = {"ward": "wards", "lsoa": "small areas (LSOAs)"}


def small_area_codes(area_code: str) -> tuple[Any, Any]:
    """Subqueries for the area's wards and for the LSOAs within them."""
    wards = select(Area.code).where(Area.parent_code == area_code, Area.area_type == "ward")
    lsoas = select(Area.code).where(Area.parent_code.in_(wards), Area.area_type == "lsoa")
    return wards, lsoas


def published_levels(indicator_ids: Sequence[str], area_code: str) -> dict[str, str]:
    """For indicators published below the area (for its wards or LSOAs), the level in words, the widest first."""
    if not indicator_ids:
        return {}
    wards, lsoas = small_area_codes(area_code)
    # The small areas first: with the two lists as subqueries joined by OR, PostgreSQL read every value of the
    # indicators (0.13 s for a million-row import's summaries); with the codes, it looks each one up in the area index.
    codes = list(db.session.scalars(select(Area.code).where(Area.code.in_(wards) | Area.code.in_(lsoas))))
    if not codes:
        return {}
    query = (
        select(IndicatorValue.indicator_id, Area.area_type)
        .join(Area, Area.code == IndicatorValue.area_code)
        .where(IndicatorValue.indicator_id.in_(list(indicator_ids)), IndicatorValue.area_code.in_(codes))
        .distinct()
    )
    levels: dict[str, str] = {}
    found = db.session.execute(values_query(query)).all()
    for indicator_id, area_type in sorted(found, key=lambda r: r[1] != "ward"):
        levels.setdefault(indicator_id, SMALL_AREA_WORDS.get(area_type, area_type))
    return levels


def comparator_codes(places: Comparators) -> list[str]:
    """The area, its neighbours, England and the region: every area a summary reads."""
    codes = [places.area.code, *places.neighbours]
    codes += [a.code for a in (places.england, places.region) if a is not None]
    return codes
