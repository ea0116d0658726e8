"""The overview's spine chart: for each indicator compared with England in its latest period, where the home area
sits within the range of every upper-tier local authority in England that the portal holds a value for (Fingertips'
area-profile spine chart), with the table and CSV of exactly what it draws, and the overview's filters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bokeh.model import Model
from sqlalchemy import select

from portal.charts.spine import SpineBar, spine_chart
from portal.charts.tables import format_number, to_csv
from portal.extensions import db
from portal.indicators.catalogue import TOPIC_LABELS, list_indicators
from portal.indicators.compare import COMPARISON_SHAPES
from portal.indicators.formatting import decimals_for, format_value
from portal.indicators.reference_data import reference_areas
from portal.indicators.spine_values import UPPER_TIER, SpineFacts, facts_for, spine_key
from portal.indicators.stored_summaries import stored_spine_facts
from portal.indicators.summaries import IndicatorSummary
from portal.indicators.summary_cache import overview as indicator_overview
from portal.indicators.themes import THEMES, theme_indicator_ids
from portal.models import Indicator
from portal.stats.comparison import Comparison, Polarity
from portal.stats.spine import Band, OrientedRange, SpinePositions, SpineRange, band, orient, positions

VIEWS = ("table", "spine")

# ---------------------------------------------------------------------------------------------------------------
# The overview's filters


@dataclass(frozen=True)
class OverviewFilters:
    """The overview's filters as asked for in the query string; anything unknown is dropped, not an error."""

    topic: str = ""
    theme: str = ""
    significance: str = ""
    view: str = "table"

    @classmethod
    def from_args(cls, args: Any) -> OverviewFilters:
        """Read ``?topic=&theme=&significance=&view=`` keeping only values the overview knows."""
        topic, theme = args.get("topic", ""), args.get("theme", "")
        significance, view = args.get("significance", ""), args.get("view", "")
        return cls(
            topic=topic if topic in TOPIC_LABELS else "",
            theme=theme if theme in THEMES else "",
            significance=significance if significance in {c.value for c in Comparison} else "",
            view=view if view in VIEWS else "table",
        )

    @property
    def active(self) -> bool:
        """True when any filter narrows the list (the view is not a filter)."""
        return bool(self.topic or self.theme or self.significance)

    def query(self, **changes: str) -> dict[str, str]:
        """The non-empty query parameters, with ``changes`` applied (for links that keep the other choices)."""
        values = {"topic": self.topic, "theme": self.theme, "significance": self.significance, "view": self.view}
        values.update(changes)
        if values.get("view") == "table":
            values.pop("view")
        return {k: v for k, v in values.items() if v}

    @property
    def key(self) -> str:
        """The filters as part of a cache key (only known values ever get here)."""
        return f"{self.topic}:{self.theme}:{self.significance}"


def filtered_overview(filters: OverviewFilters) -> list[tuple[str, list[IndicatorSummary]]]:
    """The overview's groups of summaries, narrowed by topic, theme and verdict."""
    groups = indicator_overview(filters.topic or None, filters.significance or None)
    if not filters.theme:
        return groups
    wanted = set(theme_indicator_ids(THEMES[filters.theme], [i.id for i in list_indicators()]))
    narrowed = [(topic, [s for s in items if s.indicator_id in wanted]) for topic, items in groups]
    return [(topic, items) for topic, items in narrowed if items]


# ---------------------------------------------------------------------------------------------------------------
# The spine chart


def current_authority_count() -> int:
    """How many upper-tier and unitary authorities England has today (from the shipped register)."""
    return sum(1 for a in reference_areas() if a["area_type"] == UPPER_TIER)


@dataclass(frozen=True)
class SpineRow:
    """One indicator's place in the national range (``spread`` is None when too few authorities have a value)."""

    summary: IndicatorSummary
    indicator: Indicator
    authorities: int  # upper-tier authorities with a value for the same period, sex and age
    spread: SpineRange | None
    ordered: OrientedRange | None
    placed: SpinePositions | None
    quarter: Band | None
    position: int | None  # rank, 1 = best (highest where neither is better)

    def text(self, value: float | None, *, unit: bool = True) -> str:
        """A value formatted for this indicator."""
        return format_value(value, self.indicator, with_unit=unit)

    @property
    def shape(self) -> str:
        """The verdict's shape, beside its words and colour."""
        return COMPARISON_SHAPES[self.summary.compared_to_england]

    @property
    def judged(self) -> bool:
        """True when a higher or a lower value is better."""
        return self.summary.polarity is not Polarity.NO_JUDGEMENT

    @property
    def rank_text(self) -> str:
        """ "ranked 140th of 150, 1st = best" or "ranked 3rd highest of 150"."""
        if self.position is None or self.spread is None:
            return ""
        if self.judged:
            return f"ranked {ordinal(self.position)} of {self.spread.count}, 1st = best"
        return f"ranked {ordinal(self.position)} highest of {self.spread.count}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st…"""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


SPINE_COLUMNS: list[tuple[str, bool]] = [
    ("Indicator", False),
    ("Period", False),
    ("AREA", True),
    ("England", True),
    ("Worst or lowest", True),
    ("25th percentile", True),
    ("Median", True),
    ("75th percentile", True),
    ("Best or highest", True),
    ("Authorities with a value", False),
    ("Compared with England", False),
    ("Where AREA sits", False),
]


@dataclass
class Spine:
    """The spine chart of the filtered overview: drawn rows, the rows it cannot draw, the table, CSV and figure."""

    area_name: str
    total_authorities: int
    rows: list[SpineRow]  # drawn: a national range exists
    undrawn: list[SpineRow] = field(default_factory=list)  # compared with England, but too few authorities
    title: str = ""

    @property
    def table_columns(self) -> list[dict[str, Any]]:
        """Columns for the ``chart_table`` macro."""
        return [{"text": text.replace("AREA", self.area_name), "numeric": numeric} for text, numeric in SPINE_COLUMNS]

    def _cells(self, separators: bool) -> list[list[str]]:
        out = []
        for row in self.rows:
            assert row.spread is not None and row.ordered is not None
            s, o, decimals = row.summary, row.ordered, decimals_for(row.indicator)
            numbers = [s.value, s.england_value, o.worst, o.worse_quartile, o.median, o.better_quartile, o.best]
            name = s.name + (f" ({s.breakdown})" if s.breakdown else "") + (f", {s.unit_label}" if s.unit_label else "")
            out.append(
                [name, s.period or ""]
                + [format_number(n, decimals, separators=separators) for n in numbers]
                + [
                    f"{row.spread.count} of {self.total_authorities}",
                    f"{row.shape} {s.england_label}",
                    f"{row.quarter.value[0].upper()}{row.quarter.value[1:]}, {row.rank_text}" if row.quarter else "",
                ]
            )
        return out

    @property
    def table_rows(self) -> list[list[str]]:
        """The drawn rows as the HTML table shows them."""
        return self._cells(separators=True)

    def csv(self) -> str:
        """Exactly the table, as CSV."""
        return to_csv([c["text"] for c in self.table_columns], self._cells(separators=False))

    @property
    def incomplete(self) -> list[SpineRow]:
        """Drawn rows whose range lacks some of today's authorities."""
        return [r for r in self.rows if r.spread is not None and r.spread.count < self.total_authorities]

    @property
    def quarters(self) -> list[tuple[str, int]]:
        """How many drawn indicators fall in each quarter, in the order worst to best, then lowest to highest."""
        counts = Counter(r.quarter for r in self.rows if r.quarter is not None)
        return [(b.value, counts[b]) for b in Band if counts[b]]

    @property
    def reading(self) -> str:
        """A plain-English summary of the whole chart."""
        if not self.rows:
            return (
                "No indicator in this list has both an England value and a national range to compare "
                f"{self.area_name} with."
            )
        judged = [r for r in self.rows if r.judged]
        worst = sum(1 for r in judged if r.quarter is Band.WORST)
        best = sum(1 for r in judged if r.quarter is Band.BEST)
        text = (
            f"Of {len(self.rows)} {'indicator' if len(self.rows) == 1 else 'indicators'} with a national range, "
            f"{self.area_name} is among the worst quarter of authorities for {worst} and among the best quarter for "
            f"{best}"
        )
        if len(judged) < len(self.rows):
            text += f"; {len(self.rows) - len(judged)} of them have no better or worse direction"
        text += "."
        if self.incomplete:
            low = min(r.spread.count for r in self.incomplete if r.spread is not None)
            text += (
                f" The portal does not hold every authority's value for {len(self.incomplete)} of them: their ranges "
                f"cover as few as {low} of England's {self.total_authorities} upper-tier authorities."
            )
        return text

    def build(self) -> Model:
        """The Bokeh figure."""
        bars = [
            SpineBar(
                label=row.summary.name,
                worst=row.placed.worst,
                worse_quartile=row.placed.worse_quartile,
                better_quartile=row.placed.better_quartile,
                best=row.placed.best,
                area=row.placed.area,
                verdict=row.summary.compared_to_england.value,
                area_text=f"{row.summary.formatted_value} ({row.summary.england_label})",
                england_text=row.summary.formatted_england,
                range_text=f"{row.text(row.ordered.worst)} to {row.text(row.ordered.best)}, "
                f"{row.spread.count} authorities",
            )
            for row in self.rows
            if row.placed is not None and row.ordered is not None and row.spread is not None
        ]
        return spine_chart(self.title, bars, self.area_name)


def spine_row(summary: IndicatorSummary, indicator: Indicator, facts: SpineFacts) -> SpineRow:
    """One indicator's spine row from its place among the authorities (the home area among them)."""
    spread = facts.spread
    if spread is None or summary.value is None or summary.england_value is None:
        return SpineRow(summary, indicator, facts.authorities, None, None, None, None, None)
    polarity = summary.polarity
    return SpineRow(
        summary,
        indicator,
        facts.authorities,
        spread,
        orient(spread, polarity),
        positions(spread, summary.value, summary.england_value, polarity),
        band(spread, summary.value, polarity),
        facts.position,
    )


def build_spine(groups: list[tuple[str, list[IndicatorSummary]]], area_name: str) -> Spine:
    """The spine of every summary with a value and England's value for its latest period, in the overview's order
    (counts excepted: England's total is no benchmark for an authority's count)."""
    compared = [(s, key) for _, items in groups for s in items if (key := spine_key(s)) is not None]
    ids = [s.indicator_id for s, _ in compared]
    # Stored with the summaries when the data was imported; computed only for summaries stored before they were.
    stored = stored_spine_facts(ids)
    computed = facts_for([s for s, _ in compared if s.indicator_id not in stored])
    indicators = {i.id: i for i in db.session.scalars(select(Indicator).where(Indicator.id.in_(ids)))}
    title = f"{area_name} within the range of English authorities"
    spine = Spine(area_name, current_authority_count(), [], title=title)
    for summary, key in compared:
        facts = stored.get(summary.indicator_id) or computed[key]
        row = spine_row(summary, indicators[summary.indicator_id], facts)
        (spine.rows if row.spread is not None else spine.undrawn).append(row)
    return spine
