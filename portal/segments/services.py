"""What the segment pages show: each chart's and table's rows (shared by the HTML table, the CSV and the figure)."""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bokeh
from bokeh.model import Model
from shapely.geometry import LinearRing
from sqlalchemy import select

from portal.charts.category_map import AreaShape, category_map
from portal.charts.chart_data import ChartData, Column
from portal.charts.profile import deviation_chart, profile_grid
from portal.extensions import db
from portal.importers.base import DATA_DIR
from portal.importers.boundaries import read_geojson_boundaries
from portal.importers.lsoa_wards import LSOA_BOUNDARIES
from portal.models import LsoaWard, Segment, SegmentationRun, SegmentMember
from portal.small_areas.loading import current_frames
from portal.small_areas.segmenting import get_segment as _get_segment
from portal.small_areas.segmenting import latest_run, list_runs
from portal.stats.segmentation import FEATURE_BY_KEY, FEATURES, THEMES

TYPICAL_SHOWN = 5
MIXED = "Two types (a 2011 area split in 2021)"


def _code_version() -> str:
    """A fingerprint of the chart builders and this module, so a deployment never serves charts drawn by old code."""
    import portal.charts

    digest = hashlib.sha256()
    for path in [*sorted(Path(portal.charts.__file__).parent.glob("*.py")), Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


def data_version(run: SegmentationRun) -> str:
    """Changes whenever the run, its data or the drawing code does."""
    text = f"{run.id}|{run.created_at.isoformat()}|{run.data_checksum}|{CODE_VERSION}|{bokeh.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def type_name(segment: Segment) -> str:
    """ "Type 2", as pages and legends call a segment."""
    return f"Type {segment.number}"


def short_label(key: str) -> str:
    """A feature's name without its unit note, for chart axes."""
    return FEATURE_BY_KEY[key].label.split(" (")[0]


def feature_decimals(key: str) -> int:
    """Whole pounds; one decimal for percentages and percentiles."""
    return 0 if FEATURE_BY_KEY[key].unit == "£" else 1


def unit_label(key: str) -> str:
    """The unit in words for table headers."""
    return {"%": "%", "percentile": "percentile", "£": "£"}[FEATURE_BY_KEY[key].unit]


# Map outlines are simplified to about 5 metres and rounded to about 1 metre: invisible at a city's scale, and the
# chart's JSON is a third of the size.
MAP_TOLERANCE = 0.00005
MAP_DECIMALS = 5


@functools.cache
def lsoa_boundaries() -> dict[str, tuple[str, list]]:
    """The shipped 2011 LSOA boundaries, simplified for drawing: code → (name, rings)."""
    found = read_geojson_boundaries(DATA_DIR / LSOA_BOUNDARIES, "LSOA11CD", "LSOA11NM")
    out = {}
    for boundary in found:
        rings = []
        for ring in boundary.rings:
            simple = LinearRing(ring).simplify(MAP_TOLERANCE, preserve_topology=True)
            rings.append([[round(x, MAP_DECIMALS), round(y, MAP_DECIMALS)] for x, y in simple.coords])
        out[boundary.code] = (boundary.name, rings)
    return out


@dataclass(frozen=True)
class Neighbourhood:
    """A 2021 LSOA as pages list it."""

    code: str
    name: str
    ward: str
    segment_number: int


def _lookup_2021() -> dict[str, LsoaWard]:
    rows = db.session.scalars(select(LsoaWard).where(LsoaWard.vintage == 2021))
    return {r.lsoa_code: r for r in rows}


def neighbourhoods(run: SegmentationRun) -> list[Neighbourhood]:
    """Every LSOA of the run with its name, ward and segment, by ward then name."""
    lookup = _lookup_2021()
    members = db.session.execute(
        select(SegmentMember.lsoa_code, Segment.number)
        .join(Segment, SegmentMember.segment_id == Segment.id)
        .where(SegmentMember.run_id == run.id)
    ).all()
    out = []
    for code, number in members:
        row = lookup.get(code)
        out.append(Neighbourhood(code, row.lsoa_name if row else code, row.ward_name if row else "", number))
    return sorted(out, key=lambda n: (n.ward, n.name))


def _map_chart(run: SegmentationRun, highlight: Segment | None = None) -> ChartData | None:
    boundaries = lsoa_boundaries()
    lookup = _lookup_2021()
    places = neighbourhoods(run)
    by_segment = {s.number: s for s in run.segments}
    legend = {s.number: f"{type_name(s)}: {s.description}" for s in run.segments}
    parts: dict[str, list[int]] = {}
    for place in places:
        parent = lookup[place.code].parent_lsoa11_code if place.code in lookup else place.code
        parts.setdefault(parent, []).append(place.segment_number)
    shapes = []
    for code, numbers in sorted(parts.items()):
        if code not in boundaries:
            continue
        name, rings = boundaries[code]
        category = legend[numbers[0]] if len(set(numbers)) == 1 else MIXED
        shapes.append(AreaShape(code, name, rings, category))
    if not shapes:
        return None
    categories = [legend[n] for n in sorted(by_segment)]
    if any(s.category == MIXED for s in shapes):
        categories.append(MIXED)
    if highlight is None:
        title = f"Neighbourhood types in the city: {run.k} types of {run.lsoa_count} small areas"
        summary = (
            "Map of the city's small areas (LSOAs), each coloured by its neighbourhood type; the legend names each "
            "type. The table lists every small area with its ward and type."
        )
        rows = [
            [p.code, p.name, p.ward, type_name(by_segment[p.segment_number]), by_segment[p.segment_number].description]
            for p in places
        ]
        columns = [
            Column("Small area code"),
            Column("Small area"),
            Column("Ward"),
            Column("Type"),
            Column("Description"),
        ]
    else:
        title = f"Where {type_name(highlight).lower()} neighbourhoods are"
        summary = (
            f"Map of the city's small areas with the {highlight.lsoa_count} of {type_name(highlight).lower()} "
            "coloured and the rest pale. The table lists them with their ward."
        )
        chosen = [p for p in places if p.segment_number == highlight.number]
        rows = [[p.code, p.name, p.ward] for p in chosen]
        columns = [Column("Small area code"), Column("Small area"), Column("Ward")]
    highlighted = legend[highlight.number] if highlight is not None else None

    def build() -> Model:
        return category_map(title, shapes, categories, highlight=highlighted)

    note = ""
    if any(s.category == MIXED for s in shapes):
        note = (
            "Boundaries of the 2021 small areas are not shipped: each is drawn with its 2011 shape. Where ONS split a "
            "2011 area in two and the halves are of different types, the shape is marked as two types."
        )
    return ChartData("map", title, summary, columns, rows, build, note)


def _profile_rows(segment: Segment, run: SegmentationRun) -> list[list[Any]]:
    city = {f["key"]: f["city_mean"] for f in run.features}
    return [
        [
            short_label(f.key) + f" ({unit_label(f.key)})",
            segment.profile[f.key]["mean"],
            city[f.key],
            segment.profile[f.key]["z"],
        ]
        for f in FEATURES
    ]


def profile_chart(segment: Segment) -> ChartData:
    """How one type differs from the city: a bar per feature, in standard deviations."""
    run = segment.run
    title = f"{type_name(segment)} compared with the city average"
    columns = [
        Column("Measure"),
        Column("This type (average of its small areas)", 1),
        Column("City (average of all its small areas)", 1),
        Column("Difference (standard deviations)", 2),
    ]
    rows = _profile_rows(segment, run)
    labels = [short_label(f.key) for f in FEATURES]
    values = [segment.profile[f.key]["z"] for f in FEATURES]

    def build() -> Model:
        return deviation_chart(title, labels, values)

    summary = (
        "Bar chart of how far this type's average is above (right) or below (left) the city's on each measure, in "
        "standard deviations of the city's small areas."
    )
    return ChartData("profile", title, summary, columns, rows, build)


def profiles_chart(run: SegmentationRun) -> ChartData:
    """Every type against the city: a grid of differences, with averages in the table."""
    segments = list(run.segments)
    title = "How each neighbourhood type differs from the city average"
    columns = [Column("Measure"), Column("City average", 1)]
    for s in segments:
        columns += [Column(f"{type_name(s)} average", 1), Column(f"{type_name(s)} difference (SD)", 2)]
    city = {f["key"]: f["city_mean"] for f in run.features}
    rows = []
    for f in FEATURES:
        row: list[Any] = [short_label(f.key) + f" ({unit_label(f.key)})", city[f.key]]
        for s in segments:
            row += [s.profile[f.key]["mean"], s.profile[f.key]["z"]]
        rows.append(row)
    measures = [short_label(f.key) for f in FEATURES]
    groups = [type_name(s) for s in segments]
    values = [[s.profile[f.key]["z"] for f in FEATURES] for s in segments]

    def build() -> Model:
        return profile_grid(title, measures, groups, values)

    summary = (
        "Grid of measures (rows) by type (columns): each cell gives how far the type's average is above (+) or "
        "below (−) the city's, in standard deviations; larger squares are larger differences."
    )
    return ChartData("profiles", title, summary, columns, rows, build)


def sizes_table(run: SegmentationRun) -> ChartData:
    """Each type's size in small areas and people, with its description."""
    total = sum(s.population for s in run.segments) or 1.0
    rows = [[type_name(s), s.description, s.lsoa_count, s.population, s.population / total * 100] for s in run.segments]
    columns = [
        Column("Type"),
        Column("Description"),
        Column("Small areas", 0),
        Column("People (Census 2021)", 0),
        Column("Share of the city's people (%)", 1),
    ]
    return ChartData("sizes", "Neighbourhood types and their size", "", columns, rows)


def wards_table(segment: Segment) -> ChartData:
    """The wards a type covers: its small areas and people in each, and their share of the ward's people."""
    frames = current_frames()
    people = frames.lsoa2021["total"].to_dict() if frames is not None else {}
    places = neighbourhoods(segment.run)
    by_ward: dict[str, dict[str, float]] = {}
    for place in places:
        ward = by_ward.setdefault(place.ward, {"lsoas": 0, "all": 0, "people": 0.0, "ward_people": 0.0})
        ward["all"] += 1
        ward["ward_people"] += people.get(place.code, 0.0)
        if place.segment_number == segment.number:
            ward["lsoas"] += 1
            ward["people"] += people.get(place.code, 0.0)
    rows = [
        [name, w["lsoas"], w["all"], w["people"], w["people"] / w["ward_people"] * 100 if w["ward_people"] else None]
        for name, w in sorted(by_ward.items(), key=lambda item: (-item[1]["people"], item[0]))
        if w["lsoas"]
    ]
    columns = [
        Column("Ward"),
        Column("Small areas of this type", 0),
        Column("Small areas in the ward", 0),
        Column("People in them (Census 2021)", 0),
        Column("Share of the ward's people (%)", 1),
    ]
    return ChartData("wards", f"Wards with {type_name(segment).lower()} neighbourhoods", "", columns, rows)


def typical_neighbourhoods(segment: Segment, count: int = TYPICAL_SHOWN) -> list[Neighbourhood]:
    """The small areas most typical of the type (nearest its centre), most typical first."""
    lookup = _lookup_2021()
    out = []
    for member in segment.members[:count]:
        row = lookup.get(member.lsoa_code)
        out.append(
            Neighbourhood(
                member.lsoa_code,
                row.lsoa_name if row else member.lsoa_code,
                row.ward_name if row else "",
                segment.number,
            )
        )
    return out


def most_similar_type(segment: Segment) -> Segment | None:
    """The other type of the run whose profile is closest (weighted z-scores, as the clustering measures it)."""
    weights = {f["key"]: f["weight"] for f in segment.run.features}

    def distance(other: Segment) -> float:
        return math.sqrt(sum((weights[k] * (segment.profile[k]["z"] - other.profile[k]["z"])) ** 2 for k in weights))

    others = [s for s in segment.run.segments if s.id != segment.id]
    return min(others, key=distance) if others else None


def candidates_table(run: SegmentationRun) -> ChartData:
    """Each number of types tried: its silhouette and its stability across seeds."""
    rows = [
        [f"{c['k']}{' (chosen)' if c['k'] == run.k else ''}", c["silhouette"], c["mean_ari"], c["min_ari"]]
        for c in run.candidates
    ]
    columns = [
        Column("Number of types"),
        Column("Average silhouette width", 3),
        Column(f"Adjusted Rand index, mean of {run.stability_seeds} other seeds", 3),
        Column("Adjusted Rand index, lowest", 3),
    ]
    return ChartData("candidates", "How many types: the numbers tried", "", columns, rows)


def features_table(run: SegmentationRun) -> ChartData:
    """The features, their theme, weight and city average."""
    themes = {t: t.capitalize() for t in THEMES}
    rows = [[f["label"], themes.get(f["theme"], f["theme"]), f["weight"], f["city_mean"]] for f in run.features]
    columns = [Column("Measure"), Column("Theme"), Column("Weight", 3), Column("City average of its small areas", 1)]
    return ChartData("features", "What the segmentation uses", "", columns, rows)


def runs_table(runs: list[SegmentationRun]) -> ChartData:
    """Every run, newest first: when, how many types, how well separated and how stable."""
    rows = []
    for run in runs:
        chosen: dict[str, float] = next((c for c in run.candidates if c["k"] == run.k), {})
        rows.append(
            [
                str(run.id),
                run.created_at.strftime("%-d %B %Y %H:%M UTC"),
                run.k,
                chosen.get("silhouette"),
                chosen.get("mean_ari"),
                run.seed,
                run.data_checksum[:12],
                "; ".join(f"{type_name(s)}: {s.description}" for s in run.segments),
            ]
        )
    columns = [
        Column("Run"),
        Column("Made"),
        Column("Types", 0),
        Column("Silhouette", 3),
        Column("Adjusted Rand index (mean)", 3),
        Column("Seed", 0),
        Column("Data checksum"),
        Column("Types found"),
    ]
    return ChartData("runs", "Every segmentation run, newest first", "", columns, rows)


def current_run() -> SegmentationRun | None:
    """The run the pages show."""
    return latest_run()


def all_runs() -> list[SegmentationRun]:
    """Every run, newest first."""
    return list_runs()


def index_chart(run: SegmentationRun, slug: str) -> ChartData | None:
    """A chart or table of the index page by slug."""
    if slug == "map":
        return _map_chart(run)
    if slug == "profiles":
        return profiles_chart(run)
    if slug == "sizes":
        return sizes_table(run)
    return None


def segment_chart(segment: Segment, slug: str) -> ChartData | None:
    """A chart or table of a segment's page by slug."""
    if slug == "map":
        return _map_chart(segment.run, segment)
    if slug == "profile":
        return profile_chart(segment)
    if slug == "wards":
        return wards_table(segment)
    return None


def method_table(run: SegmentationRun, slug: str) -> ChartData | None:
    """A table of the method page by slug."""
    if slug == "candidates":
        return candidates_table(run)
    if slug == "features":
        return features_table(run)
    if slug == "runs":
        return runs_table(all_runs())
    return None


def home_area_name() -> str:
    """The home area's name (from the loaded areas), or "the city" before any are loaded."""
    from portal.deployment import home_area_code
    from portal.models import Area

    area = db.session.get(Area, home_area_code())
    return area.name if area is not None and area.name and area.name != area.code else "the city"


def get_segment(segment_id: int) -> Segment | None:
    """A segment of any run, current or earlier."""
    return _get_segment(segment_id)
