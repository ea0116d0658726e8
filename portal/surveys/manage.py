"""Analysts' pages: the survey builder, preview, opening and closing, invitations, results with sector filters,
exports, publishing, and verifying stakeholder organisations.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import role_required
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.tables import to_csv
from portal.downloads import XLSX_MIMETYPE, download_response
from portal.extensions import db
from portal.forms import add_field_error, choices
from portal.htmx import render_page
from portal.models import Audience, Proposal, QuestionKind, Role, Survey, SurveyQuestion, SurveySection
from portal.surveys import (
    answer_pages,
    bp,
    conditions,
    eligibility,
    export,
    inviting,
    lifecycle,
    publishing,
    release,
    results,
    staff_entry,
    structure,
)
from portal.surveys.forms import (
    InvitationsForm,
    PublishForm,
    QuestionForm,
    QuestionKindForm,
    SectionForm,
    SurveySettingsForm,
)
from portal.surveys.lifecycle import BuilderError
from portal.surveys.organisations import list_organisations, set_verified
from portal.surveys.state import survey_state
from portal.surveys.structure import QuestionSpec

ANALYSTS = (Role.ANALYST, Role.ADMIN)


def _survey(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def _section(survey: Survey, section_id: int) -> SurveySection:
    section = db.session.get(SurveySection, section_id)
    if section is None or section.survey_id != survey.id:
        abort(404)
    return section


def _question(survey: Survey, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def _back_to_builder(survey_id: int) -> WerkzeugResponse:
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
            return _back_to_builder(survey.id)
    return render_template("surveys/manage/settings.html", form=form, survey=None, locked=False)


@bp.route("/surveys/manage/<int:survey_id>/settings", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def settings(survey_id: int) -> WerkzeugResponse | str:
    """Change a survey's settings."""
    survey = _survey(survey_id)
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
            return _back_to_builder(survey.id)
    return render_template(
        "surveys/manage/settings.html", form=form, survey=survey, locked=lifecycle.has_started(survey.id)
    )


@bp.route("/surveys/manage/<int:survey_id>")
@role_required(*ANALYSTS)
def build(survey_id: int) -> str:
    """A survey's builder page: settings, sections and questions, and what to do next."""
    survey = _survey(survey_id)
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
    survey = _survey(survey_id)
    try:
        lifecycle.open_survey(survey.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        flash("The survey is open", "success")
    return _back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/close", methods=["POST"])
@role_required(*ANALYSTS)
def close_survey(survey_id: int) -> WerkzeugResponse:
    """Close the survey now."""
    survey = _survey(survey_id)
    lifecycle.close_survey(survey.id, current_user.id)
    flash("The survey is closed", "success")
    return _back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_survey(survey_id: int) -> WerkzeugResponse:
    """Delete a survey nobody has started answering."""
    survey = _survey(survey_id)
    try:
        lifecycle.delete_survey(survey.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
        return _back_to_builder(survey.id)
    flash("Survey deleted", "success")
    return redirect(url_for("surveys.manage"), 303)


@bp.route("/surveys/manage/<int:survey_id>/sections/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_section(survey_id: int) -> WerkzeugResponse | str:
    """Add a section (a page)."""
    survey = _survey(survey_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            structure.add_section(survey.id, form.title.data or "", form.description.data or "", current_user.id)
        except BuilderError as error:
            flash(str(error), "error")
        else:
            flash("Section added", "success")
        return _back_to_builder(survey.id)
    return render_template("surveys/manage/section.html", form=form, survey=survey, section=None)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit_section(survey_id: int, section_id: int) -> WerkzeugResponse | str:
    """Rename a section or change its introduction."""
    survey = _survey(survey_id)
    section = _section(survey, section_id)
    form = SectionForm(obj=section if request.method == "GET" else None)
    if form.validate_on_submit():
        structure.update_section(section.id, form.title.data or "", form.description.data or "", current_user.id)
        flash("Section saved", "success")
        return _back_to_builder(survey.id)
    return render_template("surveys/manage/section.html", form=form, survey=survey, section=section)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_section(survey_id: int, section_id: int) -> WerkzeugResponse:
    """Delete a section and its questions."""
    survey = _survey(survey_id)
    section = _section(survey, section_id)
    try:
        structure.delete_section(section.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        flash("Section deleted", "success")
    return _back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/move", methods=["POST"])
@role_required(*ANALYSTS)
def move_section(survey_id: int, section_id: int) -> WerkzeugResponse:
    """Move a section up or down."""
    survey = _survey(survey_id)
    section = _section(survey, section_id)
    try:
        structure.move_section(section.id, -1 if request.form.get("direction") == "up" else 1, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    return _back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/questions/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_question(survey_id: int, section_id: int) -> WerkzeugResponse | str:
    """Add a question, step 1: choose its type."""
    survey = _survey(survey_id)
    section = _section(survey, section_id)
    form = QuestionKindForm()
    if form.validate_on_submit():
        return redirect(
            url_for("surveys.new_question_of_kind", survey_id=survey.id, section_id=section.id, kind=form.kind.data),
            303,
        )
    return render_template("surveys/manage/question_kind.html", form=form, survey=survey, section=section)


def _spec(form: QuestionForm, survey: Survey) -> QuestionSpec:
    low, high, whole = form.number_range()
    condition_id, condition_values = conditions.decode_condition(survey, form.condition.data or [])
    return QuestionSpec(
        kind=form.kind,
        title=" ".join((form.title.data or "").split()),
        help_text=form.help_text.data or "",
        required=form.required.data == "yes",
        options=form.option_list(),
        scale=form.scale_list(),
        min_value=low,
        max_value=high,
        whole_number=whole,
        condition_question_id=condition_id,
        condition_values=condition_values,
    )


def _question_page(
    survey: Survey, section: SurveySection, question: SurveyQuestion | None, kind: QuestionKind
) -> WerkzeugResponse | str:
    form = QuestionForm(kind=kind)
    form.condition.choices = choices(conditions.condition_choices(survey, question, section))
    if request.method == "GET" and question is not None:
        form.title.data = question.title
        form.help_text.data = question.help_text
        form.required.data = "yes" if question.required else "no"
        form.options.data = "\n".join(question.options or [])
        if kind is QuestionKind.LIKERT:
            for n, label in enumerate(question.scale, start=1):
                getattr(form, f"likert_{n}").data = label
        form.scale.data = "\n".join(question.scale or []) if kind is QuestionKind.MATRIX else form.scale.data
        form.min_value.data = "" if question.min_value is None else f"{question.min_value:g}"
        form.max_value.data = "" if question.max_value is None else f"{question.max_value:g}"
        form.whole_number.data = "yes" if question.whole_number else "no"
        form.condition.data = conditions.encode_condition(question)
    elif form.validate_on_submit():
        try:
            structure.save_question(section.id, question.id if question else None, _spec(form, survey), current_user.id)
        except BuilderError as error:
            if error.field == "condition":
                add_field_error(form.condition, str(error))
            else:
                flash(str(error), "error")
                return _back_to_builder(survey.id)
        else:
            flash("Question saved", "success")
            return _back_to_builder(survey.id)
    return render_template(
        "surveys/manage/question.html", form=form, survey=survey, section=section, question=question, kind=kind
    )


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/questions/new/<kind>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_question_of_kind(survey_id: int, section_id: int, kind: str) -> WerkzeugResponse | str:
    """Add a question, step 2: its wording, answers and display condition."""
    survey = _survey(survey_id)
    section = _section(survey, section_id)
    if kind not in {k.value for k in QuestionKind}:
        abort(404)
    if lifecycle.structure_locked(survey.id):
        flash("This survey has responses, so its questions can no longer be changed", "error")
        return _back_to_builder(survey.id)
    return _question_page(survey, section, None, QuestionKind(kind))


@bp.route("/surveys/manage/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit_question(survey_id: int, question_id: int) -> WerkzeugResponse | str:
    """Change a question."""
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    if lifecycle.structure_locked(survey.id):
        flash("This survey has responses, so its questions can no longer be changed", "error")
        return _back_to_builder(survey.id)
    return _question_page(survey, question.section, question, QuestionKind(question.kind))


@bp.route("/surveys/manage/<int:survey_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_question(survey_id: int, question_id: int) -> WerkzeugResponse:
    """Delete a question."""
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    try:
        structure.delete_question(question.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        flash("Question deleted", "success")
    return _back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/questions/<int:question_id>/move", methods=["POST"])
@role_required(*ANALYSTS)
def move_question(survey_id: int, question_id: int) -> WerkzeugResponse:
    """Move a question up or down within its section."""
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    try:
        structure.move_question(question.id, -1 if request.form.get("direction") == "up" else 1, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    return _back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/preview/<int:number>")
@role_required(*ANALYSTS)
def preview(survey_id: int, number: int) -> str:
    """Preview a section as respondents will see it (nothing is saved)."""
    survey = _survey(survey_id)
    if not survey.sections:
        abort(404)
    try:
        view = answer_pages.section_view(survey, number, {}, preview=True)
    except eligibility.AnswerRefused:
        abort(404)
    return render_template("surveys/answer.html", view=view, preview=True)


@bp.route("/surveys/manage/<int:survey_id>/invitations", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def invitations(survey_id: int) -> WerkzeugResponse | str:
    """Send single-use invitation links by email, and see who has been invited and the response rate."""
    survey = _survey(survey_id)
    form = InvitationsForm()
    problems: list[str] = []
    if form.validate_on_submit():
        emails, problems = inviting.parse_email_list(form.emails.data or "")
        if len(problems) == 1:
            add_field_error(form.emails, problems[0])
        elif problems:
            add_field_error(form.emails, f"{len(problems)} lines have problems: fix them and try again")
        elif not emails:
            add_field_error(form.emails, "Enter at least one email address")
        else:
            return _send(survey, emails)
    return render_page(
        "surveys/manage/invitations.html",
        "surveys/manage/_invitations_sent.html",
        form=form,
        survey=survey,
        invitations=inviting.invitations(survey.id),
        delivery=inviting.delivery_counts(survey.id),
        resendable=inviting.resendable_count(survey.id),
        rate=inviting.response_rate(survey.id),
        opted_in=inviting.opted_in_emails(survey),
        problems=problems if len(problems) > 1 else [],
    )


def _send(survey: Survey, emails: list[str]) -> WerkzeugResponse:
    try:
        report = inviting.send_invitations(survey.id, emails, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
        return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)
    _flash_report(report)
    return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)


def _flash_report(report: inviting.InvitationReport) -> None:
    """Say what a batch did: sent, being sent in the background, skipped, or not delivered."""
    parts = []
    if report.queued:
        parts.append(f"{report.queued} invitation{'s are' if report.queued != 1 else ' is'} being sent")
    if report.sent or not report.queued:
        parts.append(f"{len(report.sent)} invitation{'s' if len(report.sent) != 1 else ''} sent")
    if report.already_invited:
        parts.append(f"{len(report.already_invited)} already invited")
    if report.failed:
        parts.append(f"{len(report.failed)} could not be sent – send them again later")
    flash("; ".join(parts), "error" if report.failed else "success")


@bp.route("/surveys/manage/<int:survey_id>/invitations/resend", methods=["POST"])
@role_required(*ANALYSTS)
def resend_invitations(survey_id: int) -> WerkzeugResponse:
    """Send again the invitations whose email could not be delivered."""
    survey = _survey(survey_id)
    try:
        report = inviting.resend_invitations(survey.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        if report.sent or report.failed or report.queued:
            _flash_report(report)
        else:
            flash("There are no invitations to send again", "info")
    return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)


@bp.route("/surveys/manage/<int:survey_id>/invitations/opted-in", methods=["POST"])
@role_required(*ANALYSTS)
def invite_opted_in(survey_id: int) -> WerkzeugResponse:
    """Invite everyone who joined engagement on this survey or its topic."""
    survey = _survey(survey_id)
    emails = inviting.opted_in_emails(survey)
    if not emails:
        flash("Nobody is waiting for an invitation", "info")
        return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)
    return _send(survey, emails)


def _sector_param(survey: Survey) -> str:
    value = request.args.get("sector", results.ALL)
    allowed = {results.ALL} | {v for v, _, _ in results.segment_choices(survey.id)}
    return value if value in allowed else results.ALL


@bp.route("/surveys/manage/<int:survey_id>/results")
@role_required(*ANALYSTS)
def analysis(survey_id: int) -> Response:
    """All results, filtered to one sector or compared across sectors (HTMX swaps the results in place)."""
    survey = _survey(survey_id)
    view_mode = "compare" if request.args.get("view") == "compare" else "filter"
    sector = _sector_param(survey) if view_mode == "filter" else results.ALL
    context: dict[str, Any] = {
        "survey": survey,
        "sector": sector,
        "view_mode": view_mode,
        "segments": results.segment_choices(survey.id),
        "hidden": results.hidden_sectors(survey.id),
        "rate": inviting.response_rate(survey.id),
        "channels": staff_entry.channel_counts(survey.id),
    }
    chosen = sector if sector != results.ALL else None
    context["chart_url"] = lambda qid: url_for(
        "surveys.analysis_chart", survey_id=survey.id, question_id=qid, sector=chosen
    )
    context["csv_url"] = lambda qid: url_for(
        "surveys.analysis_chart_csv", survey_id=survey.id, question_id=qid, sector=chosen
    )
    if view_mode == "compare":
        context["groups"], context["comparisons"] = results.compare_by_sector(survey)
    else:
        context["view"] = results.results_for(survey, sector)
    return render_page("surveys/manage/analysis.html", "surveys/manage/_analysis_results.html", **context)


def _analysis_question(survey_id: int, question_id: int) -> tuple[Survey, Any, str, list[dict[str, Any]]]:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    sector = _sector_param(survey)
    if sector != results.ALL and sector in results.hidden_sectors(survey.id):
        abort(404)
    if results.question_hidden(survey, question, sector):
        abort(404)  # complementary suppression on this question's answers hides the sector
    answers = results.load_answers(survey.id, sector)
    number = conditions.question_numbers(survey)[question.id]
    result = results.question_result(question, number, answers)
    if not result.chartable:
        abort(404)
    return survey, result, sector, answers


@bp.route("/surveys/manage/<int:survey_id>/results/<int:question_id>/chart.json")
@role_required(*ANALYSTS)
def analysis_chart(survey_id: int, question_id: int) -> Response:
    """One question's chart as Bokeh JSON, for everyone or one sector."""
    survey, result, sector, answers = _analysis_question(survey_id, question_id)
    body = cached_chart_json(
        key=f"surveys:{survey.id}:q{question_id}:{sector}",
        data_version=results.data_version(survey),
        build=lambda: results.build_figure(result.question, result.number, answers),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/surveys/manage/<int:survey_id>/results/<int:question_id>/data.csv")
@role_required(*ANALYSTS)
def analysis_chart_csv(survey_id: int, question_id: int) -> Response:
    """One question's results table as CSV."""
    survey, result, sector, _ = _analysis_question(survey_id, question_id)
    assert result.table is not None
    name = f"survey-{survey.id}-question-{result.number}-{sector}.csv"
    return download_response(to_csv(result.table.plain_columns(), result.table.rows), name, private=True)


@bp.route("/surveys/manage/<int:survey_id>/export.<fmt>")
@role_required(*ANALYSTS)
def export_responses(survey_id: int, fmt: str) -> Response:
    """Every response as CSV or XLSX, with spreadsheet formulas neutralised."""
    survey = _survey(survey_id)
    if fmt not in {"csv", "xlsx"}:
        abort(404)
    header, rows = export.export_table(survey)
    filename = f"survey-{survey.id}-responses.{fmt}"
    if fmt == "csv":
        return download_response(export.to_csv_text(header, rows), filename, private=True)
    return download_response(export.to_xlsx_bytes(survey.title, header, rows), filename, XLSX_MIMETYPE, private=True)


@bp.route("/surveys/manage/<int:survey_id>/publish", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def publish(survey_id: int) -> WerkzeugResponse | str:
    """Choose which charts the public sees on the survey page."""
    survey = _survey(survey_id)
    numbers = conditions.question_numbers(survey)
    form = PublishForm()
    form.questions.choices = choices(
        (str(q.id), f"Question {numbers[q.id]}: {q.title}") for q in survey.questions if q.kind in results.CHART_KINDS
    )
    if request.method == "GET":
        form.questions.data = [str(q.id) for q in survey.questions if q.result_public]
        form.while_open.data = "open" if survey.results_while_open else "closed"
    if form.validate_on_submit():
        while_open = form.while_open.data == "open"
        if while_open and not release.pools_answers(survey):
            add_field_error(
                form.while_open,
                "Only an anonymous survey’s results can be shown while it is open: choose after the survey closes",
            )
        else:
            # A closed survey's last anonymous answers join the results before they are counted.
            release.release_if_closed(survey.id)
            try:
                count = publishing.publish_results(
                    survey.id, [int(v) for v in form.questions.data or []], current_user.id, while_open=while_open
                )
            except publishing.PublishRefused as refused:
                add_field_error(form.questions, str(refused))
            else:
                message = f"{count} chart{'s' if count != 1 else ''} published" if count else "Results unpublished"
                if count and not results.results_public(survey):
                    message += ". The public will see them when the survey closes"
                flash(message, "success")
                return redirect(url_for("surveys.analysis", survey_id=survey.id), 303)
    return render_template(
        "surveys/manage/publish.html", form=form, survey=survey, minimum=publishing.min_responses_to_publish()
    )


@bp.route("/surveys/organisations")
@role_required(*ANALYSTS)
def organisations() -> str:
    """Stakeholder organisations to verify."""
    show = request.args.get("show", "unverified")
    if show not in {"unverified", "verified", "all"}:
        show = "unverified"
    page = request.args.get("page", 1, type=int)
    return render_template(
        "surveys/manage/organisations.html",
        result=list_organisations(show, page),
        show=show,
        page_url=lambda number: url_for("surveys.organisations", show=show, page=number),
    )


@bp.route("/surveys/organisations/<int:organisation_id>/verify", methods=["POST"])
@role_required(*ANALYSTS)
def verify_organisation(organisation_id: int) -> WerkzeugResponse:
    """Verify an organisation, or remove its verification."""
    verified = request.form.get("verified") == "1"
    try:
        organisation = set_verified(organisation_id, verified, current_user.id)
    except LookupError:
        abort(404)
    flash(f"{organisation.name} is {'verified' if verified else 'no longer verified'}", "success")
    show = request.form.get("show", "unverified")
    return redirect(url_for("surveys.organisations", show=show if show in {"verified", "all"} else None), 303)
