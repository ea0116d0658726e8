"""Fixtures for prioritisation: the default criteria, shortlisted proposals, steering members and an open round."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from portal.extensions import db
from portal.models import PrioritisationRound, Proposal, ProposalStatus, Role, User
from portal.prioritisation import services


@pytest.fixture
def make_proposal(app: Any) -> Callable[..., Proposal]:
    """Create a proposal (shortlisted unless told otherwise)."""
    counter = {"n": 0}

    def make(title: str | None = None, **kw: Any) -> Proposal:
        counter["n"] += 1
        values: dict[str, Any] = {
            "reference": f"JSNA-2026-{counter['n']:04d}",
            "title": title or f"Topic number {counter['n']}",
            "need": "People in the city need this looked at.",
            "status": ProposalStatus.SHORTLISTED.value,
        }
        values.update(kw)
        proposal = Proposal(**values)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@dataclass
class RoundSetup:
    """An open round with its chair, members, an outsider and its proposals."""

    round: PrioritisationRound
    chair: User
    members: list[User]  # chair first
    outsider: User  # a steering group member who is not in the round
    proposals: list[Proposal]

    @property
    def criteria(self) -> list[Any]:
        return list(self.round.criteria_set.criteria)


@pytest.fixture
def round_setup(
    app: Any, make_user: Callable[..., User], make_proposal: Callable[..., Proposal]
) -> Callable[..., RoundSetup]:
    """Build an open round on the default criteria: n members (the first is the chair) and p proposals."""

    def build(members: int = 3, proposals: int = 4, top_k: int = 2, analyst: User | None = None) -> RoundSetup:
        services.create_default_criteria(None)
        people = [make_user(Role.STEERING, display_name=f"Member {i + 1}") for i in range(members)]
        outsider = make_user(Role.STEERING, display_name="Not in the round")
        topics = [make_proposal(f"Topic {chr(65 + j)}") for j in range(proposals)]
        creator = analyst or make_user(Role.ANALYST)
        round_ = services.create_round(
            services.RoundInput(
                title="Topics for next year",
                description="",
                deadline=date.today() + timedelta(days=14),
                chair_id=people[0].id,
                member_ids=[p.id for p in people],
                proposal_ids=[t.id for t in topics],
                top_k=top_k,
            ),
            creator.id,
        )
        return RoundSetup(round_, people[0], people, outsider, topics)

    return build


def score_all(setup: RoundSetup, values: list[list[list[int]]]) -> None:
    """Save values[member][proposal][criterion] through the service, as each member."""
    criteria = setup.criteria
    for member, per_proposal in zip(setup.members, values, strict=True):
        for proposal, per_criterion in zip(setup.proposals, per_proposal, strict=True):
            entries = {c.id: services.ScoreEntry(value=v) for c, v in zip(criteria, per_criterion, strict=True) if v}
            if entries:
                services.save_scores(setup.round.id, proposal.id, member.id, entries)
