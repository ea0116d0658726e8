"""Outcome pages: the public list, page and feed, asking to hear an outcome, and staff writing and publishing."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access import public, role_required
from portal.extensions import db
from portal.models import ActionKind, PrioritisationRound, Role, Survey
from portal.outcomes import bp, notifications, services
from portal.outcomes.feed import atom_feed
from portal.outcomes.forms import ActionForm, OutcomeTextForm, SubscribeForm, ThemeForm
from portal.outcomes.services import OutcomeError

ANALYSTS = (Role.ANALYST, Role.ADMIN)
FEED_SIZE = 50


def _is_analyst() -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(*ANALYSTS))


def _outcome(outcome_id: int, *, published_only: bool = False) -> services.Outcome:
    try:
        return services.get_outcome(outcome_id, published_only=published_only)
    except LookupError:
        abort(404)


@bp.route("")
@public
def index() -> str:
    """Every published outcome, newest first."""
    return render_template("outcomes/index.html", outcomes=services.published_outcomes())


@bp.route("/feed.atom")
@public
def feed() -> Response:
    """The published outcomes as an Atom feed."""
    return Response(atom_feed(services.published_outcomes(FEED_SIZE)), mimetype="application/atom+xml")


@bp.route("/<int:outcome_id>")
@public
def detail(outcome_id: int) -> str:
    """We asked, you said, we did (analysts may preview a draft)."""
    outcome = _outcome(outcome_id, published_only=not _is_analyst())
    return render_template("outcomes/detail.html", outcome=outcome, blocks=services.text_blocks)


def _hear(survey_id: int | None, round_id: int | None, about: str) -> ResponseReturnValue:
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            services.subscribe(form.email.data or "", survey_id=survey_id, round_id=round_id)
        except OutcomeError as error:
            form.email.errors = [str(error)]
        else:
            return render_template("outcomes/subscribed.html", about=about)
    return render_template("outcomes/subscribe.html", form=form, about=about, action=request.path)


@bp.route("/hear/survey/<int:survey_id>", methods=["GET", "POST"])
@public
def hear_survey(survey_id: int) -> ResponseReturnValue:
    """Ask to be emailed when a survey's outcome is published (the address is never linked to any answers)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.status == "draft":
        abort(404)
    return _hear(survey.id, None, survey.title)


@bp.route("/hear/round/<int:round_id>", methods=["GET", "POST"])
@public
def hear_round(round_id: int) -> ResponseReturnValue:
    """Ask to be emailed when a prioritisation round's outcome is published."""
    round_ = db.session.get(PrioritisationRound, round_id)
    if round_ is None:
        abort(404)
    return _hear(None, round_.id, round_.title)


@bp.route("/manage")
@role_required(*ANALYSTS)
def manage() -> str:
    """Outcome pages, and the closed surveys and rounds that have none yet."""
    return render_template(
        "outcomes/manage.html",
        outcomes=services.all_outcomes(),
        surveys=services.closed_surveys_without_outcome(),
        rounds=services.closed_rounds_without_outcome(),
    )


@bp.route("/manage/survey/<int:survey_id>", methods=["POST"])
@role_required(*ANALYSTS)
def start_survey(survey_id: int) -> ResponseReturnValue:
    """Start a survey's outcome page, drafted from the survey and its results."""
    try:
        outcome = services.start_survey_outcome(survey_id, current_user.id)
    except OutcomeError as error:
        flash(str(error), "error")
        return redirect(url_for("outcomes.manage"), 303)
    return redirect(url_for("outcomes.edit", outcome_id=outcome.id), 303)


@bp.route("/manage/round/<int:round_id>", methods=["POST"])
@role_required(*ANALYSTS)
def start_round(round_id: int) -> ResponseReturnValue:
    """Start a prioritisation round's outcome page, drafted from its ranking and decisions."""
    try:
        outcome = services.start_round_outcome(round_id, current_user.id)
    except OutcomeError as error:
        flash(str(error), "error")
        return redirect(url_for("outcomes.manage"), 303)
    return redirect(url_for("outcomes.edit", outcome_id=outcome.id), 303)


def _edit_page(outcome: services.Outcome, **forms: object) -> str:
    text_form = forms.get("text_form") or OutcomeTextForm(
        formdata=None, title=outcome.title, we_asked=outcome.we_asked, you_said=outcome.you_said
    )
    return render_template(
        "outcomes/edit.html",
        outcome=outcome,
        text_form=text_form,
        theme_form=forms.get("theme_form") or ThemeForm(formdata=None),
        action_form=forms.get("action_form") or ActionForm(formdata=None),
        problems=services.publish_problems(outcome),
        form=next(iter(forms.values()), None),  # the form that failed, for the error summary
    )


@bp.route("/manage/<int:outcome_id>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit(outcome_id: int) -> ResponseReturnValue:
    """Write the page: the text, the themes with their quotes, and what we did."""
    outcome = _outcome(outcome_id)
    if request.method == "GET":
        return _edit_page(outcome)
    form = OutcomeTextForm()
    if form.validate_on_submit():
        try:
            services.save_text(
                outcome.id, form.title.data or "", form.we_asked.data or "", form.you_said.data or "", current_user.id
            )
        except OutcomeError as error:
            form.title.errors = [str(error)]
        else:
            flash("Saved", "success")
            return redirect(url_for("outcomes.edit", outcome_id=outcome.id), 303)
    return _edit_page(outcome, text_form=form)


@bp.route("/manage/<int:outcome_id>/themes", methods=["POST"])
@role_required(*ANALYSTS)
def add_theme(outcome_id: int) -> ResponseReturnValue:
    """Add a theme with its count and quotes (quotes with names or contact details are refused)."""
    outcome = _outcome(outcome_id)
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            services.add_theme(
                outcome.id,
                form.theme.data or "",
                form.answer_count.data or 0,
                services.split_quotes(form.quotes.data or ""),
                current_user.id,
            )
        except OutcomeError as error:
            form.quotes.errors = [str(error)]
        else:
            flash("Theme added", "success")
            return redirect(url_for("outcomes.edit", outcome_id=outcome.id, _anchor="themes"), 303)
    return _edit_page(outcome, theme_form=form)


@bp.route("/manage/<int:outcome_id>/themes/<int:theme_id>/remove", methods=["POST"])
@role_required(*ANALYSTS)
def remove_theme(outcome_id: int, theme_id: int) -> ResponseReturnValue:
    """Remove a theme."""
    try:
        services.remove_theme(outcome_id, theme_id, current_user.id)
    except LookupError:
        abort(404)
    flash("Theme removed", "success")
    return redirect(url_for("outcomes.edit", outcome_id=outcome_id, _anchor="themes"), 303)


@bp.route("/manage/<int:outcome_id>/actions", methods=["POST"])
@role_required(*ANALYSTS)
def add_action(outcome_id: int) -> ResponseReturnValue:
    """Add a "We did" link to a decision, chapter or recommendation, with a sentence."""
    outcome = _outcome(outcome_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.add_action(
                outcome.id,
                ActionKind(form.kind.data),
                form.label.data or "",
                form.url.data or "",
                form.sentence.data or "",
                current_user.id,
            )
        except OutcomeError as error:
            form.url.errors = [str(error)]
        else:
            flash("Link added", "success")
            return redirect(url_for("outcomes.edit", outcome_id=outcome.id, _anchor="actions"), 303)
    return _edit_page(outcome, action_form=form)


@bp.route("/manage/<int:outcome_id>/publish", methods=["POST"])
@role_required(*ANALYSTS)
def publish(outcome_id: int) -> ResponseReturnValue:
    """Publish the page and tell the people who asked, and the topics' proposers."""
    outcome = _outcome(outcome_id)
    try:
        services.publish(outcome.id, current_user.id)
    except OutcomeError as error:
        flash(str(error), "error")
        return redirect(url_for("outcomes.edit", outcome_id=outcome.id), 303)
    subscribers, proposers = notifications.notify_published(outcome)
    flash(f"Outcome published. Emailed {subscribers} people who asked to hear and {proposers} proposers.", "success")
    return redirect(url_for("outcomes.detail", outcome_id=outcome.id), 303)
