"""Emails to proposers: the receipt when a proposal arrives, an update at each status change, and a fresh "follow
or manage your proposal" link on request.

Every email carries a new manage link, so a proposer without an account can always reach their proposal. Emails go
out after the commit, so an acknowledged change is durable even when the mail server is down; a failure is logged,
never raised.
"""

from __future__ import annotations

from portal.mail import external_url, send_email_logged
from portal.models import Proposal, ProposalStatusEvent
from portal.proposals.finding import final_target, get_by_reference, is_publicly_visible, merged_in
from portal.proposals.proposer_links import link_days, manage_url
from portal.proposals.vocabulary import clean_text, status_label


def _send(to: str, subject: str, template: str, *, proposal: Proposal, own: Proposal, **context: object) -> None:
    """Send a proposer email with the manage link for their own proposal and, once it is public, its page."""
    public_link = (
        external_url("proposals.detail", reference=proposal.reference) if is_publicly_visible(proposal) else ""
    )
    send_email_logged(
        to,
        subject,
        template,
        proposal=proposal,
        own=own,
        public_link=public_link,
        manage_link=manage_url(own),
        link_days=link_days(),
        **context,
    )


def send_receipt(proposal: Proposal) -> None:
    """Tell a consenting proposer their proposal's reference number and how to follow it."""
    if not (proposal.contact_consent and proposal.proposer_email):
        return
    _send(
        proposal.proposer_email,
        f"Your JSNA topic proposal {proposal.reference}",
        "proposal_received.txt",
        proposal=proposal,
        own=proposal,
    )


def send_manage_link(reference: str, email: str) -> None:
    """Email a fresh manage link when ``email`` is the address given with proposal ``reference``.

    Nothing visible happens otherwise, so the request reveals neither which references exist nor who proposed them.
    """
    proposal = get_by_reference(reference)
    address = clean_text(email, single_line=True).lower()
    if (
        proposal is None
        or proposal.personal_data_removed_at is not None
        or not address
        or proposal.proposer_email.lower() != address
    ):
        return
    _send(
        proposal.proposer_email,
        f"Follow or manage your JSNA topic proposal {proposal.reference}",
        "proposal_manage_link.txt",
        proposal=final_target(proposal),
        own=proposal,
    )


def followers(proposal: Proposal) -> list[Proposal]:
    """The proposal and every proposal merged into it whose proposer consented to emails."""
    seen: set[str] = set()
    chosen: list[Proposal] = []
    for candidate in [proposal, *merged_in(proposal)]:
        address = candidate.proposer_email.lower()
        if candidate.contact_consent and address and address not in seen:
            seen.add(address)
            chosen.append(candidate)
    return chosen


def notify_followers(proposal: Proposal, event: ProposalStatusEvent) -> None:
    """Email each consenting proposer about a status change."""
    target = final_target(proposal)
    for follower in followers(proposal):
        _send(
            follower.proposer_email,
            f"Update on JSNA topic proposal {follower.reference}",
            "proposal_status.txt",
            proposal=target,
            own=follower,
            event=event,
            status=status_label(event.to_status),
        )
