"""What every proposal page shares: template labels, lookups that answer 404, and no-store for the question pages."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, make_response
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Field

from portal.models import Proposal, Role
from portal.proposals import bp, finding, vocabulary

MODERATORS = (Role.ANALYST, Role.ADMIN)


def no_store(page: Response | str | tuple[str, int]) -> Response:
    """Never cached: question pages are fetched again on Back (to show saved answers); manage-link pages are private."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def proposal_helpers() -> dict[str, Any]:
    """Labels the proposal templates share."""
    return {
        "status_label": vocabulary.status_label,
        "status_colour": vocabulary.status_colour,
        "proposed_by": vocabulary.proposed_by,
        "sector_label": vocabulary.sector_label,
        "population_labels": vocabulary.POPULATION_GROUPS,
        "age_labels": vocabulary.AGE_GROUPS,
        "not_published_reasons": vocabulary.NOT_PUBLISHED_REASONS,
        "editable_fields": vocabulary.EDITABLE_FIELDS,
    }


def get_or_404(reference: str) -> Proposal:
    proposal = finding.get_by_reference(reference)
    if proposal is None:
        abort(404)
    return proposal


def visible_or_404(reference: str) -> Proposal:
    """A proposal this user may see; anything else is "not found", so nothing about it is revealed."""
    proposal = get_or_404(reference)
    if not finding.can_view(proposal, current_user):
        abort(404)
    return proposal


def owned_or_404(reference: str) -> Proposal:
    proposal = get_or_404(reference)
    if not finding.is_owner(proposal, current_user):
        abort(404)
    return proposal


def add_error(field: Field, message: str) -> None:
    """Show a service's refusal as an error on the field it concerns (after validation, errors is a list)."""
    cast(list[str], field.errors).append(message)
