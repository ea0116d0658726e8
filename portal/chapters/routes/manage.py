"""The analysts' pages: every chapter, starting one, writing sections and details, recommendations, review and
publication, the history, and overdue responses."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access import role_required
from portal.chapters import bp, notifications, recommendations, tracker, writing
from portal.chapters.blocks import BlockContext, render_section
from portal.chapters.common import ChapterError, get_chapter, progress_stale_days, response_days
from portal.chapters.forms import DetailsForm, NewChapterForm, RecommendationForm, SectionForm
from portal.chapters.routes import ANALYSTS, show_error
from portal.forms import ConfirmForm, choices
from portal.htmx import render_page
from portal.models import CHAPTER_SECTIONS, REQUIRED_SECTIONS
from portal.models.chapters import SECTION_HEADINGS


@bp.route("/manage")
@role_required(*ANALYSTS)
def manage() -> str:
    """Every chapter with its state, and the prioritised topics waiting for one."""
    return render_template(
        "chapters/manage.html",
        chapters=writing.all_chapters(),
        waiting=writing.prioritised_proposals_without_chapter(),
    )


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new() -> ResponseReturnValue:
    """Start a chapter from a prioritised topic."""
    waiting = writing.prioritised_proposals_without_chapter()
    form = NewChapterForm()
    form.proposal_id.choices = choices((str(p.id), f"{p.title} ({p.reference})") for p in waiting)
    if request.method == "GET" and request.args.get("proposal"):
        form.proposal_id.data = request.args["proposal"]
    if form.validate_on_submit():
        try:
            chapter = writing.create_chapter(int(form.proposal_id.data), form.title.data or "", current_user.id)
        except (ChapterError, ValueError) as error:
            form.proposal_id.errors = [str(error) if isinstance(error, ChapterError) else "Select a topic"]
        else:
            flash(f"Chapter started: {chapter.title}", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template("chapters/new.html", form=form, waiting=waiting)


@bp.route("/manage/<int:chapter_id>")
@role_required(*ANALYSTS)
def edit(chapter_id: int) -> str:
    """A chapter's writing dashboard: sections, details, recommendations, state and history."""
    chapter = get_chapter(chapter_id)
    return render_template(
        "chapters/edit.html",
        chapter=chapter,
        confirm_form=ConfirmForm(),
        problems=writing.publication_problems(chapter, current_user.id),
        missing=writing.missing_sections(chapter),
        required_sections=REQUIRED_SECTIONS,
        pending=notifications.pending_notifications(chapter),
        section_headings=SECTION_HEADINGS,
        sections=CHAPTER_SECTIONS,
    )


@bp.route("/manage/<int:chapter_id>/details", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def details(chapter_id: int) -> ResponseReturnValue:
    """Change the title, the indicators to project and the age bands."""
    chapter = get_chapter(chapter_id)
    form = DetailsForm()
    if request.method == "GET":
        form.title.data = chapter.title
        form.indicator_ids.data = "\n".join(link.indicator_id for link in chapter.indicator_links)
        form.age_bands.data = chapter.age_bands
    elif form.validate_on_submit():
        try:
            writing.save_details(
                chapter.id, form.title.data or "", form.indicator_id_list(), form.age_bands.data or "", current_user.id
            )
        except ChapterError as error:
            show_error(form, error, "title")
        else:
            flash("Details saved", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template("chapters/details.html", chapter=chapter, form=form)


@bp.route("/manage/<int:chapter_id>/sections/<key>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def section(chapter_id: int, key: str) -> ResponseReturnValue:
    """Write one section in Markdown, with embedded blocks, and preview it."""
    chapter = get_chapter(chapter_id)
    if key not in SECTION_HEADINGS:
        abort(404)
    form = SectionForm()
    previewing = request.method == "POST" and "preview" in request.form
    if request.method == "GET":
        form.body.data = chapter.body_of(key)
    elif form.validate_on_submit() and not previewing:
        try:
            writing.save_section(chapter.id, key, form.body.data or "", current_user.id)
        except ChapterError as error:
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
def change_state(chapter_id: int) -> ResponseReturnValue:
    """Send for review, return to draft, or publish."""
    form = ConfirmForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            if action == "submit":
                writing.submit_for_review(chapter_id, current_user.id)
                flash("Chapter sent for review", "success")
            elif action == "return":
                writing.return_to_draft(chapter_id, current_user.id)
                flash("Chapter returned to draft", "success")
            elif action == "publish":
                result = writing.publish(chapter_id, current_user.id)
                message = f"Chapter published. {result.emails_sent} email{'s' if result.emails_sent != 1 else ''} sent"
                if result.emails_failed:
                    message += f"; {result.emails_failed} could not be sent – try again from this page"
                flash(message, "success")
            else:
                abort(400)
        except ChapterError as error:
            flash(str(error), "error")
    return redirect(url_for("chapters.edit", chapter_id=chapter_id), 303)


@bp.route("/manage/<int:chapter_id>/notify", methods=["POST"])
@role_required(*ANALYSTS)
def notify(chapter_id: int) -> ResponseReturnValue:
    """Send the emails that could not be sent when the chapter was published."""
    form = ConfirmForm()
    if form.validate_on_submit():
        sent, failed = notifications.notify_addressees(chapter_id)
        flash(f"{sent} email{'s' if sent != 1 else ''} sent" + (f"; {failed} failed" if failed else ""), "info")
    return redirect(url_for("chapters.edit", chapter_id=chapter_id), 303)


def _recommendation_form(form: RecommendationForm) -> RecommendationForm:
    responders = recommendations.responder_counts()
    form.organisation_ids.choices = choices(
        (str(org.id), recommendations.organisation_label(org, responders.get(org.id, 0)))
        for org in recommendations.organisations()
    )
    form.person_ids.choices = choices(
        (str(user.id), recommendations.commissioner_label(user)) for user in recommendations.commissioners()
    )
    return form


def _recommendation_input(form: RecommendationForm) -> recommendations.RecommendationInput:
    return recommendations.RecommendationInput(
        text=form.text.data or "",
        priority=form.priority.data or "",
        organisation_ids=form.organisation_ids.data or [],
        person_ids=form.person_ids.data or [],
        indicator_ids=form.indicator_id_list(),
    )


@bp.route("/manage/<int:chapter_id>/recommendations/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_recommendation(chapter_id: int) -> ResponseReturnValue:
    """Add a recommendation to a chapter that is not yet published."""
    chapter = get_chapter(chapter_id)
    form = _recommendation_form(RecommendationForm())
    if form.validate_on_submit():
        try:
            recommendations.add_recommendation(chapter.id, _recommendation_input(form), current_user.id)
        except ChapterError as error:
            show_error(form, error, "text")
        else:
            flash("Recommendation added", "success")
            return redirect(url_for("chapters.edit", chapter_id=chapter.id), 303)
    return render_template("chapters/recommendation_form.html", chapter=chapter, form=form, recommendation=None)


@bp.route("/manage/<int:chapter_id>/recommendations/<int:recommendation_id>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit_recommendation(chapter_id: int, recommendation_id: int) -> ResponseReturnValue:
    """Change a recommendation of a chapter that is not yet published."""
    chapter = get_chapter(chapter_id)
    recommendation = recommendations.get_recommendation(recommendation_id)
    if recommendation.chapter_id != chapter.id:
        abort(404)
    form = _recommendation_form(RecommendationForm())
    if request.method == "GET":
        form.text.data = recommendation.text
        form.priority.data = recommendation.priority
        form.organisation_ids.data = [link.organisation_id for link in recommendation.organisation_links]
        form.person_ids.data = [link.person_id for link in recommendation.organisation_links if link.person_id]
        form.indicator_ids.data = "\n".join(link.indicator_id for link in recommendation.indicator_links)
    elif form.validate_on_submit():
        try:
            recommendations.update_recommendation(recommendation.id, _recommendation_input(form), current_user.id)
        except ChapterError as error:
            show_error(form, error, "text")
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
def delete_recommendation(chapter_id: int, recommendation_id: int) -> ResponseReturnValue:
    """Remove a recommendation from a chapter that is not yet published."""
    form = ConfirmForm()
    recommendation = recommendations.get_recommendation(recommendation_id)
    if recommendation.chapter_id != chapter_id:
        abort(404)
    if form.validate_on_submit():
        try:
            recommendations.delete_recommendation(recommendation_id, current_user.id)
        except ChapterError as error:
            flash(str(error), "error")
        else:
            flash("Recommendation removed", "success")
    return redirect(url_for("chapters.edit", chapter_id=chapter_id), 303)


@bp.route("/manage/<int:chapter_id>/history")
@role_required(*ANALYSTS)
def history(chapter_id: int) -> str:
    """Every saved version of the chapter: who, when, what changed."""
    chapter = get_chapter(chapter_id)
    return render_template(
        "chapters/history.html",
        chapter=chapter,
        versions=writing.versions(chapter.id),
        section_headings=SECTION_HEADINGS,
    )


@bp.route("/manage/<int:chapter_id>/history/<int:number>")
@role_required(*ANALYSTS)
def version(chapter_id: int, number: int) -> str:
    """An old version of the chapter, as it read then."""
    chapter = get_chapter(chapter_id)
    found = writing.get_version(chapter.id, number)
    context = BlockContext(staff=True)
    sections = [
        (key, heading, render_section(found.content.get(key, ""), context)) for key, heading in CHAPTER_SECTIONS
    ]
    return render_template("chapters/version.html", chapter=chapter, version=found, sections=sections)


@bp.route("/overdue")
@role_required(*ANALYSTS)
def overdue() -> str:
    """Replies that are overdue: no response in time, a target date passed, or no recent progress update."""
    return render_template(
        "chapters/overdue.html",
        items=tracker.overdue_items(),
        response_days=response_days(),
        stale_days=progress_stale_days(),
    )
