"""Supports: signed-in members of the public and stakeholders back a published proposal, once each. The count is
the "public and stakeholder concern" the steering group scores."""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Proposal, ProposalStatus, ProposalSupport, Role, User
from portal.proposals.finding import is_owner, is_publicly_visible
from portal.proposals.vocabulary import SUPPORTABLE_STATUSES, NotAllowed, ProposalError


def has_supported(proposal_id: int, user_id: int) -> bool:
    """Whether this user already supports this proposal."""
    return bool(
        db.session.scalar(
            select(exists().where(ProposalSupport.proposal_id == proposal_id, ProposalSupport.user_id == user_id))
        )
    )


def add_support(proposal_id: int, user: User) -> bool:
    """Record the user's support, once; True when it is new."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not is_publicly_visible(proposal):
        raise NotAllowed("There is no such proposal")
    if not user.has_role(Role.PUBLIC, Role.STAKEHOLDER):
        raise ProposalError("Only members of the public and stakeholders can support proposals")
    if ProposalStatus(proposal.status) not in SUPPORTABLE_STATUSES:
        raise ProposalError("This proposal can no longer be supported")
    if is_owner(proposal, user):
        raise ProposalError("You cannot support your own proposal")
    try:
        db.session.add(ProposalSupport(proposal_id=proposal.id, user_id=user.id))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    # An increment, not a recount, so concurrent supports never lose one.
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(support_count=Proposal.support_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(proposal)
    return True


def remove_support(proposal_id: int, user: User) -> bool:
    """Withdraw the user's support; True when there was one."""
    result = db.session.execute(
        delete(ProposalSupport).where(ProposalSupport.proposal_id == proposal_id, ProposalSupport.user_id == user.id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id)
        .values(support_count=Proposal.support_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is not None:
        db.session.refresh(proposal)
    return True
