"""Recording the health and wellbeing board's decision on each topic the steering group recommended."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.access import role_required
from portal.models.prioritisation import BoardDecision
from portal.prioritisation import bp
from portal.prioritisation.board import BoardInput, record_board_decision
from portal.prioritisation.forms import BoardDecisionForm
from portal.prioritisation.permissions import (
    PermissionDenied,
    PrioritisationError,
    can_record_board_decision,
    round_for_viewer,
    round_proposal,
)
from portal.prioritisation.routes.common import STAFF


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/board-decision", methods=["GET", "POST"])
@role_required(*STAFF)
def board_decision(round_id: int, proposal_id: int) -> str | BaseResponse:
    """Record what the health and wellbeing board decided on a topic the steering group recommended."""
    round_ = round_for_viewer(round_id, current_user.id)
    if not can_record_board_decision(round_, current_user):
        raise PermissionDenied("only the chair, analysts and admins record the board's decisions")
    entry = round_proposal(round_, proposal_id)
    form = BoardDecisionForm()
    if request.method == "GET" and entry.board_decision:
        form.decision.data = entry.board_decision
        form.meeting_date.data = entry.board_meeting_date
        form.minute_reference.data = entry.board_minute_reference
        form.papers_url.data = entry.board_papers_url
    if form.validate_on_submit() and form.meeting_date.data is not None:
        decided = BoardDecision(form.decision.data)
        try:
            record_board_decision(
                round_.id,
                proposal_id,
                BoardInput(
                    decided, form.meeting_date.data, form.minute_reference.data or "", form.papers_url.data or ""
                ),
                current_user.id,
            )
        except PrioritisationError as exc:
            form.decision.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"The board's decision on {entry.proposal.reference} is recorded: {decided.label.lower()}", "success")
            return redirect(url_for("prioritisation.round_detail", round_id=round_.id) + "#decisions", 303)
    return render_template("prioritisation/board_decision.html", round=round_, entry=entry, form=form)
