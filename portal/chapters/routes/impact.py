"""What happened after each recommendation, across every published chapter: the summary page, its charts and CSVs."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template

from portal.access import public
from portal.chapters import bp, outcomes
from portal.chapters.impact import Breakdown, Impact, impact_summary
from portal.charts.cache import cached_chart_json
from portal.charts.counts import count_bars
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.tables import to_csv
from portal.downloads import download_response


def _breakdown(summary: Impact, chart: str) -> Breakdown:
    found = summary.breakdowns.get(chart)
    if found is None:
        abort(404)
    return found


@bp.route("/impact")
@public
def impact() -> str:
    """Every recommendation by response, by progress and by what its indicators did since, each chart with a table."""
    summary = impact_summary()
    return render_template("chapters/impact.html", impact=summary, area_name=outcomes.home_area_name())


@bp.route("/impact/<chart>.json")
@public
def impact_json(chart: str) -> Response:
    """One of the impact page's charts as Bokeh JSON, cached by its counts."""
    summary = impact_summary()
    breakdown = _breakdown(summary, chart)
    body = cached_chart_json(
        key=f"chapters:impact:{chart}",
        data_version=summary.version(),
        build=lambda: count_bars(
            breakdown.title, [label for label, _ in breakdown.counts], [n for _, n in breakdown.counts],
            noun=breakdown.noun,
        ),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )  # fmt: skip
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/impact/<chart>.csv")
@public
def impact_csv(chart: str) -> Response:
    """One of the impact page's tables as CSV: the same rows the page shows."""
    breakdown = _breakdown(impact_summary(), chart)
    return download_response(to_csv(breakdown.columns, breakdown.rows()), f"recommendations-impact-{chart}.csv")
