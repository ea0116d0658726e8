"""Public pages of the key dataset: overview, indicator pages, ward profiles, charts and CSV downloads."""

from __future__ import annotations

import bokeh
from bokeh.model import Model
from bokeh.util.paths import static_path
from flask import Response, abort, current_app, request, url_for
from flask_login import current_user

from portal.access import public
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.deployment import home_area_code
from portal.downloads import download_response
from portal.htmx import render_page
from portal.indicators import bp
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
from portal.indicators.formatting import COMPARISON_TAG_COLOURS, POLARITY_LABELS, VALUE_TYPE_LABELS, format_value
from portal.indicators.pages import indicator_chart, indicator_page
from portal.indicators.summaries import overview as indicator_overview
from portal.indicators.wards import chosen_ward_indicator, ward_chart, ward_data_version
from portal.indicators.wards import ward_profile as build_ward_profile
from portal.models import Role
from portal.stats.comparison import Comparison
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


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st…"""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


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
    """How Wolverhampton compares: every indicator by topic, filterable by topic and significance (HTMX)."""
    topic = request.args.get("topic", "")
    significance = request.args.get("significance", "")
    if topic not in TOPIC_LABELS:
        topic = ""
    if significance not in {c.value for c in Comparison}:
        significance = ""
    groups = indicator_overview(topic or None, significance or None)
    return render_page(
        "indicators/overview.html",
        "indicators/_overview_results.html",
        groups=groups,
        topics=TOPICS,
        topic=topic,
        significance=significance,
        comparisons=[c.value for c in Comparison],
        total=sum(len(items) for _, items in groups),
    )


def can_preview() -> bool:
    """Whether the signed-in user may see draft indicators as the public would (analysts and admins)."""
    return bool(current_user.is_authenticated and current_user.has_role(Role.ANALYST, Role.ADMIN))


@bp.route("/indicators/<indicator_id>")
@public
def detail(indicator_id: str) -> Response:
    """An indicator: summary sentence, trend, compare-areas and inequality charts with tables, definition, source.
    A draft is a preview for analysts and admins, and not found for everyone else."""
    content = indicator_page(indicator_id, preview=can_preview())
    if content is None:
        abort(404)
    return render_page("indicators/detail.html", page=content)


def _indicator_chart_key(indicator_id: str, chart: str) -> tuple[str, str]:
    version = data_version(indicator_id)
    indicator = get_indicator(indicator_id)
    if version is None or indicator is None or (indicator.status != PUBLISHED and not can_preview()):
        abort(404)
    return f"indicator:{indicator_id}:{home_area_code()}:{chart}", version


@bp.route("/indicators/<indicator_id>/charts/<chart>.json")
@public
def chart_json(indicator_id: str, chart: str) -> Response:
    """A chart of the indicator page as Bokeh json_item JSON, cached per indicator, area and data version."""
    key, version = _indicator_chart_key(indicator_id, chart)

    def build() -> Model:
        data = indicator_chart(indicator_id, chart, preview=can_preview())
        if data is None:
            abort(404)
        return data.build()

    return _chart_response(cached_chart_json(key, version, build, current_app.config["CHART_CACHE_DIR"]))


@bp.route("/indicators/<indicator_id>/charts/<chart>.csv")
@public
def chart_csv(indicator_id: str, chart: str) -> Response:
    """Exactly the rows a chart of the indicator page draws, as CSV."""
    data = indicator_chart(indicator_id, chart, preview=can_preview())
    if data is None:
        abort(404)
    return _csv_response(
        data.csv(), f"indicator-{slugify(indicator_id, fallback='indicator', max_length=80)}-{chart}.csv"
    )


@bp.route("/areas/wards")
@public
def wards() -> Response:
    """An index of the home area's wards, each linking to its profile."""
    return render_page("indicators/wards.html", wards=ward_areas())


@bp.route("/areas/wards/<code>")
@public
def ward_profile(code: str) -> Response:
    """A ward's profile: a ward map coloured by a chosen indicator, with a table, and the city's population pyramid."""
    profile = build_ward_profile(code, request.args.get("indicator") or None)
    if profile is None:
        abort(404)
    return render_page("indicators/ward_profile.html", "indicators/_ward_map.html", profile=profile)


def _ward_chart_key(code: str, chart: str) -> tuple[str, str, str | None]:
    if chart not in {"map", "pyramid"}:
        abort(404)
    chosen = chosen_ward_indicator(code, request.args.get("indicator") or None)
    if get_area(code) is None or (chart == "map" and chosen is None):
        abort(404)
    indicator_id = chosen.id if chosen is not None else None
    subject = f"ward:{code}:{indicator_id}" if chart == "map" else f"city:{home_area_code()}"
    return f"{subject}:{chart}", ward_data_version(indicator_id), indicator_id


@bp.route("/areas/wards/<code>/charts/<chart>.json")
@public
def ward_chart_json(code: str, chart: str) -> Response:
    """The ward map or population pyramid as Bokeh json_item JSON, cached by data version."""
    key, version, indicator_id = _ward_chart_key(code, chart)

    def build() -> Model:
        data = ward_chart(code, chart, indicator_id)
        if data is None:
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
