"""Public chapter pages: the list, a chapter with its projections, its recommendations tracker, and the JSNA report."""

from __future__ import annotations

import bokeh
from flask import Response, current_app, render_template

from portal.access import public
from portal.chapters import bp, forecasts, outcomes, tracker, writing
from portal.chapters.blocks import BlockContext, render_section
from portal.chapters.common import progress_stale_days, response_due
from portal.chapters.routes import is_analyst, journey_links
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.forecast import FORECAST_CHART_VERSION, population_projection_chart, projection_chart
from portal.charts.tables import to_csv
from portal.clock import london_today
from portal.downloads import download_response
from portal.models import CHAPTER_SECTIONS, Chapter
from portal.text import slugify


def _chart_version(chapter: Chapter) -> str:
    """What a cached projection chart depends on: the data behind it, the builders and Bokeh."""
    return f"{chapter.projections_version}:{FORECAST_CHART_VERSION}:{bokeh.__version__}"


@bp.route("")
@public
def index() -> str:
    """Published topic chapters."""
    return render_template("chapters/index.html", chapters=writing.published_chapters())


@bp.route("/report")
@public
def report() -> str:
    """The JSNA overview report: the key dataset's headline verdicts by topic and every published chapter."""
    chapters = writing.published_chapters()
    context = BlockContext(staff=False)
    summaries = {chapter.id: render_section(chapter.body_of("summary"), context) for chapter in chapters}
    return render_template(
        "chapters/report.html",
        topics=tracker.report_topics(),
        chapters=chapters,
        summaries=summaries,
        tracker=tracker.tracker_summary,
        generated_on=london_today(),
    )


@bp.route("/<slug>")
@public
def detail(slug: str) -> str:
    """A chapter: its sections with embedded blocks, projections under "Future need", and its recommendations."""
    chapter = writing.get_for_viewer(slug, include_drafts=is_analyst())
    context = BlockContext(staff=is_analyst())
    sections = [(key, heading, render_section(chapter.body_of(key), context)) for key, heading in CHAPTER_SECTIONS]
    projections = forecasts.projections_for(chapter)
    return render_template(
        "chapters/detail.html",
        chapter=chapter,
        sections=sections,
        projections=projections,
        projection_rows=forecasts.projection_rows,
        projection_columns=forecasts.PROJECTION_COLUMNS,
        population_rows=forecasts.population_rows,
        population_columns=forecasts.population_columns,
        block_notes=context.notes,
        tracker=tracker.tracker_summary(chapter),
        **journey_links(chapter),
    )


@bp.route("/<slug>/recommendations")
@public
def recommendations(slug: str) -> str:
    """The public tracker: each recommendation with the organisations' responses, progress and overdue flags."""
    chapter = writing.get_for_viewer(slug, include_drafts=is_analyst())
    cache = outcomes.summary_cache(chapter.recommendations)
    return render_template(
        "chapters/recommendations.html",
        chapter=chapter,
        changes={r.id: outcomes.indicator_changes(r, cache) for r in chapter.recommendations},
        tracker=tracker.tracker_summary(chapter),
        overdue_state=tracker.overdue_state,
        response_due=response_due(chapter),
        stale_days=progress_stale_days(),
        area_name=outcomes.home_area_name(),
        **journey_links(chapter),
    )


@bp.route("/<slug>/projections/<indicator_id>.json")
@public
def projection_json(slug: str, indicator_id: str) -> Response:
    """An indicator's projection chart as Bokeh JSON, cached by the chapter's data version."""
    chapter = writing.get_for_viewer(slug, include_drafts=is_analyst())
    item = forecasts.projection_for(chapter, indicator_id)
    body = cached_chart_json(
        key=f"chapter:{chapter.id}:projection:{indicator_id}",
        data_version=_chart_version(chapter),
        build=lambda: projection_chart(
            item["name"],
            item["periods"],
            item["values"],
            item["future_periods"],
            item["point"],
            item["lower80"],
            item["upper80"],
            item["lower95"],
            item["upper95"],
            y_label=item["unit"],
        ),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/<slug>/projections/<indicator_id>.csv")
@public
def projection_csv(slug: str, indicator_id: str) -> Response:
    """The projection chart's rows as CSV."""
    chapter = writing.get_for_viewer(slug, include_drafts=is_analyst())
    item = forecasts.projection_for(chapter, indicator_id)
    body = to_csv(forecasts.PROJECTION_COLUMNS, forecasts.projection_rows(item, separators=False))
    return download_response(body, f"{chapter.slug}-projection-{slugify(indicator_id, fallback='indicator')}.csv")


@bp.route("/<slug>/population.json")
@public
def population_json(slug: str) -> Response:
    """The simple population projection chart as Bokeh JSON."""
    chapter = writing.get_for_viewer(slug, include_drafts=is_analyst())
    population = forecasts.population_for(chapter)
    body = cached_chart_json(
        key=f"chapter:{chapter.id}:population",
        data_version=_chart_version(chapter),
        build=lambda: population_projection_chart(
            "People in the city by age band",
            population["years"],
            {f"{band['label']}": band["values"] for band in population["bands"]},
        ),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/<slug>/population.csv")
@public
def population_csv(slug: str) -> Response:
    """The population projection's rows as CSV."""
    chapter = writing.get_for_viewer(slug, include_drafts=is_analyst())
    population = forecasts.population_for(chapter)
    body = to_csv(forecasts.population_columns(population), forecasts.population_rows(population, separators=False))
    return download_response(body, f"{chapter.slug}-population-projection.csv")
