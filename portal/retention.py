"""Retention: proposers' contact details are kept only as long as they are needed (UK GDPR storage limitation).

``flask --app wsgi retention run`` de-personalises the proposer's name, email and account link on every proposal sent
more than PROPOSER_CONTACT_RETENTION_MONTHS ago, reusing the proposer's own removal; the proposal's text stays.
Schedule it (daily cron or a systemd timer); it is safe to run again, and ``--dry-run`` only lists.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import Proposal
from portal.proposals.personal_data import erase_proposer

retention_cli = AppGroup("retention", help="Apply the retention period to personal data.")


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31]  # fmt: skip
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


def expired_proposals(now: datetime, months: int) -> list[Proposal]:
    """Proposals sent before the retention period that still hold the proposer's contact details."""
    cutoff = months_before(now, months)
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.created_at < cutoff,
                Proposal.personal_data_removed_at.is_(None),
                or_(Proposal.proposer_name != "", Proposal.proposer_email != "", Proposal.proposer_id.is_not(None)),
            )
            .order_by(Proposal.created_at, Proposal.id)
            .with_for_update()
        )
    )


def apply_retention(now: datetime | None = None, *, dry_run: bool = False) -> list[str]:
    """De-personalise proposer contact details past the retention period, in one transaction; the references."""
    months = int(current_app.config["PROPOSER_CONTACT_RETENTION_MONTHS"])
    proposals = expired_proposals(now or datetime.now(UTC), months)
    references = [p.reference for p in proposals]
    if dry_run:
        db.session.rollback()
        return references
    for proposal in proposals:
        erase_proposer(proposal, None, commit=False)
    db.session.commit()
    return references


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be de-personalised; change nothing.")
def run_command(dry_run: bool) -> None:
    """De-personalise proposer contact details older than PROPOSER_CONTACT_RETENTION_MONTHS."""
    months = current_app.config["PROPOSER_CONTACT_RETENTION_MONTHS"]
    references = apply_retention(dry_run=dry_run)
    verb = "Would de-personalise" if dry_run else "De-personalised"
    for reference in references:
        click.echo(f"{verb} proposer contact details on {reference}")
    click.echo(f"{verb} {len(references)} proposals sent more than {months} months ago.")
