"""The public pages: the list of topics with its search and filters, a topic's page, and supporting it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.access import public, role_required
from portal.extensions import limiter
from portal.forms import ConfirmForm
from portal.htmx import is_htmx_request, render_page
from portal.models import SECTOR_LABELS, Proposal, ProposalStatus, Role
from portal.proposals import bp, choices, finding, related, search, supports, vocabulary
from portal.proposals.routes.common import get_or_404, visible_or_404


@bp.route("/topics")
@public
def index() -> Response:
    """Published proposals: active search, filters by status, ward and sector, sort, pagination."""
    args = request.args
    filters = {
        "q": args.get("q", "")[:200],
        "status": args.get("status", ""),
        "ward": args.get("ward", ""),
        "sector": args.get("sector", ""),
        "sort": "supported" if args.get("sort") == "supported" else "newest",
    }
    result = search.search_published(
        filters["q"],
        status=filters["status"],
        ward=filters["ward"],
        sector=filters["sector"],
        sort=filters["sort"],
        page=args.get("page", 1, type=int),
    )
    in_url: dict[str, Any] = {
        key: value for key, value in filters.items() if value and not (key == "sort" and value == "newest")
    }
    return render_page(
        "proposals/index.html",
        "proposals/_results.html",
        result=result,
        filters=filters,
        statuses=[s for s in ProposalStatus if s in vocabulary.PUBLIC_STATUSES],
        ward_list=choices.ward_choices(),
        sectors=[(str(key), label) for key, label in SECTOR_LABELS.items()],
        page_url=lambda number: url_for("proposals.index", page=number, **in_url),
    )


@bp.route("/topics/<reference>")
@public
def detail(reference: str) -> Response | str:
    """A proposal: its answers, supports, timeline, linked indicators and briefings. Merged ones redirect."""
    proposal = get_or_404(reference)
    if proposal.status == ProposalStatus.MERGED:
        target = finding.final_target(proposal)
        return redirect(url_for("proposals.detail", reference=target.reference, merged_from=proposal.reference), 301)
    if not finding.can_view(proposal, current_user):
        abort(404)
    merged_from = finding.get_by_reference(request.args.get("merged_from", ""))
    if merged_from is not None and merged_from.merged_into_id is None:
        merged_from = None
    return render_template(
        "proposals/detail.html",
        merged_from=merged_from,
        **_support_context(proposal),
        timeline=finding.timeline(proposal),
        indicators=related.linked_indicators(proposal),
        briefings=related.linked_briefings(proposal),
        outcomes=related.outcomes(proposal),
        is_owner=finding.is_owner(proposal, current_user),
        is_moderator=finding.is_staff_moderator(current_user),
    )


def _support_context(proposal: Proposal, message: str = "", error: str = "") -> dict[str, Any]:
    """What the support panel needs."""
    user = current_user
    signed_in_user = bool(getattr(user, "is_authenticated", False))
    return {
        "proposal": proposal,
        "supportable": ProposalStatus(proposal.status) in vocabulary.SUPPORTABLE_STATUSES,
        "can_support": signed_in_user
        and user.has_role(Role.PUBLIC, Role.STAKEHOLDER)
        and not finding.is_owner(proposal, user),
        "supported": signed_in_user and supports.has_supported(proposal.id, user.id),
        "support_message": message,
        "support_error": error,
        "confirm_form": ConfirmForm(),
    }


def _support_response(proposal: Proposal, message: str, error: str) -> Response:
    if is_htmx_request():
        return render_page("proposals/_support.html", **_support_context(proposal, message, error))
    flash(error or message, "error" if error else "success")
    return redirect(url_for("proposals.detail", reference=proposal.reference), 303)


@bp.route("/topics/<reference>/support", methods=["POST"])
@role_required(Role.PUBLIC, Role.STAKEHOLDER)
@limiter.limit("30 per minute")
def support(reference: str) -> Response:
    """Support a published proposal (once per person)."""
    proposal = visible_or_404(reference)
    try:
        added = supports.add_support(proposal.id, current_user)
    except vocabulary.NotAllowed:
        abort(404)
    except vocabulary.ProposalError as exc:
        return _support_response(proposal, "", str(exc))
    message = "You support this proposal" if added else "You already support this proposal"
    return _support_response(proposal, message, "")


@bp.route("/topics/<reference>/support/remove", methods=["POST"])
@role_required(Role.PUBLIC, Role.STAKEHOLDER)
@limiter.limit("30 per minute")
def unsupport(reference: str) -> Response:
    """Take back your support."""
    proposal = visible_or_404(reference)
    removed = supports.remove_support(proposal.id, current_user)
    return _support_response(proposal, "You no longer support this proposal" if removed else "", "")
