"""Moderation by analysts and administrators: the queue, the review page and its actions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.access import role_required
from portal.forms import ConfirmForm
from portal.htmx import is_htmx_request, render_page
from portal.models import Proposal, ProposalStatus
from portal.proposals import bp, finding, lifecycle, personal_data, search, vocabulary
from portal.proposals.forms import EditForm, MergeForm, NotPublishForm, PublishForm, StatusForm
from portal.proposals.routes.common import MODERATORS, add_error, get_or_404
from portal.security import safe_next


@bp.route("/staff/moderation")
@role_required(*MODERATORS)
def moderation() -> Response:
    """The moderation queue (oldest first), or every proposal, with an HTMX search and quick publish."""
    view = "all" if request.args.get("view") == "all" else "waiting"
    query = request.args.get("q", "")[:200]
    result = search.moderation_queue(view, query, request.args.get("page", 1, type=int))
    return render_page(
        "proposals/moderation.html",
        "proposals/_queue.html",
        result=result,
        view=view,
        query=query,
        waiting=search.waiting_count(),
        confirm_form=ConfirmForm(),
        page_url=lambda number: url_for(
            "proposals.moderation", page=number, q=query or None, view=view if view == "all" else None
        ),
    )


def _render_review(proposal: Proposal, failed: Any = None, **forms: Any) -> str:
    """The review page with every action form; ``failed`` is the form whose errors the summary shows."""
    allowed = [s for s in finding.allowed_next_statuses(proposal) if s is not ProposalStatus.MERGED]
    defaults: dict[str, Any] = {
        "publish_form": PublishForm(formdata=None, public_answer=vocabulary.DEFAULT_ANSWERS[ProposalStatus.PUBLISHED]),
        "not_publish_form": NotPublishForm(formdata=None),
        "merge_form": MergeForm(formdata=None),
        "status_form": StatusForm(formdata=None, allowed=allowed),
    }
    defaults.update(forms)
    return render_template(
        "proposals/review.html",
        proposal=proposal,
        form=failed,
        timeline=finding.timeline(proposal),
        merged=finding.merged_in(proposal),
        can_moderate=proposal.status == ProposalStatus.SUBMITTED,
        can_merge=ProposalStatus(proposal.status) in vocabulary.MERGEABLE_STATUSES,
        allowed=allowed,
        default_answers={str(k): v for k, v in vocabulary.DEFAULT_ANSWERS.items()},
        **defaults,
    )


@bp.route("/staff/moderation/<reference>")
@role_required(*MODERATORS)
def moderation_review(reference: str) -> str:
    """Everything about a proposal, including personal data and moderators' originals, with the actions."""
    return _render_review(get_or_404(reference))


def _after_action(proposal: Proposal, message: str, error: str = "") -> Response:
    """HTMX (from the queue): the updated row. Otherwise back to where the action came from."""
    if is_htmx_request():
        return render_page(
            "proposals/_queue_row.html",
            proposal=proposal,
            row_message=message,
            row_error=error,
            confirm_form=ConfirmForm(),
        )
    flash(error or message, "error" if error else "success")
    fallback = url_for("proposals.moderation_review", reference=proposal.reference)
    return redirect(safe_next(request.form.get("next"), fallback), 303)


@bp.route("/staff/moderation/<reference>/publish", methods=["POST"])
@role_required(*MODERATORS)
def moderation_publish(reference: str) -> Response | str:
    """Publish a proposal with a public answer."""
    proposal = get_or_404(reference)
    form = PublishForm()
    if not form.validate_on_submit():
        return _render_review(proposal, form, publish_form=form)
    try:
        lifecycle.change_status(proposal.id, ProposalStatus.PUBLISHED, form.public_answer.data or "", current_user.id)
    except vocabulary.ProposalError as exc:
        return _after_action(proposal, "", str(exc))
    return _after_action(proposal, f"{proposal.reference} is published")


@bp.route("/staff/moderation/<reference>/not-publish", methods=["POST"])
@role_required(*MODERATORS)
def moderation_not_publish(reference: str) -> Response | str:
    """Decline to publish, with a reason: out of scope, a duplicate of JSNA-…, or personal data."""
    proposal = get_or_404(reference)
    form = NotPublishForm()
    if form.validate_on_submit():
        try:
            lifecycle.not_publish(
                proposal.id,
                form.reason.data or "",
                form.public_answer.data or "",
                current_user.id,
                duplicate_of=form.duplicate_of.data or "",
            )
        except vocabulary.InvalidTransition as exc:
            return _after_action(proposal, "", str(exc))
        except vocabulary.ProposalError as exc:
            add_error(form.duplicate_of, str(exc))
        else:
            return _after_action(proposal, f"{proposal.reference} will not be published")
    return _render_review(proposal, form, not_publish_form=form)


@bp.route("/staff/moderation/<reference>/merge", methods=["POST"])
@role_required(*MODERATORS)
def moderation_merge(reference: str) -> Response | str:
    """Merge a duplicate into another proposal; supports and proposers carry over."""
    proposal = get_or_404(reference)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = lifecycle.merge_proposals(
                proposal.id, form.target.data or "", form.public_answer.data or "", current_user.id
            )
        except vocabulary.ProposalError as exc:
            add_error(form.target, str(exc))
        else:
            flash(f"{proposal.reference} is merged into {target.reference}", "success")
            return redirect(url_for("proposals.moderation_review", reference=target.reference), 303)
    return _render_review(proposal, form, merge_form=form)


@bp.route("/staff/moderation/<reference>/status", methods=["POST"])
@role_required(*MODERATORS)
def moderation_status(reference: str) -> Response | str:
    """Move a proposal along its lifecycle (shortlist it, for example) with a public answer."""
    proposal = get_or_404(reference)
    allowed = [s for s in finding.allowed_next_statuses(proposal) if s is not ProposalStatus.MERGED]
    form = StatusForm(allowed=allowed)
    if form.validate_on_submit():
        try:
            lifecycle.change_status(
                proposal.id, ProposalStatus(form.status.data), form.public_answer.data or "", current_user.id
            )
        except vocabulary.ProposalError as exc:
            add_error(form.status, str(exc))
        else:
            return _after_action(
                proposal, f"{proposal.reference} is now {vocabulary.status_label(proposal.status).lower()}"
            )
    return _render_review(proposal, form, status_form=form)


@bp.route("/staff/moderation/<reference>/edit", methods=["GET", "POST"])
@role_required(*MODERATORS)
def moderation_edit(reference: str) -> Response | str:
    """Edit personal data out of a proposal before publishing; the original stays visible to staff only."""
    proposal = get_or_404(reference)
    if proposal.status == ProposalStatus.MERGED:
        abort(404)
    form = EditForm(obj=proposal) if request.method == "GET" else EditForm()
    if form.validate_on_submit():
        changes = {name: form[name].data or "" for name in vocabulary.EDITABLE_FIELDS}
        try:
            made = personal_data.edit_text(proposal.id, changes, form.reason.data or "", current_user.id)
        except vocabulary.ProposalError as exc:
            add_error(form.reason, str(exc))
        else:
            flash(f"{len(made)} {'change' if len(made) == 1 else 'changes'} saved to {proposal.reference}", "success")
            return redirect(url_for("proposals.moderation_review", reference=proposal.reference), 303)
    return render_template("proposals/edit.html", proposal=proposal, form=form)
