"""Emails to proposers: the receipt when a proposal arrives and an update at each status change.

They go out after the commit, so an acknowledged change is durable even when the mail server is down; a failure is
logged, never raised.
"""

from __future__ import annotations

from portal.mail import external_url, send_email_logged
from portal.models import Proposal, ProposalStatusEvent
from portal.proposals.finding import final_target, merged_in
from portal.proposals.vocabulary import status_label


def _send(to: str, subject: str, template: str, *, proposal: Proposal, **context: object) -> None:
    """Send a proposer email with the link to their proposal."""
    link = external_url("proposals.detail", reference=proposal.reference)
    send_email_logged(to, subject, template, link=link, proposal=proposal, **context)


def send_receipt(proposal: Proposal) -> None:
    """Tell a consenting proposer their proposal's reference number."""
    if not (proposal.contact_consent and proposal.proposer_email):
        return
    _send(
        proposal.proposer_email,
        f"Your JSNA topic proposal {proposal.reference}",
        "proposal_received.txt",
        proposal=proposal,
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
