"""Personal data in proposals: the proposer erases theirs, and moderators edit it out of the text before
publishing (the original kept for staff only, until the proposer asks for it to go)."""

from __future__ import annotations

from portal.audit import record_audit
from portal.extensions import db
from portal.models import Proposal, ProposalEdit, ProposalStatus, User
from portal.models.base import utcnow
from portal.proposals.finding import is_owner
from portal.proposals.lifecycle import locked
from portal.proposals.proposer_links import LinkProblem, proposal_for_token
from portal.proposals.vocabulary import EDITABLE_FIELDS, NotAllowed, ProposalError, clean_text

REMOVED = "[Removed at the proposer’s request]"


def remove_personal_data(proposal_id: int, user: User) -> Proposal:
    """The signed-in proposer erases their personal data from their proposal."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not is_owner(proposal, user):
        raise NotAllowed("You can only remove your own personal data")
    return erase_proposer(proposal, user.id)


def remove_personal_data_by_link(token: str) -> Proposal:
    """The proposer erases their personal data through their manage link; the link stops working."""
    proposal = proposal_for_token(token)
    if isinstance(proposal, LinkProblem):
        raise NotAllowed("This link cannot be used")
    return erase_proposer(proposal, None)


def erase_proposer(proposal: Proposal, actor_id: int | None, *, commit: bool = True) -> Proposal:
    """Erase the proposer's name, email and account link (and moderators' copies); the proposal itself stays.

    The caller has checked that the request comes from the proposer (or erases a whole person, or applies the
    retention period, in one transaction of its own: ``commit=False``).
    """
    proposal.proposer_name = ""
    proposal.proposer_email = ""
    proposal.contact_consent = False
    proposal.proposer_id = None
    proposal.personal_data_removed_at = utcnow()
    # The originals moderators kept were kept because they held personal data: erase them too.
    for edit in proposal.edits:
        edit.original_value = REMOVED
    record_audit(actor_id, "proposal_personal_data_removed", "proposal", proposal.id, proposal.reference)
    if commit:
        db.session.commit()
    return proposal


def edit_text(proposal_id: int, changes: dict[str, str], reason: str, actor_id: int | None) -> list[ProposalEdit]:
    """A moderator edits personal data out of a proposal's text; the original is kept for staff only."""
    proposal = locked(proposal_id)
    if ProposalStatus(proposal.status) is ProposalStatus.MERGED:
        raise ProposalError("A merged proposal cannot be edited")
    reason = clean_text(reason)
    if not reason:
        raise ProposalError("Enter why you are editing this proposal")
    made: list[ProposalEdit] = []
    for field, label in EDITABLE_FIELDS.items():
        if field not in changes:
            continue
        single = field in {"title", "population_other", "proposer_organisation"}
        new_value = clean_text(changes[field], single_line=single)
        old_value = getattr(proposal, field)
        if new_value == old_value:
            continue
        if field == "title" and not new_value:
            raise ProposalError("Enter a title")
        if field == "need" and not new_value:
            raise ProposalError(f"Enter {label.lower()}")
        edit = ProposalEdit(
            proposal_id=proposal.id,
            field=field,
            original_value=old_value,
            new_value=new_value,
            reason=reason,
            actor_id=actor_id,
        )
        proposal.edits.append(edit)
        setattr(proposal, field, new_value)
        made.append(edit)
    if made:
        proposal.updated_at = utcnow()
        record_audit(
            actor_id, "proposal_edited", "proposal", proposal.id, f"{', '.join(e.field for e in made)}: {reason}"
        )
    db.session.commit()
    return made
