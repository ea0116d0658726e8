"""Analysts' pages for results: all results with sector filters and comparisons, chart JSON and CSV per
question, exports of every response, and choosing which charts the public sees.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import role_required
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.tables import to_csv
from portal.downloads import XLSX_MIMETYPE, download_response
from portal.forms import add_field_error, choices
from portal.htmx import render_page
from portal.models import Survey
from portal.surveys import bp, conditions, export, inviting, publishing, release, results, staff_entry
from portal.surveys.forms import PublishForm
from portal.surveys.manage import ANALYSTS, question_or_404, survey_or_404


def _sector_param(survey: Survey) -> str:
    value = request.args.get("sector", results.ALL)
    allowed = {results.ALL} | {v for v, _, _ in results.segment_choices(survey.id)}
    return value if value in allowed else results.ALL


@bp.route("/surveys/manage/<int:survey_id>/results")
@role_required(*ANALYSTS)
def analysis(survey_id: int) -> Response:
    """All results, filtered to one sector or compared across sectors (HTMX swaps the results in place)."""
    survey = survey_or_404(survey_id)
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
    survey = survey_or_404(survey_id)
    question = question_or_404(survey, question_id)
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
    survey = survey_or_404(survey_id)
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
    survey = survey_or_404(survey_id)
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
