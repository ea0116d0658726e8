"""Chapter pages, by page area: ``public`` (the list, chapters, their tracker and the report), ``impact`` (what
happened after every recommendation), ``manage`` (the analysts' pages) and ``replies`` (commissioners' and
providers' "My recommendations" and replies).

This module holds what every area shares: who counts as an analyst, links back along the loop, the helpers every
chapter template uses, and putting a service's refusal on a form. (Downloads get ``nosniff`` from
``portal.security`` like every response.)
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.chapters import bp, recommendations, writing
from portal.chapters.common import ChapterError
from portal.models import Chapter, Role
from portal.proposals import services as proposals

ANALYSTS = (Role.ANALYST, Role.ADMIN)


def is_analyst() -> bool:
    """True when the signed-in user writes chapters (analysts and admins)."""
    return bool(current_user.is_authenticated and current_user.has_role(*ANALYSTS))


def journey_links(chapter: Chapter) -> dict[str, Any]:
    """Links back along the loop: the proposal and the prioritisation decision behind the chapter."""
    proposal = chapter.proposal
    proposal_url = None
    if proposal is not None and (proposals.is_publicly_visible(proposal) or is_analyst()):
        proposal_url = url_for("proposals.detail", reference=proposal.reference)
    decision = writing.prioritisation_decision(chapter.proposal_id)
    round_url = None
    if decision is not None and decision.round.is_published:
        round_url = url_for("prioritisation.public_summary", round_id=decision.round_id)
    return {"proposal": proposal, "proposal_url": proposal_url, "decision": decision, "round_url": round_url}


@bp.context_processor
def chapter_helpers() -> dict[str, Any]:
    """Helpers every chapter page uses."""
    return {
        "addressee_names": recommendations.addressee_names,
        "is_analyst": is_analyst(),
    }


def show_error(form: FlaskForm, error: ChapterError, default: str) -> None:
    """Put a service's refusal on the field it is about (or ``default``), so the error summary links to it."""
    field = getattr(form, error.field, None) if error.field else None
    target = field if field is not None else getattr(form, default)
    target.errors = [*target.errors, str(error)]


from portal.chapters.routes import impact, manage, public, replies  # noqa: E402,F401
