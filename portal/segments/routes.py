"""Neighbourhood types: the segments of the city's small areas, each type's page, the method, and their data."""

from __future__ import annotations

from flask import Response, abort, current_app

from portal.access import public
from portal.charts.cache import cached_chart_json
from portal.charts.chart_data import ChartData
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.downloads import download_response
from portal.htmx import render_page
from portal.models import Segment, SegmentationRun
from portal.segments import bp, services

# Chart JSON and CSV change only with a new run: browsers revalidate after a short while.
MAX_AGE = 300


def _json(key: str, run: SegmentationRun, data: ChartData | None) -> Response:
    if data is None or data.build is None:
        abort(404)
    body = cached_chart_json(key, services.data_version(run), data.build, current_app.config["CHART_CACHE_DIR"])
    response = Response(body, mimetype=CHART_JSON_MIMETYPE)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def _csv(data: ChartData | None, filename: str) -> Response:
    if data is None:
        abort(404)
    response = download_response(data.csv(), filename)
    response.cache_control.max_age = MAX_AGE
    return response


def _current() -> SegmentationRun:
    run = services.current_run()
    if run is None:
        abort(404)
    return run


def _segment(segment_id: int) -> Segment:
    segment = services.get_segment(segment_id)
    if segment is None:
        abort(404)
    return segment


@bp.route("/areas/segments")
@public
def index() -> Response:
    """The neighbourhood types: map, sizes and profiles against the city."""
    run = services.current_run()
    if run is None:
        return render_page("segments/index.html", run=None)
    return render_page(
        "segments/index.html",
        run=run,
        chosen=next(c for c in run.candidates if c["k"] == run.k),
        sizes=services.sizes_table(run),
        map_chart=services.index_chart(run, "map"),
        profiles=services.profiles_chart(run),
    )


@bp.route("/areas/segments/method")
@public
def method() -> Response:
    """How the neighbourhood types are made, their limits, the numbers behind the choice, and every run."""
    run = services.current_run()
    return render_page(
        "segments/method.html",
        run=run,
        chosen=next((c for c in run.candidates if c["k"] == run.k), None) if run else None,
        candidates=services.candidates_table(run) if run else None,
        features=services.features_table(run) if run else None,
        runs=services.runs_table(services.all_runs()) if run else None,
    )


@bp.route("/areas/segments/<int:segment_id>")
@public
def detail(segment_id: int) -> Response:
    """One neighbourhood type: its profile, where it is, the wards it covers and its most typical neighbourhoods."""
    segment = _segment(segment_id)
    current = services.current_run()
    return render_page(
        "segments/detail.html",
        segment=segment,
        run=segment.run,
        current=current,
        is_current=current is not None and current.id == segment.run_id,
        total_people=sum(s.population for s in segment.run.segments),
        profile=services.profile_chart(segment),
        map_chart=services.segment_chart(segment, "map"),
        wards=services.wards_table(segment),
        typical=services.typical_neighbourhoods(segment),
        similar=services.most_similar_type(segment),
    )


@bp.route("/areas/segments/charts/<slug>.json")
@public
def index_chart_json(slug: str) -> Response:
    """A chart of the types page as Bokeh json_item JSON, cached per run."""
    run = _current()
    return _json(f"segments:{slug}", run, services.index_chart(run, slug))


@bp.route("/areas/segments/charts/<slug>.csv")
@public
def index_chart_csv(slug: str) -> Response:
    """Exactly the rows of a chart or table of the types page, as CSV."""
    return _csv(services.index_chart(_current(), slug), f"neighbourhood-types-{slug}.csv")


@bp.route("/areas/segments/<int:segment_id>/charts/<slug>.json")
@public
def segment_chart_json(segment_id: int, slug: str) -> Response:
    """A chart of a type's page as Bokeh json_item JSON, cached per run."""
    segment = _segment(segment_id)
    return _json(f"segment:{segment.id}:{slug}", segment.run, services.segment_chart(segment, slug))


@bp.route("/areas/segments/<int:segment_id>/charts/<slug>.csv")
@public
def segment_chart_csv(segment_id: int, slug: str) -> Response:
    """Exactly the rows of a chart or table of a type's page, as CSV."""
    segment = _segment(segment_id)
    return _csv(services.segment_chart(segment, slug), f"neighbourhood-type-{segment.id}-{slug}.csv")


@bp.route("/areas/segments/method/<slug>.csv")
@public
def method_csv(slug: str) -> Response:
    """Exactly the rows of a table of the method page, as CSV."""
    return _csv(services.method_table(_current(), slug), f"neighbourhood-types-method-{slug}.csv")


@bp.context_processor
def segment_helpers() -> dict[str, object]:
    """The home area's name for this feature's templates."""
    return {"area_name": services.home_area_name()}
