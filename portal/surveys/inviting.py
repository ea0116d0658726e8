"""Inviting people to a survey: single-use invitation links by email (within the request for a few, on the
background queue for many), sending again, delivery, people who asked to be invited, and the response rate.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.mail import external_url, send_email
from portal.models import EngagementOptIn, Survey, SurveyInvitation, User
from portal.models.base import utcnow
from portal.surveys.lifecycle import BuilderError, audit_survey
from portal.surveys.state import SurveyState, survey_state

MAX_INVITATIONS_PER_BATCH = 500
# Queued invitations older than this are offered for sending again (their job was lost, e.g. in a restart).
STALE_QUEUED_MINUTES = 15


def parse_email_list(text: str) -> tuple[list[str], list[str]]:
    """Read one email address per line: (addresses, line-numbered problems). Blank lines and repeats are skipped."""
    emails: list[str] = []
    problems: list[str] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        candidate = line.strip().strip(",;")
        if not candidate:
            continue
        try:
            normalised = validate_email(candidate, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            problems.append(f"Line {line_number}: ‘{candidate[:80]}’ is not an email address")
            continue
        if normalised not in emails:
            emails.append(normalised)
    if len(emails) > MAX_INVITATIONS_PER_BATCH:
        problems.append(f"Send {MAX_INVITATIONS_PER_BATCH} invitations or fewer at a time")
    return emails, problems


def token_hash(token: str) -> str:
    """The stored form of an invitation or draft key: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _sector_for_email(email: str) -> str:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.verified_organisation is not None:
        return user.verified_organisation.sector
    return ""


@dataclass(frozen=True)
class InvitationReport:
    """What a batch of invitations did: emailed now, queued for the background, skipped or not delivered."""

    sent: list[str]
    already_invited: list[str]
    failed: list[str]
    queued: int = 0


def send_invitations(survey_id: int, emails: Sequence[str], actor_id: int | None) -> InvitationReport:
    """Create single-use invitations (addresses already invited are skipped) and email each link: within the request
    for up to INVITATIONS_INLINE_MAX people, otherwise on the background "email" queue."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    if survey_state(survey) is SurveyState.CLOSED:
        raise BuilderError("This survey is closed. Reopen it before you send invitations")
    existing = set(db.session.scalars(select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey_id)))
    fresh = [e for e in emails if e not in existing]
    invitations = []
    for email in fresh:
        # A placeholder token that is never sent: the real one is made when the email goes (see deliver_invitations),
        # so no secret waits in a queue.
        placeholder = token_hash(secrets.token_urlsafe(32))
        invitation = SurveyInvitation(survey_id=survey_id, email=email, token_hash=placeholder, email_status="queued")
        invitation.sector = _sector_for_email(email)
        db.session.add(invitation)
        invitations.append(invitation)
    audit_survey(actor_id, "survey_invitations_sent", survey_id, str(len(fresh)))
    try:
        db.session.commit()
    except IntegrityError:
        # Another analyst invited some of the same people at the same moment: nothing was saved; try again.
        db.session.rollback()
        raise BuilderError("Some of these people were invited at the same time by someone else. Try again") from None
    already = [e for e in emails if e in existing]
    return _deliver_now_or_later(survey_id, [i.id for i in invitations], already)


def resend_invitations(survey_id: int, actor_id: int | None) -> InvitationReport:
    """Send again the invitations whose email could not be delivered, and any stuck in the queue (e.g. the server
    restarted while they waited) for longer than STALE_QUEUED_MINUTES."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    if survey_state(survey) is SurveyState.CLOSED:
        raise BuilderError("This survey is closed. Reopen it before you send invitations")
    retry = list(db.session.scalars(_needs_resending(survey_id).order_by(SurveyInvitation.id)))
    for invitation in retry:
        invitation.email_status = "queued"
    audit_survey(actor_id, "survey_invitations_resent", survey_id, str(len(retry)))
    db.session.commit()
    return _deliver_now_or_later(survey_id, [i.id for i in retry], [])


def _needs_resending(survey_id: int) -> Select[SurveyInvitation]:
    """Invitations of a survey that failed, or have waited in the queue too long."""
    stale = utcnow() - timedelta(minutes=STALE_QUEUED_MINUTES)
    return select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey_id,
        SurveyInvitation.used_on.is_(None),
        (SurveyInvitation.email_status == "failed")
        | ((SurveyInvitation.email_status == "queued") & (SurveyInvitation.sent_at < stale)),
    )


def resendable_count(survey_id: int) -> int:
    """How many invitations the "send again" button would send."""
    return db.session.scalar(select(func.count()).select_from(_needs_resending(survey_id).subquery())) or 0


def _deliver_now_or_later(survey_id: int, invitation_ids: list[int], already: list[str]) -> InvitationReport:
    """Email a small batch now; queue a large one so the request returns at once."""
    if len(invitation_ids) > current_app.config["INVITATIONS_INLINE_MAX"]:
        from portal import background

        background.submit("email", deliver_invitations, invitation_ids)
        return InvitationReport(sent=[], already_invited=already, failed=[], queued=len(invitation_ids))
    sent, failed = deliver_invitations(invitation_ids)
    return InvitationReport(sent=sent, already_invited=already, failed=failed)


def deliver_invitations(invitation_ids: Sequence[int]) -> tuple[list[str], list[str]]:
    """Email each queued invitation its link, one at a time; returns (sent, failed) email addresses.

    Each invitation gets a fresh token just before its email goes, and its status (sent or failed) is committed
    straight after, so an interrupted batch leaves the rest visibly queued and nothing is sent twice. Invitations of
    a survey closed in the meantime are left queued.
    """
    sent: list[str] = []
    failed: list[str] = []
    for invitation_id in invitation_ids:
        invitation = db.session.get(SurveyInvitation, invitation_id)
        if invitation is None or invitation.email_status != "queued" or invitation.used_on is not None:
            continue
        survey = db.session.get(Survey, invitation.survey_id)
        if survey is None or survey_state(survey) is SurveyState.CLOSED:
            continue
        token = secrets.token_urlsafe(32)
        invitation.token_hash = token_hash(token)
        try:
            send_email(
                invitation.email,
                f"You are invited to take part in a survey: {survey.title}",
                "survey_invitation.txt",
                survey=survey,
                link=external_url("surveys.accept_invitation", token=token),
            )
        except OSError:
            current_app.logger.warning("Survey invitation %s could not be emailed", invitation_id, exc_info=True)
            invitation.email_status = "failed"
            failed.append(invitation.email)
        else:
            invitation.email_status, invitation.emailed_at = "sent", utcnow()
            sent.append(invitation.email)
        db.session.commit()
    return sent, failed


def delivery_counts(survey_id: int) -> dict[str, int]:
    """Invitations per email status (queued, sent, failed) for a survey."""
    rows = db.session.execute(
        select(SurveyInvitation.email_status, func.count())
        .where(SurveyInvitation.survey_id == survey_id)
        .group_by(SurveyInvitation.email_status)
    )
    return {"queued": 0, "sent": 0, "failed": 0, **{status: count for status, count in rows}}


def opted_in_emails(survey: Survey) -> list[str]:
    """Email addresses of people who joined engagement on this survey or its topic and are not yet invited."""
    conditions = [EngagementOptIn.survey_id == survey.id]
    if survey.proposal_id is not None:
        conditions.append(EngagementOptIn.proposal_id == survey.proposal_id)
    invited = select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey.id)
    query = (
        select(User.email)
        .join(EngagementOptIn, EngagementOptIn.user_id == User.id)
        .where(or_(*conditions), User.active.is_(True), User.confirmed_at.is_not(None))
        .where(User.email.not_in(invited))
        .distinct()
        .order_by(User.email)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ResponseRate:
    """Invitations sent and used."""

    invited: int
    responded: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.responded / self.invited if self.invited else None


def response_rate(survey_id: int) -> ResponseRate:
    """How many invitations were sent and how many were used to respond."""
    delivered = SurveyInvitation.email_status == "sent"
    invited = db.session.scalar(select(func.count()).where(SurveyInvitation.survey_id == survey_id, delivered)) or 0
    responded = (
        db.session.scalar(
            select(func.count()).where(SurveyInvitation.survey_id == survey_id, SurveyInvitation.used_on.is_not(None))
        )
        or 0
    )
    return ResponseRate(invited, responded)


def invitations(survey_id: int) -> list[SurveyInvitation]:
    """A survey's invitations, newest first."""
    return list(
        db.session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.survey_id == survey_id)
            .order_by(SurveyInvitation.sent_at.desc(), SurveyInvitation.email)
        )
    )
