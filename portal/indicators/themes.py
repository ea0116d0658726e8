"""Theme pages: the indicators of one theme of the JSNA (Housing, Employment and economy, Children's social care)
with England and the region beside each, plus figures the theme needs from the small-area data (housing tenure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from portal.charts.tables import format_number, to_csv
from portal.deployment import home_area_code
from portal.indicators.catalogue import area_names, comparators, list_indicators
from portal.indicators.compare import COMPARISON_SHAPES
from portal.indicators.stored_summaries import published_summaries
from portal.indicators.summaries import IndicatorSummary, indicator_summary
from portal.small_areas.facts import CENSUS, CENSUS_SOURCE, HOUSE_PRICE_PERIOD, HOUSE_PRICE_SOURCE
from portal.small_areas.loading import current_frames
from portal.stats.small_areas import TENURE_GROUPS, TenureMix


@dataclass(frozen=True)
class Theme:
    """A theme: its indicators (by id, in order; ids not loaded are listed as missing) or a whole topic."""

    slug: str
    title: str
    description: str
    indicator_ids: tuple[str, ...] = ()
    id_prefix: str = ""  # every published indicator whose id starts with this
    tenure: bool = False
    house_price: bool = False


THEMES: dict[str, Theme] = {
    t.slug: t
    for t in (
        Theme(
            "housing",
            "Housing",
            "House prices, housing tenure and net additions to the housing stock.",
            ("ons-net-additions-housing-stock", "median-house-price-ward", "median-house-price-lsoa"),
            tenure=True,
            house_price=True,
        ),
        Theme(
            "employment-and-economy",
            "Employment and economy",
            "Employment rate, pay, qualifications and productivity, from the ONS subnational indicators.",
            (
                "ons-employment-rate-16-64",
                "ons-median-weekly-pay",
                "ons-level-3-qualifications-16-64",
                "ons-gdhi-per-head",
                "ons-gva-per-hour-worked",
                "ons-apprenticeship-starts",
                "ons-fe-skills-participation-rate",
            ),
        ),
        Theme(
            "childrens-social-care",
            "Children's social care",
            "Children in need and children looked after, from the Department for Education's statistics.",
            id_prefix="dfe-",
        ),
    )
}


@dataclass(frozen=True)
class ThemeFigure:
    """A figure of the theme's small-area table (e.g. a tenure share) with the city and England."""

    label: str
    city: str
    england: str
    period: str
    source: str


@dataclass
class ThemePage:
    """Everything a theme page shows."""

    theme: Theme
    summaries: list[IndicatorSummary]
    missing: list[str]  # indicator ids the theme lists that are not loaded
    figures: list[ThemeFigure] = field(default_factory=list)
    area_name: str = ""
    region_name: str = "Region"

    def shape(self, summary: IndicatorSummary) -> str:
        """The verdict's shape (beside its words and colour)."""
        return COMPARISON_SHAPES[summary.compared_to_england]

    def csv(self) -> str:
        """Exactly the page's tables, as CSV: the indicators, then the small-area figures."""
        header = ["Table", "Figure", "Period", self.area_name, self.region_name, "England"]
        header += ["Compared with England", "Trend"]
        rows = [
            [
                "Indicators",
                s.name + (f" ({s.breakdown})" if s.breakdown else ""),
                s.period or "",
                s.formatted_value,
                s.formatted_region or "No data",
                s.formatted_england or "No data",
                s.england_label,
                s.trend_label,
            ]
            for s in self.summaries
        ]
        rows += [["Small areas", f.label, f.period, f.city, "", f.england, "", ""] for f in self.figures]
        return to_csv(header, rows)


def _percent(value: float | None) -> str:
    return "Not available" if value is None else f"{format_number(value, 1)}%"


def _small_area_figures(theme: Theme) -> list[ThemeFigure]:
    frames = current_frames()
    if frames is None:
        return []
    out = []
    if theme.tenure:
        mixes = [
            TenureMix({key: measures.get(key) or 0.0 for _, (_, keys) in TENURE_GROUPS.items() for key in keys})
            for measures in (frames.city, frames.england)
        ]
        for group, (label, _) in TENURE_GROUPS.items():
            city_share, england_share = (_percent(m.group_share(group)) for m in mixes)
            out.append(ThemeFigure(f"{label} (% of households)", city_share, england_share, CENSUS, CENSUS_SOURCE))
    if theme.house_price:
        prices = [m.get("house_price_median") for m in (frames.city, frames.england)]
        shown = [f"£{format_number(p, 0)}" if p is not None else "Not available" for p in prices]
        out.append(
            ThemeFigure(
                "Median house price (median of the small areas' medians)",
                shown[0],
                shown[1],
                HOUSE_PRICE_PERIOD,
                HOUSE_PRICE_SOURCE,
            )
        )
    return out


def theme_indicator_ids(theme: Theme, published: Sequence[str] | None = None) -> list[str]:
    """The theme's indicator ids in order: those it lists, then every published one with its prefix."""
    ids = list(theme.indicator_ids)
    if theme.id_prefix:
        known = published if published is not None else [i.id for i in list_indicators()]
        ids += [i for i in known if i.startswith(theme.id_prefix) and i not in ids]
    return ids


def theme_page(slug: str) -> ThemePage | None:
    """The theme's page content; None for an unknown theme."""
    theme = THEMES.get(slug)
    if theme is None:
        return None
    ids = theme_indicator_ids(theme)
    summaries, missing = [], []
    stored = published_summaries(ids)
    for indicator_id in ids:
        # Computed only when not stored (a draft or unknown id gives None either way).
        summary = stored.get(indicator_id) or indicator_summary(indicator_id)
        if summary is None:
            missing.append(indicator_id)
        else:
            summaries.append(summary)
    home = home_area_code()
    places = comparators(home)
    region = places.region.name if places is not None and places.region is not None else "Region"
    name = area_names([home]).get(home, home)
    return ThemePage(theme, summaries, missing, _small_area_figures(theme), name, region)
