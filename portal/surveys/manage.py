"""Analysts' pages: the survey list, creating a survey and its settings, the builder page, opening, closing,
deleting and previewing; and the lookups the other analysts' pages share (``manage_questions``,
``manage_invitations``, ``manage_results``, ``manage_organisations``).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import role_required
from portal.extensions import db
from portal.forms import add_field_error, choices
from portal.models import Audience, Proposal, Role, Survey, SurveyQuestion, SurveySection
from portal.surveys import answer_pages, bp, conditions, eligibility, inviting, lifecycle
from portal.surveys.forms import SurveySettingsForm
from portal.surveys.lifecycle import BuilderError
from portal.surveys.state import survey_state

ANALYSTS = (Role.ANALYST, Role.ADMIN)


def survey_or_404(survey_id: int) -> Survey:
    """The survey, or 404."""
    return db.get_or_404(Survey, survey_id)


def section_or_404(survey: Survey, section_id: int) -> SurveySection:
    """One of this survey's sections, or 404."""
    section = db.session.get(SurveySection, section_id)
    if section is None or section.survey_id != survey.id:
        abort(404)
    return section


def question_or_404(survey: Survey, question_id: int) -> SurveyQuestion:
    """One of this survey's questions, or 404."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def back_to_builder(survey_id: int) -> WerkzeugResponse:
    """Redirect (303) to the survey's builder page."""
    return redirect(url_for("surveys.build", survey_id=survey_id), 303)


@bp.route("/surveys/manage")
@role_required(*ANALYSTS)
def manage() -> str:
    """The builder list: every survey with its state and number of responses."""
    surveys = lifecycle.all_surveys()
    return render_template(
        "surveys/manage/list.html",
        surveys=[(s, survey_state(s)) for s in surveys],
        counts=lifecycle.response_counts(),
    )


def _proposal_choices() -> list[Any]:
    proposals = db.session.scalars(select(Proposal).order_by(Proposal.title))
    return choices([("", "No linked topic")] + [(str(p.id), f"{p.title} ({p.reference})") for p in proposals])


def _settings_values(form: SurveySettingsForm) -> dict[str, Any]:
    return {
        "title": form.title.data,
        "summary": form.summary.data or "",
        "audience": Audience(form.audience.data),
        "anonymous": form.anonymous.data == "yes",
        "opens_on": form.opens_on.data,
        "closes_on": form.closes_on.data,
        "proposal_id": int(form.proposal_id.data) if form.proposal_id.data else None,
    }


@bp.route("/surveys/manage/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def create() -> WerkzeugResponse | str:
    """Create a survey."""
    form = SurveySettingsForm()
    form.proposal_id.choices = _proposal_choices()
    if form.validate_on_submit():
        try:
            survey = lifecycle.create_survey(**_settings_values(form), actor_id=current_user.id)
        except BuilderError as error:
            add_field_error(getattr(form, error.field or "title"), str(error))
        else:
            flash(f"Survey ‘{survey.title}’ created. Add its questions", "success")
            return back_to_builder(survey.id)
    return render_template("surveys/manage/settings.html", form=form, survey=None, locked=False)


@bp.route("/surveys/manage/<int:survey_id>/settings", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def settings(survey_id: int) -> WerkzeugResponse | str:
    """Change a survey's settings."""
    survey = survey_or_404(survey_id)
    form = SurveySettingsForm()
    form.proposal_id.choices = _proposal_choices()
    if request.method == "GET":
        form.title.data = survey.title
        form.summary.data = survey.summary
        form.audience.data = survey.audience
        form.anonymous.data = "yes" if survey.anonymous else "no"
        form.opens_on.data = survey.opens_on
        form.closes_on.data = survey.closes_on
        form.proposal_id.data = str(survey.proposal_id) if survey.proposal_id else ""
    elif form.validate_on_submit():
        try:
            lifecycle.update_settings(survey.id, **_settings_values(form), actor_id=current_user.id)
        except BuilderError as error:
            add_field_error(getattr(form, error.field or "title"), str(error))
        else:
            flash("Survey settings saved", "success")
            return back_to_builder(survey.id)
    return render_template(
        "surveys/manage/settings.html", form=form, survey=survey, locked=lifecycle.has_started(survey.id)
    )


@bp.route("/surveys/manage/<int:survey_id>")
@role_required(*ANALYSTS)
def build(survey_id: int) -> str:
    """A survey's builder page: settings, sections and questions, and what to do next."""
    survey = survey_or_404(survey_id)
    numbers = conditions.question_numbers(survey)
    return render_template(
        "surveys/manage/build.html",
        survey=survey,
        state=survey_state(survey),
        numbers=numbers,
        conditions={q.id: conditions.condition_text(q, numbers) for q in survey.questions},
        locked=lifecycle.structure_locked(survey.id),
        started=lifecycle.has_started(survey.id),
        responses=lifecycle.response_count(survey.id),
        rate=inviting.response_rate(survey.id),
    )


@bp.route("/surveys/manage/<int:survey_id>/open", methods=["POST"])
@role_required(*ANALYSTS)
def open_survey(survey_id: int) -> WerkzeugResponse:
    """Open the survey for answers."""
    survey = survey_or_404(survey_id)
    try:
        lifecycle.open_survey(survey.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        flash("The survey is open", "success")
    return back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/close", methods=["POST"])
@role_required(*ANALYSTS)
def close_survey(survey_id: int) -> WerkzeugResponse:
    """Close the survey now."""
    survey = survey_or_404(survey_id)
    lifecycle.close_survey(survey.id, current_user.id)
    flash("The survey is closed", "success")
    return back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_survey(survey_id: int) -> WerkzeugResponse:
    """Delete a survey nobody has started answering."""
    survey = survey_or_404(survey_id)
    try:
        lifecycle.delete_survey(survey.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
        return back_to_builder(survey.id)
    flash("Survey deleted", "success")
    return redirect(url_for("surveys.manage"), 303)


@bp.route("/surveys/manage/<int:survey_id>/preview/<int:number>")
@role_required(*ANALYSTS)
def preview(survey_id: int, number: int) -> str:
    """Preview a section as respondents will see it (nothing is saved)."""
    survey = survey_or_404(survey_id)
    if not survey.sections:
        abort(404)
    try:
        view = answer_pages.section_view(survey, number, {}, preview=True)
    except eligibility.AnswerRefused:
        abort(404)
    return render_template("surveys/answer.html", view=view, preview=True)
