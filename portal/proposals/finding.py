"""Finding proposals and deciding who may see them: references, merges, the public list's base query, owners,
staff, and the public status trail."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from portal.extensions import db
from portal.models import Proposal, ProposalStatus, ProposalStatusEvent, ProposalSupport, Role, User
from portal.proposals.vocabulary import PUBLIC_STATUSES, REFERENCE_PATTERN, SHORTLISTABLE_STATUSES, TRANSITIONS

S = ProposalStatus


def normalise_reference(reference: str) -> str:
    """Upper-case and trim a reference typed by a person."""
    return (reference or "").strip().upper()


def get_by_reference(reference: str) -> Proposal | None:
    """The proposal with this reference, or None."""
    cleaned = normalise_reference(reference)
    if not REFERENCE_PATTERN.match(cleaned):
        return None
    return db.session.scalar(select(Proposal).where(Proposal.reference == cleaned))


def get_by_idempotency_key(key: str) -> Proposal | None:
    """The proposal stored for this submission token, or None."""
    if not key:
        return None
    return db.session.scalar(select(Proposal).where(Proposal.idempotency_key == key))


def final_target(proposal: Proposal) -> Proposal:
    """Follow merges to the proposal that now carries this one."""
    seen = {proposal.id}
    while proposal.merged_into is not None and proposal.merged_into.id not in seen:
        proposal = proposal.merged_into
        seen.add(proposal.id)
    return proposal


def published_proposals_query() -> Select[Proposal]:
    """A select() of the proposals anyone may see listed."""
    return select(Proposal).where(Proposal.status.in_([str(s) for s in PUBLIC_STATUSES]))


def shortlistable_proposals() -> list[Proposal]:
    """Published proposals that can go into a prioritisation round, most supported first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.status.in_([str(s) for s in SHORTLISTABLE_STATUSES]))
            .order_by(Proposal.support_count.desc(), Proposal.created_at, Proposal.id)
        )
    )


def support_count(proposal_id: int) -> int:
    """How many signed-in people support this proposal (the "public and stakeholder concern" criterion)."""
    return db.session.scalar(select(func.count()).where(ProposalSupport.proposal_id == proposal_id)) or 0


# ---------------------------------------------------------------------------------------------------------------------
# Who may see and change what
# ---------------------------------------------------------------------------------------------------------------------


def signed_in_user(user: object) -> User | None:
    """The user when signed in; Flask-Login's anonymous user (or None) gives None."""
    return user if isinstance(user, User) and user.is_authenticated else None


def is_staff_moderator(user: object) -> bool:
    """True for analysts and administrators (who moderate and see personal data)."""
    account = signed_in_user(user)
    return account is not None and account.has_role(Role.ANALYST, Role.ADMIN)


def is_owner(proposal: Proposal, user: object) -> bool:
    """True when ``user`` proposed this (their account, or their confirmed email address)."""
    account = signed_in_user(user)
    if account is None:
        return False
    if proposal.proposer_id is not None and proposal.proposer_id == account.id:
        return True
    return bool(
        proposal.proposer_email
        and account.confirmed_at is not None
        and proposal.proposer_email.lower() == (account.email or "").lower()
    )


def is_publicly_visible(proposal: Proposal) -> bool:
    """Listed statuses, and withdrawn proposals that had been published (their page stays)."""
    status = ProposalStatus(proposal.status)
    return status in PUBLIC_STATUSES or (status is S.WITHDRAWN and proposal.published_at is not None)


def can_view(proposal: Proposal, user: object) -> bool:
    """Whether ``user`` may see this proposal's page."""
    if is_publicly_visible(proposal):
        return True
    if is_owner(proposal, user):
        return True
    account = signed_in_user(user)
    return account is not None and account.is_staff


def proposals_for_user(user: User) -> list[Proposal]:
    """The proposals this signed-in user made (by account, or by their confirmed email address), newest first."""
    condition = Proposal.proposer_id == user.id
    if user.confirmed_at is not None and user.email:
        condition = or_(condition, func.lower(Proposal.proposer_email) == user.email.lower())
    return list(db.session.scalars(select(Proposal).where(condition).order_by(Proposal.created_at.desc())))


# ---------------------------------------------------------------------------------------------------------------------
# The status trail
# ---------------------------------------------------------------------------------------------------------------------


def allowed_next_statuses(proposal: Proposal) -> list[ProposalStatus]:
    """The statuses staff may move this proposal to from the review page."""
    return [s for s in ProposalStatus if s in TRANSITIONS[ProposalStatus(proposal.status)]]


def merged_in(proposal: Proposal) -> list[Proposal]:
    """Every proposal merged (directly or through others) into this one."""
    found: list[Proposal] = []
    frontier = [proposal.id]
    seen = {proposal.id}
    while frontier:
        children = list(db.session.scalars(select(Proposal).where(Proposal.merged_into_id.in_(frontier))))
        frontier = []
        for child in children:
            if child.id not in seen:
                seen.add(child.id)
                found.append(child)
                frontier.append(child.id)
    return found


def timeline(proposal: Proposal) -> list[ProposalStatusEvent]:
    """The proposal's status changes, oldest first, including those of proposals merged into it."""
    ids = [proposal.id, *(p.id for p in merged_in(proposal))]
    return list(
        db.session.scalars(
            select(ProposalStatusEvent)
            .where(ProposalStatusEvent.proposal_id.in_(ids))
            .where(
                or_(
                    ProposalStatusEvent.proposal_id == proposal.id,
                    ProposalStatusEvent.to_status == str(S.MERGED),
                )
            )
            .order_by(ProposalStatusEvent.occurred_at, ProposalStatusEvent.id)
        )
    )
