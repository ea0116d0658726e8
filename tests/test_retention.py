"""``flask --app wsgi retention run`` de-personalises proposer contact details after the retention period.

Runs on whichever database the suite uses (PORTAL_TEST_DB=postgres for PostgreSQL; .ci/run runs both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from portal.models import AuditEvent, Proposal
from portal.retention import months_before


def _proposal(number: int, age: timedelta, **kw: Any) -> Proposal:
    return Proposal(
        reference=f"JSNA-2024-{number:04d}",
        title=f"Topic {number}",
        need="A need",
        status="published",
        proposer_name="Pat Example",
        proposer_email=f"pat{number}@example.org",
        contact_consent=True,
        created_at=datetime.now(UTC) - age,
        **kw,
    )


def test_retention_run_de_personalises_only_proposals_past_the_period(app: Flask, db: Any) -> None:
    old = _proposal(1, timedelta(days=760))
    recent = _proposal(2, timedelta(days=700))
    db.session.add_all([old, recent])
    db.session.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would de-personalise proposer contact details on JSNA-2024-0001" in dry.output
    db.session.expire_all()
    assert db.session.get(Proposal, old.id).proposer_email == "pat1@example.org"

    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "De-personalised proposer contact details on JSNA-2024-0001",
        "De-personalised 1 proposals sent more than 24 months ago.",
    ]
    db.session.expire_all()
    erased, kept = db.session.get(Proposal, old.id), db.session.get(Proposal, recent.id)
    assert (erased.proposer_name, erased.proposer_email, erased.contact_consent) == ("", "", False)
    assert erased.title == "Topic 1" and erased.personal_data_removed_at is not None
    assert (kept.proposer_name, kept.proposer_email) == ("Pat Example", "pat2@example.org")
    assert [e.object_id for e in db.session.query(AuditEvent).filter_by(action="proposal_personal_data_removed")] == [
        str(old.id)
    ]

    again = runner.invoke(args=["retention", "run"])
    assert again.output.strip() == "De-personalised 0 proposals sent more than 24 months ago."


def test_the_period_is_configured(app: Flask, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PROPOSER_CONTACT_RETENTION_MONTHS", 6)
    db.session.add(_proposal(3, timedelta(days=200)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert "De-personalised 1 proposals sent more than 6 months ago." in result.output


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 12, 5, 6, 0, tzinfo=UTC), 24, datetime(2024, 12, 5, 6, 0, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 3, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected
