"""Signed, expiring "follow or manage your proposal" links for proposers without an account.

The link carries the proposal's id, signed with the app's secret key. Whoever holds it is treated as the proposer:
they see the status trail and can withdraw the proposal or erase their personal data. It stops working when it
expires and as soon as the personal data is erased (nothing then connects the link's holder to the proposal).
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app

from portal.auth.tokens import TokenError, TokenPurpose, make_token, read_token
from portal.extensions import db
from portal.mail import external_url
from portal.models import Proposal

DEFAULT_LINK_DAYS = 90
_NO_EXPIRY = 100 * 365 * 86400  # only the signature is checked


class LinkProblem(StrEnum):
    """Why a manage link cannot be used."""

    EXPIRED = "expired"
    INVALID = "invalid"


def link_days() -> int:
    """How many days a manage link works (PROPOSAL_MANAGE_LINK_DAYS; each email sends a fresh one)."""
    return int(current_app.config.get("PROPOSAL_MANAGE_LINK_DAYS", DEFAULT_LINK_DAYS))


def make_manage_token(proposal: Proposal) -> str:
    """A signed token for this proposal's manage link."""
    return make_token(TokenPurpose.MANAGE_PROPOSAL, {"p": proposal.id})


def manage_url(proposal: Proposal) -> str:
    """The absolute manage link, for emails."""
    return external_url("proposals.manage", token=make_manage_token(proposal))


def _live_proposal(payload: object) -> Proposal | None:
    """The proposal a token's payload names, unless it is gone or its proposer's data has been erased."""
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), int):
        return None
    proposal = db.session.get(Proposal, payload["p"])
    if proposal is None or proposal.personal_data_removed_at is not None:
        return None
    return proposal


def proposal_for_token(token: str) -> Proposal | LinkProblem:
    """The proposal a manage link is for, or why the link cannot be used."""
    try:
        payload = read_token(TokenPurpose.MANAGE_PROPOSAL, token, max_age=link_days() * 86400)
    except TokenError as exc:
        return LinkProblem.EXPIRED if exc.expired else LinkProblem.INVALID
    return _live_proposal(payload) or LinkProblem.INVALID


def reference_of_expired(token: str) -> str:
    """The reference a genuine but expired link was for (to fill in the request for a new one), else ""."""
    try:
        payload = read_token(TokenPurpose.MANAGE_PROPOSAL, token, max_age=_NO_EXPIRY)
    except TokenError:
        return ""
    proposal = _live_proposal(payload)
    return proposal.reference if proposal is not None else ""
