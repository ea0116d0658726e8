"""Prioritisation pages: criteria, rounds, scoring with autosave, results, decisions, exports and the public summary."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.access import public, role_required
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.tables import to_csv
from portal.clock import london_time
from portal.downloads import download_response
from portal.errors import render_error
from portal.extensions import db
from portal.htmx import is_htmx_request, render_page
from portal.models import SCORE_LEVELS, Criterion, Decision, Role
from portal.prioritisation import bp, export, results, services
from portal.prioritisation.forms import (
    ConfirmForm,
    ConflictForm,
    CriterionForm,
    DecisionForm,
    RoundForm,
    VersionForm,
    score_form,
)
from portal.prioritisation.services import PermissionDenied, PrioritisationError

STAFF = (Role.STEERING, Role.ANALYST, Role.ADMIN)
ANALYSTS = (Role.ANALYST, Role.ADMIN)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
# Bump when a chart builder changes, so cached JSON drawn by the old code is never served.
CHART_STYLE_VERSION = "2"


@bp.errorhandler(PermissionDenied)
def permission_denied(error: PermissionDenied) -> tuple[str, int]:
    """Object-level refusals (not a member, someone else's round) are a plain 403."""
    db.session.rollback()
    return render_error(403)


def local_time(value: datetime | None) -> str:
    """A UTC timestamp as the time in Wolverhampton, e.g. 2:15pm."""
    if value is None:
        return ""
    local = london_time(value)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def proposal_status_label(status: str) -> str:
    """A proposal's public status in words, as the proposals feature names it."""
    try:
        from portal.proposals.services import status_label
    except ImportError:
        return status.replace("_", " ").capitalize()
    return status_label(status)


def proposal_url(proposal: object) -> str | None:
    """The public page of a proposal, when the proposals feature is installed."""
    if "proposals.detail" not in current_app.view_functions:
        return None
    return url_for("proposals.detail", reference=proposal.reference)  # type: ignore[attr-defined]


@bp.context_processor
def prioritisation_helpers() -> dict[str, object]:
    """Helpers for this feature's templates."""
    return {
        "rank_text": results.rank_text,
        "local_time": local_time,
        "score_levels": SCORE_LEVELS,
        "proposal_status_label": proposal_status_label,
        "proposal_url": proposal_url,
    }


def _download(body: str | bytes, filename: str, mimetype: str) -> Response:
    return download_response(body, filename, mimetype, private=True)


# --------------------------------------------------------------------------------------------------------------
# Public summary
# --------------------------------------------------------------------------------------------------------------


@bp.route("/")
@public
def public_index() -> str:
    """Published summaries of the steering group's prioritisation rounds."""
    return render_template("prioritisation/public_index.html", rounds=services.published_rounds())


@bp.route("/rounds/<int:round_id>/summary")
@public
def public_summary(round_id: int) -> str | tuple[str, int]:
    """A round's published summary: weighted scores and ranks only, never an individual member's scores."""
    round_ = services.get_round(round_id)
    if not round_.is_published:
        return render_error(404)
    summary = results.public_summary(round_)
    return render_template(
        "prioritisation/public_summary.html",
        round=round_,
        rows=summary.rows,
        members_scored=summary.members_scored,
        min_scorers=results.MIN_PUBLIC_SCORERS,
    )


# --------------------------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------------------------


@bp.route("/criteria")
@role_required(*ANALYSTS)
def criteria() -> str:
    """The current criteria with their weights and descriptors, and every earlier version."""
    current = services.current_criteria_set()
    return render_template(
        "prioritisation/criteria.html",
        current=current,
        versions=services.criteria_versions(),
        rounds=services.rounds_using(current.id) if current else [],
        version_form=VersionForm(based_on_version=current.version if current else ""),
    )


@bp.route("/criteria/defaults", methods=["POST"])
@role_required(*ANALYSTS)
def criteria_defaults() -> BaseResponse:
    """Create the first version of the criteria from the default JSNA set."""
    if ConfirmForm().validate_on_submit():
        criteria_set = services.create_default_criteria(current_user.id)
        flash(f"Default criteria created (version {criteria_set.version})", "success")
    return redirect(url_for("prioritisation.criteria"), 303)


@bp.route("/criteria/versions/<int:criteria_set_id>")
@role_required(*ANALYSTS)
def criteria_version(criteria_set_id: int) -> str:
    """One version of the criteria, read-only."""
    criteria_set = services.get_criteria_set(criteria_set_id)
    current = services.current_criteria_set()
    return render_template(
        "prioritisation/criteria_version.html",
        criteria_set=criteria_set,
        is_current=current is not None and current.id == criteria_set.id,
        rounds=services.rounds_using(criteria_set.id),
    )


def _criterion_input(form: CriterionForm) -> services.CriterionInput:
    return services.CriterionInput(
        name=(form.name.data or "").strip(),
        question=(form.question.data or "").strip(),
        descriptors=form.descriptors(),
        weight=float(form.weight.data or 0),
    )


def _based_on(form: CriterionForm | VersionForm) -> int | None:
    raw = (form.based_on_version.data or "").strip()
    return int(raw) if raw.isdigit() else None


@bp.route("/criteria/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def criterion_new() -> str | BaseResponse:
    """Add a criterion (saved as a new version)."""
    current = services.current_criteria_set()
    form = CriterionForm()
    if request.method == "GET":
        form.based_on_version.data = str(current.version) if current else ""
        form.weight.data = 1  # type: ignore[assignment]
    elif form.validate_on_submit():
        try:
            criteria_set = services.add_criterion(
                _criterion_input(form),
                current_user.id,
                based_on_version=_based_on(form),
                note=form.change_note.data or "",
            )
        except PrioritisationError as exc:
            form.name.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"Criterion added. The criteria are now version {criteria_set.version}", "success")
            return redirect(url_for("prioritisation.criteria"), 303)
    return render_template("prioritisation/criterion_form.html", form=form, criterion=None, current=current)


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def criterion_edit(criterion_id: int) -> str | BaseResponse:
    """Change a criterion of the current version (saved as a new version)."""
    criterion = db.get_or_404(Criterion, criterion_id)
    current = services.current_criteria_set()
    form = CriterionForm()
    if request.method == "GET":
        form.fill_from(criterion)
        form.based_on_version.data = str(criterion.criteria_set.version)
    elif form.validate_on_submit():
        try:
            criteria_set = services.change_criterion(
                criterion.id,
                _criterion_input(form),
                current_user.id,
                based_on_version=_based_on(form) or 0,
                note=form.change_note.data or "",
            )
        except PrioritisationError as exc:
            form.name.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"Criterion changed. The criteria are now version {criteria_set.version}", "success")
            return redirect(url_for("prioritisation.criteria"), 303)
    return render_template("prioritisation/criterion_form.html", form=form, criterion=criterion, current=current)


@bp.route("/criteria/<int:criterion_id>/remove", methods=["POST"])
@role_required(*ANALYSTS)
def criterion_remove(criterion_id: int) -> BaseResponse:
    """Remove a criterion (saved as a new version)."""
    criterion = db.get_or_404(Criterion, criterion_id)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            criteria_set = services.remove_criterion(
                criterion.id, current_user.id, based_on_version=_based_on(form) or 0
            )
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"‘{criterion.name}’ removed. The criteria are now version {criteria_set.version}", "success")
    return redirect(url_for("prioritisation.criteria"), 303)


@bp.route("/criteria/<int:criterion_id>/move", methods=["POST"])
@role_required(*ANALYSTS)
def criterion_move(criterion_id: int) -> BaseResponse:
    """Move a criterion up or down (saved as a new version)."""
    criterion = db.get_or_404(Criterion, criterion_id)
    form = VersionForm()
    if form.validate_on_submit():
        offset = -1 if request.form.get("direction") == "up" else 1
        try:
            services.move_criterion(criterion.id, offset, current_user.id, based_on_version=_based_on(form) or 0)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"‘{criterion.name}’ moved {'up' if offset < 0 else 'down'}", "success")
    return redirect(url_for("prioritisation.criteria"), 303)


# --------------------------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------------------------


@bp.route("/rounds")
@role_required(*STAFF)
def rounds() -> str:
    """The rounds this user belongs to (analysts and admins see every round)."""
    visible = services.rounds_for(current_user.id)
    progress = {
        r.id: services.member_progress(r, current_user.id) for r in visible if services.is_member(r, current_user.id)
    }
    return render_template(
        "prioritisation/rounds.html",
        rounds=visible,
        progress=progress,
        can_create=services.is_analyst(current_user),
    )


def _round_input(form: RoundForm) -> services.RoundInput:
    return services.RoundInput(
        title=form.title.data or "",
        description=form.description.data or "",
        deadline=form.deadline.data or date.today(),
        chair_id=int(form.chair_id.data or 0),
        member_ids=[int(v) for v in form.member_ids.data or []],
        proposal_ids=[int(v) for v in form.proposal_ids.data or []],
        top_k=int(form.top_k.data or 1),
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def round_new() -> str | BaseResponse:
    """Open a round: pick the shortlisted topics, the steering group members, the chair and the deadline."""
    form = RoundForm()
    steering = services.steering_users()
    proposals = services.shortlisted_proposals()
    form.set_choices(steering, proposals)
    current = services.current_criteria_set()
    if form.validate_on_submit():
        try:
            round_ = services.create_round(_round_input(form), current_user.id)
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
    round_ = services.get_round(round_id)
    form = RoundForm(obj=None)
    steering = services.steering_users()
    people = {u.id: u for u in steering}
    for member in round_.members:  # someone who left the steering group stays listed while they are a member
        people.setdefault(member.user_id, member.user)
    proposals = services.shortlisted_proposals(round_.id)
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
    elif form.validate_on_submit():
        try:
            services.update_round(round_.id, _round_input(form), current_user.id)
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
    round_ = services.round_for_viewer(round_id, current_user.id)
    member = services.is_member(round_, current_user.id)
    oversee = services.can_see_individual_scores(round_, current_user)
    return render_template(
        "prioritisation/round_detail.html",
        round=round_,
        is_member=member,
        is_chair=services.is_chair(round_, current_user.id),
        is_analyst=services.is_analyst(current_user),
        can_close=services.can_close(round_, current_user),
        can_publish=services.can_publish(round_, current_user),
        can_see_individual=oversee,
        my_progress=services.member_progress(round_, current_user.id) if member else None,
        members_progress=services.members_progress(round_) if oversee else [],
        conflicts=services.conflicts_in(round_.id),
        today=date.today(),
    )


@bp.route("/rounds/<int:round_id>/close", methods=["GET", "POST"])
@role_required(*STAFF)
def round_close(round_id: int) -> str | BaseResponse:
    """Confirm, then close a round so its scores are final."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    if not services.can_close(round_, current_user):
        raise PermissionDenied("only the chair, analysts and admins close rounds")
    form = ConfirmForm()
    form.submit.label.text = "Close the round"
    if form.validate_on_submit():
        try:
            services.close_round(round_.id, current_user.id)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash("The round is closed. The results are final", "success")
        return redirect(url_for("prioritisation.round_detail", round_id=round_.id), 303)
    progress = services.members_progress(round_)
    return render_template("prioritisation/round_close.html", round=round_, form=form, members_progress=progress)


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@role_required(*STAFF)
def round_publish(round_id: int) -> BaseResponse:
    """Publish or withdraw a closed round's public summary."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    if ConfirmForm().validate_on_submit():
        publish = request.form.get("publish") == "1"
        try:
            services.publish_summary(round_.id, current_user.id, publish=publish)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash("Public summary published" if publish else "Public summary withdrawn", "success")
    return redirect(url_for("prioritisation.round_detail", round_id=round_.id), 303)


# --------------------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------------------


def _member_round(round_id: int) -> services.PrioritisationRound:
    round_ = services.get_round(round_id)
    if not services.is_member(round_, current_user.id):
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
        progress=services.member_progress(round_, current_user.id),
    )


def _fill_score_form(form: object, saved: dict[int, object]) -> None:
    for criterion in form.criteria:  # type: ignore[attr-defined]
        score = saved.get(criterion.id)
        form.score_field(criterion).data = str(score.value) if score and score.value else None  # type: ignore[attr-defined]
        form.comment_field(criterion).data = score.comment if score else ""  # type: ignore[attr-defined]


def _entries_from_form(form: object, criteria: list[Criterion]) -> dict[int, services.ScoreEntry]:
    entries = {}
    for criterion in criteria:
        raw = form.score_field(criterion).data  # type: ignore[attr-defined]
        comment = form.comment_field(criterion).data  # type: ignore[attr-defined]
        entries[criterion.id] = services.ScoreEntry(
            value=int(raw) if raw not in (None, "", "None") else None,
            comment=comment if comment is not None else None,
        )
    return entries


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/score", methods=["GET", "POST"])
@role_required(*STAFF)
def score_proposal(round_id: int, proposal_id: int) -> str | BaseResponse:
    """Score one topic against each criterion, with the evidence beside the score boxes. Autosaves with HTMX."""
    round_ = _member_round(round_id)
    entry = services.round_proposal(round_, proposal_id)
    criteria = list(round_.criteria_set.criteria)
    conflicted = services.has_conflict(round_.id, current_user.id, proposal_id)
    form = score_form(criteria)
    if request.method == "POST" and not conflicted and round_.is_open and form.validate_on_submit():
        try:
            services.save_scores(round_.id, proposal_id, current_user.id, _entries_from_form(form, criteria))
        except PrioritisationError as exc:
            flash(str(exc), "error")
            return redirect(url_for("prioritisation.score_proposal", round_id=round_.id, proposal_id=proposal_id), 303)
        progress = services.member_progress(round_, current_user.id)
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
        _fill_score_form(form, services.member_scores(round_.id, proposal_id, current_user.id))
    progress = services.member_progress(round_, current_user.id)
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
        evidence=services.proposal_evidence(entry.proposal),
        previous_entry=progress.items[index - 1].entry if index > 0 else None,
        next_entry=progress.items[index + 1].entry if index + 1 < len(progress.items) else None,
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/criteria/<int:criterion_id>", methods=["POST"])
@role_required(*STAFF)
def autosave(round_id: int, proposal_id: int, criterion_id: int) -> str | BaseResponse:
    """Save one criterion's score and comment (HTMX autosave; a plain POST also works and returns to the page)."""
    round_ = _member_round(round_id)
    entry = services.round_proposal(round_, proposal_id)
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
            outcome = services.save_scores(
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
        progress=services.member_progress(round_, current_user.id),
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/conflict", methods=["GET", "POST"])
@role_required(*STAFF)
def conflict(round_id: int, proposal_id: int) -> str | BaseResponse:
    """Declare a conflict of interest in a topic (the member's scores for it are removed)."""
    round_ = _member_round(round_id)
    entry = services.round_proposal(round_, proposal_id)
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            services.declare_conflict(round_.id, proposal_id, current_user.id, form.note.data or "")
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
        declared=services.has_conflict(round_.id, current_user.id, proposal_id),
        withdraw_form=ConfirmForm(),
    )


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/conflict/withdraw", methods=["POST"])
@role_required(*STAFF)
def conflict_withdraw(round_id: int, proposal_id: int) -> BaseResponse:
    """Withdraw one's own conflict declaration."""
    round_ = _member_round(round_id)
    entry = services.round_proposal(round_, proposal_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw_conflict(round_.id, proposal_id, current_user.id)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Declaration withdrawn. You can now score {entry.proposal.reference}", "success")
    return redirect(url_for("prioritisation.scoring", round_id=round_.id), 303)


# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------


def _label(entry: object) -> str:
    proposal = entry.proposal  # type: ignore[attr-defined]
    title = proposal.title if len(proposal.title) <= 48 else proposal.title[:47].rstrip() + "…"
    return f"{proposal.reference} {title}"


@bp.route("/rounds/<int:round_id>/results")
@role_required(*STAFF)
def results_page(round_id: int) -> Response:
    """Weighted ranking, Borda comparison, agreement, disagreement, sensitivity, charts and the "what if" panel."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    arrays = results.load_arrays(round_)
    trial = results.parse_trial_weights(arrays.criteria, request.args)
    trial_rows = results.what_if(arrays, trial.weights) if trial.valid and trial.weights else []
    trying = any(key.startswith("weight-") for key in request.args)
    context = {
        "round": round_,
        "criteria": arrays.criteria,
        "trial": trial,
        "trial_rows": trial_rows,
        "trying": trying,
    }
    if is_htmx_request():
        # The "what if" panel only: re-ranking is one small matrix product, so it answers instantly.
        return render_page("prioritisation/results.html", "prioritisation/_what_if.html", **context)
    names_shown = services.can_see_individual_scores(round_, current_user)
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


def _chart_tables(computed: results.RoundResults) -> dict[str, object]:
    """The data each chart draws, as table rows (the same numbers as the chart JSON)."""
    fmt = "{:.2f}".format
    chart_rows = [
        [
            _label(row.entry),
            fmt(row.mean_score) if row.mean_score is not None else "Not scored",
            results.rank_text(row.rank),
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
    round_ = services.round_for_viewer(round_id, current_user.id)
    version = results.data_version(round_)

    def build() -> object:
        from portal.charts.prioritisation import criteria_heatmap, ranking_chart

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


@bp.route("/rounds/<int:round_id>/results/heatmap.csv")
@role_required(*STAFF)
def heatmap_csv(round_id: int) -> Response:
    """The heatmap's data: mean score per topic and criterion."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    computed = results.compute_round_results(round_, names_shown=False)
    columns = ["Reference", "Title", *[c.name for c in computed.arrays.criteria]]
    rows = [
        [row.proposal.reference, row.proposal.title, *[None if v is None else round(v, 2) for v in row.criterion_means]]
        for row in computed.rows
    ]
    return _download(to_csv(columns, rows), f"round-{round_.id}-criteria-means.csv", CSV_MIMETYPE)


@bp.route("/rounds/<int:round_id>/results.csv")
@role_required(*STAFF)
def results_csv(round_id: int) -> Response:
    """The ranking as CSV (formula-safe)."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    computed = results.compute_round_results(round_, names_shown=False)
    return _download(export.results_csv(computed), f"round-{round_.id}-results.csv", CSV_MIMETYPE)


@bp.route("/rounds/<int:round_id>/results.xlsx")
@role_required(*STAFF)
def results_xlsx(round_id: int) -> Response:
    """The results as an XLSX workbook; individual scores only for those who may see them."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    names_shown = services.can_see_individual_scores(round_, current_user)
    computed = results.compute_round_results(round_, names_shown=names_shown)
    body = export.results_xlsx(computed, with_individual_scores=names_shown)
    return _download(body, f"round-{round_.id}-results.xlsx", XLSX_MIMETYPE)


@bp.route("/rounds/<int:round_id>/individual-scores")
@role_required(*STAFF)
def individual(round_id: int) -> str:
    """Every member's scores and comments: the chair and analysts while open, every member once closed."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    if not services.can_see_individual_scores(round_, current_user):
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
    round_ = services.round_for_viewer(round_id, current_user.id)
    changes = services.score_history(round_.id, current_user.id)
    return render_template("prioritisation/history.html", round=round_, changes=changes)


# --------------------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>/decision", methods=["GET", "POST"])
@role_required(*STAFF)
def decision(round_id: int, proposal_id: int) -> str | BaseResponse:
    """The chair records a topic as prioritised, not prioritised or deferred, with the public reason."""
    round_ = services.round_for_viewer(round_id, current_user.id)
    if not services.can_decide(round_, current_user):
        raise PermissionDenied("only the chair records decisions")
    entry = services.round_proposal(round_, proposal_id)
    form = DecisionForm()
    if request.method == "GET" and entry.decision:
        form.decision.data = entry.decision
        form.reason.data = entry.decision_reason
    if form.validate_on_submit():
        try:
            services.record_decision(
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
