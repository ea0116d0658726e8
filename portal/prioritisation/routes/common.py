"""What every prioritisation page shares: who may use them, how refusals are answered, and template helpers."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from portal.clock import london_time
from portal.errors import render_error
from portal.extensions import db
from portal.models import SCORE_LEVELS, Proposal, Role
from portal.prioritisation import bp, results
from portal.prioritisation.permissions import NotFound, PermissionDenied
from portal.proposals.services import status_label

STAFF = (Role.STEERING, Role.ANALYST, Role.ADMIN)
ANALYSTS = (Role.ANALYST, Role.ADMIN)


@bp.errorhandler(PermissionDenied)
def permission_denied(error: PermissionDenied) -> tuple[str, int]:
    """Object-level refusals (not a member, someone else's round) are a plain 403."""
    db.session.rollback()
    return render_error(403)


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    """An unknown round or criteria version, or a topic outside the round, is a plain 404."""
    db.session.rollback()
    return render_error(404)


def local_time(value: datetime | None) -> str:
    """A UTC timestamp as the time in Wolverhampton, e.g. 2:15pm."""
    if value is None:
        return ""
    local = london_time(value)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def proposal_url(proposal: Proposal) -> str:
    """The public page of a proposal."""
    return url_for("proposals.detail", reference=proposal.reference)


@bp.context_processor
def prioritisation_helpers() -> dict[str, object]:
    """Helpers for this feature's templates."""
    return {
        "rank_text": results.rank_text,
        "tied_ranks": results.tied_ranks,
        "local_time": local_time,
        "score_levels": SCORE_LEVELS,
        "proposal_status_label": status_label,
        "proposal_url": proposal_url,
    }
