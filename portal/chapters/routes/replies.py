"""Commissioners' and providers' pages: "My recommendations", responding, progress updates and acknowledgements."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access import role_required
from portal.chapters import bp, recommendations, tracker
from portal.chapters.common import ChapterError, response_days
from portal.chapters.forms import AcknowledgeForm, ProgressForm, ResponseForm
from portal.chapters.routes import show_error
from portal.models import Role


@bp.route("/my-recommendations")
@role_required(Role.COMMISSIONER, Role.STAKEHOLDER)
def my_recommendations() -> str:
    """Recommendations addressed to my organisation: to respond to (commissioners) or acknowledge (providers)."""
    return render_template(
        "chapters/my_recommendations.html",
        chapters=tracker.my_recommendations(current_user),
        response_days=response_days(),
    )


@bp.route("/recommendations/<int:recommendation_id>/respond", methods=["GET", "POST"])
@role_required(Role.COMMISSIONER)
def respond(recommendation_id: int) -> ResponseReturnValue:
    """A commissioner's response, for their organisation, to a recommendation addressed to it."""
    recommendation, organisation = recommendations.recommendation_for_commissioner(recommendation_id, current_user)
    if recommendation.response_for(organisation.id) is not None:
        return redirect(url_for("chapters.progress", recommendation_id=recommendation.id), 303)
    form = ResponseForm()
    if form.validate_on_submit():
        data = recommendations.ResponseInput(
            decision=form.decision.data or "",
            rationale=form.rationale.data or "",
            planned_action=form.planned_action.data or "",
            lead=form.lead.data or "",
            target_date=form.target_date.data,
        )
        try:
            recommendations.respond(recommendation.id, current_user, data)
        except ChapterError as error:
            show_error(form, error, "rationale")
        else:
            flash("Response sent. It is now shown on the public tracker", "success")
            return redirect(url_for("chapters.my_recommendations"), 303)
    return render_template("chapters/respond.html", recommendation=recommendation, organisation=organisation, form=form)


@bp.route("/recommendations/<int:recommendation_id>/progress", methods=["GET", "POST"])
@role_required(Role.COMMISSIONER)
def progress(recommendation_id: int) -> ResponseReturnValue:
    """Add a progress update to my organisation's response."""
    recommendation, organisation = recommendations.recommendation_for_commissioner(recommendation_id, current_user)
    response = recommendation.response_for(organisation.id)
    if response is None:
        return redirect(url_for("chapters.respond", recommendation_id=recommendation.id), 303)
    form = ProgressForm()
    if request.method == "GET":
        form.status.data = response.progress_status
    elif form.validate_on_submit():
        try:
            recommendations.add_progress(recommendation.id, current_user, form.status.data or "", form.note.data or "")
        except ChapterError as error:
            show_error(form, error, "status")
        else:
            flash("Progress update added", "success")
            return redirect(url_for("chapters.my_recommendations"), 303)
    return render_template(
        "chapters/progress.html",
        recommendation=recommendation,
        response=response,
        form=form,
        organisation=organisation,
        overdue=tracker.overdue_state(recommendation, organisation.id),
    )


@bp.route("/recommendations/<int:recommendation_id>/acknowledge", methods=["GET", "POST"])
@role_required(Role.STAKEHOLDER)
def acknowledge(recommendation_id: int) -> ResponseReturnValue:
    """A provider acknowledges a recommendation addressed to their organisation."""
    recommendation, organisation = recommendations.recommendation_for_provider(recommendation_id, current_user)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        recommendations.acknowledge(recommendation.id, current_user, form.note.data or "")
        flash(f"Acknowledged for {organisation.name}", "success")
        return redirect(url_for("chapters.my_recommendations"), 303)
    return render_template(
        "chapters/acknowledge.html",
        recommendation=recommendation,
        organisation=organisation,
        acknowledgement=recommendation.acknowledgement_by(organisation.id),
        form=form,
    )
