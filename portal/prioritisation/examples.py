"""Demo content for prioritisation: the default criteria and example rounds (marked Example) with made-up scores
from example steering group members on the proposals seed's example topics."""

from __future__ import annotations

import secrets
from datetime import timedelta

import numpy as np
from sqlalchemy import select

from portal.auth.services import create_user, find_user_by_email
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    ConflictOfInterest,
    CriteriaSet,
    Decision,
    PrioritisationRound,
    Proposal,
    ProposalStatus,
    ProposalStatusEvent,
    Role,
    RoundMember,
    RoundProposal,
    RoundStatus,
    Score,
    User,
)
from portal.models.base import utcnow
from portal.models.prioritisation import BoardDecision
from portal.prioritisation.criteria import create_default_criteria
from portal.prioritisation.published import store_ranking
from portal.prioritisation.rounds import MIN_PROPOSALS, proposals_in_open_rounds
from portal.prioritisation.scoring import log_change

EXAMPLE_MEMBERS = 5
EXAMPLE_SEED = 2026


def _example_members() -> list[User]:
    members = []
    for number in range(1, EXAMPLE_MEMBERS + 1):
        email = f"example-steering-{number}@example.org"
        user = find_user_by_email(email)
        if user is None:
            # Nobody knows this password: example members exist only to have example scores.
            user = create_user(
                email,
                secrets.token_urlsafe(24),
                [Role.STEERING],
                display_name=f"Example steering member {number}",
                confirmed=True,
            )
        members.append(user)
    return members


def _example_scores(latent: list[float], n_members: int, n_criteria: int, seed: int) -> np.ndarray:
    """Plausible made-up scores: each topic has an underlying priority, members add their own view."""
    rng = np.random.default_rng(seed)
    topic = np.asarray(latent, dtype=float).reshape(1, -1, 1)
    criterion = rng.normal(0, 0.6, size=(1, len(latent), n_criteria))
    member = rng.normal(0, 0.7, size=(n_members, len(latent), n_criteria))
    return np.clip(np.rint(topic + criterion + member), 1, 5).astype(int)


# Example topics whose status shows they have been through a round already, and the decision that implies.
_DECIDED: dict[str, Decision] = {
    ProposalStatus.RECOMMENDED.value: Decision.PRIORITISED,
    ProposalStatus.PRIORITISED.value: Decision.PRIORITISED,
    ProposalStatus.CHAPTER_IN_PROGRESS.value: Decision.PRIORITISED,
    ProposalStatus.CHAPTER_PUBLISHED.value: Decision.PRIORITISED,
    ProposalStatus.NOT_PRIORITISED.value: Decision.NOT_PRIORITISED,
    ProposalStatus.DEFERRED.value: Decision.DEFERRED,
}
_LATENT = {Decision.PRIORITISED: 4.0, Decision.DEFERRED: 3.0, Decision.NOT_PRIORITISED: 2.3}


def _public_answer(proposal: Proposal, decision: Decision) -> str:
    answer = db.session.scalar(
        select(ProposalStatusEvent.public_answer)
        .where(
            ProposalStatusEvent.proposal_id == proposal.id,
            ProposalStatusEvent.to_status == decision.proposal_status.value,
        )
        .order_by(ProposalStatusEvent.occurred_at.desc())
        .limit(1)
    )
    return answer or f"Example: the steering group recorded this topic as {decision.label.lower()}."


def _example_round(
    title: str,
    description: str,
    proposals: list[Proposal],
    latent: list[float],
    members: list[User],
    criteria_set: CriteriaSet,
    *,
    closed: bool,
    seed_offset: int,
) -> PrioritisationRound:
    today = london_today()
    round_ = PrioritisationRound(
        title=title,
        description=description,
        deadline=today - timedelta(days=60) if closed else today + timedelta(days=28),
        chair_id=members[0].id,
        top_k=max(1, min(3, len(proposals) - 1)),
        criteria_set_id=criteria_set.id,
        is_example=True,
        status=RoundStatus.CLOSED.value if closed else RoundStatus.OPEN.value,
        closed_at=utcnow() - timedelta(days=55) if closed else None,
        closed_by_id=members[0].id if closed else None,
    )
    if closed:
        # Published, so a fresh install shows how a public summary looks; every public page marks it as an example.
        round_.summary_published_at = utcnow() - timedelta(days=50)
        round_.summary_published_by_id = members[0].id
    for member in members:
        round_.members.append(RoundMember(user_id=member.id))
    for position, proposal in enumerate(proposals, start=1):
        entry = RoundProposal(proposal_id=proposal.id, position=position)
        decision = _DECIDED.get(proposal.status) if closed else None
        if decision is not None:
            # These topics' public status already shows the decision, so it is recorded here without changing it.
            entry.decision = decision.value
            entry.decision_reason = _public_answer(proposal, decision)
            entry.decided_at = round_.closed_at
            entry.decided_by_id = members[0].id
            if decision is Decision.PRIORITISED and proposal.status != ProposalStatus.RECOMMENDED.value:
                # The board agreed the steering group's recommendation (the topic's status already shows it).
                entry.board_decision = BoardDecision.AGREED.value
                entry.board_meeting_date = today - timedelta(days=45)
                entry.board_minute_reference = "Example minute 7"
                entry.board_recorded_at = utcnow() - timedelta(days=44)
                entry.board_recorded_by_id = members[0].id
        round_.proposals.append(entry)
    db.session.add(round_)
    db.session.flush()
    values = _example_scores(latent, len(members), len(criteria_set.criteria), EXAMPLE_SEED + seed_offset)
    now = utcnow()
    # The last member declares an interest in the first topic, so the example shows a conflict too.
    conflicted = (len(members) - 1, 0)
    db.session.add(
        ConflictOfInterest(
            round_id=round_.id,
            user_id=members[conflicted[0]].id,
            proposal_id=proposals[conflicted[1]].id,
            note="Example: manages a service this topic would review.",
        )
    )
    for m, member in enumerate(members):
        for p, proposal in enumerate(proposals):
            if (m, p) == conflicted:
                continue
            for c, criterion in enumerate(criteria_set.criteria):
                score = Score(
                    round_id=round_.id,
                    proposal_id=proposal.id,
                    user_id=member.id,
                    criterion_id=criterion.id,
                    value=int(values[m, p, c]),
                    comment="",
                    created_at=now,
                    updated_at=now,
                )
                db.session.add(score)
                log_change(score, "score", None, score.value, member.id, "example", now)
    if closed:
        db.session.flush()
        # As publishing does: the public pages read the ranking stored now.
        store_ranking(round_)
    return round_


def _example_proposals(statuses: list[str]) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.is_example.is_(True), Proposal.status.in_(statuses))
            .order_by(Proposal.reference)
        )
    )


def seed() -> str:
    """``flask seed``: the default criteria and, from the proposals seed's example topics, example rounds (marked
    Example): a closed one with the topics already decided, and an open one with the shortlisted topics."""
    criteria_set = create_default_criteria(None)
    parts = [f"criteria version {criteria_set.version} ({len(criteria_set.criteria)} criteria)"]
    existing = {
        status
        for status in db.session.scalars(
            select(PrioritisationRound.status).where(PrioritisationRound.is_example.is_(True))
        )
    }
    if RoundStatus.CLOSED.value in existing:
        parts.append("closed example round already present")
    else:
        decided = _example_proposals(list(_DECIDED))
        if len(decided) >= MIN_PROPOSALS:
            _example_round(
                "Example: last year's topic prioritisation",
                "An example of a finished round, with made-up scores from example steering group members on the "
                "example topics that have already been decided. It shows how final results and decisions look.",
                decided,
                [_LATENT[_DECIDED[p.status]] for p in decided],
                _example_members(),
                criteria_set,
                closed=True,
                seed_offset=1,
            )
            parts.append(f"closed example round with {len(decided)} topics")
        else:
            parts.append("no closed example round (fewer than 2 decided example topics)")
    if RoundStatus.OPEN.value in existing:
        parts.append("open example round already present")
    else:
        busy = proposals_in_open_rounds()
        shortlisted = [p for p in _example_proposals([ProposalStatus.SHORTLISTED.value]) if p.id not in busy]
        if len(shortlisted) >= MIN_PROPOSALS:
            rng = np.random.default_rng(EXAMPLE_SEED)
            _example_round(
                "Example: choosing next year's JSNA topics",
                "An example round with made-up scores from example steering group members, to show how scoring "
                "and live results work. It is not a real decision.",
                shortlisted,
                list(rng.uniform(1.8, 4.3, size=len(shortlisted))),
                _example_members(),
                criteria_set,
                closed=False,
                seed_offset=2,
            )
            parts.append(f"open example round with {len(shortlisted)} topics")
        else:
            parts.append("no open example round (fewer than 2 example shortlisted topics)")
    db.session.commit()
    return "; ".join(parts)
