"""Chapter pages: the public list, chapters and their tracker, the JSNA report; analysts' writing pages;
commissioners' and providers' "My recommendations" and replies."""

from __future__ import annotations

from typing import Any

import bokeh
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from portal.access import public, role_required
from portal.chapters import bp, forecasts, services
from portal.chapters.blocks import BlockContext, render_section
from portal.chapters.forms import (
    AcknowledgeForm,
    ConfirmForm,
    DetailsForm,
    NewChapterForm,
    ProgressForm,
    RecommendationForm,
    ResponseForm,
    SectionForm,
)
from portal.charts.cache import cached_chart_json
from portal.charts.embed import CHART_JSON_MIMETYPE
from portal.charts.forecast import FORECAST_CHART_VERSION, population_projection_chart, projection_chart
from portal.charts.tables import to_csv
from portal.downloads import download_response
from portal.forms import choices
from portal.htmx import render_page
from portal.models import CHAPTER_SECTIONS, Chapter, Role
from portal.models.chapters import SECTION_HEADINGS
from portal.proposals import services as proposals

ANALYSTS = (Role.ANALYST, Role.ADMIN)


def _is_analyst() -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(*ANALYSTS))


def _url(endpoint: str, **values: Any) -> str | None:
    """A URL when the endpoint exists (another feature may not be switched on), else None."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _journey_links(chapter: Chapter) -> dict[str, Any]:
    """Links back along the loop: the proposal and the prioritisation decision behind the chapter."""
    proposal = chapter.proposal
    proposal_url = None
    if proposal is not None and (proposals.is_publicly_visible(proposal) or _is_analyst()):
        proposal_url = _url("proposals.detail", reference=proposal.reference)
    decision = services.prioritisation_decision(chapter.proposal_id)
    round_url = None
    if decision is not None and decision.round.is_published:
        round_url = _url("prioritisation.public_summary", round_id=decision.round_id)
    return {"proposal": proposal, "proposal_url": proposal_url, "decision": decision, "round_url": round_url}


@bp.context_processor
def chapter_helpers() -> dict[str, Any]:
    """Helpers every chapter page uses."""
    return {
        "public_name": services.public_name,
        "commissioner_names": services.commissioner_names,
        "addressee_names": services.addressee_names,
        "is_analyst": _is_analyst(),
    }


def _chart_version(chapter: Chapter) -> str:
    """What a cached projection chart depends on: the data behind it, the builders and Bokeh."""
    return f"{chapter.projections_version}:{FORECAST_CHART_VERSION}:{bokeh.__version__}"


def _show_error(form: Any, error: services.ChapterError, default: str) -> None:
    """Put a service's refusal on the field it is about (or ``default``), so the error summary links to it."""
    field = getattr(form, error.field, None) if error.field else None
    target = field if field is not None else getattr(form, default)
    target.errors = [*target.errors, str(error)]


def _csv(body: str, filename: str) -> Response:
    response = download_response(body, filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("")
@public
def index() -> str:
    """Published topic chapters."""
    return render_template("chapters/index.html", chapters=services.published_chapters())


@bp.route("/report")
@public
def report() -> str:
    """The JSNA overview report: the key dataset's headline verdicts by topic and every published chapter."""
    chapters = services.published_chapters()
    context = BlockContext(staff=False)
    summaries = {chapter.id: render_section(chapter.body_of("summary"), context) for chapter in chapters}
    return render_template(
        "chapters/report.html",
        topics=services.report_topics(),
        chapters=chapters,
        summaries=summaries,
        tracker=services.tracker_summary,
        generated_on=services.london_today(),
    )


@bp.route("/<slug>")
@public
def detail(slug: str) -> str:
    """A chapter: its sections with embedded blocks, projections under "Future need", and its recommendations."""
    chapter = services.get_for_viewer(slug, include_drafts=_is_analyst())
    context = BlockContext(staff=_is_analyst())
    sections = [(key, heading, render_section(chapter.body_of(key), context)) for key, heading in CHAPTER_SECTIONS]
    projections = services.projections_for(chapter)
    return render_template(
        "chapters/detail.html",
        chapter=chapter,
        sections=sections,
        projections=projections,
        projection_rows=forecasts.projection_rows,
        projection_columns=forecasts.PROJECTION_COLUMNS,
        population_rows=forecasts.population_rows,
        population_columns=forecasts.population_columns,
        block_notes=context.notes,
        tracker=services.tracker_summary(chapter),
        **_journey_links(chapter),
    )


@bp.route("/<slug>/recommendations")
@public
def recommendations(slug: str) -> str:
    """The public tracker: each recommendation with the commissioners' responses and progress."""
    chapter = services.get_for_viewer(slug, include_drafts=_is_analyst())
    return render_template(
        "chapters/recommendations.html",
        chapter=chapter,
        tracker=services.tracker_summary(chapter),
        overdue_state=services.overdue_state,
        response_due=services.response_due(chapter),
        **_journey_links(chapter),
    )


@bp.route("/<slug>/projections/<indicator_id>.json")
@public
def projection_json(slug: str, indicator_id: str) -> Response:
    """An indicator's projection chart as Bokeh JSON, cached by the chapter's data version."""
    chapter = services.get_for_viewer(slug, include_drafts=_is_analyst())
    item = services.projection_for(chapter, indicator_id)
    body = cached_chart_json(
        key=f"chapter:{chapter.id}:projection:{indicator_id}",
        data_version=_chart_version(chapter),
        build=lambda: projection_chart(
            item["name"],
            item["periods"],
            item["values"],
            item["future_periods"],
            item["point"],
            item["lower80"],
            item["upper80"],
            item["lower95"],
            item["upper95"],
            y_label=item["unit"],
        ),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/<slug>/projections/<indicator_id>.csv")
@public
def projection_csv(slug: str, indicator_id: str) -> Response:
    """The projection chart's rows as CSV."""
    chapter = services.get_for_viewer(slug, include_drafts=_is_analyst())
    item = services.projection_for(chapter, indicator_id)
    body = to_csv(forecasts.PROJECTION_COLUMNS, forecasts.projection_rows(item, separators=False))
    return _csv(body, f"{chapter.slug}-projection-{services.slugify(indicator_id)}.csv")


@bp.route("/<slug>/population.json")
@public
def population_json(slug: str) -> Response:
    """The simple population projection chart as Bokeh JSON."""
    chapter = services.get_for_viewer(slug, include_drafts=_is_analyst())
    population = services.population_for(chapter)
    body = cached_chart_json(
        key=f"chapter:{chapter.id}:population",
        data_version=_chart_version(chapter),
        build=lambda: population_projection_chart(
            "People in the city by age band",
            population["years"],
            {f"{band['label']}": band["values"] for band in population["bands"]},
        ),
        cache_dir=current_app.config["CHART_CACHE_DIR"],
    )
    return Response(body, mimetype=CHART_JSON_MIMETYPE)


@bp.route("/<slug>/population.csv")
@public
def population_csv(slug: str) -> Response:
    """The population projection's rows as CSV."""
    chapter = services.get_for_viewer(slug, include_drafts=_is_analyst())
    population = services.population_for(chapter)
    body = to_csv(forecasts.population_columns(population), forecasts.population_rows(population, separators=False))
    return _csv(body, f"{chapter.slug}-population-projection.csv")


# ---------------------------------------------------------------------------------------------------------------------
# Analysts
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("/manage")
@role_required(*ANALYSTS)
def manage() -> str:
    """Every chapter with its state, and the prioritised topics waiting for one."""
    return render_template(
        "chapters/manage.html",
        chapters=services.all_chapters(),
        waiting=services.prioritised_proposals_without_chapter(),
    )


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new() -> Response | str:
    """Start a chapter from a prioritised topic."""
    waiting = services.prioritised_proposals_without_chapter()
    form = NewChapterForm()
    form.proposal_id.choices = choices((str(p.id), f"{p.title} ({p.reference})") for p in waiting)
    if request.method == "GET" and request.args.get("proposal"):
        form.proposal_id.data = request.args["proposal"]
    if form.validate_on_submit():
        try:
            chapter = services.create_chapter(int(form.proposal_id.data), form.title.data or "", current_user.id)
        except (services.ChapterError, ValueError) as error:
            form.proposal_id.errors = [str(error) if isinstance(error, services.ChapterError) else "Select a topic"]
        else:
            flash(f"Chapter started: {chapter.title}", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template("chapters/new.html", form=form, waiting=waiting)


@bp.route("/manage/<int:chapter_id>")
@role_required(*ANALYSTS)
def edit(chapter_id: int) -> str:
    """A chapter's writing dashboard: sections, details, recommendations, state and history."""
    chapter = services.get_chapter(chapter_id)
    return render_template(
        "chapters/edit.html",
        chapter=chapter,
        confirm_form=ConfirmForm(),
        problems=services.publication_problems(chapter),
        pending=services.pending_notifications(chapter),
        section_headings=SECTION_HEADINGS,
        sections=CHAPTER_SECTIONS,
    )


@bp.route("/manage/<int:chapter_id>/details", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def details(chapter_id: int) -> Response | str:
    """Change the title, the indicators to project and the age bands."""
    chapter = services.get_chapter(chapter_id)
    form = DetailsForm()
    if request.method == "GET":
        form.title.data = chapter.title
        form.indicator_ids.data = "\n".join(link.indicator_id for link in chapter.indicator_links)
        form.age_bands.data = chapter.age_bands
    elif form.validate_on_submit():
        try:
            services.save_details(
                chapter.id, form.title.data or "", form.indicator_id_list(), form.age_bands.data or "", current_user.id
            )
        except services.ChapterError as error:
            _show_error(form, error, "title")
        else:
            flash("Details saved", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template("chapters/details.html", chapter=chapter, form=form)


@bp.route("/manage/<int:chapter_id>/sections/<key>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def section(chapter_id: int, key: str) -> Response:
    """Write one section in Markdown, with embedded blocks, and preview it."""
    chapter = services.get_chapter(chapter_id)
    if key not in SECTION_HEADINGS:
        abort(404)
    form = SectionForm()
    previewing = request.method == "POST" and "preview" in request.form
    if request.method == "GET":
        form.body.data = chapter.body_of(key)
    elif form.validate_on_submit() and not previewing:
        try:
            services.save_section(chapter.id, key, form.body.data or "", current_user.id)
        except services.ChapterError as error:
            form.body.errors = [*form.body.errors, str(error)]
        else:
            flash(f"{SECTION_HEADINGS[key]} saved", "success")
            return redirect(url_for("chapters.section", chapter_id=chapter.id, key=key), 303)
    context = BlockContext(staff=True)
    preview = render_section(form.body.data or "", context)
    # The Preview button re-renders without saving; with HTMX only the preview is swapped in.
    return render_page(
        "chapters/section.html",
        "chapters/_preview.html",
        chapter=chapter,
        key=key,
        heading=SECTION_HEADINGS[key],
        form=form,
        preview=preview,
        previewing=previewing,
        block_notes=context.notes,
    )


@bp.route("/manage/<int:chapter_id>/status", methods=["POST"])
@role_required(*ANALYSTS)
def change_state(chapter_id: int) -> Response:
    """Send for review, return to draft, or publish."""
    form = ConfirmForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            if action == "submit":
                services.submit_for_review(chapter_id, current_user.id)
                flash("Chapter sent for review", "success")
            elif action == "return":
                services.return_to_draft(chapter_id, current_user.id)
                flash("Chapter returned to draft", "success")
            elif action == "publish":
                result = services.publish(chapter_id, current_user.id)
                message = f"Chapter published. {result.emails_sent} email{'s' if result.emails_sent != 1 else ''} sent"
                if result.emails_failed:
                    message += f"; {result.emails_failed} could not be sent – try again from this page"
                flash(message, "success")
            else:
                abort(400)
        except services.ChapterError as error:
            flash(str(error), "error")
    return redirect(url_for("chapters.edit", chapter_id=chapter_id), 303)


@bp.route("/manage/<int:chapter_id>/notify", methods=["POST"])
@role_required(*ANALYSTS)
def notify(chapter_id: int) -> Response:
    """Send the emails that could not be sent when the chapter was published."""
    form = ConfirmForm()
    if form.validate_on_submit():
        sent, failed = services.notify_addressees(chapter_id)
        flash(f"{sent} email{'s' if sent != 1 else ''} sent" + (f"; {failed} failed" if failed else ""), "info")
    return redirect(url_for("chapters.edit", chapter_id=chapter_id), 303)


def _recommendation_form(form: RecommendationForm) -> RecommendationForm:
    form.commissioner_ids.choices = choices(
        (str(user.id), services.commissioner_label(user)) for user in services.commissioners()
    )
    form.organisation_ids.choices = choices((str(org.id), org.name) for org in services.organisations())
    return form


@bp.route("/manage/<int:chapter_id>/recommendations/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_recommendation(chapter_id: int) -> Response | str:
    """Add a recommendation to a chapter that is not yet published."""
    chapter = services.get_chapter(chapter_id)
    form = _recommendation_form(RecommendationForm())
    if form.validate_on_submit():
        try:
            services.add_recommendation(
                chapter.id,
                form.text.data or "",
                form.priority.data or "",
                form.commissioner_ids.data or [],
                form.organisation_ids.data or [],
                current_user.id,
            )
        except services.ChapterError as error:
            _show_error(form, error, "text")
        else:
            flash("Recommendation added", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template("chapters/recommendation_form.html", chapter=chapter, form=form, recommendation=None)


@bp.route("/manage/<int:chapter_id>/recommendations/<int:recommendation_id>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit_recommendation(chapter_id: int, recommendation_id: int) -> Response | str:
    """Change a recommendation of a chapter that is not yet published."""
    chapter = services.get_chapter(chapter_id)
    recommendation = services.get_recommendation(recommendation_id)
    if recommendation.chapter_id != chapter.id:
        abort(404)
    form = _recommendation_form(RecommendationForm())
    if request.method == "GET":
        form.text.data = recommendation.text
        form.priority.data = recommendation.priority
        form.commissioner_ids.data = [link.user_id for link in recommendation.commissioner_links]
        form.organisation_ids.data = [link.organisation_id for link in recommendation.organisation_links]
    elif form.validate_on_submit():
        try:
            services.update_recommendation(
                recommendation.id,
                form.text.data or "",
                form.priority.data or "",
                form.commissioner_ids.data or [],
                form.organisation_ids.data or [],
                current_user.id,
            )
        except services.ChapterError as error:
            _show_error(form, error, "text")
        else:
            flash("Recommendation saved", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template(
        "chapters/recommendation_form.html",
        chapter=chapter,
        form=form,
        recommendation=recommendation,
        confirm_form=ConfirmForm(),
    )


@bp.route("/manage/<int:chapter_id>/recommendations/<int:recommendation_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_recommendation(chapter_id: int, recommendation_id: int) -> Response:
    """Remove a recommendation from a chapter that is not yet published."""
    form = ConfirmForm()
    recommendation = services.get_recommendation(recommendation_id)
    if recommendation.chapter_id != chapter_id:
        abort(404)
    if form.validate_on_submit():
        try:
            services.delete_recommendation(recommendation_id, current_user.id)
        except services.ChapterError as error:
            flash(str(error), "error")
        else:
            flash("Recommendation removed", "success")
    return redirect(url_for("chapters.edit", chapter_id=chapter_id), 303)


@bp.route("/manage/<int:chapter_id>/history")
@role_required(*ANALYSTS)
def history(chapter_id: int) -> str:
    """Every saved version of the chapter: who, when, what changed."""
    chapter = services.get_chapter(chapter_id)
    return render_template(
        "chapters/history.html",
        chapter=chapter,
        versions=services.versions(chapter.id),
        section_headings=SECTION_HEADINGS,
    )


@bp.route("/manage/<int:chapter_id>/history/<int:number>")
@role_required(*ANALYSTS)
def version(chapter_id: int, number: int) -> str:
    """An old version of the chapter, as it read then."""
    chapter = services.get_chapter(chapter_id)
    found = services.get_version(chapter.id, number)
    context = BlockContext(staff=True)
    sections = [
        (key, heading, render_section(found.content.get(key, ""), context)) for key, heading in CHAPTER_SECTIONS
    ]
    return render_template("chapters/version.html", chapter=chapter, version=found, sections=sections)


@bp.route("/overdue")
@role_required(*ANALYSTS)
def overdue() -> str:
    """Responses that are overdue: none within the response period, or a target date passed and not done."""
    return render_template(
        "chapters/overdue.html", items=services.overdue_items(), response_days=services.response_days()
    )


# ---------------------------------------------------------------------------------------------------------------------
# Commissioners and providers
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("/my-recommendations")
@role_required(Role.COMMISSIONER, Role.STAKEHOLDER)
def my_recommendations() -> str:
    """Recommendations addressed to me (commissioners) or to my organisation (providers)."""
    return render_template(
        "chapters/my_recommendations.html",
        chapters=services.my_recommendations(current_user),
        response_days=services.response_days(),
    )


@bp.route("/recommendations/<int:recommendation_id>/respond", methods=["GET", "POST"])
@role_required(Role.COMMISSIONER)
def respond(recommendation_id: int) -> Response | str:
    """A commissioner's response to a recommendation addressed to them."""
    recommendation = services.recommendation_for_commissioner(recommendation_id, current_user)
    if recommendation.response_by(current_user.id) is not None:
        return redirect(url_for("chapters.progress", recommendation_id=recommendation.id), 303)
    form = ResponseForm()
    if form.validate_on_submit():
        data = services.ResponseInput(
            decision=form.decision.data or "",
            rationale=form.rationale.data or "",
            planned_action=form.planned_action.data or "",
            lead=form.lead.data or "",
            target_date=form.target_date.data,
        )
        try:
            services.respond(recommendation.id, current_user, data)
        except services.ChapterError as error:
            _show_error(form, error, "rationale")
        else:
            flash("Response sent. It is now shown on the public tracker", "success")
            return redirect(url_for("chapters.my_recommendations"), 303)
    return render_template("chapters/respond.html", recommendation=recommendation, form=form)


@bp.route("/recommendations/<int:recommendation_id>/progress", methods=["GET", "POST"])
@role_required(Role.COMMISSIONER)
def progress(recommendation_id: int) -> Response | str:
    """Add a progress update to my response."""
    recommendation = services.recommendation_for_commissioner(recommendation_id, current_user)
    response = recommendation.response_by(current_user.id)
    if response is None:
        return redirect(url_for("chapters.respond", recommendation_id=recommendation.id), 303)
    form = ProgressForm()
    if request.method == "GET":
        form.status.data = response.progress_status
    elif form.validate_on_submit():
        try:
            services.add_progress(recommendation.id, current_user, form.status.data or "", form.note.data or "")
        except services.ChapterError as error:
            _show_error(form, error, "status")
        else:
            flash("Progress update added", "success")
            return redirect(url_for("chapters.my_recommendations"), 303)
    return render_template(
        "chapters/progress.html",
        recommendation=recommendation,
        response=response,
        form=form,
        overdue=services.overdue_state(recommendation, current_user.id),
    )


@bp.route("/recommendations/<int:recommendation_id>/acknowledge", methods=["GET", "POST"])
@role_required(Role.STAKEHOLDER)
def acknowledge(recommendation_id: int) -> Response | str:
    """A provider acknowledges a recommendation addressed to their organisation."""
    recommendation, organisation = services.recommendation_for_provider(recommendation_id, current_user)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        services.acknowledge(recommendation.id, current_user, form.note.data or "")
        flash(f"Acknowledged for {organisation.name}", "success")
        return redirect(url_for("chapters.my_recommendations"), 303)
    return render_template(
        "chapters/acknowledge.html",
        recommendation=recommendation,
        organisation=organisation,
        acknowledgement=recommendation.acknowledgement_by(organisation.id),
        form=form,
    )
