"""Scoring pages for a round's members: the list of topics, scoring one topic with the evidence beside it (with
HTMX autosave per criterion), and declaring or withdrawing a conflict of interest."""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.access import role_required
from portal.errors import render_error
from portal.forms import ConfirmForm
from portal.htmx import is_htmx_request
from portal.models import Criterion, PrioritisationRound, Score
from portal.prioritisation import bp
from portal.prioritisation.forms import ConflictForm, ScoreFormBase, score_form
from portal.prioritisation.permissions import (
    PermissionDenied,
    PrioritisationError,
    can_see_results,
    get_round,
    is_member,
    round_proposal,
)
from portal.prioritisation.rounds import declare_conflict, withdraw_conflict
from portal.prioritisation.routes.common import STAFF
from portal.prioritisation.scoring import ScoreEntry, has_conflict, member_progress, member_scores, save_scores
from portal.prioritisation.scoring_evidence import proposal_evidence


def _names(names: tuple[str, ...]) -> str:
    """Names joined for a sentence, in lower case: "a", "a and b", "a, b and c"."""
    words = [name.lower() for name in names]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _member_round(round_id: int) -> PrioritisationRound:
    round_ = get_round(round_id)
    if not is_member(round_, current_user.id):
        raise PermissionDenied("only the round's members score it")
    return round_


@bp.route("/rounds/<int:round_id>/score")
@role_required(*STAFF)
def scoring(round_id: int) -> str:
    """A member's list of topics to score, with their progress and conflict declarations."""
    round_ = _member_round(round_id)
    return render_template(
        "prioritisation/scoring.html",
        round=round_,
        progress=member_progress(round_, current_user.id),
        can_see_results=can_see_results(round_, current_user),
    )


def _fill_score_form(form: ScoreFormBase, saved: Mapping[int, Score]) -> None:
    for criterion in form.criteria:
        score = saved.get(criterion.id)
        form.score_field(criterion).data = str(score.value) if score and score.value else None
        form.comment_field(criterion).data = score.comment if score else ""


def _entries_from_form(form: ScoreFormBase, criteria: list[Criterion]) -> dict[int, ScoreEntry]:
    entries = {}
    for criterion in criteria:
        raw = form.score_field(criterion).data
        comment = form.comment_field(criterion).data
        entries[criterion.id] = ScoreEntry(
            value=int(raw) if raw not in (None, "", "None") else None,
            comment=comment if comment is not None else None,
        )
    return entries


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/score", methods=["GET", "POST"])
@role_required(*STAFF)
def score_proposal(round_id: int, proposal_id: int) -> str | BaseResponse:
    """Score one topic against each criterion, with the evidence beside the score boxes. Autosaves with HTMX."""
    round_ = _member_round(round_id)
    entry = round_proposal(round_, proposal_id)
    criteria = list(round_.criteria_set.criteria)
    conflicted = has_conflict(round_.id, current_user.id, proposal_id)
    form = score_form(criteria)
    if request.method == "POST" and not conflicted and round_.is_open and form.validate_on_submit():
        page_url = url_for("prioritisation.score_proposal", round_id=round_.id, proposal_id=proposal_id)
        try:
            outcome = save_scores(round_.id, proposal_id, current_user.id, _entries_from_form(form, criteria))
        except PrioritisationError as exc:
            flash(str(exc), "error")
            return redirect(page_url, 303)
        if outcome.missing:
            # Saved, but the topic counts towards the results only when every weighted criterion is scored.
            flash(
                f"Your scores for {entry.proposal.reference} are saved, but you have not scored "
                f"{_names(outcome.missing)}. This topic counts towards the results only when you score every "
                "criterion.",
                "info",
            )
            return redirect(page_url, 303)
        progress = member_progress(round_, current_user.id)
        following = progress.next_after(proposal_id)
        flash(f"Scores saved for {entry.proposal.reference}. {progress.text}", "success")
        if following is not None:
            return redirect(
                url_for("prioritisation.score_proposal", round_id=round_.id, proposal_id=following.proposal_id), 303
            )
        return redirect(url_for("prioritisation.scoring", round_id=round_.id), 303)
    if request.method == "POST" and (conflicted or not round_.is_open):
        # Refused server-side whatever the page showed: a conflicted member or a closed round cannot score.
        if conflicted:
            raise PermissionDenied("a conflict of interest is declared")
        flash("This round has closed, so scores can no longer be changed", "error")
        return redirect(url_for("prioritisation.scoring", round_id=round_.id), 303)
    if request.method == "GET":
        _fill_score_form(form, member_scores(round_.id, proposal_id, current_user.id))
    progress = member_progress(round_, current_user.id)
    index = [item.entry.proposal_id for item in progress.items].index(proposal_id)
    return render_template(
        "prioritisation/score_proposal.html",
        round=round_,
        entry=entry,
        proposal=entry.proposal,
        criteria=criteria,
        form=form,
        conflicted=conflicted,
        progress=progress,
        position=index + 1,
        evidence=proposal_evidence(entry.proposal),
        previous_entry=progress.items[index - 1].entry if index > 0 else None,
        next_entry=progress.items[index + 1].entry if index + 1 < len(progress.items) else None,
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/criteria/<int:criterion_id>", methods=["POST"])
@role_required(*STAFF)
def autosave(round_id: int, proposal_id: int, criterion_id: int) -> str | tuple[str, int] | BaseResponse:
    """Save one criterion's score and comment (HTMX autosave; a plain POST also works and returns to the page)."""
    round_ = _member_round(round_id)
    entry = round_proposal(round_, proposal_id)
    criterion = next((c for c in round_.criteria_set.criteria if c.id == criterion_id), None)
    if criterion is None:
        return render_error(404)
    form = score_form([criterion])
    problem = ""
    outcome = None
    if not form.validate_on_submit():
        problem = next(iter(e for errors in form.errors.values() for e in errors), "Your score could not be saved")
    else:
        try:
            outcome = save_scores(
                round_.id, proposal_id, current_user.id, _entries_from_form(form, [criterion]), reason="autosave"
            )
        except PrioritisationError as exc:
            problem = str(exc)
    page_url = url_for("prioritisation.score_proposal", round_id=round_.id, proposal_id=proposal_id)
    if not is_htmx_request():
        if problem:
            flash(problem, "error")
        else:
            flash(f"Saved your score for {criterion.name.lower()}", "success")
        return redirect(f"{page_url}#criterion-{criterion.id}", 303)
    return render_template(
        "prioritisation/_autosave_status.html",
        round=round_,
        entry=entry,
        criterion=criterion,
        outcome=outcome,
        problem=problem,
        progress=member_progress(round_, current_user.id),
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/conflict", methods=["GET", "POST"])
@role_required(*STAFF)
def conflict(round_id: int, proposal_id: int) -> str | BaseResponse:
    """Declare a conflict of interest in a topic (the member's scores for it are removed)."""
    round_ = _member_round(round_id)
    entry = round_proposal(round_, proposal_id)
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            declare_conflict(round_.id, proposal_id, current_user.id, form.note.data or "")
        except PrioritisationError as exc:
            form.note.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"Conflict of interest declared for {entry.proposal.reference}. You will not score it", "success")
            return redirect(url_for("prioritisation.scoring", round_id=round_.id), 303)
    return render_template(
        "prioritisation/conflict.html",
        round=round_,
        entry=entry,
        form=form,
        declared=has_conflict(round_.id, current_user.id, proposal_id),
        withdraw_form=ConfirmForm(),
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/conflict/withdraw", methods=["POST"])
@role_required(*STAFF)
def conflict_withdraw(round_id: int, proposal_id: int) -> BaseResponse:
    """Withdraw one's own conflict declaration."""
    round_ = _member_round(round_id)
    entry = round_proposal(round_, proposal_id)
    if ConfirmForm().validate_on_submit():
        try:
            withdraw_conflict(round_.id, proposal_id, current_user.id)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Declaration withdrawn. You can now score {entry.proposal.reference}", "success")
    return redirect(url_for("prioritisation.scoring", round_id=round_.id), 303)
