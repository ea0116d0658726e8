"""Public and respondent pages: the survey list and start pages, answering, check your answers, confirmation,
save and come back later, invitation and resume links, published results, and people's own engagement pages.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import public, signed_in
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.tables import to_csv
from portal.downloads import download_response
from portal.extensions import db, limiter
from portal.forms import choices
from portal.models import Role, Survey, SurveyStatus
from portal.surveys import answer_pages, bp, drafts, eligibility, links, results, saving, submitting
from portal.surveys.conditions import question_numbers
from portal.surveys.eligibility import AnswerRefused, Refusal, Respondent
from portal.surveys.engagement import (
    has_joined_survey,
    join_survey,
    leave_survey,
    my_surveys,
    own_response,
    public_surveys,
    set_topics_of_interest,
    topic_choices,
    topics_of_interest,
)
from portal.surveys.forms import EngagementForm, ResumeEmailForm
from portal.surveys.organisations import organisation_ward_codes, set_organisation_wards, ward_choices, ward_names
from portal.surveys.questions import describe_answer
from portal.surveys.state import survey_state
from portal.surveys.submitting import MissingAnswers

REFUSAL_STATUS = {
    Refusal.NOT_FOUND: 404,
    Refusal.NOT_OPEN_YET: 403,
    Refusal.CLOSED: 410,
    Refusal.STAKEHOLDERS_ONLY: 403,
    Refusal.INVITE_ONLY: 403,
    Refusal.ALREADY_ANSWERED: 409,
    Refusal.NOTHING_TO_SUBMIT: 409,
    Refusal.SIGN_IN: 401,
}
KEYS = "survey_keys"
INVITES = "survey_invitations"
DONE = "survey_done"


def _session_map(name: str) -> dict[str, Any]:
    value = session.get(name)
    return dict(value) if isinstance(value, dict) else {}


def _remember(name: str, survey_id: int, value: Any) -> None:
    mapping = _session_map(name)
    if value is None:
        mapping.pop(str(survey_id), None)
    else:
        mapping[str(survey_id)] = value
    session[name] = mapping


def respondent_for(survey_id: int) -> Respondent:
    """Who is answering: the signed-in account, an invitation opened in this session, and this session's key."""
    user_id = current_user.id if current_user.is_authenticated else None
    invitation_id = _session_map(INVITES).get(str(survey_id))
    draft_key = _session_map(KEYS).get(str(survey_id))
    return Respondent(
        user_id=user_id,
        is_stakeholder=bool(user_id and current_user.has_role(Role.STAKEHOLDER)),
        invitation_id=invitation_id if isinstance(invitation_id, int) else None,
        draft_key=draft_key if isinstance(draft_key, str) else None,
    )


def refused_page(error: AnswerRefused) -> WerkzeugResponse | tuple[str, int]:
    """A clear page saying why answering is not possible (or a sign-in redirect when that is the answer)."""
    if error.refusal is Refusal.SIGN_IN:
        flash("Sign in to answer this survey", "info")
        return redirect(url_for("auth.sign_in", next=request.path), 303)
    if error.refusal is Refusal.NOT_FOUND:
        abort(404)
    return render_template("surveys/refused.html", refusal=str(error.refusal), survey=error.survey), REFUSAL_STATUS[
        error.refusal
    ]


def _open_survey_or_404(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.status == SurveyStatus.DRAFT:
        abort(404)
    return survey


@bp.route("/surveys")
@public
def index() -> str:
    """Surveys open for answers (and closed ones whose results are published)."""
    listed = public_surveys(page=request.args.get("page", 1, type=int))
    public = {survey.id for survey, _ in listed.surveys if results.results_public(survey)}
    return render_template(
        "surveys/index.html",
        listed=listed,
        results_public=public,
        page_url=lambda number: url_for("surveys.index", page=number),
    )


@bp.route("/surveys/<int:survey_id>")
@public
def detail(survey_id: int) -> str:
    """A survey's start page: what it is about, who can answer, whether it is anonymous, and published results."""
    survey = _open_survey_or_404(survey_id)
    respondent = respondent_for(survey.id)
    refusal = eligibility.refusal_for(survey, respondent)
    has_draft = refusal is None and drafts.find_draft(survey.id, respondent) is not None
    joined = current_user.is_authenticated and has_joined_survey(current_user.id, survey.id)
    return render_template(
        "surveys/detail.html",
        survey=survey,
        state=survey_state(survey),
        refusal=str(refusal) if refusal else "",
        has_draft=has_draft,
        joined=joined,
        published=results.published_results(survey),
        results_public=results.results_public(survey),
        **_public_urls(survey),
    )


def _public_urls(survey: Survey) -> dict[str, Any]:
    return {
        "chart_url": lambda qid: url_for("surveys.public_chart", survey_id=survey.id, question_id=qid),
        "csv_url": lambda qid: url_for("surveys.public_chart_csv", survey_id=survey.id, question_id=qid),
    }


@bp.route("/surveys/<int:survey_id>/start")
@public
def start(survey_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Start, or carry on from where the respondent left off."""
    respondent = respondent_for(survey_id)
    try:
        survey = eligibility.load_for_answering(survey_id, respondent)
    except AnswerRefused as error:
        return refused_page(error)
    number = answer_pages.first_step(survey, respondent)
    if number is None:
        return redirect(url_for("surveys.check_answers", survey_id=survey.id), 303)
    return redirect(url_for("surveys.answer", survey_id=survey.id, number=number), 303)


@bp.route("/surveys/<int:survey_id>/answer/<int:number>", methods=["GET", "POST"])
@public
@limiter.limit("120 per minute", methods=["POST"])
def answer(survey_id: int, number: int) -> WerkzeugResponse | str | tuple[str, int]:
    """One section of a survey: show it, or check and save its answers."""
    respondent = respondent_for(survey_id)
    try:
        survey = eligibility.load_for_answering(survey_id, respondent)
        if request.method == "POST":
            for_later = request.form.get("action") == "save"
            result = saving.save_section(survey.id, respondent, number, request.form, for_later=for_later)
            if not result.ok:
                assert result.view is not None
                return render_template("surveys/answer.html", view=result.view, back=_back_url(survey, number))
            if result.new_key:
                _remember(KEYS, survey.id, result.new_key)
            if for_later:
                return _saved_for_later(survey, respondent)
            if request.args.get("return") == "check" or result.next_number is None:
                return redirect(url_for("surveys.check_answers", survey_id=survey.id), 303)
            return redirect(url_for("surveys.answer", survey_id=survey.id, number=result.next_number), 303)
        answers = drafts.draft_answers(survey.id, respondent)
        # Coming back to answers saved as typed shows what still cannot be read; ?check also shows what is missing.
        errors = answer_pages.stored_errors(survey, number, answers, typed_only=not request.args.get("check"))
        view = answer_pages.section_view(survey, number, answers, errors=errors)
    except AnswerRefused as error:
        return refused_page(error)
    if not view.questions:
        # Every question here is hidden by an earlier answer: go on to the next page that applies.
        following = answer_pages.next_step(survey, number, answers)
        if following is None:
            return redirect(url_for("surveys.check_answers", survey_id=survey.id), 303)
        return redirect(url_for("surveys.answer", survey_id=survey.id, number=following), 303)
    return render_template("surveys/answer.html", view=view, back=_back_url(survey, number, answers))


def _back_url(survey: Survey, number: int, answers: dict[str, Any] | None = None) -> str:
    previous = answer_pages.previous_step(survey, number, answers or {})
    if previous is None:
        return url_for("surveys.detail", survey_id=survey.id)
    return url_for("surveys.answer", survey_id=survey.id, number=previous)


def _saved_for_later(survey: Survey, respondent: Respondent) -> WerkzeugResponse | str:
    if respondent.invitation_id is not None:
        return render_template("surveys/saved.html", survey=survey, how="invitation")
    if respondent.user_id is not None:
        flash(f"Your answers to ‘{survey.title}’ are saved. Come back to them from this page", "success")
        return redirect(url_for("surveys.mine"), 303)
    return redirect(url_for("surveys.save_for_later", survey_id=survey.id), 303)


@bp.route("/surveys/<int:survey_id>/save", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def save_for_later(survey_id: int) -> WerkzeugResponse | str | tuple[str, int]:
    """Email a link to come back to answers saved without an account."""
    respondent = respondent_for(survey_id)
    try:
        survey = eligibility.load_for_answering(survey_id, respondent)
    except AnswerRefused as error:
        return refused_page(error)
    if respondent.draft_key is None or drafts.find_draft(survey.id, respondent) is None:
        return redirect(url_for("surveys.start", survey_id=survey.id), 303)
    form = ResumeEmailForm()
    if form.validate_on_submit():
        links.send_resume_link(survey.id, respondent.draft_key, form.email.data or "")
        return render_template("surveys/saved.html", survey=survey, how="email")
    return render_template("surveys/save_for_later.html", survey=survey, form=form)


@bp.route("/surveys/resume/<token>")
@public
def resume(token: str) -> WerkzeugResponse | tuple[str, int]:
    """Come back to saved answers from an emailed link."""
    found = links.read_resume_link(token)
    if isinstance(found, links.LinkProblem):
        status = 410 if found is not links.LinkProblem.INVALID else 400
        return render_template("surveys/link_problem.html", problem=str(found), kind="resume"), status
    survey_id, key = found
    _remember(KEYS, survey_id, key)
    flash("Welcome back. Your saved answers are below", "success")
    return redirect(url_for("surveys.start", survey_id=survey_id), 303)


@bp.route("/surveys/invitation/<token>")
@public
def accept_invitation(token: str) -> WerkzeugResponse | tuple[str, int]:
    """Open a single-use invitation link; it works until the response is sent."""
    found = links.read_invitation_link(token)
    if isinstance(found, links.LinkProblem):
        status = 410 if found is links.LinkProblem.USED else 404
        return render_template("surveys/link_problem.html", problem=str(found), kind="invitation"), status
    _remember(INVITES, found.survey_id, found.id)
    return redirect(url_for("surveys.detail", survey_id=found.survey_id), 303)


@bp.route("/surveys/<int:survey_id>/check-answers")
@public
def check_answers(survey_id: int) -> WerkzeugResponse | str | tuple[str, int]:
    """Check your answers before sending them."""
    respondent = respondent_for(survey_id)
    try:
        survey = eligibility.load_for_answering(survey_id, respondent)
    except AnswerRefused as error:
        return refused_page(error)
    if drafts.find_draft(survey.id, respondent) is None:
        return redirect(url_for("surveys.start", survey_id=survey.id), 303)
    pages = answer_pages.check_answers(survey, respondent)
    missing = answer_pages.first_missing(survey, drafts.draft_answers(survey.id, respondent))
    return render_template("surveys/check_answers.html", survey=survey, pages=pages, missing=missing)


@bp.route("/surveys/<int:survey_id>/submit", methods=["POST"])
@public
@limiter.limit("30 per minute")
def submit(survey_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Send the answers. A second send (a replay or double click) is refused and stores nothing."""
    respondent = respondent_for(survey_id)
    try:
        reference = submitting.submit(survey_id, respondent)
    except MissingAnswers as missing:
        flash("Answer the questions marked below before you send your answers", "info")
        return redirect(url_for("surveys.answer", survey_id=survey_id, number=missing.number, check=1), 303)
    except AnswerRefused as error:
        return refused_page(error)
    _remember(KEYS, survey_id, None)
    _remember(DONE, survey_id, reference)
    return redirect(url_for("surveys.confirmation", survey_id=survey_id), 303)


@bp.route("/surveys/<int:survey_id>/submitted")
@public
def confirmation(survey_id: int) -> WerkzeugResponse | str:
    """The confirmation page, with the response's reference."""
    survey = _open_survey_or_404(survey_id)
    reference = _session_map(DONE).get(str(survey_id))
    if not reference:
        return redirect(url_for("surveys.detail", survey_id=survey.id), 303)
    return render_template("surveys/confirmation.html", survey=survey, reference=reference)


@bp.route("/surveys/<int:survey_id>/results", endpoint="results")
@public
def results_page(survey_id: int) -> str:
    """Published results: only the charts analysts chose, and only once 5 or more people have answered."""
    survey = _open_survey_or_404(survey_id)
    if not results.results_public(survey):
        abort(404)
    return render_template(
        "surveys/results.html", survey=survey, published=results.published_results(survey), **_public_urls(survey)
    )


def _public_question(survey_id: int, question_id: int) -> tuple[Survey, Any]:
    """A published question with its result, or 404 (unpublished results are not public)."""
    survey = _open_survey_or_404(survey_id)
    view = results.published_results(survey)
    if view.suppressed:
        abort(404)
    match = next((r for r in view.questions if r.question.id == question_id), None)
    if match is None or not match.chartable:
        abort(404)
    return survey, match


@bp.route("/surveys/<int:survey_id>/results/<int:question_id>/chart.json")
@public
def public_chart(survey_id: int, question_id: int) -> Response:
    """A published question's chart as Bokeh JSON."""
    survey, match = _public_question(survey_id, question_id)
    body = cached_chart_json(
        key=f"surveys:{survey.id}:q{question_id}:all",
        data_version=results.data_version(survey),
        # The answers are read again only when the chart is not cached (the CSV never needs them).
        build=lambda: results.build_figure(match.question, match.number, results.load_answers(survey.id)),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/surveys/<int:survey_id>/results/<int:question_id>/data.csv")
@public
def public_chart_csv(survey_id: int, question_id: int) -> Response:
    """A published question's table as CSV."""
    survey, match = _public_question(survey_id, question_id)
    assert match.table is not None
    return download_response(
        to_csv(match.table.plain_columns(), match.table.rows), f"survey-{survey.id}-question-{match.number}.csv"
    )


# --- People's own engagement ------------------------------------------------------------------------------------


@bp.route("/surveys/mine")
@signed_in
def mine() -> str:
    """My surveys: saved drafts, surveys answered, surveys and topics I asked to be invited to."""
    return render_template(
        "surveys/mine.html",
        mine=my_surveys(current_user.id),
        wards=ward_names(organisation_ward_codes(current_user.organisation_id)) if current_user.organisation_id else [],
    )


@bp.route("/surveys/engagement", methods=["GET", "POST"])
@signed_in
def engagement() -> WerkzeugResponse | str:
    """Choose topics of interest and, for an organisation, the wards it serves."""
    form = EngagementForm()
    topics = topic_choices()
    form.topics.choices = choices((str(p.id), f"{p.title} ({p.reference})") for p in topics)
    # A pending member (asked to join, not yet approved) sees no ward question: they cannot change the organisation.
    has_organisation = current_user.approved_organisation is not None
    form.wards.choices = choices(ward_choices()) if has_organisation else []
    if request.method == "GET":
        form.topics.data = [str(p.id) for p in topics_of_interest(current_user.id)]
        if has_organisation:
            form.wards.data = organisation_ward_codes(current_user.organisation.id)
    if form.validate_on_submit():
        set_topics_of_interest(current_user.id, [int(v) for v in form.topics.data or []])
        if has_organisation:
            set_organisation_wards(current_user, form.wards.data or [])
        flash("Your engagement preferences are saved", "success")
        return redirect(url_for("surveys.mine"), 303)
    return render_template("surveys/engagement.html", form=form, has_topics=bool(topics))


@bp.route("/surveys/<int:survey_id>/join", methods=["POST"])
@signed_in
def join(survey_id: int) -> WerkzeugResponse:
    """Ask to be invited to a survey (joining engagement)."""
    if join_survey(current_user.id, survey_id):
        flash("You have asked to be invited. We will email you an invitation", "success")
    else:
        flash("This survey is not taking part requests", "info")
    return redirect(url_for("surveys.detail", survey_id=survey_id), 303)


@bp.route("/surveys/<int:survey_id>/leave", methods=["POST"])
@signed_in
def leave(survey_id: int) -> WerkzeugResponse:
    """Stop asking to be invited to a survey."""
    leave_survey(current_user.id, survey_id)
    flash("You will not be invited to this survey", "success")
    return redirect(url_for("surveys.mine"), 303)


@bp.route("/surveys/responses/<response_id>")
@signed_in
def my_response(response_id: str) -> str:
    """A person's own identified response (anyone else's, and anonymous ones, are not found)."""
    response = own_response(response_id, current_user.id)
    if response is None:
        abort(404)
    survey = response.survey
    numbers = question_numbers(survey)
    answers = [
        (numbers[q.id], q.title, describe_answer(q, (response.answers or {}).get(str(q.id)))) for q in survey.questions
    ]
    return render_template("surveys/my_response.html", response=response, survey=survey, answers=answers)
