"""Submitting a proposal: the answers of the question pages become one proposal with a reference number, exactly
once per submission token, and a consenting proposer gets a receipt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from portal.clock import london_now
from portal.extensions import db
from portal.models import (
    Area,
    Indicator,
    Proposal,
    ProposalDraft,
    ProposalIndicator,
    ProposalReferenceCounter,
    ProposalStatus,
    ProposalStatusEvent,
    ProposalWard,
)
from portal.proposals.finding import get_by_idempotency_key
from portal.proposals.notifications import send_receipt
from portal.proposals.vocabulary import (
    AGE_GROUPS,
    DEFAULT_ANSWERS,
    POPULATION_GROUPS,
    WHOLE_CITY,
    clean_text,
    sector_label,
)

S = ProposalStatus


def _allocate_reference(year: int) -> str:
    """Take the next reference number for ``year`` under a row lock (safe when many submit at once).

    The counter row is created with ON CONFLICT DO NOTHING and incremented with UPDATE … RETURNING, so concurrent
    transactions queue on the row (PostgreSQL) or on the write lock (SQLite); a rolled-back submission gives its
    number back.
    """
    table = cast(Table, ProposalReferenceCounter.__table__)
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(table).values(year=year, last_value=0).on_conflict_do_nothing(index_elements=["year"]))
    number = db.session.execute(
        update(table)
        .where(table.c.year == year)
        .values(last_value=table.c.last_value + 1)
        .returning(table.c.last_value)
    ).scalar_one()
    return f"JSNA-{year}-{number:04d}"


def existing_ward_codes(codes: Iterable[str]) -> list[str]:
    """The codes that are real wards, in the order given."""
    wanted = [c for c in dict.fromkeys(codes) if c and c != WHOLE_CITY]
    if not wanted:
        return []
    found = set(db.session.scalars(select(Area.code).where(Area.code.in_(wanted), Area.area_type == "ward")))
    return [c for c in wanted if c in found]


def existing_indicator_ids(ids: Iterable[str]) -> list[str]:
    """The ids that are indicators in the key dataset, in the order given."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return []
    found = set(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(wanted))))
    return [i for i in wanted if i in found]


@dataclass(frozen=True)
class SubmitResult:
    """The stored proposal, and whether this call stored it (False for a repeat of the same submission)."""

    proposal: Proposal
    created: bool


def submit_proposal(
    answers: dict[str, Any],
    *,
    idempotency_key: str,
    proposer_id: int | None = None,
    draft_id: str | None = None,
    is_example: bool = False,
    send_confirmation: bool = True,
) -> SubmitResult:
    """Store a proposal from the question pages' answers, exactly once per ``idempotency_key``."""
    if not idempotency_key:
        raise ValueError("an idempotency key is needed")
    existing = get_by_idempotency_key(idempotency_key)
    if existing is not None:
        return SubmitResult(existing, False)
    stakeholder = answers.get("proposer_type") == "stakeholder"
    email = clean_text(answers.get("email"), single_line=True).lower()
    consent = bool(answers.get("consent")) and bool(email)
    try:
        reference = _allocate_reference(london_now().year)
        proposal = Proposal(
            reference=reference,
            title=clean_text(answers.get("title"), single_line=True),
            need=clean_text(answers.get("need")),
            population_groups=",".join(c for c in answers.get("population_groups", []) if c in POPULATION_GROUPS),
            population_other=clean_text(answers.get("population_other"), single_line=True)
            if "other" in answers.get("population_groups", [])
            else "",
            age_groups=",".join(c for c in answers.get("age_groups", []) if c in AGE_GROUPS),
            evidence_of_need=clean_text(answers.get("evidence_of_need")),
            decisions_informed=clean_text(answers.get("decisions_informed")),
            proposer_type="stakeholder" if stakeholder else "public",
            proposer_organisation=clean_text(answers.get("organisation"), single_line=True) if stakeholder else "",
            proposer_sector=answers.get("sector", "")
            if stakeholder and sector_label(answers.get("sector", ""))
            else "",
            proposer_name=clean_text(answers.get("name"), single_line=True),
            proposer_email=email,
            contact_consent=consent,
            proposer_id=proposer_id,
            status=str(S.SUBMITTED),
            is_example=is_example,
            idempotency_key=idempotency_key,
        )
        proposal.ward_links = [ProposalWard(ward_code=c) for c in existing_ward_codes(answers.get("wards", []))]
        proposal.indicator_links = [
            ProposalIndicator(indicator_id=i) for i in existing_indicator_ids(answers.get("indicators", []))
        ]
        proposal.events = [ProposalStatusEvent(to_status=str(S.SUBMITTED), public_answer=DEFAULT_ANSWERS[S.SUBMITTED])]
        db.session.add(proposal)
        if draft_id:
            db.session.execute(delete(ProposalDraft).where(ProposalDraft.id == draft_id))
        db.session.commit()
    except IntegrityError:
        # Another request with the same token won the race: answer with its proposal.
        db.session.rollback()
        existing = get_by_idempotency_key(idempotency_key)
        if existing is None:
            raise
        return SubmitResult(existing, False)
    if send_confirmation:
        send_receipt(proposal)
    return SubmitResult(proposal, True)
