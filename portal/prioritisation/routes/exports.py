"""Downloads of a round's results: the ranking as CSV and XLSX, and the heatmap's data as CSV."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from portal.access import role_required
from portal.charts.tables import to_csv
from portal.downloads import CSV_MIMETYPE, XLSX_MIMETYPE, download_response
from portal.prioritisation import bp, export, results
from portal.prioritisation.permissions import can_see_individual_scores, round_for_results
from portal.prioritisation.routes.common import STAFF


@bp.route("/rounds/<int:round_id>/results/heatmap.csv")
@role_required(*STAFF)
def heatmap_csv(round_id: int) -> Response:
    """The heatmap's data: mean score per topic and criterion."""
    round_ = round_for_results(round_id, current_user.id)
    computed = results.compute_round_results(round_, names_shown=False)
    columns = ["Reference", "Title", *[c.name for c in computed.arrays.criteria]]
    rows = [
        [row.proposal.reference, row.proposal.title, *[None if v is None else round(v, 2) for v in row.criterion_means]]
        for row in computed.rows
    ]
    return download_response(to_csv(columns, rows), f"round-{round_.id}-criteria-means.csv", CSV_MIMETYPE, private=True)


@bp.route("/rounds/<int:round_id>/results.csv")
@role_required(*STAFF)
def results_csv(round_id: int) -> Response:
    """The ranking as CSV (formula-safe)."""
    round_ = round_for_results(round_id, current_user.id)
    computed = results.compute_round_results(round_, names_shown=False)
    return download_response(export.results_csv(computed), f"round-{round_.id}-results.csv", CSV_MIMETYPE, private=True)


@bp.route("/rounds/<int:round_id>/results.xlsx")
@role_required(*STAFF)
def results_xlsx(round_id: int) -> Response:
    """The results as an XLSX workbook; individual scores only for those who may see them."""
    round_ = round_for_results(round_id, current_user.id)
    names_shown = can_see_individual_scores(round_, current_user)
    computed = results.compute_round_results(round_, names_shown=names_shown)
    body = export.results_xlsx(computed, with_individual_scores=names_shown)
    return download_response(body, f"round-{round_.id}-results.xlsx", XLSX_MIMETYPE, private=True)
