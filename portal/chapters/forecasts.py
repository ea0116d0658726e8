"""Glue between the key dataset's rows and the pure projections in ``portal.stats.forecast``.

A chapter's "Future need" shows, for each linked indicator with at least 2 recorded periods for the home area
(persons, no breakdown), a projection 3 periods ahead with 80% and 95% prediction intervals calibrated on
rolling-origin backtests (a series too short to backtest gets no interval, and says so), and a simple
ageing-on projection of the population in the chapter's age bands from the ONS mid-2022 single-year-of-age
estimates. Results are plain JSON-ready dicts, cached on the chapter and keyed by a version of the data behind them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from portal.chapters.common import commit
from portal.charts.tables import format_number
from portal.deployment import home_area_code
from portal.extensions import db
from portal.models import Chapter, Indicator, IndicatorValue
from portal.stats.forecast import (
    AGEING_ON_LABEL,
    MODEL_WORDS,
    period_span,
    population_in_age_band,
    project_indicator,
    project_population_ageing_on,
)

# Bump when the shape or method of the cached projections changes, so old caches are recomputed.
ALGORITHM_VERSION = "2"
# The fewest recorded values projected at all: shorter series than portal.stats.forecast.MIN_POINTS are projected
# naively with no interval and a sentence saying why.
MIN_PROJECTED = 2
HORIZON = 3
POPULATION_INDICATOR = "ons-mye-2022-population"
# Ageing-on ignores deaths and migration, so its error grows every year: keep the horizon short.
POPULATION_YEARS = 5
OLDEST_AGE = 90
PERSONS = "Persons"
ALL_AGES = "All ages"

_AGE_BAND = re.compile(r"^(\d{1,3})\s*(?:(\+)|(?:-|–|to)\s*(\d{1,3}))$")


class AgeBandError(ValueError):
    """Age bands typed in a form that cannot be read."""


@dataclass(frozen=True)
class Series:
    """An indicator's recorded values for one area, oldest first."""

    periods: list[str]
    sortable: list[int]
    values: list[float]
    age: str


# Age bands ---------------------------------------------------------------------------------------------------------


def parse_age_bands(text: str) -> list[tuple[int, int | None]]:
    """Read "0-17, 65+" as [(0, 17), (65, None)]; raise AgeBandError with a GOV.UK-style message otherwise."""
    bands: list[tuple[int, int | None]] = []
    for raw in re.split(r"[,;\n]", text or ""):
        part = raw.strip()
        if not part:
            continue
        match = _AGE_BAND.match(part)
        if not match:
            raise AgeBandError(f"Enter age bands like 0-17, 18-64, 65+ (“{part[:20]}” is not an age band)")
        lo = int(match.group(1))
        hi = None if match.group(2) else int(match.group(3))
        if lo > OLDEST_AGE:
            raise AgeBandError(f"Age bands must start at {OLDEST_AGE} or younger")
        if hi is not None and hi < lo:
            raise AgeBandError(f"The second age in {part} must be the same as or older than the first")
        if hi is not None and hi >= OLDEST_AGE:
            hi = None  # the estimates' oldest age is "90 and over"
        if (lo, hi) not in bands:
            bands.append((lo, hi))
    if len(bands) > 6:
        raise AgeBandError("Enter 6 age bands or fewer")
    return bands


def band_label(band: tuple[int, int | None]) -> str:
    """(65, None) → "65+", (0, 17) → "0-17"."""
    lo, hi = band
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def format_age_bands(bands: list[tuple[int, int | None]]) -> str:
    """The canonical text of parsed age bands."""
    return ", ".join(band_label(b) for b in bands)


def age_bands_from_codes(codes: list[str]) -> str:
    """Best-effort age bands from a proposal's age-group codes ("0_4", "65_plus", "18-24" …); unknown codes skipped."""
    bands: list[tuple[int, int | None]] = []
    for code in codes:
        numbers = [int(n) for n in re.findall(r"\d{1,2}", code)]
        if len(numbers) >= 2 and numbers[1] >= numbers[0]:
            band: tuple[int, int | None] = (numbers[0], None if numbers[1] >= OLDEST_AGE else numbers[1])
        elif len(numbers) == 1 and re.search(r"plus|\+|over|older", code, re.IGNORECASE):
            band = (numbers[0], None)
        else:
            continue
        if band[0] <= OLDEST_AGE and band not in bands:
            bands.append(band)
    return format_age_bands(bands[:6])


# Series from the database ------------------------------------------------------------------------------------------


def home_series(indicator_id: str, area_code: str) -> Series | None:
    """The area's persons series with no breakdown (the "All ages" one where an indicator has several)."""
    rows = db.session.execute(
        select(IndicatorValue.period, IndicatorValue.period_sortable, IndicatorValue.value, IndicatorValue.age)
        .where(
            IndicatorValue.indicator_id == indicator_id,
            IndicatorValue.area_code == area_code,
            IndicatorValue.sex == PERSONS,
            IndicatorValue.category_type == "",
            IndicatorValue.value.is_not(None),
        )
        .order_by(IndicatorValue.period_sortable, IndicatorValue.period)
    ).all()
    if not rows:
        return None
    ages = Counter(row.age for row in rows)
    age = ALL_AGES if ALL_AGES in ages else ages.most_common(1)[0][0]
    chosen = [row for row in rows if row.age == age and row.value is not None and math.isfinite(row.value)]
    return Series(
        periods=[row.period for row in chosen],
        sortable=[int(row.period_sortable) for row in chosen],
        values=[float(row.value) for row in chosen],
        age=age,
    )


def _x_values(series: Series) -> tuple[list[int], bool]:
    """Years to project on when each period has its own year; otherwise positions (and False)."""
    years = [s // 10000 for s in series.sortable]
    if all(y > 0 for y in years) and all(b > a for a, b in pairwise(years)):
        return years, True
    return list(range(len(series.periods))), False


_YEAR_PAIR = re.compile(r"((?:19|20)\d\d)(\s*[/-]\s*)(\d\d)(?!\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")


def shift_period_label(label: str, years: int) -> str:
    """ "2022/23" + 2 → "2024/25", "2019 - 21" + 1 → "2020 - 22", "2023" + 3 → "2026"."""

    def pair(match: re.Match[str]) -> str:
        start = int(match.group(1)) + years
        end = (int(match.group(3)) + years) % 100
        return f"{start}{match.group(2)}{end:02d}"

    if _YEAR_PAIR.search(label):
        return _YEAR_PAIR.sub(pair, label)
    return _YEAR.sub(lambda m: str(int(m.group(0)) + years), label)


def future_labels(series: Series, future_x: list[int], by_year: bool) -> list[str]:
    """Labels for the projected periods, in the series' own style."""
    last = series.periods[-1]
    if by_year and _YEAR.search(last):
        last_year = series.sortable[-1] // 10000
        return [shift_period_label(last, int(x) - last_year) for x in future_x]
    return [f"{last} + {i}" for i in range(1, len(future_x) + 1)]


def _band(values: Any) -> list[float | None]:
    """A band as JSON-ready floats; a missing bound (NaN) becomes None, which JSON columns can store."""
    return [float(v) if math.isfinite(v) else None for v in values]


def project_series(indicator: Indicator, area_code: str) -> dict[str, Any]:
    """The projection of one indicator for the area as a JSON-ready dict, or a dict saying why there is none."""
    base = {"indicator_id": indicator.id, "name": indicator.name, "unit": indicator.unit or ""}
    series = home_series(indicator.id, area_code)
    if series is None or len(series.values) < MIN_PROJECTED:
        count = 0 if series is None else len(series.values)
        return base | {
            "skipped": f"It has {count} recorded period{'s' if count != 1 else ''} for the area; "
            f"a projection needs at least {MIN_PROJECTED}."
        }
    x, by_year = _x_values(series)
    try:
        projection = project_indicator(
            x,
            series.values,
            horizon=HORIZON,
            value_type=indicator.value_type,
            span=period_span(series.periods[-1]),
        )
    except ValueError as error:
        return base | {"skipped": f"It could not be projected ({error})."}
    future_x = [int(v) for v in projection.future_periods]
    return base | {
        "age": series.age,
        "periods": series.periods,
        "values": series.values,
        "future_periods": future_labels(series, future_x, by_year),
        "point": [float(v) for v in projection.point],
        "lower80": _band(projection.lower80),
        "upper80": _band(projection.upper80),
        "lower95": _band(projection.lower95),
        "upper95": _band(projection.upper95),
        "model": projection.model,
        "model_words": MODEL_WORDS[projection.model],
        "backtest_error": None if projection.too_short else float(projection.backtest_error),
        "backtest_metric": projection.backtest_metric,
        "sentence": projection.sentence,
        "too_short": projection.too_short,
        "coverage80": projection.coverage80,
        "coverage95": projection.coverage95,
    }


def population_by_age(area_code: str) -> tuple[int, dict[int, float]] | None:
    """The base year and persons by single year of age (90 = 90 and over) from the ONS mid-year estimates."""
    rows = db.session.execute(
        select(IndicatorValue.period, IndicatorValue.age, IndicatorValue.value).where(
            IndicatorValue.indicator_id == POPULATION_INDICATOR,
            IndicatorValue.area_code == area_code,
            IndicatorValue.sex == PERSONS,
            IndicatorValue.category_type == "",
            IndicatorValue.value.is_not(None),
        )
    ).all()
    by_period: dict[str, dict[int, float]] = {}
    for row in rows:
        age = str(row.age).strip()
        if age.endswith("+"):
            age = age[:-1]
        if not age.isdigit():
            continue  # "All ages" totals
        by_period.setdefault(row.period, {})[min(int(age), OLDEST_AGE)] = float(row.value)
    if not by_period:
        return None
    period = max(by_period, key=lambda p: (_YEAR.search(p) is not None, p))
    found = _YEAR.search(period)
    return (int(found.group(0)) if found else 0), by_period[period]


def project_population(age_bands: str, area_code: str) -> dict[str, Any] | None:
    """The simple ageing-on projection for each age band, or None when there are no bands or no estimates."""
    try:
        bands = parse_age_bands(age_bands)
    except AgeBandError:
        return None
    if not bands:
        return None
    found = population_by_age(area_code)
    if found is None:
        return {"skipped": "The ONS mid-year population estimates for the area have not been loaded."}
    base_year, counts = found
    frame = project_population_ageing_on(counts, POPULATION_YEARS, max_age=OLDEST_AGE)
    return {
        "base_year": base_year,
        "years": [base_year + n for n in range(POPULATION_YEARS + 1)],
        "bands": [
            {
                "label": band_label(band),
                "values": [float(v) for v in population_in_age_band(frame, band[0], band[1]).to_numpy()],
            }
            for band in bands
        ],
        "method": str(frame.attrs.get("method", AGEING_ON_LABEL)),
    }


# Cache -------------------------------------------------------------------------------------------------------------


def data_version(indicator_ids: list[str], age_bands: str, area_code: str) -> str:
    """A digest of everything the projections depend on: changes when any series behind them changes."""
    ids = [*indicator_ids, POPULATION_INDICATOR]
    rows = db.session.execute(
        select(
            IndicatorValue.indicator_id,
            func.count(),
            func.max(IndicatorValue.data_import_id),
            func.max(IndicatorValue.period_sortable),
            func.sum(IndicatorValue.value),
        )
        .where(IndicatorValue.indicator_id.in_(ids), IndicatorValue.area_code == area_code)
        .group_by(IndicatorValue.indicator_id)
        .order_by(IndicatorValue.indicator_id)
    ).all()
    payload = json.dumps(
        [ALGORITHM_VERSION, area_code, indicator_ids, age_bands, [[str(c) for c in row] for row in rows]]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def compute_projections(indicators: list[Indicator], age_bands: str, area_code: str) -> dict[str, Any]:
    """Every projection a chapter shows: one per linked indicator, and the population by age band."""
    return {
        "indicators": [project_series(indicator, area_code) for indicator in indicators],
        "population": project_population(age_bands, area_code),
    }


# A chapter's cached projections ------------------------------------------------------------------------------------


def _linked_indicators(chapter: Chapter) -> list[Indicator]:
    """The indicators a chapter projects, in its order."""
    return [link.indicator for link in chapter.indicator_links]


def refresh_projections(chapter: Chapter, *, force: bool = False) -> dict[str, Any]:
    """Recompute the chapter's projections when the data behind them changed (the caller commits)."""
    area = home_area_code()
    ids = [link.indicator_id for link in chapter.indicator_links]
    version = data_version(ids, chapter.age_bands, area)
    if not force and chapter.projections is not None and chapter.projections_version == version:
        return chapter.projections
    chapter.projections = compute_projections(_linked_indicators(chapter), chapter.age_bands, area)
    chapter.projections_version = version
    return chapter.projections


def projections_for(chapter: Chapter) -> dict[str, Any]:
    """The chapter's projections, from the cache while the data is unchanged (else recomputed and saved)."""
    before = chapter.projections_version
    projections = refresh_projections(chapter)
    if chapter.projections_version != before:
        commit()
    return projections


def projection_for(chapter: Chapter, indicator_id: str) -> dict[str, Any]:
    """One indicator's projection, else 404 when the chapter does not project it."""
    for item in projections_for(chapter)["indicators"]:
        if item["indicator_id"] == indicator_id and "skipped" not in item:
            return item
    raise NotFound()


def population_for(chapter: Chapter) -> dict[str, Any]:
    """The population projection, else 404 when there is none."""
    population = projections_for(chapter).get("population")
    if not population or "skipped" in population:
        raise NotFound()
    return population


# Tables (the HTML table and the CSV show exactly what the charts draw) --------------------------------------------

PROJECTION_COLUMNS: list[str] = [
    "Period",
    "Shown as",
    "Value",
    "80% interval: lower",
    "80% interval: upper",
    "95% interval: lower",
    "95% interval: upper",
]


def _decimals(values: list[float]) -> int:
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    largest = max(finite, default=0.0)
    return 0 if largest >= 1000 else 1 if largest >= 10 else 2


def projection_rows(item: dict[str, Any], *, separators: bool = True) -> list[list[str]]:
    """Recorded values then projected ones with their intervals, formatted for a table or a CSV."""
    decimals = _decimals([*item["values"], *item["upper95"], *item["lower95"]])

    def fmt(value: float | None) -> str:
        return format_number(value, decimals, separators=separators)

    rows = [
        [period, "Recorded", fmt(value), "", "", "", ""]
        for period, value in zip(item["periods"], item["values"], strict=True)
    ]
    # A series too short to backtest has no interval: its bounds are None and the cells stay empty.
    for index, period in enumerate(item["future_periods"]):
        rows.append(
            [
                period,
                "Projection",
                fmt(item["point"][index]),
                fmt(item["lower80"][index]),
                fmt(item["upper80"][index]),
                fmt(item["lower95"][index]),
                fmt(item["upper95"][index]),
            ]
        )
    return rows


def population_columns(population: dict[str, Any]) -> list[str]:
    """Year, how the row was made, then one column per age band."""
    return ["Year", "Shown as", *[f"Aged {band['label']}" for band in population["bands"]]]


def population_rows(population: dict[str, Any], *, separators: bool = True) -> list[list[str]]:
    """One row per year: the base year's estimate, then the simple projection."""
    rows = []
    for index, year in enumerate(population["years"]):
        kind = "Estimate" if index == 0 else "Simple projection"
        values = [format_number(band["values"][index], 0, separators=separators) for band in population["bands"]]
        rows.append([str(year), kind, *values])
    return rows
