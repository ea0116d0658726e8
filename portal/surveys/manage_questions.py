"""Analysts' pages for a survey's sections and questions: adding, changing, deleting and moving them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import role_required
from portal.forms import add_field_error, choices
from portal.models import QuestionKind, Survey, SurveyQuestion, SurveySection
from portal.surveys import bp, conditions, lifecycle, structure
from portal.surveys.forms import QuestionForm, QuestionKindForm, SectionForm
from portal.surveys.lifecycle import BuilderError
from portal.surveys.manage import ANALYSTS, back_to_builder, question_or_404, section_or_404, survey_or_404
from portal.surveys.structure import QuestionSpec


@bp.route("/surveys/manage/<int:survey_id>/sections/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_section(survey_id: int) -> WerkzeugResponse | str:
    """Add a section (a page)."""
    survey = survey_or_404(survey_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            structure.add_section(survey.id, form.title.data or "", form.description.data or "", current_user.id)
        except BuilderError as error:
            flash(str(error), "error")
        else:
            flash("Section added", "success")
        return back_to_builder(survey.id)
    return render_template("surveys/manage/section.html", form=form, survey=survey, section=None)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit_section(survey_id: int, section_id: int) -> WerkzeugResponse | str:
    """Rename a section or change its introduction."""
    survey = survey_or_404(survey_id)
    section = section_or_404(survey, section_id)
    form = SectionForm(obj=section if request.method == "GET" else None)
    if form.validate_on_submit():
        structure.update_section(section.id, form.title.data or "", form.description.data or "", current_user.id)
        flash("Section saved", "success")
        return back_to_builder(survey.id)
    return render_template("surveys/manage/section.html", form=form, survey=survey, section=section)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_section(survey_id: int, section_id: int) -> WerkzeugResponse:
    """Delete a section and its questions."""
    survey = survey_or_404(survey_id)
    section = section_or_404(survey, section_id)
    try:
        structure.delete_section(section.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        flash("Section deleted", "success")
    return back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/move", methods=["POST"])
@role_required(*ANALYSTS)
def move_section(survey_id: int, section_id: int) -> WerkzeugResponse:
    """Move a section up or down."""
    survey = survey_or_404(survey_id)
    section = section_or_404(survey, section_id)
    try:
        structure.move_section(section.id, -1 if request.form.get("direction") == "up" else 1, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    return back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/questions/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_question(survey_id: int, section_id: int) -> WerkzeugResponse | str:
    """Add a question, step 1: choose its type."""
    survey = survey_or_404(survey_id)
    section = section_or_404(survey, section_id)
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
                return back_to_builder(survey.id)
        else:
            flash("Question saved", "success")
            return back_to_builder(survey.id)
    return render_template(
        "surveys/manage/question.html", form=form, survey=survey, section=section, question=question, kind=kind
    )


@bp.route("/surveys/manage/<int:survey_id>/sections/<int:section_id>/questions/new/<kind>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_question_of_kind(survey_id: int, section_id: int, kind: str) -> WerkzeugResponse | str:
    """Add a question, step 2: its wording, answers and display condition."""
    survey = survey_or_404(survey_id)
    section = section_or_404(survey, section_id)
    if kind not in {k.value for k in QuestionKind}:
        abort(404)
    if lifecycle.structure_locked(survey.id):
        flash("This survey has responses, so its questions can no longer be changed", "error")
        return back_to_builder(survey.id)
    return _question_page(survey, section, None, QuestionKind(kind))


@bp.route("/surveys/manage/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit_question(survey_id: int, question_id: int) -> WerkzeugResponse | str:
    """Change a question."""
    survey = survey_or_404(survey_id)
    question = question_or_404(survey, question_id)
    if lifecycle.structure_locked(survey.id):
        flash("This survey has responses, so its questions can no longer be changed", "error")
        return back_to_builder(survey.id)
    return _question_page(survey, question.section, question, QuestionKind(question.kind))


@bp.route("/surveys/manage/<int:survey_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_question(survey_id: int, question_id: int) -> WerkzeugResponse:
    """Delete a question."""
    survey = survey_or_404(survey_id)
    question = question_or_404(survey, question_id)
    try:
        structure.delete_question(question.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        flash("Question deleted", "success")
    return back_to_builder(survey.id)


@bp.route("/surveys/manage/<int:survey_id>/questions/<int:question_id>/move", methods=["POST"])
@role_required(*ANALYSTS)
def move_question(survey_id: int, question_id: int) -> WerkzeugResponse:
    """Move a question up or down within its section."""
    survey = survey_or_404(survey_id)
    question = question_or_404(survey, question_id)
    try:
        structure.move_question(question.id, -1 if request.form.get("direction") == "up" else 1, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    return back_to_builder(survey.id)
