"""Staff results of a round: the results page with its "what if" panel, the charts as Bokeh JSON, individual
scores and the history of score changes."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request
from flask_login import current_user

from portal.access import role_required
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.prioritisation import criteria_heatmap, ranking_chart
from portal.htmx import is_htmx_request, render_page
from portal.prioritisation import bp, results
from portal.prioritisation.permissions import (
    PermissionDenied,
    can_see_individual_scores,
    round_for_results,
    round_for_viewer,
)
from portal.prioritisation.routes.common import STAFF
from portal.prioritisation.scoring import score_history

# Bump when a chart builder changes, so cached JSON drawn by the old code is never served.
CHART_STYLE_VERSION = "2"


def _label(entry: object) -> str:
    proposal = entry.proposal  # type: ignore[attr-defined]
    title = proposal.title if len(proposal.title) <= 48 else proposal.title[:47].rstrip() + "…"
    return f"{proposal.reference} {title}"


@bp.route("/rounds/<int:round_id>/results")
@role_required(*STAFF)
def results_page(round_id: int) -> Response:
    """Weighted ranking, Borda comparison, agreement, disagreement, sensitivity, charts and the "what if" panel."""
    round_ = round_for_results(round_id, current_user.id)
    arrays = results.load_arrays(round_)
    trial = results.parse_trial_weights(arrays.criteria, request.args)
    trial_rows = results.what_if(arrays, trial.weights) if trial.valid and trial.weights else []
    trying = any(key.startswith("weight-") for key in request.args)
    context: dict[str, Any] = {
        "round": round_,
        "criteria": arrays.criteria,
        "trial": trial,
        "trial_rows": trial_rows,
        "trying": trying,
    }
    if is_htmx_request():
        # The "what if" panel only: re-ranking is one small matrix product, so it answers instantly.
        return render_page("prioritisation/results.html", "prioritisation/_what_if.html", **context)
    names_shown = can_see_individual_scores(round_, current_user)
    computed = results.compute_round_results(round_, names_shown=names_shown, arrays=arrays)
    return render_page(
        "prioritisation/results.html",
        "prioritisation/_what_if.html",
        computed=computed,
        names_shown=names_shown,
        agreement_text=agreement_text(computed.stats.kendall.w),
        **_chart_tables(computed),
        **context,
    )


def agreement_text(w: float) -> str:
    """Kendall's W in words (after Schmidt's bands)."""
    if w != w:
        return ""
    for limit, words in ((0.1, "very weak"), (0.3, "weak"), (0.5, "moderate"), (0.7, "fairly strong")):
        if w < limit:
            return f"Agreement between members is {words}."
    return "Agreement between members is strong."


def _chart_tables(computed: results.RoundResults) -> dict[str, Any]:
    """The data each chart draws, as table rows (the same numbers as the chart JSON)."""
    fmt = "{:.2f}".format
    tied = results.tied_ranks(row.rank for row in computed.rows if row.quorate)
    chart_rows = [
        [
            _label(row.entry),
            fmt(row.mean_score) if row.mean_score is not None else "Not scored",
            results.rank_text(row.rank, tied),
            f"{row.rank_p05:g}",
            f"{row.rank_p95:g}",
        ]
        for row in computed.rows
    ]
    # The heatmap draws criteria as rows and topics (by reference, best first) as columns; so does its table.
    heatmap_columns: list[object] = ["Criterion"] + [
        {"text": row.proposal.reference, "numeric": True} for row in computed.rows
    ]
    heatmap_rows = [
        [
            criterion.name,
            *[fmt(row.criterion_means[k]) if row.criterion_means[k] is not None else "" for row in computed.rows],
        ]
        for k, criterion in enumerate(computed.arrays.criteria)
    ]
    return {"chart_rows": chart_rows, "heatmap_columns": heatmap_columns, "heatmap_rows": heatmap_rows}


def _chart_response(round_id: int, chart: str) -> Response:
    round_ = round_for_results(round_id, current_user.id)
    version = results.data_version(round_)

    def build() -> object:
        computed = results.compute_round_results(round_, names_shown=False)
        labels = [_label(row.entry) for row in computed.rows]
        if chart == "ranking":
            return ranking_chart(
                labels,
                [row.mean_score for row in computed.rows],
                [row.rank for row in computed.rows],
                [row.rank_p05 for row in computed.rows],
                [row.rank_p95 for row in computed.rows],
                top_k=computed.top_k,
                draws=computed.draws,
                spread=computed.spread,
            )
        return criteria_heatmap(
            [row.proposal.reference for row in computed.rows],
            [c.name for c in computed.arrays.criteria],
            [row.criterion_means for row in computed.rows],
        )

    body = cached_chart_json(
        key=f"prioritisation:{round_.id}:{chart}:{CHART_STYLE_VERSION}",
        data_version=version,
        build=build,  # type: ignore[arg-type]
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    response = Response(body, mimetype=CHART_JSON_MIMETYPE)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/rounds/<int:round_id>/results/ranking.json")
@role_required(*STAFF)
def chart_ranking(round_id: int) -> Response:
    """The ranked bar chart with rank intervals, as Bokeh JSON."""
    return _chart_response(round_id, "ranking")


@bp.route("/rounds/<int:round_id>/results/heatmap.json")
@role_required(*STAFF)
def chart_heatmap(round_id: int) -> Response:
    """The criteria heatmap, as Bokeh JSON."""
    return _chart_response(round_id, "heatmap")


@bp.route("/rounds/<int:round_id>/individual-scores")
@role_required(*STAFF)
def individual(round_id: int) -> str:
    """Every member's scores and comments: the chair and analysts while open, every member once closed."""
    round_ = round_for_viewer(round_id, current_user.id)
    if not can_see_individual_scores(round_, current_user):
        raise PermissionDenied("individual scores are hidden while the round is open")
    arrays = results.load_arrays(round_)
    return render_template(
        "prioritisation/individual.html",
        round=round_,
        criteria=arrays.criteria,
        proposals=results.individual_scores(arrays),
    )


@bp.route("/rounds/<int:round_id>/history")
@role_required(*STAFF)
def history(round_id: int) -> str:
    """The append-only log of every score and comment change."""
    round_ = round_for_viewer(round_id, current_user.id)
    changes = score_history(round_.id, current_user.id)
    return render_template("prioritisation/history.html", round=round_, changes=changes)
