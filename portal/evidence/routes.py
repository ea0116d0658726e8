"""Evidence briefings: the public list, search and pages; analysts' pages to write, publish and attach files."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from portal.access import public, role_required
from portal.clock import london_today
from portal.evidence import attaching, bp, inputs, reading, search, writing
from portal.evidence.attachments import CONTENT_TYPES, KIND_LABELS, AttachmentError, human_size
from portal.evidence.forms import AttachmentForm, BriefingForm, SearchForm
from portal.forms import ConfirmForm, add_field_error, validated
from portal.htmx import render_page
from portal.markdown import render_markdown
from portal.models import EvidenceBriefing, Proposal, Role

ANALYSTS = (Role.ANALYST, Role.ADMIN)


def _is_analyst() -> bool:
    return bool(current_user.is_authenticated and current_user.has_role(*ANALYSTS))


def _url_or_none(endpoint: str, *options: dict[str, Any]) -> str | None:
    """The first URL the endpoint builds from the given arguments, or None when it does not exist (yet)."""
    for values in options:
        try:
            return url_for(endpoint, **values)
        except BuildError:
            continue
    return None


@bp.app_template_global()
def evidence_proposal_url(proposal: Proposal) -> str | None:
    """Link to a proposal's page when the proposals feature provides one."""
    return _url_or_none("proposals.detail", {"reference": proposal.reference}, {"proposal_id": proposal.id})


@bp.app_template_global()
def evidence_indicator_url(indicator_id: str) -> str | None:
    """Link to an indicator's page when the key dataset provides one."""
    return _url_or_none("indicators.detail", {"indicator_id": indicator_id})


@bp.app_template_filter("file_size")
def file_size(size_bytes: int) -> str:
    """120KB, 2.5MB."""
    return human_size(size_bytes)


@bp.app_context_processor
def evidence_labels() -> dict[str, Any]:
    """Labels the briefing card needs wherever it is embedded."""
    return {"evidence_today": london_today, "attachment_kind_labels": KIND_LABELS}


# --- public -----------------------------------------------------------------------------------------------------


@bp.route("")
@public
def index() -> Response:
    """Published briefings, with ranked search and filters (HTMX swaps only the results)."""
    form = SearchForm(request.args)
    query = (form.q.data or "").strip()[:200]
    filters = form.filters()
    result = search.search_briefings(query, **filters, page=request.args.get("page", 1, type=int))

    def page_url(number: int) -> str:
        return url_for(
            "evidence.index",
            q=query or None,
            topic=filters["topic"],
            type=filters["evidence_type"],
            grade=filters["grade"],
            page=number,
        )

    return render_page(
        "evidence/index.html", "evidence/_results.html", search_form=form, result=result, page_url=page_url
    )


@bp.route("/<slug>")
@public
def detail(slug: str) -> str:
    """A briefing; drafts are a 404 to everyone but analysts, who see a preview."""
    briefing = reading.get_for_viewer(slug, include_drafts=_is_analyst())
    if briefing is None:
        abort(404)
    return render_template(
        "evidence/detail.html",
        briefing=briefing,
        body_html=render_markdown(briefing.body),
        is_stale=briefing.is_stale(london_today()),
        indicators=reading.linked_indicators(briefing),
        proposals=reading.linked_proposals(briefing, include_hidden=_is_analyst()),
    )


@bp.route("/<slug>/attachments/<int:attachment_id>")
@public
def download(slug: str, attachment_id: int) -> Response:
    """Download an attachment of a briefing the viewer may see, always as a file, never rendered in the page."""
    found = attaching.attachment_for_download(slug, attachment_id, include_drafts=_is_analyst())
    if found is None:
        abort(404)
    attachment, path = found
    response = send_file(
        path,
        mimetype=CONTENT_TYPES[attachment.kind],
        as_attachment=True,
        download_name=attachment.original_name,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if attachment.briefing.is_published:
        response.cache_control.no_cache = True  # revalidate: the briefing may be taken back to draft
    else:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


# --- analysts ---------------------------------------------------------------------------------------------------


@bp.route("/manage")
@role_required(*ANALYSTS)
def manage() -> str:
    """Every briefing, drafts included, and those past their review-by date."""
    return render_template(
        "evidence/manage.html",
        briefings=reading.all_briefings(),
        stale=reading.stale_briefings(),
        today=london_today(),
    )


def _input_from(form: BriefingForm) -> inputs.BriefingInput:
    return inputs.BriefingInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        key_findings=form.key_findings.data or "",
        body=form.body.data or "",
        evidence_type=form.evidence_type.data or "",
        grade=form.grade.data or "",
        published_on=validated(form.published_on.data),
        review_by=validated(form.review_by.data),
        topics=list(form.topics.data or []),
        tags=inputs.parse_tags(form.tags.data or ""),
        sources=inputs.parse_sources(form.sources.data or ""),
        indicator_ids=inputs.split_list(form.indicator_ids.data or ""),
        proposal_references=inputs.split_list(form.proposal_references.data or ""),
    )


def _fill_form(form: BriefingForm, briefing: EvidenceBriefing) -> None:
    form.title.data = briefing.title
    form.summary.data = briefing.summary
    form.key_findings.data = briefing.key_findings
    form.body.data = briefing.body
    form.evidence_type.data = briefing.evidence_type
    form.grade.data = briefing.grade
    form.published_on.data = briefing.published_on
    form.review_by.data = briefing.review_by
    form.topics.data = briefing.topics
    form.tags.data = briefing.tags
    form.sources.data = inputs.format_sources(briefing)
    form.indicator_ids.data = ", ".join(link.indicator_id for link in briefing.indicator_links)
    form.proposal_references.data = ", ".join(link.proposal.reference for link in briefing.proposal_links)


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new() -> Response | str:
    """Write a new briefing; it is saved as a draft."""
    form = BriefingForm()
    if form.validate_on_submit():
        try:
            briefing = writing.create_briefing(_input_from(form), current_user.id)
        except inputs.BriefingError as exc:
            add_field_error(getattr(form, exc.field), exc.message)
        else:
            flash(f"‘{briefing.title}’ is saved as a draft. Only analysts can see it until it is published.", "success")
            return redirect(url_for("evidence.edit", briefing_id=briefing.id), 303)
    return render_template("evidence/briefing_form.html", form=form, briefing=None)


@bp.route("/manage/<int:briefing_id>", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def edit(briefing_id: int) -> Response | str:
    """Edit a briefing, publish or unpublish it, and manage its attachments."""
    briefing = reading.get_briefing(briefing_id)
    if briefing is None:
        abort(404)
    form = BriefingForm()
    if request.method == "GET":
        _fill_form(form, briefing)
    elif form.validate_on_submit():
        try:
            writing.update_briefing(briefing.id, _input_from(form), current_user.id)
        except inputs.BriefingError as exc:
            add_field_error(getattr(form, exc.field), exc.message)
        else:
            flash(f"Changes to ‘{briefing.title}’ are saved", "success")
            return redirect(url_for("evidence.edit", briefing_id=briefing.id), 303)
    return render_template("evidence/briefing_form.html", form=form, briefing=briefing, confirm_form=ConfirmForm())


@bp.route("/manage/<int:briefing_id>/publish", methods=["POST"])
@role_required(*ANALYSTS)
def publish(briefing_id: int) -> Response:
    """Publish a briefing: it appears in the list, in search and at its address."""
    if ConfirmForm().validate_on_submit():
        try:
            briefing = writing.set_published(briefing_id, True, current_user.id)
        except LookupError:
            abort(404)
        flash(f"‘{briefing.title}’ is published", "success")
    return redirect(url_for("evidence.edit", briefing_id=briefing_id), 303)


@bp.route("/manage/<int:briefing_id>/unpublish", methods=["POST"])
@role_required(*ANALYSTS)
def unpublish(briefing_id: int) -> Response:
    """Take a briefing back to draft: it disappears from every public page, and so do its files."""
    if ConfirmForm().validate_on_submit():
        try:
            briefing = writing.set_published(briefing_id, False, current_user.id)
        except LookupError:
            abort(404)
        flash(f"‘{briefing.title}’ is now a draft and hidden from the public", "success")
    return redirect(url_for("evidence.edit", briefing_id=briefing_id), 303)


@bp.route("/manage/<int:briefing_id>/attachments/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def new_attachment(briefing_id: int) -> Response | str:
    """Attach a PDF, DOCX, XLSX or CSV file to a briefing."""
    briefing = reading.get_briefing(briefing_id)
    if briefing is None:
        abort(404)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not upload.filename:
            add_field_error(form.file, "Select a file")
        else:
            try:
                attachment = attaching.add_attachment(briefing.id, upload.filename, upload.stream, current_user.id)
            except AttachmentError as exc:
                add_field_error(form.file, str(exc))
            else:
                flash(f"{attachment.original_name} is attached", "success")
                return redirect(url_for("evidence.edit", briefing_id=briefing.id), 303)
    return render_template(
        "evidence/attachment_form.html",
        form=form,
        briefing=briefing,
        max_size=human_size(attaching.max_attachment_bytes()),
    )


@bp.route("/manage/<int:briefing_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@role_required(*ANALYSTS)
def delete_attachment(briefing_id: int, attachment_id: int) -> Response:
    """Remove an attachment from a briefing."""
    if ConfirmForm().validate_on_submit():
        try:
            attachment = attaching.delete_attachment(briefing_id, attachment_id, current_user.id)
        except LookupError:
            abort(404)
        flash(f"{attachment.original_name} is removed", "success")
    return redirect(url_for("evidence.edit", briefing_id=briefing_id), 303)
