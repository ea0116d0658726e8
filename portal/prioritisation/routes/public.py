"""The public pages: published round summaries (weighted scores and ranks, never a member's own scores)."""

from __future__ import annotations

from flask import render_template

from portal.access import public
from portal.errors import render_error
from portal.outcomes.services import published_outcome_of_round
from portal.prioritisation import bp, results
from portal.prioritisation.permissions import get_round
from portal.prioritisation.rounds import published_rounds


@bp.route("/")
@public
def public_index() -> str:
    """Published summaries of the steering group's prioritisation rounds."""
    return render_template("prioritisation/public_index.html", rounds=published_rounds())


@bp.route("/rounds/<int:round_id>/summary")
@public
def public_summary(round_id: int) -> str | tuple[str, int]:
    """A round's published summary: weighted scores and ranks only, never an individual member's scores."""
    round_ = get_round(round_id)
    if not round_.is_published:
        return render_error(404)
    summary = results.public_summary(round_)
    return render_template(
        "prioritisation/public_summary.html",
        round=round_,
        rows=summary.rows,
        members_scored=summary.members_scored,
        min_scorers=results.MIN_PUBLIC_SCORERS,
        quorum=round_.effective_quorum,
        outcome=published_outcome_of_round(round_.id),
    )
