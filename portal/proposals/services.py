"""Topic proposals: submission, the public lifecycle, supports, moderation and the proposer's own data.

Services take plain values, own their transaction, and check object-level permissions. Emails go out after the
commit, so an acknowledged change is durable even when the mail server is down.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.clock import london_now
from portal.extensions import db
from portal.mail import external_url, send_email_logged
from portal.models import (
    SECTOR_LABELS,
    Area,
    AuditEvent,
    Indicator,
    Proposal,
    ProposalDraft,
    ProposalEdit,
    ProposalIndicator,
    ProposalReferenceCounter,
    ProposalStatus,
    ProposalStatusEvent,
    ProposalSupport,
    ProposalWard,
    Role,
)
from portal.models.base import utcnow

S = ProposalStatus

# ---------------------------------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------------------------------

STATUS_LABELS: dict[ProposalStatus, str] = {
    S.SUBMITTED: "Waiting for moderation",
    S.PUBLISHED: "Published",
    S.NOT_PUBLISHED: "Not published",
    S.SHORTLISTED: "Shortlisted",
    S.PRIORITISED: "Prioritised",
    S.NOT_PRIORITISED: "Not prioritised",
    S.DEFERRED: "Deferred",
    S.CHAPTER_IN_PROGRESS: "Chapter in progress",
    S.CHAPTER_PUBLISHED: "Chapter published",
    S.WITHDRAWN: "Withdrawn",
    S.MERGED: "Merged",
}

STATUS_COLOURS: dict[ProposalStatus, str] = {
    S.SUBMITTED: "grey",
    S.PUBLISHED: "blue",
    S.NOT_PUBLISHED: "red",
    S.SHORTLISTED: "purple",
    S.PRIORITISED: "green",
    S.NOT_PRIORITISED: "orange",
    S.DEFERRED: "yellow",
    S.CHAPTER_IN_PROGRESS: "turquoise",
    S.CHAPTER_PUBLISHED: "green",
    S.WITHDRAWN: "grey",
    S.MERGED: "grey",
}

# Shown on /topics and counted by published_proposals_query().
PUBLIC_STATUSES: frozenset[ProposalStatus] = frozenset(
    {
        S.PUBLISHED,
        S.SHORTLISTED,
        S.PRIORITISED,
        S.NOT_PRIORITISED,
        S.DEFERRED,
        S.CHAPTER_IN_PROGRESS,
        S.CHAPTER_PUBLISHED,
    }
)
SUPPORTABLE_STATUSES: frozenset[ProposalStatus] = PUBLIC_STATUSES - {S.CHAPTER_PUBLISHED}
SHORTLISTABLE_STATUSES: frozenset[ProposalStatus] = frozenset({S.PUBLISHED, S.DEFERRED, S.NOT_PRIORITISED})
WITHDRAWABLE_STATUSES: frozenset[ProposalStatus] = frozenset(
    {S.SUBMITTED, S.PUBLISHED, S.SHORTLISTED, S.DEFERRED, S.NOT_PRIORITISED}
)
MERGEABLE_STATUSES: frozenset[ProposalStatus] = frozenset(
    {S.SUBMITTED, S.PUBLISHED, S.NOT_PUBLISHED, S.SHORTLISTED, S.DEFERRED, S.NOT_PRIORITISED}
)
MERGE_TARGET_STATUSES: frozenset[ProposalStatus] = PUBLIC_STATUSES | {S.SUBMITTED}

# The lifecycle. MERGED is reached only through merge_proposals(), which needs a target.
TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    S.SUBMITTED: frozenset({S.PUBLISHED, S.NOT_PUBLISHED, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.SHORTLISTED, S.NOT_PUBLISHED, S.WITHDRAWN}),
    S.NOT_PUBLISHED: frozenset({S.PUBLISHED}),
    S.SHORTLISTED: frozenset({S.PRIORITISED, S.NOT_PRIORITISED, S.DEFERRED, S.PUBLISHED, S.WITHDRAWN}),
    S.PRIORITISED: frozenset({S.CHAPTER_IN_PROGRESS, S.DEFERRED}),
    S.NOT_PRIORITISED: frozenset({S.SHORTLISTED, S.WITHDRAWN}),
    S.DEFERRED: frozenset({S.SHORTLISTED, S.WITHDRAWN}),
    S.CHAPTER_IN_PROGRESS: frozenset({S.CHAPTER_PUBLISHED}),
    S.CHAPTER_PUBLISHED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.MERGED: frozenset(),
}

# The official answer used when a caller gives none.
DEFAULT_ANSWERS: dict[ProposalStatus, str] = {
    S.SUBMITTED: "We have received this proposal. The JSNA team will check it before publishing it.",
    S.PUBLISHED: "Thank you for this proposal. We have published it so that others can see and support it.",
    S.NOT_PUBLISHED: "We have not published this proposal.",
    S.SHORTLISTED: "The JSNA steering group will score this topic in its next prioritisation round.",
    S.PRIORITISED: "The steering group has recommended this topic for a JSNA chapter.",
    S.NOT_PRIORITISED: "The steering group did not prioritise this topic in this round.",
    S.DEFERRED: "The steering group has deferred this topic to a later round.",
    S.CHAPTER_IN_PROGRESS: "Work has started on a JSNA chapter on this topic.",
    S.CHAPTER_PUBLISHED: "The JSNA chapter on this topic has been published.",
    S.WITHDRAWN: "The person who proposed this topic has withdrawn it.",
    S.MERGED: "This proposal has been merged with another proposal on the same topic.",
}

NOT_PUBLISHED_REASONS: dict[str, str] = {
    "out_of_scope": "Out of scope for the JSNA",
    "duplicate": "A duplicate of another proposal",
    "personal_data": "Contains personal data",
}

POPULATION_GROUPS: dict[str, str] = {
    "everyone": "Everyone",
    "carers": "Carers",
    "disabled": "Disabled people",
    "learning_disability": "People with a learning disability or autistic people",
    "mental_health": "People living with mental health problems",
    "long_term_conditions": "People living with long-term health conditions",
    "ethnic_minorities": "People from Black, Asian and other minority ethnic groups",
    "lgbtq": "Lesbian, gay, bisexual, trans and queer (LGBTQ+) people",
    "low_income": "People on low incomes",
    "homeless": "People experiencing homelessness",
    "refugees": "Refugees and people seeking asylum",
    "veterans": "Armed forces veterans",
    "other": "Another group",
}

AGE_GROUPS: dict[str, str] = {
    "0_4": "Babies and young children (0 to 4)",
    "5_15": "Children (5 to 15)",
    "16_24": "Young people (16 to 24)",
    "25_64": "Adults (25 to 64)",
    "65_plus": "Older people (65 and over)",
    "all": "All ages",
}

PROPOSER_TYPES: dict[str, str] = {
    "public": "A member of the public",
    "stakeholder": "For an organisation",
}

WHOLE_CITY = "whole_city"
REFERENCE_PATTERN = re.compile(r"^JSNA-\d{4}-\d{4,}$")
PAGE_SIZE = 20
DRAFT_MAX_AGE = timedelta(days=3)

# Text fields a moderator may edit to take personal data out before publishing.
EDITABLE_FIELDS: dict[str, str] = {
    "title": "Title",
    "need": "The need or problem",
    "population_other": "Other groups affected",
    "evidence_of_need": "Why now",
    "decisions_informed": "Decisions it would inform",
    "proposer_organisation": "Organisation",
}


def status_label(status: str) -> str:
    """The public name of a status."""
    return STATUS_LABELS.get(ProposalStatus(status), status)


def status_colour(status: str) -> str:
    """The GOV.UK tag colour of a status."""
    return STATUS_COLOURS.get(ProposalStatus(status), "grey")


def sector_label(code: str) -> str:
    """The label of a stakeholder sector code (blank for unknown codes)."""
    for sector, label in SECTOR_LABELS.items():
        if str(sector) == code:
            return label
    return ""


def proposed_by(proposal: Proposal) -> str:
    """Who proposed it, as shown publicly (never the person's name)."""
    if proposal.proposer_type == "stakeholder":
        label = sector_label(proposal.proposer_sector)
        return f"A stakeholder organisation ({label})" if label else "A stakeholder organisation"
    return "A member of the public"


# ---------------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------------


class ProposalError(Exception):
    """A change that cannot be made; the message is shown to the user."""


class InvalidTransition(ProposalError):
    """The lifecycle does not allow this status change."""


class NotAllowed(ProposalError):
    """The user may not do this to this proposal (routes answer 404 so nothing is revealed)."""


# ---------------------------------------------------------------------------------------------------------------------
# Finding proposals
# ---------------------------------------------------------------------------------------------------------------------


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


def published_proposals_query() -> Select[tuple[Proposal]]:
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


def is_staff_moderator(user: Any) -> bool:
    """True for analysts and administrators (who moderate and see personal data)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.ANALYST, Role.ADMIN))


def is_owner(proposal: Proposal, user: Any) -> bool:
    """True when ``user`` proposed this (their account, or their confirmed email address)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if proposal.proposer_id is not None and proposal.proposer_id == user.id:
        return True
    return bool(
        proposal.proposer_email
        and user.confirmed_at is not None
        and proposal.proposer_email.lower() == (user.email or "").lower()
    )


def is_publicly_visible(proposal: Proposal) -> bool:
    """Listed statuses, and withdrawn proposals that had been published (their page stays)."""
    status = ProposalStatus(proposal.status)
    return status in PUBLIC_STATUSES or (status is S.WITHDRAWN and proposal.published_at is not None)


def can_view(proposal: Proposal, user: Any) -> bool:
    """Whether ``user`` may see this proposal's page."""
    if is_publicly_visible(proposal):
        return True
    if is_owner(proposal, user):
        return True
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


# ---------------------------------------------------------------------------------------------------------------------
# Submitting
# ---------------------------------------------------------------------------------------------------------------------


def clean_text(value: str | None, *, single_line: bool = False) -> str:
    """Strip control characters (PostgreSQL refuses NUL), normalise newlines, trim; single lines lose newlines."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)
    if single_line:
        text = " ".join(text.split())
    return text.strip()


def _allocate_reference(year: int) -> str:
    """Take the next reference number for ``year`` under a row lock (safe when many submit at once).

    The counter row is created with ON CONFLICT DO NOTHING and incremented with UPDATE … RETURNING, so concurrent
    transactions queue on the row (PostgreSQL) or on the write lock (SQLite); a rolled-back submission gives its
    number back.
    """
    table = ProposalReferenceCounter.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    db.session.execute(
        dialect_insert(table).values(year=year, last_value=0).on_conflict_do_nothing(index_elements=["year"])
    )
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
    if send_confirmation and proposal.contact_consent:
        _send(
            proposal.proposer_email,
            f"Your JSNA topic proposal {proposal.reference}",
            "proposal_received.txt",
            proposal=proposal,
        )
    return SubmitResult(proposal, True)


# ---------------------------------------------------------------------------------------------------------------------
# The lifecycle
# ---------------------------------------------------------------------------------------------------------------------


def _locked(proposal_id: int) -> Proposal:
    """Load a proposal, locking its row on PostgreSQL for the rest of the transaction."""
    proposal = db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update().execution_options(populate_existing=True)
    )
    if proposal is None:
        raise ProposalError("There is no such proposal")
    return proposal


def _move_status(proposal: Proposal, new_status: ProposalStatus) -> None:
    """Compare-and-set the status, so two moderators acting at once cannot both win (on every database)."""
    old = proposal.status
    values: dict[str, Any] = {"status": str(new_status), "updated_at": utcnow()}
    if new_status is S.PUBLISHED and proposal.published_at is None:
        values["published_at"] = utcnow()
    result = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvalidTransition("Someone else changed this proposal at the same time. Check it and try again")
    for key, value in values.items():
        setattr(proposal, key, value)


def _record_event(
    proposal: Proposal,
    from_status: str,
    to_status: ProposalStatus,
    public_answer: str,
    actor_id: int | None,
    reason_code: str = "",
    related_id: int | None = None,
) -> ProposalStatusEvent:
    event = ProposalStatusEvent(
        proposal_id=proposal.id,
        from_status=from_status,
        to_status=str(to_status),
        public_answer=public_answer,
        reason_code=reason_code,
        related_proposal_id=related_id,
        actor_id=actor_id,
    )
    db.session.add(event)
    return event


def change_status(
    proposal_id: int,
    new_status: ProposalStatus,
    public_answer: str,
    actor_id: int | None,
    *,
    reason_code: str = "",
    related_proposal_id: int | None = None,
) -> Proposal:
    """Move a proposal along its lifecycle with a public answer; record who, when and why; email the consenting."""
    new_status = ProposalStatus(new_status)
    if new_status is S.MERGED:
        raise InvalidTransition("Use merge_proposals() to merge proposals")
    proposal = _locked(proposal_id)
    current = ProposalStatus(proposal.status)
    if new_status not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"A proposal that is ‘{STATUS_LABELS[current].lower()}’ cannot become ‘{STATUS_LABELS[new_status].lower()}’"
        )
    answer = clean_text(public_answer) or DEFAULT_ANSWERS[new_status]
    _move_status(proposal, new_status)
    event = _record_event(
        proposal, str(current), new_status, answer, actor_id, clean_text(reason_code)[:32], related_proposal_id
    )
    db.session.commit()
    _notify_followers(proposal, event)
    return proposal


def not_publish(
    proposal_id: int,
    reason_code: str,
    public_answer: str,
    actor_id: int | None,
    *,
    duplicate_of: str = "",
) -> Proposal:
    """Decline to publish, with a reason: out of scope, a duplicate of JSNA-…, or containing personal data."""
    if reason_code not in NOT_PUBLISHED_REASONS:
        raise ProposalError("Select why the proposal is not being published")
    related_id = None
    answer = clean_text(public_answer)
    if reason_code == "duplicate":
        original = get_by_reference(duplicate_of)
        if original is None:
            raise ProposalError("Enter the reference of an existing proposal, like JSNA-2026-0042")
        if original.id == proposal_id:
            raise ProposalError("A proposal cannot be a duplicate of itself")
        related_id = original.id
        prefix = f"This topic has already been proposed as {original.reference}."
        answer = f"{prefix} {answer}".strip() if original.reference not in answer else answer
    answer = answer or f"{DEFAULT_ANSWERS[S.NOT_PUBLISHED]} Reason: {NOT_PUBLISHED_REASONS[reason_code].lower()}."
    return change_status(
        proposal_id, S.NOT_PUBLISHED, answer, actor_id, reason_code=reason_code, related_proposal_id=related_id
    )


def merge_proposals(source_id: int, target_reference: str, public_answer: str, actor_id: int | None) -> Proposal:
    """Merge a duplicate into another proposal: its supports and proposers carry over and its page redirects."""
    target = get_by_reference(target_reference)
    if target is None:
        raise ProposalError("Enter the reference of an existing proposal, like JSNA-2026-0042")
    target = final_target(target)
    if target.id == source_id:
        raise ProposalError("A proposal cannot be merged into itself")
    if ProposalStatus(target.status) not in MERGE_TARGET_STATUSES:
        raise ProposalError(
            f"{target.reference} is {status_label(target.status).lower()}, so nothing can merge into it"
        )
    source = _locked(source_id)
    target = _locked(target.id)
    current = ProposalStatus(source.status)
    if current not in MERGEABLE_STATUSES:
        raise InvalidTransition(f"A proposal that is ‘{STATUS_LABELS[current].lower()}’ cannot be merged")
    answer = clean_text(public_answer) or f"This proposal has been merged into {target.reference}, on the same topic."
    if target.reference not in answer:
        answer = f"{answer} It is now part of {target.reference}."
    _move_status(source, S.MERGED)
    source.merged_into_id = target.id
    # Supports carry over; someone who supported both counts once.
    already = select(ProposalSupport.user_id).where(ProposalSupport.proposal_id == target.id).scalar_subquery()
    db.session.execute(
        delete(ProposalSupport)
        .where(ProposalSupport.proposal_id == source.id, ProposalSupport.user_id.in_(already))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ProposalSupport)
        .where(ProposalSupport.proposal_id == source.id)
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    )
    source.support_count = 0
    db.session.flush()
    target.support_count = support_count(target.id)
    event = _record_event(source, str(current), S.MERGED, answer, actor_id, "merged", target.id)
    db.session.add(
        AuditEvent(
            actor_id=actor_id,
            action="proposal_merged_in",
            object_type="proposal",
            object_id=str(target.id),
            detail=f"{source.reference} merged into {target.reference}",
        )
    )
    db.session.commit()
    _notify_followers(source, event)
    return target


def withdraw(proposal_id: int, user: Any) -> Proposal:
    """The proposer withdraws their proposal."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not is_owner(proposal, user):
        raise NotAllowed("You can only withdraw your own proposals")
    if ProposalStatus(proposal.status) not in WITHDRAWABLE_STATUSES:
        raise InvalidTransition(
            f"This proposal is {status_label(proposal.status).lower()} and can no longer be withdrawn"
        )
    return change_status(proposal.id, S.WITHDRAWN, DEFAULT_ANSWERS[S.WITHDRAWN], user.id, reason_code="proposer")


REMOVED = "[Removed at the proposer’s request]"


def remove_personal_data(proposal_id: int, user: Any) -> Proposal:
    """Erase the proposer's name, email and account link (and moderators' copies); the proposal itself stays."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not is_owner(proposal, user):
        raise NotAllowed("You can only remove your own personal data")
    proposal.proposer_name = ""
    proposal.proposer_email = ""
    proposal.contact_consent = False
    proposal.proposer_id = None
    proposal.personal_data_removed_at = utcnow()
    # The originals moderators kept were kept because they held personal data: erase them too.
    for edit in proposal.edits:
        edit.original_value = REMOVED
    db.session.add(
        AuditEvent(
            actor_id=user.id,
            action="proposal_personal_data_removed",
            object_type="proposal",
            object_id=str(proposal.id),
            detail=proposal.reference,
        )
    )
    db.session.commit()
    return proposal


def edit_text(proposal_id: int, changes: dict[str, str], reason: str, actor_id: int | None) -> list[ProposalEdit]:
    """A moderator edits personal data out of a proposal's text; the original is kept for staff only."""
    proposal = _locked(proposal_id)
    if ProposalStatus(proposal.status) is S.MERGED:
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
        db.session.add(
            AuditEvent(
                actor_id=actor_id,
                action="proposal_edited",
                object_type="proposal",
                object_id=str(proposal.id),
                detail=f"{', '.join(e.field for e in made)}: {reason}",
            )
        )
    db.session.commit()
    return made


# ---------------------------------------------------------------------------------------------------------------------
# Supports
# ---------------------------------------------------------------------------------------------------------------------


def has_supported(proposal_id: int, user_id: int) -> bool:
    """Whether this user already supports this proposal."""
    return bool(
        db.session.scalar(
            select(exists().where(ProposalSupport.proposal_id == proposal_id, ProposalSupport.user_id == user_id))
        )
    )


def add_support(proposal_id: int, user: Any) -> bool:
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


def remove_support(proposal_id: int, user: Any) -> bool:
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


# ---------------------------------------------------------------------------------------------------------------------
# Lists and search
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalPage:
    """One page of proposals."""

    proposals: list[Proposal]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _paginate(statement: Select[tuple[Proposal]], page: int, page_size: int = PAGE_SIZE) -> ProposalPage:
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = list(db.session.scalars(statement.limit(page_size).offset((page - 1) * page_size)))
    return ProposalPage(proposals=rows, total=total, page=page, pages=pages)


def _search_terms(statement: Select[tuple[Proposal]], query: str) -> Select[tuple[Proposal]]:
    for word in clean_text(query, single_line=True).lower().split()[:8]:
        pattern = _like(word)
        statement = statement.where(
            or_(
                func.lower(Proposal.title).like(pattern, escape="\\"),
                func.lower(Proposal.need).like(pattern, escape="\\"),
                func.upper(Proposal.reference).like(_like(word.upper()), escape="\\"),
            )
        )
    return statement


def search_published(
    query: str = "",
    *,
    status: str = "",
    ward: str = "",
    sector: str = "",
    sort: str = "newest",
    page: int = 1,
) -> ProposalPage:
    """The public list: search, filter by status, ward and sector, sort by newest or most supported."""
    statement = published_proposals_query()
    statement = _search_terms(statement, query)
    if status in {str(s) for s in PUBLIC_STATUSES}:
        statement = statement.where(Proposal.status == status)
    if ward == WHOLE_CITY:
        statement = statement.where(~exists().where(ProposalWard.proposal_id == Proposal.id))
    elif ward:
        statement = statement.where(
            exists().where(ProposalWard.proposal_id == Proposal.id, ProposalWard.ward_code == ward)
        )
    if sector == "public":
        statement = statement.where(Proposal.proposer_type == "public")
    elif sector and sector_label(sector):
        statement = statement.where(Proposal.proposer_type == "stakeholder", Proposal.proposer_sector == sector)
    if sort == "supported":
        statement = statement.order_by(Proposal.support_count.desc(), Proposal.created_at.desc(), Proposal.id.desc())
    else:
        statement = statement.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    return _paginate(statement, page)


STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "about",
        "among",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "its",
        "our",
        "their",
        "your",
        "who",
        "what",
        "when",
        "how",
        "why",
        "not",
        "but",
        "all",
        "any",
        "can",
        "more",
        "most",
        "less",
        "than",
        "people",
        "wolverhampton",
        "city",
        "local",
    ]
)


def _significant_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [w for w in dict.fromkeys(words) if len(w) >= 3 and w not in STOPWORDS]


def similar_proposals(title: str, *, limit: int = 5, exclude_id: int | None = None) -> list[Proposal]:
    """Published proposals whose titles resemble ``title`` (for "Has your topic already been proposed?")."""
    words = _significant_words(title)
    if not words:
        return []
    conditions = [func.lower(Proposal.title).like(_like(w[:5]), escape="\\") for w in words[:10]]
    statement = published_proposals_query().where(or_(*conditions))
    if exclude_id is not None:
        statement = statement.where(Proposal.id != exclude_id)
    candidates = list(db.session.scalars(statement.order_by(Proposal.support_count.desc()).limit(200)))
    wanted = set(words)
    scored: list[tuple[float, Proposal]] = []
    for candidate in candidates:
        theirs = set(_significant_words(candidate.title))
        shared = sum(1 for w in wanted if any(t.startswith(w[:5]) or w.startswith(t[:5]) for t in theirs))
        ratio = difflib.SequenceMatcher(None, title.lower(), candidate.title.lower()).ratio()
        score = shared / max(1, min(len(wanted), len(theirs))) + ratio
        if shared and score >= 0.6:
            scored.append((score, candidate))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].support_count, pair[1].id))
    return [proposal for _, proposal in scored[:limit]]


def proposals_for_user(user: Any) -> list[Proposal]:
    """The proposals this signed-in user made (by account, or by their confirmed email address), newest first."""
    condition = Proposal.proposer_id == user.id
    if user.confirmed_at is not None and user.email:
        condition = or_(condition, func.lower(Proposal.proposer_email) == user.email.lower())
    return list(db.session.scalars(select(Proposal).where(condition).order_by(Proposal.created_at.desc())))


def moderation_queue(view: str = "waiting", query: str = "", page: int = 1) -> ProposalPage:
    """Staff list: proposals waiting for moderation (oldest first), or every proposal (newest first)."""
    statement = select(Proposal)
    statement = _search_terms(statement, query)
    if view == "all":
        statement = statement.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    else:
        statement = statement.where(Proposal.status == str(S.SUBMITTED)).order_by(Proposal.created_at, Proposal.id)
    return _paginate(statement, page)


def waiting_count() -> int:
    """How many proposals wait for moderation."""
    return db.session.scalar(select(func.count()).where(Proposal.status == str(S.SUBMITTED))) or 0


def allowed_next_statuses(proposal: Proposal) -> list[ProposalStatus]:
    """The statuses staff may move this proposal to from the review page."""
    return [s for s in ProposalStatus if s in TRANSITIONS[ProposalStatus(proposal.status)]]


def timeline(proposal: Proposal) -> list[ProposalStatusEvent]:
    """The proposal's status changes, oldest first, including those of proposals merged into it."""
    merged_ids = [p.id for p in _merged_in(proposal)]
    ids = [proposal.id, *merged_ids]
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


def _merged_in(proposal: Proposal) -> list[Proposal]:
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


def merged_in(proposal: Proposal) -> list[Proposal]:
    """Proposals merged into this one (for staff and the public timeline)."""
    return _merged_in(proposal)


# ---------------------------------------------------------------------------------------------------------------------
# Choices for the question pages
# ---------------------------------------------------------------------------------------------------------------------


def ward_choices() -> list[tuple[str, str]]:
    """Wolverhampton's wards as (code, name), by name (every stored ward when none is filed under the home area)."""
    try:
        from portal.indicators.services import ward_areas
    except ImportError:
        wards: list[tuple[str, str]] = []
    else:
        wards = list(ward_areas())
    if not wards:
        rows = db.session.execute(select(Area.code, Area.name).where(Area.area_type == "ward")).all()
        wards = [(code, name) for code, name in rows]
    return sorted(wards, key=lambda pair: pair[1])


def ward_names(codes: Iterable[str]) -> dict[str, str]:
    """Ward names by code."""
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    return dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(wanted))).all())


def _all_indicators() -> list[Any]:
    try:
        from portal.indicators.services import list_indicators
    except ImportError:
        return list(db.session.scalars(select(Indicator).order_by(Indicator.name)))
    return list(list_indicators())


def indicator_options(query: str = "", selected: Iterable[str] = (), limit: int = 20) -> tuple[list[Any], list[Any]]:
    """(selected indicators, other indicators matching ``query``) for the optional indicator picker."""
    chosen = set(selected)
    everything = _all_indicators()
    picked = [i for i in everything if i.id in chosen]
    words = clean_text(query, single_line=True).lower().split()
    others = [
        i
        for i in everything
        if i.id not in chosen and all(w in f"{i.name} {getattr(i, 'topic', '')}".lower() for w in words)
    ]
    return picked, others[:limit]


def has_indicators() -> bool:
    """Whether the key dataset has any indicators to link to."""
    return bool(db.session.scalar(select(exists().where(Indicator.id.is_not(None)))))


def indicator_names(ids: Iterable[str]) -> dict[str, str]:
    """Indicator names by id."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(db.session.execute(select(Indicator.id, Indicator.name).where(Indicator.id.in_(wanted))).all())


@dataclass(frozen=True)
class LinkedIndicator:
    """An indicator linked to a proposal, with its latest verdict against England when the key dataset has one."""

    id: str
    name: str
    summary: Any


def linked_indicators(proposal: Proposal) -> list[LinkedIndicator]:
    """The proposal's indicators with their latest summary (verdict against England, latest value)."""
    try:
        from portal.indicators.services import indicator_summary
    except ImportError:
        indicator_summary = None
    linked = []
    for link in proposal.indicator_links:
        summary = None
        if indicator_summary is not None:
            summary = indicator_summary(link.indicator_id)
        linked.append(LinkedIndicator(link.indicator_id, link.indicator.name, summary))
    return linked


def linked_briefings(proposal: Proposal) -> list[Any]:
    """Published evidence briefings linked to the proposal (empty until the evidence repository exists)."""
    try:
        from portal.evidence.services import published_briefings_for_proposal
    except ImportError:
        return []
    return list(published_briefings_for_proposal(proposal.id))


@dataclass(frozen=True)
class Outcomes:
    """Where a proposal led: published prioritisation rounds that scored it, and its published chapter."""

    rounds: list[Any]
    chapter: Any | None


def outcomes(proposal: Proposal) -> Outcomes:
    """Read (through the models, not the higher features) the published rounds and chapter for this proposal."""
    from portal.models import Chapter, PrioritisationRound, RoundProposal

    rounds = list(
        db.session.scalars(
            select(PrioritisationRound)
            .join(RoundProposal, RoundProposal.round_id == PrioritisationRound.id)
            .where(RoundProposal.proposal_id == proposal.id, PrioritisationRound.summary_published_at.is_not(None))
            .order_by(PrioritisationRound.summary_published_at)
        )
    )
    chapter = db.session.scalar(select(Chapter).where(Chapter.proposal_id == proposal.id))
    return Outcomes(rounds=rounds, chapter=chapter if chapter is not None and chapter.is_published else None)


# ---------------------------------------------------------------------------------------------------------------------
# Drafts: the question pages' answers, kept server-side under a random id held in the session
# ---------------------------------------------------------------------------------------------------------------------


def get_draft(draft_id: str | None) -> ProposalDraft | None:
    """The draft with this id, if it exists and is not too old."""
    if not draft_id:
        return None
    draft = db.session.get(ProposalDraft, draft_id)
    if draft is None or draft.updated_at < utcnow() - DRAFT_MAX_AGE:
        return None
    return draft


def create_draft(started_at: datetime | None = None) -> ProposalDraft:
    """Start a draft (and purge abandoned ones, which may hold personal data)."""
    db.session.execute(delete(ProposalDraft).where(ProposalDraft.updated_at < utcnow() - DRAFT_MAX_AGE))
    now = utcnow()
    started = started_at if started_at is not None and started_at <= now else now
    draft = ProposalDraft(
        id=secrets.token_urlsafe(32),
        answers={},
        idempotency_key=secrets.token_urlsafe(32),
        started_at=started,
        updated_at=now,
    )
    db.session.add(draft)
    db.session.commit()
    return draft


def save_answers(draft: ProposalDraft, answers: dict[str, Any]) -> ProposalDraft:
    """Merge answers into the draft and commit."""
    merged = dict(draft.answers or {})
    merged.update(answers)
    draft.answers = merged
    draft.updated_at = utcnow()
    db.session.commit()
    return draft


# ---------------------------------------------------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------------------------------------------------


def _send(to: str, subject: str, template: str, **context: Any) -> None:
    """Send a proposer email with the link to their proposal (failures are logged: the change is saved)."""
    send_email_logged(
        to, subject, template, link=external_url("proposals.detail", reference=context["proposal"].reference), **context
    )


def followers(proposal: Proposal) -> list[Proposal]:
    """The proposal and every proposal merged into it whose proposer consented to emails."""
    candidates = [proposal, *_merged_in(proposal)]
    seen: set[str] = set()
    chosen: list[Proposal] = []
    for candidate in candidates:
        address = candidate.proposer_email.lower()
        if candidate.contact_consent and address and address not in seen:
            seen.add(address)
            chosen.append(candidate)
    return chosen


def _notify_followers(proposal: Proposal, event: ProposalStatusEvent) -> None:
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


# ---------------------------------------------------------------------------------------------------------------------
# Seed
# ---------------------------------------------------------------------------------------------------------------------

_EXAMPLES: list[dict[str, Any]] = [
    {
        "key": "example-loneliness",
        "title": "Loneliness and social isolation among older people",
        "need": "Many older people in the city live alone and see few people from week to week. Day centres and "
        "lunch clubs have closed, and bus routes have been cut.",
        "population_groups": ["carers", "disabled"],
        "age_groups": ["65_plus"],
        "evidence_of_need": "Voluntary groups report rising demand for befriending, and GP practices see older "
        "patients who mainly need company.",
        "decisions_informed": "Commissioning of befriending and social prescribing services.",
        "proposer_type": "stakeholder",
        "sector": "vcs",
        "path": [S.PUBLISHED],
        "indicators": [
            "iod2025-idaopi-average-score",
            "iod2019-idaopi-average-score",
            "ons-wellbeing-life-satisfaction",
        ],
    },
    {
        "key": "example-cyp-mental-health",
        "title": "Mental health of children and young people",
        "need": "Waiting times for children's mental health support are long, and schools report more pupils with "
        "anxiety and self-harm.",
        "population_groups": ["mental_health"],
        "age_groups": ["5_15", "16_24"],
        "evidence_of_need": "Hospital admissions for self-harm among young people are a concern locally.",
        "decisions_informed": "The children and young people's mental health transformation plan.",
        "proposer_type": "stakeholder",
        "sector": "education",
        "path": [S.PUBLISHED, S.SHORTLISTED],
        "indicators": ["91141", "90813", "91871"],
    },
    {
        "key": "example-food-insecurity",
        "title": "Food insecurity in families with young children",
        "need": "Food banks are feeding more working families, and health visitors see more children who do not "
        "get enough to eat.",
        "population_groups": ["low_income"],
        "age_groups": ["0_4", "5_15"],
        "evidence_of_need": "Food bank referrals have risen, and child poverty is high in several wards.",
        "decisions_informed": "The council's cost of living response and the healthy start programme.",
        "proposer_type": "public",
        "path": [S.PUBLISHED, S.SHORTLISTED, S.PRIORITISED],
        "indicators": ["iod2025-idaci-average-score", "iod2019-idaci-average-score", "ons-child-overweight-obesity"],
    },
    {
        "key": "example-dental-health",
        "title": "Access to NHS dentistry for children",
        "need": "Families cannot find an NHS dentist taking on children, and tooth decay is a common reason for "
        "children's hospital operations.",
        "population_groups": ["everyone"],
        "age_groups": ["0_4", "5_15"],
        "evidence_of_need": "Tooth extractions under general anaesthetic are among the commonest operations for "
        "young children.",
        "decisions_informed": "Dental commissioning by the integrated care board and oral health promotion.",
        "proposer_type": "stakeholder",
        "sector": "nhs_provider",
        "path": [S.PUBLISHED, S.SHORTLISTED, S.PRIORITISED],
        "indicators": [],
    },
    {
        "key": "example-gambling",
        "title": "Gambling harms",
        "need": "Problem gambling harms families' finances and mental health, but little is known about how many "
        "people it affects locally.",
        "population_groups": ["everyone"],
        "age_groups": ["16_24", "25_64"],
        "evidence_of_need": "Debt advice services report gambling as a growing factor.",
        "decisions_informed": "Licensing policy and support services.",
        "proposer_type": "public",
        "path": [S.PUBLISHED, S.SHORTLISTED, S.NOT_PRIORITISED],
        "indicators": [],
    },
    {
        "key": "example-suicide-prevention",
        "title": "Suicide prevention among middle-aged men",
        "need": "Men in their forties and fifties are the group most likely to die by suicide, and many had no contact "
        "with mental health services beforehand.",
        "population_groups": ["mental_health"],
        "age_groups": ["25_64"],
        "evidence_of_need": "Local suicide audits and the real-time surveillance system point to debt, relationship "
        "breakdown and unemployment as common factors.",
        "decisions_informed": "The local suicide prevention plan and support in workplaces and job centres.",
        "proposer_type": "stakeholder",
        "sector": "council",
        "path": [S.PUBLISHED, S.SHORTLISTED],
        "indicators": ["41001", "91393", "91404"],
    },
    {
        "key": "example-smoking",
        "title": "Smoking in the most deprived neighbourhoods",
        "need": "Smoking rates have fallen overall but remain high in some neighbourhoods, widening the gap in life "
        "expectancy.",
        "population_groups": ["low_income"],
        "age_groups": ["25_64"],
        "evidence_of_need": "Stop smoking services see fewer people from the areas where smoking is most common.",
        "decisions_informed": "Targeting of stop smoking services and the tobacco control plan.",
        "proposer_type": "public",
        "path": [S.PUBLISHED, S.SHORTLISTED],
        "indicators": ["92443", "ons-adult-smoking-prevalence", "92901"],
    },
    {
        "key": "example-air-quality",
        "title": "Air quality around schools",
        "need": "Parents are worried about traffic fumes at the school gates at drop-off and pick-up times.",
        "population_groups": ["everyone"],
        "age_groups": ["5_15"],
        "evidence_of_need": "Several schools are next to busy main roads.",
        "decisions_informed": "School streets schemes and the air quality action plan.",
        "proposer_type": "public",
        "path": [],
        "indicators": ["iod2025-living-environment-average-score", "iod2019-living-environment-average-score"],
    },
]

_EXAMPLE_ANSWERS: dict[ProposalStatus, str] = {
    S.NOT_PRIORITISED: "The steering group agreed this matters but scored it lower than other topics this round, "
    "mainly because local data on gambling harm is limited. It can be proposed again when more evidence exists.",
}


def seed() -> str:
    """Load example proposals (marked as examples) across the lifecycle; a second run changes nothing."""
    wards = [code for code, _ in ward_choices()]
    created = 0
    for index, example in enumerate(_EXAMPLES):
        key = f"seed-{example['key']}"
        if get_by_idempotency_key(key) is not None:
            continue
        answers = {
            **example,
            # Every other example names two real wards; the rest affect the whole city.
            "wards": [wards[(index * 3) % len(wards)], wards[(index * 3 + 1) % len(wards)]]
            if wards and index % 2
            else [],
            # Only indicators the key dataset really has (submit_proposal drops the others); at most three.
            "indicators": existing_indicator_ids(example["indicators"])[:3],
        }
        result = submit_proposal(answers, idempotency_key=key, is_example=True, send_confirmation=False)
        for status in example["path"]:
            change_status(result.proposal.id, status, _EXAMPLE_ANSWERS.get(status, ""), None)
        created += 1
    total = db.session.scalar(select(func.count()).where(Proposal.is_example.is_(True))) or 0
    return f"{created} example proposals added ({total} in all)"
