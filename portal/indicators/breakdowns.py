"""Breakdowns of an indicator for an area (sex, age, deprivation deciles and other categories, wards) and the widest
inequality among them."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median

from sqlalchemy import select

from portal.extensions import db
from portal.indicators.catalogue import Comparators, Row, headline_breakdown, small_area_codes, stored_rows
from portal.indicators.formatting import PERCENT_UNITS, format_value, unit_text
from portal.models import Area, Indicator, IndicatorValue
from portal.small_areas.loading import SmallAreaFrames, current_frames
from portal.stats.small_numbers import Disclosure, marker
from portal.text import slugify


def category_slug(label: str) -> str:
    """A breakdown's slug: "County & UA deprivation deciles" -> "county-ua-deprivation-deciles"."""
    return slugify(label, fallback="category", max_length=80)


@dataclass(frozen=True)
class InequalityGap:
    """The largest gap between the categories of a breakdown (e.g. most and least deprived deciles)."""

    category_type: str
    period: str
    highest_category: str
    highest_value: float
    lowest_category: str
    lowest_value: float

    @property
    def gap(self) -> float:
        """Highest minus lowest value."""
        return self.highest_value - self.lowest_value


# ---------------------------------------------------------------------------------------------------------------
# Breakdowns (inequalities)

_DECILE_WORDS = [
    "most",
    "second most",
    "third more",
    "fourth more",
    "fifth more",
    "fifth less",
    "fourth less",
    "third less",
    "second least",
    "least",
]


def category_sort_key(category: str) -> tuple[int, float, str]:
    """Natural order for categories: deprivation deciles most to least deprived, ages by their first number."""
    text = category.strip().lower()
    if text in {"persons", "all ages"}:
        return (0, 0.0, text)
    if text == "male":
        return (1, 0.0, text)
    if text == "female":
        return (1, 1.0, text)
    for rank, words in enumerate(_DECILE_WORDS):
        if text.startswith(words + " deprived"):
            return (2, float(rank), text)
    number = re.match(r"^(?:<\s*)?(\d+(?:\.\d+)?)", text)
    if number:
        return (3, float(number.group(1)), text)
    return (4, 0.0, text)


@dataclass(frozen=True)
class Category:
    """One category of a breakdown at one period."""

    label: str
    row: Row

    @property
    def status(self) -> str:
        """ "shown", "no data", or the small-numbers marker of a withheld value (portal.stats.small_numbers): the
        publisher's suppression, or the portal's for a figure it derived from too few events."""
        if self.row.suppressed:
            return self.row.marker or marker(Disclosure.PUBLISHER)
        return "no data" if self.row.value is None else "shown"


@dataclass(frozen=True)
class Breakdown:
    """The categories of one breakdown (sex, age, a category type such as deprivation decile, or ward)."""

    slug: str
    label: str  # "Sex", "Age", "Ward" or the publisher's category type
    area_name: str
    period: str
    categories: list[Category]
    is_area: bool = True  # False when the breakdown is England's, shown because the area has none

    @property
    def shown(self) -> list[Category]:
        """The categories drawn in the chart."""
        return [c for c in self.categories if c.status == "shown"]


def _latest_with_categories(rows: Sequence[Row], label_of: Callable[[Row], str]) -> tuple[str, list[Category]]:
    """The latest period with at least two categories, and those categories in natural order."""
    by_period: dict[tuple[int, str], list[Row]] = defaultdict(list)
    for r in rows:
        by_period[(r.period_sortable, r.period)].append(r)
    for key in sorted(by_period, reverse=True):
        group = by_period[key]
        if len({label_of(r) for r in group}) >= 2:
            categories = [Category(label_of(r), r) for r in group]
            categories.sort(key=lambda c: category_sort_key(c.label))
            return key[1], categories
    return "", []


def breakdowns(indicator: Indicator, places: Comparators, sex: str, age: str) -> list[Breakdown]:
    """Every breakdown of the indicator present for the area: sex, age, each category type, and its wards. A
    category type present only for England (such as England's deprivation deciles) is included as England's."""
    area = places.area
    rows = stored_rows(IndicatorValue.indicator_id == indicator.id, IndicatorValue.area_code == area.code)
    wards = ward_names(area.code)
    ward_rows = (
        stored_rows(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.area_code.in_(list(wards)),
            IndicatorValue.category_type == "",
        )
        if wards
        else []
    )
    found = area_breakdowns(indicator, places, sex, age, rows, wards, ward_rows)
    grouped = lsoa_deprivation_breakdown(indicator, places)
    if grouped is not None:
        found.append(grouped)
    return _with_england_categories(found, indicator, places, sex, age)


def area_breakdowns(
    indicator: Indicator,
    places: Comparators,
    sex: str,
    age: str,
    rows: Sequence[Row],
    wards: dict[str, str],
    ward_rows: Sequence[Row],
) -> list[Breakdown]:
    """The area's own breakdowns but its small areas grouped by deprivation, in :func:`breakdowns`' order, from rows
    already read: the area's (every category, oldest first) and its wards' (no categories, oldest first)."""
    area = places.area
    found: list[Breakdown] = []
    plain = [r for r in rows if not r.category_type]
    period, cats = _latest_with_categories([r for r in plain if r.age == age], lambda r: r.sex)
    if cats:
        found.append(Breakdown("sex", "Sex", area.name, period, cats))
    period, cats = _latest_with_categories([r for r in plain if r.sex == sex], lambda r: r.age)
    if cats:
        found.append(Breakdown("age", "Age", area.name, period, cats))
    by_type: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.category_type:
            by_type[r.category_type].append(r)
    for category_type in sorted(by_type):
        typed = by_type[category_type]
        chosen = [r for r in typed if r.sex == sex and r.age == age] or typed
        period, cats = _latest_with_categories(chosen, lambda r: r.category)
        if cats:
            found.append(Breakdown("category-" + category_slug(category_type), category_type, area.name, period, cats))
    ward_headline = headline_breakdown(ward_rows)
    if ward_headline:
        chosen = [r for r in ward_rows if (r.sex, r.age) == ward_headline]
        period, cats = _latest_with_categories(chosen, lambda r: wards[r.area_code])
        if cats:
            cats.sort(key=lambda c: (c.row.value is None, -(c.row.value or 0), c.label))
            found.append(Breakdown("ward", "Ward", area.name, period, cats))
    return found


def ward_names(area_code: str) -> dict[str, str]:
    """The area's wards: code -> name."""
    query = select(Area.code, Area.name).where(Area.parent_code == area_code, Area.area_type == "ward")
    return {code: name for code, name in db.session.execute(query)}


def _with_england_categories(
    found: list[Breakdown], indicator: Indicator, places: Comparators, sex: str, age: str
) -> list[Breakdown]:
    """``found`` and, after it, each category type England has and the area has not, as England's."""
    area = places.area
    england = places.england
    if england is not None and england.code != area.code:
        england_rows = stored_rows(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.area_code == england.code,
            IndicatorValue.category_type != "",
        )
        by_type = defaultdict(list)
        for r in england_rows:
            by_type[r.category_type].append(r)
        for category_type in sorted(set(by_type) - {b.label for b in found}):
            typed = by_type[category_type]
            chosen = [r for r in typed if r.sex == sex and r.age == age] or typed
            period, cats = _latest_with_categories(chosen, lambda r: r.category)
            if cats:
                slug = "england-category-" + category_slug(category_type)
                found.append(Breakdown(slug, category_type, england.name, period, cats, is_area=False))
    return found


def inequality_gap(found: Sequence[Breakdown], indicator: Indicator | None = None) -> InequalityGap | None:
    """The largest gap between categories of the area's most recent breakdown (ties: the widest gap). None for
    counts, whose differences between groups reflect the groups' sizes, not inequality."""
    if indicator is not None and indicator.value_type == "count":
        return None
    best: tuple[tuple[str, float], InequalityGap] | None = None
    for breakdown in found:
        shown = [c for c in breakdown.shown if c.row.value is not None and c.label not in {"Persons", "All ages"}]
        if not breakdown.is_area or len(shown) < 2:
            continue
        high = max(shown, key=lambda c: c.row.value or 0.0)
        low = min(shown, key=lambda c: c.row.value or 0.0)
        gap = InequalityGap(
            breakdown.label,
            breakdown.period,
            high.label,
            float(high.row.value or 0.0),
            low.label,
            float(low.row.value or 0.0),
        )
        rank = (str(shown[0].row.period_sortable).zfill(12), gap.gap)
        if best is None or rank > best[0]:
            best = (rank, gap)
    return best[1] if best else None


# ---------------------------------------------------------------------------------------------------------------
# Choosing the sex and age shown, and saying which breakdowns are missing and why


@dataclass(frozen=True)
class Selection:
    """The sexes and ages the area's data holds for an indicator, and the pair the page shows."""

    sexes: list[str]
    ages: list[str]
    sex: str
    age: str
    chosen: bool  # True when the visitor's ?sex=&age= picked a pair other than the usual headline

    @property
    def has_choice(self) -> bool:
        """Whether there is anything to choose between."""
        return len(self.sexes) > 1 or len(self.ages) > 1


def selection(indicator: Indicator, area_code: str, sex: str | None, age: str | None) -> Selection | None:
    """The sex and age to show: the visitor's choice where the area's data holds that pair (an unknown or missing
    value keeps the headline's), else the headline pair; None when the area has no values."""
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code == area_code,
        IndicatorValue.category_type == "",
    )
    headline = headline_breakdown(rows)
    if headline is None:
        return None
    pairs = {(r.sex, r.age) for r in rows}
    sexes = sorted({s for s, _ in pairs}, key=category_sort_key)
    ages = sorted({a for _, a in pairs}, key=category_sort_key)
    want_sex = sex if sex in sexes else headline[0]
    want_age = age if age in ages else headline[1]
    if (want_sex, want_age) not in pairs:
        # Keep the dimension the visitor changed and take the commonest partner the data holds for it.
        if sex in sexes and sex != headline[0]:
            partners = sorted((a for s, a in pairs if s == want_sex), key=category_sort_key)
            want_age = headline[1] if headline[1] in partners else partners[0]
        else:
            partners = sorted((s for s, a in pairs if a == want_age), key=category_sort_key)
            want_sex = headline[0] if headline[0] in partners else partners[0]
    return Selection(sexes, ages, want_sex, want_age, (want_sex, want_age) != headline)


@dataclass(frozen=True)
class MissingBreakdown:
    """A breakdown the page cannot show: why, and which source would provide it."""

    name: str
    reason: str
    source: str


SOURCES_FOR = {
    "Sex": "OHID Fingertips publishes many indicators for males and females by local authority; ONS mid-year "
    "population estimates and the Census give sex for population measures.",
    "Age": "OHID Fingertips publishes many indicators by age band; the Census 2021 and ONS mid-year estimates give "
    "age for population measures.",
    "Deprivation": "OHID Fingertips publishes deprivation-decile rows for many indicators (for England, and for "
    "some indicators by local authority); data by small area (LSOA) can be grouped by IMD 2019 decile.",
    "Ward or small area": "OHID Local Health publishes many measures by ward and MSOA; council and NHS records "
    "with a postcode can be aggregated to wards or LSOAs.",
    "Ethnic group": "Census 2021 tables by ethnic group (ONS), or NHS datasets that record ethnicity "
    "(e.g. hospital episodes via OHID Fingertips' inequality breakdowns).",
}


def _has(found: Sequence[Breakdown], *words: str) -> bool:
    return any(any(w in b.label.lower() for w in words) for b in found)


def missing_breakdowns(
    indicator: Indicator, found: Sequence[Breakdown], chosen: Selection | None, *, has_small_areas: bool = False
) -> list[MissingBreakdown]:
    """The usual inequality breakdowns (sex, age, deprivation, ward or small area, ethnic group) the loaded data
    does not hold for the area, each with the reason and a source that would provide it."""
    source = indicator.source or "the loaded file"
    present = {
        "Sex": _has(found, "sex") or (chosen is not None and len(chosen.sexes) > 1),
        "Age": _has(found, "age") or (chosen is not None and len(chosen.ages) > 1),
        "Deprivation": _has(found, "depriv", "imd", "decile", "quintile"),
        "Ward or small area": has_small_areas or any(b.slug == "ward" for b in found),
        "Ethnic group": _has(found, "ethnic"),
    }
    out = []
    for name, held in present.items():
        if held:
            continue
        if name == "Sex" and chosen is not None:
            reason = f"{source} gives this indicator for {chosen.sex.lower()} only."
        elif name == "Age" and chosen is not None:
            reason = f"{source} gives this indicator for one age group only ({chosen.age})."
        else:
            reason = f"{source} has no rows by {name.lower()} for this area."
        out.append(MissingBreakdown(name, reason, SOURCES_FOR[name]))
    return out


def gap_sentence(gap: InequalityGap, indicator: Indicator) -> str:
    """The widest gap in plain English, e.g. "The widest gap is by sex in 2018 - 20: Female 81.4 years against Male
    77.2 years, a difference of 4.2 years." """

    def show(value: float) -> str:
        return format_value(value, indicator)

    kind = gap.category_type[:1].lower() + gap.category_type[1:]
    unit = unit_text(indicator.unit)
    difference = (
        f"{format_value(gap.gap, indicator, with_unit=False)} percentage points"
        if unit.lower() in PERCENT_UNITS
        else show(gap.gap)
    )
    return (
        f"The widest gap is by {kind} in {gap.period}: {gap.highest_category} {show(gap.highest_value)} against "
        f"{gap.lowest_category} {show(gap.lowest_value)}, a difference of {difference}."
    )


# ---------------------------------------------------------------------------------------------------------------
# Deprivation from small-area data: the area's LSOAs grouped by their IMD 2019 quintile

IMD_QUINTILE_TYPE = "IMD 2019 quintile (small areas grouped)"
QUINTILE_LABELS = [
    "Quintile 1 (most deprived 20% in England)",
    "Quintile 2",
    "Quintile 3",
    "Quintile 4",
    "Quintile 5 (least deprived 20% in England)",
]


def lsoa_deprivation_breakdown(indicator: Indicator, places: Comparators) -> Breakdown | None:
    """The indicator's values for the area's small areas (LSOAs, latest period, headline sex and age) grouped by
    each LSOA's national IMD 2019 quintile, the median of each group; None for counts, deprivation indicators
    themselves, or without LSOA values or the loaded IMD deciles."""
    if indicator.value_type == "count" or indicator.topic == "deprivation":
        return None
    _, lsoas = small_area_codes(places.area.code)
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(lsoas),
        IndicatorValue.category_type == "",
    )
    return lsoa_quintiles(indicator, places, rows, current_frames())


def lsoa_quintiles(
    indicator: Indicator, places: Comparators, rows: Sequence[Row], frames: SmallAreaFrames | None
) -> Breakdown | None:
    """:func:`lsoa_deprivation_breakdown` from the indicator's LSOA rows (no categories, oldest first) already read
    and the loaded small-area frames."""
    if indicator.value_type == "count" or indicator.topic == "deprivation":
        return None
    headline = headline_breakdown(rows)
    if headline is None or frames is None:
        return None
    rows = [r for r in rows if (r.sex, r.age) == headline]
    latest = max((r.period_sortable, r.period) for r in rows)
    deciles = frames.lsoa2011["imd_decile"].dropna().to_dict()
    groups: dict[int, list[float]] = defaultdict(list)
    for r in rows:
        decile = deciles.get(r.area_code)
        if (r.period_sortable, r.period) == latest and r.value is not None and not r.suppressed and decile:
            groups[(int(decile) + 1) // 2].append(float(r.value))
    if len(groups) < 2:
        return None
    categories = []
    for quintile in sorted(groups):
        values = groups[quintile]
        row = Row(
            indicator.id, places.area.code, latest[1], latest[0], headline[0], headline[1], IMD_QUINTILE_TYPE,
            QUINTILE_LABELS[quintile - 1], float(median(values)), None, None, None, None, None, None,
            f"Median of {len(values)} small areas", False, True, "",
        )  # fmt: skip
        categories.append(Category(row.category, row))
    return Breakdown("imd-quintile", IMD_QUINTILE_TYPE, places.area.name, latest[1], categories)
