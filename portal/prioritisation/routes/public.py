"""The public pages: published round summaries (weighted scores and ranks, never a member's own scores)."""

from __future__ import annotations

from flask import Response, render_template

from portal.access import public
from portal.charts.tables import to_csv
from portal.downloads import download_response
from portal.models import PrioritisationRound
from portal.prioritisation import bp, export, results
from portal.prioritisation.permissions import NotFound, get_round
from portal.prioritisation.published import MIN_PUBLIC_SCORERS, published_summary
from portal.prioritisation.rounds import published_outcome_of_round, published_rounds
from portal.table_pages import table_page


@bp.route("/")
@public
def public_index() -> str:
    """Published summaries of the steering group's prioritisation rounds."""
    return render_template("prioritisation/public_index.html", rounds=published_rounds())


@bp.route("/rounds/<int:round_id>/summary")
@public
def public_summary(round_id: int) -> str:
    """A round's published summary: weighted scores and ranks only, never an individual member's scores."""
    round_ = _published_round(round_id)
    summary = published_summary(round_)
    return render_template(
        "prioritisation/public_summary.html",
        round=round_,
        # A round may shortlist hundreds of topics: the page shows TABLE_PAGE_SIZE of them, the CSV every one.
        ranking=table_page("ranking", summary.rows),
        # From every row, not only this page's: a tie may span two pages.
        tied=results.tied_ranks(row.rank for row in summary.rows if row.quorate),
        members_scored=summary.members_scored,
        min_scorers=MIN_PUBLIC_SCORERS,
        quorum=round_.effective_quorum,
        outcome=published_outcome_of_round(round_.id),
    )


@bp.route("/rounds/<int:round_id>/summary.csv")
@public
def public_summary_csv(round_id: int) -> Response:
    """The published ranking of every topic in the round, as the summary page shows it, as CSV."""
    round_ = _published_round(round_id)
    rows = export.public_ranking_rows(published_summary(round_).rows)
    return download_response(to_csv(export.PUBLIC_RANKING_COLUMNS, rows), f"round-{round_.id}-published-ranking.csv")


def _published_round(round_id: int) -> PrioritisationRound:
    """The round, or NotFound (a 404) when it does not exist or its summary is not published."""
    round_ = get_round(round_id)
    if not round_.is_published:
        raise NotFound(f"round {round_id} is not published")
    return round_
