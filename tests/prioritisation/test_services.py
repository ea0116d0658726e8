"""Prioritisation services: criteria versions, rounds, scoring with its change log, conflicts, decisions, seed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from portal.extensions import db
from portal.models import (
    AuditEvent,
    ConflictOfInterest,
    PrioritisationRound,
    Proposal,
    ProposalStatus,
    ProposalStatusEvent,
    Role,
    Score,
    ScoreChange,
    User,
)
from portal.models.prioritisation import AppendOnlyError
from portal.prioritisation import services
from portal.prioritisation.defaults import DEFAULT_CRITERIA
from portal.prioritisation.services import (
    CriterionInput,
    PermissionDenied,
    PrioritisationError,
    ScoreEntry,
    StaleCriteriaError,
)
from tests.helpers import email_body
from tests.prioritisation.conftest import RoundSetup


def _changes(round_id: int) -> list[ScoreChange]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(ScoreChange).where(ScoreChange.round_id == round_id).order_by(ScoreChange.id))
    )


# --------------------------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------------------------


def test_default_criteria_follow_jsna_practice_and_are_created_once(app: Any) -> None:
    first = services.create_default_criteria(None)
    again = services.create_default_criteria(None)
    assert again.id == first.id and first.version == 1
    names = [c.name for c in first.criteria]
    assert names == [c["name"] for c in DEFAULT_CRITERIA]
    assert len(names) == 8
    for expected in ("Size of the problem", "Inequalities", "Trend and future need", "Evidence that action works"):
        assert expected in names
    for criterion in first.criteria:
        assert len(criterion.descriptors) == 5 and all(criterion.descriptors)
        assert criterion.question.endswith("?")


def test_changing_a_criterion_makes_a_new_version_and_open_rounds_keep_theirs(
    round_setup: Callable[..., RoundSetup], make_user: Callable[..., User]
) -> None:
    setup = round_setup()
    analyst = make_user(Role.ANALYST)
    v1 = setup.round.criteria_set
    first = v1.criteria[0]
    changed = CriterionInput(first.name, first.question, tuple(first.descriptors), 3.0)

    v2 = services.change_criterion(first.id, changed, analyst.id, based_on_version=1)

    assert v2.version == 2
    assert v2.criteria[0].weight == 3.0 and v2.criteria[0].id != first.id
    db.session.expire_all()
    assert db.session.get(PrioritisationRound, setup.round.id).criteria_set.version == 1
    assert first.weight == 1.0, "a version is never changed in place"
    assert [c.name for c in v2.criteria] == [c.name for c in v1.criteria]
    assert services.current_criteria_set().id == v2.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "criteria_version_created").limit(1))


def test_a_change_started_from_an_old_version_is_refused(app: Any, make_user: Callable[..., User]) -> None:
    analyst = make_user(Role.ANALYST)
    v1 = services.create_default_criteria(analyst.id)
    first = v1.criteria[0]
    services.change_criterion(
        first.id, CriterionInput("Scale", first.question, tuple(first.descriptors), 1), analyst.id, based_on_version=1
    )
    with pytest.raises(StaleCriteriaError):
        services.change_criterion(
            first.id,
            CriterionInput("Size", first.question, tuple(first.descriptors), 2),
            analyst.id,
            based_on_version=1,
        )
    assert services.current_criteria_set().version == 2


def test_add_remove_and_move_criteria(app: Any, make_user: Callable[..., User]) -> None:
    analyst = make_user(Role.ANALYST)
    services.create_default_criteria(analyst.id)
    new = CriterionInput("Cost to the system", "How much does this cost services?", ("a", "b", "c", "d", "e"), 0.5)
    v2 = services.add_criterion(new, analyst.id, based_on_version=1)
    assert v2.criteria[-1].name == "Cost to the system" and len(v2.criteria) == 9
    v3 = services.move_criterion(v2.criteria[-1].id, -1, analyst.id, based_on_version=2)
    assert v3.criteria[-2].name == "Cost to the system"
    v4 = services.remove_criterion(v3.criteria[0].id, analyst.id, based_on_version=3)
    assert "Size of the problem" not in [c.name for c in v4.criteria] and len(v4.criteria) == 8
    with pytest.raises(PrioritisationError):
        services.add_criterion(new, analyst.id, based_on_version=4)  # names must differ


def test_criteria_need_a_positive_weight(app: Any, make_user: Callable[..., User]) -> None:
    analyst = make_user(Role.ANALYST)
    only = CriterionInput("Size", "How many?", ("a", "b", "c", "d", "e"), 0)
    with pytest.raises(PrioritisationError, match="greater than 0"):
        services.add_criterion(only, analyst.id, based_on_version=None)
    assert services.current_criteria_set() is None


# --------------------------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------------------------


def test_a_round_takes_shortlisted_topics_steering_members_and_includes_the_chair(
    app: Any, make_user: Callable[..., User], make_proposal: Callable[..., Proposal]
) -> None:
    services.create_default_criteria(None)
    chair, member = make_user(Role.STEERING), make_user(Role.STEERING)
    analyst = make_user(Role.ANALYST)
    topics = [make_proposal(), make_proposal()]
    published = make_proposal(status=ProposalStatus.PUBLISHED.value)

    def data(**kw: Any) -> services.RoundInput:
        values = {
            "title": "Round",
            "description": "",
            "deadline": date.today() + timedelta(days=7),
            "chair_id": chair.id,
            "member_ids": [member.id],
            "proposal_ids": [t.id for t in topics],
            "top_k": 1,
        }
        values.update(kw)
        return services.RoundInput(**values)

    with pytest.raises(PrioritisationError, match="shortlisted"):
        services.create_round(data(proposal_ids=[topics[0].id, published.id]), analyst.id)
    with pytest.raises(PrioritisationError, match="steering group"):
        services.create_round(data(member_ids=[analyst.id]), analyst.id)
    with pytest.raises(PrioritisationError, match="at least 2"):
        services.create_round(data(proposal_ids=[topics[0].id]), analyst.id)
    with pytest.raises(PrioritisationError, match="deadline must be today or in the future"):
        services.create_round(data(deadline=date.today() - timedelta(days=1)), analyst.id)

    round_ = services.create_round(data(), analyst.id)
    assert {m.user_id for m in round_.members} == {chair.id, member.id}
    assert round_.is_open and round_.criteria_set.version == 1
    # A topic in an open round cannot be put in a second one at the same time.
    with pytest.raises(PrioritisationError, match="not in another open round"):
        services.create_round(data(), analyst.id)


def test_members_and_topics_with_scores_cannot_be_removed(
    round_setup: Callable[..., RoundSetup], make_user: Callable[..., User]
) -> None:
    setup = round_setup()
    analyst = make_user(Role.ANALYST)
    criterion = setup.criteria[0]
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.members[1].id, {criterion.id: ScoreEntry(4)})
    base = {
        "title": "Renamed",
        "description": "",
        "deadline": setup.round.deadline,
        "chair_id": setup.chair.id,
        "top_k": 2,
    }
    with pytest.raises(PrioritisationError, match="already scored"):
        services.update_round(
            setup.round.id,
            services.RoundInput(member_ids=[setup.members[2].id], proposal_ids=[p.id for p in setup.proposals], **base),
            analyst.id,
        )
    db.session.rollback()
    with pytest.raises(PrioritisationError, match="already has scores"):
        services.update_round(
            setup.round.id,
            services.RoundInput(
                member_ids=[m.id for m in setup.members], proposal_ids=[p.id for p in setup.proposals[1:]], **base
            ),
            analyst.id,
        )
    db.session.rollback()
    updated = services.update_round(
        setup.round.id,
        services.RoundInput(
            member_ids=[setup.members[1].id, setup.outsider.id],
            proposal_ids=[p.id for p in setup.proposals[:3]],
            **base,
        ),
        analyst.id,
    )
    assert updated.title == "Renamed"
    assert {m.user_id for m in updated.members} == {setup.chair.id, setup.members[1].id, setup.outsider.id}
    assert len(updated.proposals) == 3


# --------------------------------------------------------------------------------------------------------------
# Scoring and the change log
# --------------------------------------------------------------------------------------------------------------


def test_every_score_change_is_logged_with_who_when_old_and_new(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    member, proposal = setup.members[1], setup.proposals[0]
    size, severity = setup.criteria[0], setup.criteria[1]

    first = services.save_scores(
        setup.round.id, proposal.id, member.id, {size.id: ScoreEntry(3, "Affects many"), severity.id: ScoreEntry(2)}
    )
    assert first.changed == 3
    services.save_scores(setup.round.id, proposal.id, member.id, {size.id: ScoreEntry(5)})
    unchanged = services.save_scores(setup.round.id, proposal.id, member.id, {size.id: ScoreEntry(5, "Affects many")})
    assert unchanged.changed == 0

    log = [
        (c.criterion_id, c.field, c.old_value, c.new_value, c.changed_by_id, c.user_id)
        for c in _changes(setup.round.id)
    ]
    assert log == [
        (size.id, "score", None, "3", member.id, member.id),
        (size.id, "comment", None, "Affects many", member.id, member.id),
        (severity.id, "score", None, "2", member.id, member.id),
        (size.id, "score", "3", "5", member.id, member.id),
    ]
    assert all(c.changed_at is not None and c.changed_at.tzinfo is not None for c in _changes(setup.round.id))
    rows = db.session.scalars(select(Score).where(Score.round_id == setup.round.id)).all()
    assert sorted((r.criterion_id, r.value, r.comment) for r in rows) == sorted(
        [(size.id, 5, "Affects many"), (severity.id, 2, "")]
    )


def test_missing_radio_leaves_the_score_and_comment_can_be_cleared(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    member, proposal, size = setup.members[0], setup.proposals[1], setup.criteria[0]
    services.save_scores(setup.round.id, proposal.id, member.id, {size.id: ScoreEntry(4, "Worth a look")})
    services.save_scores(setup.round.id, proposal.id, member.id, {size.id: ScoreEntry(None, "")})
    score = services.member_scores(setup.round.id, proposal.id, member.id)[size.id]
    assert (score.value, score.comment) == (4, "")
    assert _changes(setup.round.id)[-1].field == "comment" and _changes(setup.round.id)[-1].new_value is None


def test_the_change_log_is_append_only(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.chair.id, {setup.criteria[0].id: ScoreEntry(2)})
    change = _changes(setup.round.id)[0]
    change.new_value = "5"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    change = _changes(setup.round.id)[0]
    db.session.delete(change)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    # The database refuses an UPDATE too, even one that goes round the ORM.
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE prioritisation_score_changes SET new_value = '5'"))
        db.session.flush()
    db.session.rollback()
    assert _changes(setup.round.id)[0].new_value == "2"


def test_only_members_score_and_only_their_own_scores(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    size = setup.criteria[0]
    with pytest.raises(PermissionDenied):
        services.save_scores(setup.round.id, setup.proposals[0].id, setup.outsider.id, {size.id: ScoreEntry(5)})
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.members[1].id, {size.id: ScoreEntry(1)})
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.members[2].id, {size.id: ScoreEntry(5)})
    assert services.member_scores(setup.round.id, setup.proposals[0].id, setup.members[1].id)[size.id].value == 1
    assert not db.session.scalar(select(Score).where(Score.user_id == setup.outsider.id))


def test_scores_are_checked(round_setup: Callable[..., RoundSetup], make_user: Callable[..., User]) -> None:
    setup = round_setup()
    member, proposal = setup.members[1], setup.proposals[0]
    with pytest.raises(PrioritisationError, match="whole numbers from 1 to 5"):
        services.save_scores(setup.round.id, proposal.id, member.id, {setup.criteria[0].id: ScoreEntry(6)})
    other = services.add_criterion(
        CriterionInput("Cost", "How much?", ("a", "b", "c", "d", "e"), 1),
        make_user(Role.ANALYST).id,
        based_on_version=1,
    )
    with pytest.raises(PrioritisationError, match="not part of this round"):
        services.save_scores(setup.round.id, proposal.id, member.id, {other.criteria[-1].id: ScoreEntry(3)})
    with pytest.raises(PrioritisationError, match="2000 characters"):
        services.save_scores(setup.round.id, proposal.id, member.id, {setup.criteria[0].id: ScoreEntry(3, "x" * 2001)})
    assert not _changes(setup.round.id)


def test_scores_can_change_until_the_round_closes(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    size = setup.criteria[0]
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.chair.id, {size.id: ScoreEntry(2)})
    services.save_scores(setup.round.id, setup.proposals[0].id, setup.chair.id, {size.id: ScoreEntry(3)})
    with pytest.raises(PermissionDenied):
        services.close_round(setup.round.id, setup.members[1].id)  # an ordinary member cannot close it
    services.close_round(setup.round.id, setup.chair.id)
    with pytest.raises(PrioritisationError, match="closed"):
        services.save_scores(setup.round.id, setup.proposals[0].id, setup.chair.id, {size.id: ScoreEntry(5)})
    assert services.member_scores(setup.round.id, setup.proposals[0].id, setup.chair.id)[size.id].value == 3


# --------------------------------------------------------------------------------------------------------------
# Conflicts of interest and progress
# --------------------------------------------------------------------------------------------------------------


def test_a_conflicted_member_cannot_score_and_their_scores_go(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    member, proposal = setup.members[2], setup.proposals[1]
    entries = {c.id: ScoreEntry(4) for c in setup.criteria}
    services.save_scores(setup.round.id, proposal.id, member.id, entries)
    assert services.member_progress(setup.round, member.id).text == "1 of 4 proposals scored"

    with pytest.raises(PrioritisationError, match="Describe your interest"):
        services.declare_conflict(setup.round.id, proposal.id, member.id, "  ")
    services.declare_conflict(setup.round.id, proposal.id, member.id, "I run this service")
    services.declare_conflict(setup.round.id, proposal.id, member.id, "I run this service")  # twice is harmless

    assert services.member_scores(setup.round.id, proposal.id, member.id) == {}
    removed = [c for c in _changes(setup.round.id) if c.reason == "conflict_declared"]
    assert len(removed) == len(setup.criteria) and all(c.old_value == "4" and c.new_value is None for c in removed)
    with pytest.raises(PermissionDenied):
        services.save_scores(setup.round.id, proposal.id, member.id, entries)
    progress = services.member_progress(setup.round, member.id)
    assert (progress.text, progress.conflicts) == ("0 of 3 proposals scored", 1)
    assert len(db.session.scalars(select(ConflictOfInterest)).all()) == 1

    services.withdraw_conflict(setup.round.id, proposal.id, member.id)
    services.save_scores(setup.round.id, proposal.id, member.id, entries)
    assert services.member_progress(setup.round, member.id).text == "1 of 4 proposals scored"


def test_progress_counts_only_fully_scored_proposals(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup(proposals=3)
    member = setup.members[1]
    services.save_scores(
        setup.round.id, setup.proposals[0].id, member.id, {c.id: ScoreEntry(3) for c in setup.criteria}
    )
    services.save_scores(setup.round.id, setup.proposals[1].id, member.id, {setup.criteria[0].id: ScoreEntry(3)})
    progress = services.member_progress(setup.round, member.id)
    assert progress.text == "1 of 3 proposals scored"
    assert [i.state for i in progress.items] == ["complete", "in_progress", "not_started"]
    assert progress.next_after(setup.proposals[0].id).proposal_id == setup.proposals[1].id
    assert progress.next_after(setup.proposals[2].id).proposal_id == setup.proposals[1].id


# --------------------------------------------------------------------------------------------------------------
# Decisions, publishing and seed
# --------------------------------------------------------------------------------------------------------------


def test_the_chairs_decision_changes_the_public_status_and_emails_consenting_proposers(
    round_setup: Callable[..., RoundSetup], mailbox: Any
) -> None:
    setup = round_setup()
    proposal = setup.proposals[0]
    proposal.proposer_email = "proposer@example.org"
    proposal.contact_consent = True
    silent = setup.proposals[1]
    silent.proposer_email = "quiet@example.org"
    silent.contact_consent = False
    db.session.commit()
    reason = "It ranked first: a large, worsening need with clear inequalities."

    with pytest.raises(PrioritisationError, match="Close the round"):
        services.record_decision(setup.round.id, proposal.id, services.Decision.PRIORITISED, reason, setup.chair.id)
    services.close_round(setup.round.id, setup.chair.id)
    with pytest.raises(PermissionDenied):
        services.record_decision(
            setup.round.id, proposal.id, services.Decision.PRIORITISED, reason, setup.members[1].id
        )

    services.record_decision(setup.round.id, proposal.id, services.Decision.PRIORITISED, reason, setup.chair.id)
    services.record_decision(setup.round.id, silent.id, services.Decision.DEFERRED, "Next year.", setup.chair.id)

    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.RECOMMENDED.value
    assert db.session.get(Proposal, silent.id).status == ProposalStatus.DEFERRED.value
    event = db.session.scalar(
        select(ProposalStatusEvent)
        .where(ProposalStatusEvent.proposal_id == proposal.id)
        .order_by(ProposalStatusEvent.id.desc())
    )
    assert (event.to_status, event.public_answer, event.actor_id) == ("recommended", reason, setup.chair.id)
    entry = next(
        e for e in db.session.get(PrioritisationRound, setup.round.id).proposals if e.proposal_id == proposal.id
    )
    assert (entry.decision, entry.decision_reason, entry.decided_by_id) == ("prioritised", reason, setup.chair.id)
    message = mailbox.last_to("proposer@example.org")
    assert proposal.reference in message["Subject"]
    assert reason in email_body(message)
    assert not mailbox.to("quiet@example.org"), "proposers who did not consent get no email"


def test_a_decision_the_lifecycle_forbids_is_refused_and_nothing_is_recorded(
    round_setup: Callable[..., RoundSetup],
) -> None:
    setup = round_setup()
    proposal = setup.proposals[0]
    services.close_round(setup.round.id, setup.chair.id)
    services.record_decision(setup.round.id, proposal.id, services.Decision.NOT_PRIORITISED, "Lower.", setup.chair.id)
    with pytest.raises(PrioritisationError, match="cannot become"):
        services.record_decision(setup.round.id, proposal.id, services.Decision.PRIORITISED, "Changed.", setup.chair.id)
    db.session.expire_all()
    entry = next(
        e for e in db.session.get(PrioritisationRound, setup.round.id).proposals if e.proposal_id == proposal.id
    )
    assert (entry.decision, entry.decision_reason) == ("not_prioritised", "Lower.")


def test_only_closed_real_rounds_are_published(round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup()
    with pytest.raises(PrioritisationError, match="Close the round"):
        services.publish_summary(setup.round.id, setup.chair.id)
    services.close_round(setup.round.id, setup.chair.id)
    with pytest.raises(PermissionDenied):
        services.publish_summary(setup.round.id, setup.members[1].id)
    services.publish_summary(setup.round.id, setup.chair.id)
    assert [r.id for r in services.published_rounds()] == [setup.round.id]
    services.publish_summary(setup.round.id, setup.chair.id, publish=False)
    assert services.published_rounds() == []


def test_seed_makes_criteria_and_example_rounds_once(app: Any, make_proposal: Callable[..., Proposal]) -> None:
    first = services.seed()
    assert "no closed example round" in first and "no open example round" in first
    shortlisted = [make_proposal(is_example=True) for _ in range(3)]
    make_proposal()  # a real shortlisted topic is never put in an example round
    finished = make_proposal(is_example=True, status=ProposalStatus.CHAPTER_PUBLISHED.value)
    dropped = make_proposal(is_example=True, status=ProposalStatus.NOT_PRIORITISED.value)

    summary = services.seed()

    assert "closed example round with 2 topics" in summary and "open example round with 3 topics" in summary
    again = services.seed()
    assert "closed example round already present" in again and "open example round already present" in again
    rounds = {r.status: r for r in db.session.scalars(select(PrioritisationRound))}
    assert len(rounds) == 2 and all(r.is_example and r.title.startswith("Example") for r in rounds.values())
    assert [e.proposal_id for e in rounds["open"].proposals] == [p.id for p in shortlisted]
    decisions = {e.proposal_id: e.decision for e in rounds["closed"].proposals}
    assert decisions == {finished.id: "prioritised", dropped.id: "not_prioritised"}
    db.session.expire_all()
    assert db.session.get(Proposal, finished.id).status == ProposalStatus.CHAPTER_PUBLISHED.value, "status untouched"
    assert db.session.scalar(select(Score).limit(1)) is not None
    assert len(db.session.scalars(select(ConflictOfInterest)).all()) == 2
    assert rounds["closed"].is_published and not rounds["open"].is_published
    services.publish_summary(rounds["closed"].id, rounds["closed"].chair_id, publish=False)
    assert services.published_rounds() == []
    services.publish_summary(rounds["closed"].id, rounds["closed"].chair_id)
    assert [r.id for r in services.published_rounds()] == [rounds["closed"].id]
