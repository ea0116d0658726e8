"""Public pages of the key dataset: overview, indicator pages, ward profiles, charts and CSV downloads."""

from __future__ import annotations

from typing import Any

import bokeh
from bokeh.model import Model
from bokeh.util.paths import static_path
from flask import Response, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access import public
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.data_version import current_data_version
from portal.deployment import home_area_code
from portal.downloads import download_response
from portal.htmx import render_page
from portal.indicators import bp
from portal.indicators.breakdowns import selection
from portal.indicators.catalogue import (
    PUBLISHED,
    TOPIC_LABELS,
    TOPICS,
    get_area,
    get_indicator,
    topic_label,
    ward_areas,
)
from portal.indicators.chart_data import data_version
from portal.indicators.compare import GROUPS as RUG_GROUPS
from portal.indicators.compare import tartan_rug
from portal.indicators.formatting import COMPARISON_TAG_COLOURS, POLARITY_LABELS, VALUE_TYPE_LABELS, format_value
from portal.indicators.overview import overview_listing, requested_page
from portal.indicators.pages import indicator_chart, indicator_page
from portal.indicators.spine import OverviewFilters, Spine, build_spine, filtered_overview, ordinal
from portal.indicators.themes import THEMES, theme_page
from portal.indicators.wards import (
    WardComparison,
    chosen_ward_indicator,
    compare_wards,
    facts_csv,
    names_city,
    ward_chart,
    ward_data_version,
)
from portal.indicators.wards import ward_profile as build_ward_profile
from portal.models import Role
from portal.small_areas.facts import ward_profile_facts
from portal.stats.comparison import Comparison
from portal.stats.spine import MIN_AREAS
from portal.text import slugify

# Bokeh's files change only with its version, which is in every URL we hand out: cache them for a year.
BOKEH_MAX_AGE = 365 * 24 * 3600
# Chart JSON and CSV may change with any import: browsers revalidate after a short while.
CHART_MAX_AGE = 300


@bp.route("/bokeh/static/<path:filename>")
@public
def bokeh_static(filename: str) -> Response:
    """Serve Bokeh's own JavaScript from this site (no CDN)."""
    from flask import send_from_directory

    response = send_from_directory(static_path(), filename, max_age=BOKEH_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.app_template_global()
def bokeh_js_url(bundle: str = "bokeh") -> str:
    """URL of a minified Bokeh bundle, versioned so browsers may cache it for a year."""
    return url_for("indicators.bokeh_static", filename=f"js/{bundle}.min.js", v=bokeh.__version__)


@bp.context_processor
def indicator_helpers() -> dict[str, object]:
    """Helpers for this feature's templates, and the home area's name."""
    area = get_area(home_area_code())
    return {
        "area_name": area.name if area is not None else "the home area",
        "topic_label": topic_label,
        "comparison_colour": lambda comparison: COMPARISON_TAG_COLOURS[Comparison(comparison)],
        "format_indicator_value": lambda value, indicator, with_unit=True: format_value(
            value, indicator, with_unit=with_unit
        ),
        "value_type_label": lambda value_type: VALUE_TYPE_LABELS.get(value_type, value_type or "Not recorded"),
        "polarity_label": lambda polarity: POLARITY_LABELS.get(polarity, "Not recorded"),
        "ordinal": ordinal,
    }


def _chart_response(body: str) -> Response:
    response = Response(body, mimetype=CHART_JSON_MIMETYPE)
    response.cache_control.public = True
    response.cache_control.max_age = CHART_MAX_AGE
    return response


def _csv_response(text: str, filename: str) -> Response:
    response = download_response(text, filename)
    response.cache_control.max_age = CHART_MAX_AGE
    return response


@bp.route("/indicators")
@public
def overview() -> Response:
    """How Wolverhampton compares: the indicators by topic as a table (each topic's first few, or one topic a page at
    a time) or a spine chart, filterable by topic, theme and verdict (GET parameters; HTMX swaps the results)."""
    filters = OverviewFilters.from_args(request.args)
    area = get_area(home_area_code())
    listing, spine = None, None
    if filters.view == "spine":
        groups = filtered_overview(filters)
        spine = build_spine(groups, area.name if area else home_area_code())
        total = sum(len(items) for _, items in groups)
    else:
        listing = overview_listing(filters, requested_page(request.args))
        groups, total = listing.groups, listing.total
    return render_page(
        "indicators/overview.html",
        "indicators/_overview_results.html",
        groups=groups,
        listing=listing,
        page_url=lambda number: _overview_url(filters, number),
        topics=TOPICS,
        themes=list(THEMES.values()),
        filters=filters,
        topic=filters.topic,
        significance=filters.significance,
        comparisons=[c.value for c in Comparison],
        total=total,
        spine=spine,
        spine_minimum=MIN_AREAS,
    )


def _overview_url(filters: OverviewFilters, page: int) -> str:
    """The overview at page ``page`` (1: no page parameter) with the same filters and view."""
    values: dict[str, Any] = filters.query(page=str(page) if page > 1 else "")
    return url_for("indicators.overview", **values)


def _spine() -> tuple[OverviewFilters, Spine]:
    filters = OverviewFilters.from_args(request.args)
    area = get_area(home_area_code())
    return filters, build_spine(filtered_overview(filters), area.name if area else home_area_code())


@bp.route("/indicators/spine.json")
@public
def spine_json() -> Response:
    """The overview's spine chart as Bokeh json_item JSON, cached by filters and the public data version."""
    filters = OverviewFilters.from_args(request.args)
    key = f"overview-spine:{home_area_code()}:{filters.key}"
    return _chart_response(
        cached_chart_json(
            key, current_data_version(), lambda: _spine()[1].build(), current_app.config["CHART_CACHE_DIR"]
        )
    )


@bp.route("/indicators/spine.csv")
@public
def spine_csv() -> Response:
    """Exactly the rows of the overview's spine chart table, as CSV."""
    filters, spine = _spine()
    name = "-".join(part for part in ("spine", filters.topic, filters.theme, slugify(filters.significance)) if part)
    response = _csv_response(spine.csv(), f"{name}.csv")
    response.cache_control.public = True  # public data, the same for everyone
    return response


def _rug_choice() -> tuple[str, str]:
    group = request.args.get("group", "region")
    topic = request.args.get("topic", "")
    return (group if group in RUG_GROUPS else "region"), (topic if topic in TOPIC_LABELS else "")


@bp.route("/indicators/compare")
@public
def compare() -> Response:
    """The tartan rug: the indicators for the West Midlands authorities or the statistical neighbours, each
    area's value with its comparison with England (shape and words, not colour alone); each topic's first few, or
    one topic a page at a time (``?page=N``)."""
    group, topic = _rug_choice()
    rug = tartan_rug(group, topic, requested_page(request.args))
    return render_page(
        "indicators/compare.html",
        rug=rug,
        groups=RUG_GROUPS,
        topics=TOPICS,
        topic_labels=TOPIC_LABELS,
        topic=topic,
        page_url=lambda number: url_for(
            "indicators.compare", group=group, topic=topic or None, page=number if number > 1 else None
        ),
    )


@bp.route("/indicators/compare.csv")
@public
def compare_csv() -> Response:
    """The compare page's table as CSV, with every indicator of the group and topic (the page shows them a page at
    a time): a download, not a page, so not bounded."""
    group, topic = _rug_choice()
    response = _csv_response(tartan_rug(group, topic).csv(), f"compare-{group}{'-' + topic if topic else ''}.csv")
    response.cache_control.public = True  # public data, the same for everyone
    return response


@bp.route("/indicators/themes")
@public
def themes() -> Response:
    """The theme pages, each with its indicators."""
    return render_page("indicators/themes.html", themes=list(THEMES.values()))


@bp.route("/indicators/themes/<slug>")
@public
def theme(slug: str) -> Response:
    """A theme: its indicators with the region and England beside each, and its small-area figures."""
    content = theme_page(slug)
    if content is None:
        abort(404)
    return render_page("indicators/theme.html", page=content)


@bp.route("/indicators/themes/<slug>.csv")
@public
def theme_csv(slug: str) -> Response:
    """Exactly the tables of a theme page, as CSV."""
    content = theme_page(slug)
    if content is None:
        abort(404)
    return _csv_response(content.csv(), f"theme-{content.theme.slug}.csv")


def can_preview() -> bool:
    """Whether the signed-in user may see draft indicators as the public would (analysts and admins)."""
    return bool(current_user.is_authenticated and current_user.has_role(Role.ANALYST, Role.ADMIN))


@bp.route("/indicators/<indicator_id>")
@public
def detail(indicator_id: str) -> Response:
    """An indicator: summary sentence, trend, compare-areas and inequality charts with tables, definition, source.
    A draft is a preview for analysts and admins, and not found for everyone else."""
    content = indicator_page(indicator_id, preview=can_preview(), **_chosen_breakdown())
    if content is None:
        abort(404)
    return render_page("indicators/detail.html", page=content)


def _chosen_breakdown() -> dict[str, str | None]:
    """The sex and age asked for (``?sex=&age=``); the page falls back to the headline pair for anything else."""
    return {"sex": request.args.get("sex") or None, "age": request.args.get("age") or None}


def _indicator_chart_key(indicator_id: str, chart: str) -> tuple[str, str]:
    version = data_version(indicator_id)
    indicator = get_indicator(indicator_id)
    if version is None or indicator is None or (indicator.status != PUBLISHED and not can_preview()):
        abort(404)
    # Key by the pair actually shown, so made-up query values cannot multiply cache entries.
    chosen = selection(indicator, home_area_code(), **_chosen_breakdown())
    shown = f"{chosen.sex}:{chosen.age}" if chosen is not None else ""
    return f"indicator:{indicator_id}:{home_area_code()}:{chart}:{shown}", version


@bp.route("/indicators/<indicator_id>/charts/<chart>.json")
@public
def chart_json(indicator_id: str, chart: str) -> Response:
    """A chart of the indicator page as Bokeh json_item JSON, cached per indicator, area and data version."""
    key, version = _indicator_chart_key(indicator_id, chart)

    def build() -> Model:
        data = indicator_chart(indicator_id, chart, preview=can_preview(), **_chosen_breakdown())
        if data is None or data.build is None:
            abort(404)
        return data.build()

    return _chart_response(cached_chart_json(key, version, build, current_app.config["CHART_CACHE_DIR"]))


@bp.route("/indicators/<indicator_id>/charts/<chart>.csv")
@public
def chart_csv(indicator_id: str, chart: str) -> Response:
    """Exactly the rows a chart of the indicator page draws, as CSV."""
    data = indicator_chart(indicator_id, chart, preview=can_preview(), **_chosen_breakdown())
    if data is None:
        abort(404)
    return _csv_response(
        data.csv(), f"indicator-{slugify(indicator_id, fallback='indicator', max_length=80)}-{chart}.csv"
    )


@bp.route("/areas/wards")
@public
def wards() -> ResponseReturnValue:
    """An index of the home area's wards, each linking to its profile; the ward chooser (``?ward=CODE``) redirects
    to the chosen ward's profile."""
    areas = ward_areas()
    chosen = request.args.get("ward", "")
    if chosen and chosen in dict(areas):
        return redirect(url_for("indicators.ward_profile", code=chosen), 303)
    return render_page("indicators/wards.html", wards=areas)


def _compared_wards() -> tuple[list[tuple[str, str]], str, str, WardComparison | None, list[str]]:
    areas = ward_areas()
    codes = dict(areas)
    first, second = request.args.get("a", ""), request.args.get("b", "")
    errors = []
    if (first or second) and first not in codes:
        errors.append("a")
    if (first or second) and second not in codes:
        errors.append("b")
    comparison = compare_wards(first, second) if first in codes and second in codes else None
    return areas, first, second, comparison, errors


@bp.route("/areas/wards/compare")
@public
def ward_compare() -> Response:
    """Two wards side by side, with the city and England (``?a=CODE&b=CODE``)."""
    areas, first, second, comparison, errors = _compared_wards()
    return render_page(
        "indicators/ward_compare.html", wards=areas, first=first, second=second, comparison=comparison, errors=errors
    )


@bp.route("/areas/wards/compare.csv")
@public
def ward_compare_csv() -> Response:
    """Exactly the rows of the two-ward comparison, as CSV."""
    _, first, second, comparison, _ = _compared_wards()
    if comparison is None:
        abort(404)
    return _csv_response(comparison.csv(), f"wards-{slugify(first, fallback='a')}-{slugify(second, fallback='b')}.csv")


@bp.route("/areas/wards/<code>")
@public
def ward_profile(code: str) -> Response:
    """A ward's profile: a ward map coloured by a chosen indicator, with a table, and the city's population pyramid."""
    profile = build_ward_profile(code, request.args.get("indicator") or None)
    if profile is None:
        abort(404)
    return render_page("indicators/ward_profile.html", "indicators/_ward_map.html", profile=profile)


@bp.route("/areas/wards/<code>/figures.csv")
@public
def ward_facts_csv(code: str) -> Response:
    """The ward profile's figures with the city and England, exactly as the page's tables show them, as CSV."""
    area = get_area(code)
    facts = ward_profile_facts(code, names_city(area.parent_code or home_area_code())) if area else None
    if facts is None:
        abort(404)
    return _csv_response(facts_csv(facts), f"ward-{slugify(code, fallback='ward', max_length=80)}-figures.csv")


def _ward_chart_key(code: str, chart: str) -> tuple[str, str, str | None]:
    if chart not in {"map", "pyramid", "ages"}:
        abort(404)
    chosen = chosen_ward_indicator(code, request.args.get("indicator") or None)
    if get_area(code) is None or (chart == "map" and chosen is None):
        abort(404)
    indicator_id = chosen.id if chosen is not None else None
    subject = {"map": f"ward:{code}:{indicator_id}", "ages": f"ward:{code}"}.get(chart, f"city:{home_area_code()}")
    return f"{subject}:{chart}", ward_data_version(indicator_id), indicator_id


@bp.route("/areas/wards/<code>/charts/<chart>.json")
@public
def ward_chart_json(code: str, chart: str) -> Response:
    """The ward map or population pyramid as Bokeh json_item JSON, cached by data version."""
    key, version, indicator_id = _ward_chart_key(code, chart)

    def build() -> Model:
        data = ward_chart(code, chart, indicator_id)
        if data is None or data.build is None:
            abort(404)
        return data.build()

    return _chart_response(cached_chart_json(key, version, build, current_app.config["CHART_CACHE_DIR"]))


@bp.route("/areas/wards/<code>/charts/<chart>.csv")
@public
def ward_chart_csv(code: str, chart: str) -> Response:
    """Exactly the rows of the ward map or population pyramid, as CSV."""
    _, _, indicator_id = _ward_chart_key(code, chart)
    data = ward_chart(code, chart, indicator_id)
    if data is None:
        abort(404)
    return _csv_response(data.csv(), f"ward-{slugify(code, fallback='ward', max_length=80)}-{chart}.csv")
