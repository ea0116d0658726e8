"""Telling people what came of their input when an outcome is published: everyone who asked to hear (once each),
and the proposer of each topic it covers, with the link to follow or manage their proposal.

Emails go out after the commit that publishes the page; a failure is logged, never raised.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.mail import external_url, send_email_logged
from portal.models import Outcome, OutcomeSubscription, Proposal
from portal.models.base import utcnow
from portal.proposals.finding import final_target, is_publicly_visible
from portal.proposals.notifications import followers
from portal.proposals.proposer_links import link_days, manage_url
from portal.proposals.vocabulary import status_label


def outcome_topics(outcome: Outcome) -> list[Proposal]:
    """The topics an outcome covers: the survey's topic, or every topic the round considered."""
    if outcome.survey is not None:
        return [outcome.survey.proposal] if outcome.survey.proposal is not None else []
    if outcome.round is not None:
        return [entry.proposal for entry in outcome.round.proposals]
    return []


def notify_subscribers(outcome: Outcome) -> int:
    """Email everyone who asked to hear this outcome and has not been told; returns how many were emailed."""
    column = OutcomeSubscription.survey_id if outcome.survey_id else OutcomeSubscription.round_id
    key = outcome.survey_id or outcome.round_id
    link = external_url("outcomes.detail", outcome_id=outcome.id)
    sent = 0
    for subscription in db.session.scalars(
        select(OutcomeSubscription).where(column == key, OutcomeSubscription.notified_at.is_(None))
    ):
        if send_email_logged(
            subscription.email,
            f"What we did with your views: {outcome.title}",
            "outcome_published.txt",
            outcome=outcome,
            link=link,
        ):
            subscription.notified_at = utcnow()
            sent += 1
    db.session.commit()
    return sent


def notify_proposers(outcome: Outcome) -> int:
    """Tell the proposer of each topic the outcome covers (those who agreed to emails) what came of it."""
    link = external_url("outcomes.detail", outcome_id=outcome.id)
    sent = 0
    for topic in outcome_topics(outcome):
        target = final_target(topic)
        for follower in followers(topic):
            public_link = (
                external_url("proposals.detail", reference=target.reference) if is_publicly_visible(target) else ""
            )
            sent += send_email_logged(
                follower.proposer_email,
                f"The outcome for your JSNA topic proposal {follower.reference}",
                "outcome_proposer.txt",
                outcome=outcome,
                link=link,
                proposal=target,
                own=follower,
                status=status_label(target.status),
                public_link=public_link,
                manage_link=manage_url(follower),
                link_days=link_days(),
            )
    return sent


def notify_published(outcome: Outcome) -> tuple[int, int]:
    """Tell the subscribers and the proposers; returns how many of each were emailed."""
    return notify_subscribers(outcome), notify_proposers(outcome)
