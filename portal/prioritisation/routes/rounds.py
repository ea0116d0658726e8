"""Round pages: the list, opening and changing a round, its overview, closing, publishing, and the chair's
decisions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.access import role_required
from portal.clock import london_today
from portal.forms import ConfirmForm
from portal.models import Decision
from portal.prioritisation import bp, results
from portal.prioritisation.criteria import current_criteria_set
from portal.prioritisation.forms import DecisionForm, RoundForm
from portal.prioritisation.permissions import (
    PermissionDenied,
    PrioritisationError,
    can_close,
    can_decide,
    can_publish,
    can_record_board_decision,
    can_see_individual_scores,
    can_see_results,
    get_round,
    is_analyst,
    is_chair,
    is_member,
    round_for_viewer,
    round_proposal,
)
from portal.prioritisation.rounds import (
    RoundInput,
    close_round,
    conflicts_in,
    create_round,
    publish_summary,
    record_decision,
    rounds_for,
    shortlisted_proposals,
    steering_users,
    update_round,
)
from portal.prioritisation.routes.common import ANALYSTS, STAFF
from portal.prioritisation.scoring import member_progress, members_progress


@bp.route("/rounds")
@role_required(*STAFF)
def rounds() -> str:
    """The rounds this user belongs to (analysts and admins see every round)."""
    visible = rounds_for(current_user.id)
    progress = {r.id: member_progress(r, current_user.id) for r in visible if is_member(r, current_user.id)}
    return render_template(
        "prioritisation/rounds.html",
        rounds=visible,
        progress=progress,
        can_create=is_analyst(current_user),
    )


def _round_input(form: RoundForm) -> RoundInput:
    return RoundInput(
        title=form.title.data or "",
        description=form.description.data or "",
        deadline=form.deadline.data or london_today(),
        chair_id=int(form.chair_id.data or 0),
        member_ids=[int(v) for v in form.member_ids.data or []],
        proposal_ids=[int(v) for v in form.proposal_ids.data or []],
        top_k=int(form.top_k.data or 1),
        quorum=int(form.quorum.data) if form.quorum.data is not None else None,
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def round_new() -> str | BaseResponse:
    """Open a round: pick the shortlisted topics, the steering group members, the chair and the deadline."""
    form = RoundForm()
    steering = steering_users()
    proposals = shortlisted_proposals()
    form.set_choices(steering, proposals)
    current = current_criteria_set()
    if form.validate_on_submit():
        try:
            round_ = create_round(_round_input(form), current_user.id)
        except PrioritisationError as exc:
            form.title.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"Round ‘{round_.title}’ is open for scoring", "success")
            return redirect(url_for("prioritisation.round_detail", round_id=round_.id), 303)
    return render_template(
        "prioritisation/round_form.html",
        form=form,
        round=None,
        current=current,
        steering=steering,
        proposals=proposals,
    )


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def round_edit(round_id: int) -> str | BaseResponse:
    """Change an open round's settings, topics or members."""
    round_ = get_round(round_id)
    form = RoundForm(obj=None)
    steering = steering_users()
    people = {u.id: u for u in steering}
    for member in round_.members:  # someone who left the steering group stays listed while they are a member
        people.setdefault(member.user_id, member.user)
    proposals = shortlisted_proposals(round_.id)
    form.set_choices(list(people.values()), proposals)
    form.submit.label.text = "Save changes"
    if request.method == "GET":
        form.title.data = round_.title
        form.description.data = round_.description
        form.deadline.data = round_.deadline
        form.chair_id.data = round_.chair_id
        form.member_ids.data = [m.user_id for m in round_.members]
        form.proposal_ids.data = [p.proposal_id for p in round_.proposals]
        form.top_k.data = round_.top_k
        form.quorum.data = round_.quorum
    elif form.validate_on_submit():
        try:
            update_round(round_.id, _round_input(form), current_user.id)
        except PrioritisationError as exc:
            form.title.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash("Round changed", "success")
            return redirect(url_for("prioritisation.round_detail", round_id=round_.id), 303)
    return render_template(
        "prioritisation/round_form.html",
        form=form,
        round=round_,
        current=round_.criteria_set,
        steering=steering,
        proposals=proposals,
    )


@bp.route("/rounds/<int:round_id>")
@role_required(*STAFF)
def round_detail(round_id: int) -> str:
    """A round: its status, topics, members and what this user can do next."""
    round_ = round_for_viewer(round_id, current_user.id)
    member = is_member(round_, current_user.id)
    oversee = can_see_individual_scores(round_, current_user)
    return render_template(
        "prioritisation/round_detail.html",
        round=round_,
        is_member=member,
        is_chair=is_chair(round_, current_user.id),
        is_analyst=is_analyst(current_user),
        can_close=can_close(round_, current_user),
        can_publish=can_publish(round_, current_user),
        can_see_individual=oversee,
        can_see_results=can_see_results(round_, current_user),
        can_record_board=can_record_board_decision(round_, current_user),
        my_progress=member_progress(round_, current_user.id) if member else None,
        members_progress=members_progress(round_) if oversee else [],
        conflicts=conflicts_in(round_.id),
        today=london_today(),
    )


@bp.route("/rounds/<int:round_id>/close", methods=["GET", "POST"])
@role_required(*STAFF)
def round_close(round_id: int) -> str | BaseResponse:
    """Confirm, then close a round so its scores are final."""
    round_ = round_for_viewer(round_id, current_user.id)
    if not can_close(round_, current_user):
        raise PermissionDenied("only the chair, analysts and admins close rounds")
    form = ConfirmForm()
    form.submit.label.text = "Close the round"
    if form.validate_on_submit():
        try:
            close_round(round_.id, current_user.id)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash("The round is closed. The results are final", "success")
        return redirect(url_for("prioritisation.round_detail", round_id=round_.id), 303)
    progress = members_progress(round_)
    return render_template("prioritisation/round_close.html", round=round_, form=form, members_progress=progress)


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@role_required(*STAFF)
def round_publish(round_id: int) -> BaseResponse:
    """Publish or withdraw a closed round's public summary."""
    round_ = round_for_viewer(round_id, current_user.id)
    if ConfirmForm().validate_on_submit():
        publish = request.form.get("publish") == "1"
        try:
            publish_summary(round_.id, current_user.id, publish=publish)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash("Public summary published" if publish else "Public summary withdrawn", "success")
    return redirect(url_for("prioritisation.round_detail", round_id=round_.id), 303)


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/decision", methods=["GET", "POST"])
@role_required(*STAFF)
def decision(round_id: int, proposal_id: int) -> str | BaseResponse:
    """The chair records a topic as prioritised, not prioritised or deferred, with the public reason."""
    round_ = round_for_viewer(round_id, current_user.id)
    if not can_decide(round_, current_user):
        raise PermissionDenied("only the chair records decisions")
    entry = round_proposal(round_, proposal_id)
    form = DecisionForm()
    if request.method == "GET" and entry.decision:
        form.decision.data = entry.decision
        form.reason.data = entry.decision_reason
    if form.validate_on_submit():
        try:
            record_decision(
                round_.id, proposal_id, Decision(form.decision.data), form.reason.data or "", current_user.id
            )
        except PrioritisationError as exc:
            form.decision.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"{entry.proposal.reference} recorded as {Decision(form.decision.data).label.lower()}", "success")
            return redirect(url_for("prioritisation.round_detail", round_id=round_.id) + "#decisions", 303)
    computed = results.compute_round_results(round_, names_shown=False)
    row = next(r for r in computed.rows if r.entry.proposal_id == proposal_id)
    return render_template(
        "prioritisation/decision.html", round=round_, entry=entry, form=form, row=row, computed=computed
    )
