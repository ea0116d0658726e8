"""The proposal lifecycle and the contracts other features call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Proposal, ProposalStatus, ProposalSupport, Role, User
from portal.proposals import examples, finding, lifecycle, personal_data, search, submission, supports, vocabulary
from tests.conftest import Mailbox
from tests.helpers import email_body

S = ProposalStatus


def test_the_whole_lifecycle_records_who_when_and_why(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    analyst = make_user(Role.ANALYST)
    proposal = make_proposal(S.SUBMITTED)
    for status in (S.PUBLISHED, S.SHORTLISTED, S.PRIORITISED, S.CHAPTER_IN_PROGRESS, S.CHAPTER_PUBLISHED):
        returned = lifecycle.change_status(proposal.id, status, f"Answer for {status}", analyst.id)
        assert returned.status == status
    db.session.expire_all()
    events = db.session.get(Proposal, proposal.id).events
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "submitted"),
        ("submitted", "published"),
        ("published", "shortlisted"),
        ("shortlisted", "prioritised"),
        ("prioritised", "chapter_in_progress"),
        ("chapter_in_progress", "chapter_published"),
    ]
    assert [e.actor_id for e in events[1:]] == [analyst.id] * 5
    assert events[2].public_answer == "Answer for shortlisted"
    assert all(e.occurred_at is not None for e in events)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.SUBMITTED, S.SHORTLISTED),
        (S.SUBMITTED, S.PRIORITISED),
        (S.PUBLISHED, S.PRIORITISED),
        (S.PUBLISHED, S.CHAPTER_IN_PROGRESS),
        (S.NOT_PUBLISHED, S.SHORTLISTED),
        (S.PRIORITISED, S.PUBLISHED),
        (S.DEFERRED, S.PRIORITISED),
    ],
)
def test_the_lifecycle_refuses_skipping_steps(
    make_proposal: Callable[..., Proposal], start: ProposalStatus, target: ProposalStatus
) -> None:
    proposal = make_proposal(start)
    with pytest.raises(vocabulary.InvalidTransition):
        lifecycle.change_status(proposal.id, target, "", None)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == start
    assert len(db.session.get(Proposal, proposal.id).events) == len([e for e in proposal.events])


def test_merging_needs_merge_proposals(make_proposal: Callable[..., Proposal]) -> None:
    proposal = make_proposal()
    with pytest.raises(vocabulary.InvalidTransition):
        lifecycle.change_status(proposal.id, S.MERGED, "", None)


def test_a_blank_answer_gets_the_standard_official_answer(make_proposal: Callable[..., Proposal]) -> None:
    proposal = make_proposal(S.SUBMITTED)
    lifecycle.change_status(proposal.id, S.PUBLISHED, "   ", None)
    assert proposal.events[-1].public_answer == vocabulary.DEFAULT_ANSWERS[S.PUBLISHED]


def test_consenting_proposers_are_emailed_at_each_change(
    make_proposal: Callable[..., Proposal], mailbox: Mailbox
) -> None:
    consenting = make_proposal(S.SUBMITTED, email="kim@example.org", consent=True, name="Kim")
    silent = make_proposal(S.SUBMITTED, email="lee@example.org", consent=False)
    mailbox.clear()
    lifecycle.change_status(consenting.id, S.PUBLISHED, "Published: thank you.", None)
    lifecycle.change_status(silent.id, S.PUBLISHED, "Published.", None)
    lifecycle.change_status(consenting.id, S.SHORTLISTED, "The steering group will score it.", None)
    assert [m["To"] for m in mailbox.messages] == ["kim@example.org", "kim@example.org"]
    body = email_body(mailbox.messages[-1])
    assert "New status: Shortlisted" in body and "The steering group will score it." in body
    assert consenting.reference in body


def test_a_mail_failure_does_not_undo_a_change(
    app: Any, make_proposal: Callable[..., Proposal], monkeypatch: pytest.MonkeyPatch
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="kim@example.org", consent=True)
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    lifecycle.change_status(proposal.id, S.PUBLISHED, "", None)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == S.PUBLISHED


def test_published_and_shortlistable_queries(make_proposal: Callable[..., Proposal]) -> None:
    made = {status: make_proposal(status, title=str(status)) for status in services_paths()}
    published = set(db.session.scalars(finding.published_proposals_query().with_only_columns(Proposal.status)))
    assert published == {"published", "shortlisted", "prioritised", "deferred"}
    shortlistable = {p.status for p in finding.shortlistable_proposals()}
    assert shortlistable == {"published", "deferred"}
    assert finding.get_by_reference(made[S.PUBLISHED].reference.lower()).id == made[S.PUBLISHED].id
    assert finding.get_by_reference("JSNA-nonsense") is None


def services_paths() -> list[ProposalStatus]:
    from tests.proposals.conftest import PATHS

    return list(PATHS)


def test_supports_count_once_per_person(make_proposal: Callable[..., Proposal], make_user: Callable[..., User]) -> None:
    proposal = make_proposal()
    people = [make_user(Role.PUBLIC), make_user(Role.STAKEHOLDER)]
    assert supports.add_support(proposal.id, people[0]) is True
    assert supports.add_support(proposal.id, people[0]) is False
    assert supports.add_support(proposal.id, people[1]) is True
    assert finding.support_count(proposal.id) == 2
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).support_count == 2
    assert supports.remove_support(proposal.id, people[0]) is True
    assert finding.support_count(proposal.id) == 1


def test_only_public_and_stakeholders_support_visible_proposals(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    waiting = make_proposal(S.SUBMITTED)
    with pytest.raises(vocabulary.NotAllowed):
        supports.add_support(waiting.id, make_user(Role.PUBLIC))
    with pytest.raises(vocabulary.ProposalError, match="Only members of the public and stakeholders"):
        supports.add_support(make_proposal().id, make_user(Role.ANALYST))
    proposer = make_user(Role.PUBLIC)
    own = make_proposal(proposer_id=proposer.id)
    with pytest.raises(vocabulary.ProposalError, match="your own"):
        supports.add_support(own.id, proposer)
    assert db.session.scalar(select(func.count()).select_from(ProposalSupport)) == 0


def test_merging_carries_supports_and_proposers_over(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User], mailbox: Mailbox
) -> None:
    target = make_proposal(title="Loneliness among older people", email="t@example.org", consent=True)
    duplicate = make_proposal(title="Lonely pensioners", email="d@example.org", consent=True)
    both, only_duplicate, only_target = (make_user(Role.PUBLIC) for _ in range(3))
    for user in (both, only_duplicate):
        supports.add_support(duplicate.id, user)
    for user in (both, only_target):
        supports.add_support(target.id, user)
    analyst = make_user(Role.ANALYST)
    mailbox.clear()

    returned = lifecycle.merge_proposals(duplicate.id, target.reference, "", analyst.id)

    assert returned.id == target.id
    db.session.expire_all()
    duplicate, target = db.session.get(Proposal, duplicate.id), db.session.get(Proposal, target.id)
    assert duplicate.status == S.MERGED and duplicate.merged_into_id == target.id
    supporters = set(
        db.session.scalars(select(ProposalSupport.user_id).where(ProposalSupport.proposal_id == target.id))
    )
    assert supporters == {both.id, only_duplicate.id, only_target.id}
    assert target.support_count == finding.support_count(target.id) == 3
    assert duplicate.support_count == 0
    assert duplicate.events[-1].related_proposal_id == target.id and duplicate.events[-1].actor_id == analyst.id
    assert target.reference in duplicate.events[-1].public_answer
    assert [m["To"] for m in mailbox.messages] == ["d@example.org"]
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "proposal_merged_in")
    )
    # The duplicate's proposer now hears about the target's progress too.
    mailbox.clear()
    lifecycle.change_status(target.id, S.SHORTLISTED, "", analyst.id)
    assert sorted(m["To"] for m in mailbox.messages) == ["d@example.org", "t@example.org"]
    assert f"{duplicate.reference}, which is now part of {target.reference}" in email_body(
        mailbox.to("d@example.org")[0]
    )


@pytest.mark.parametrize("problem", ["self", "unknown", "merged", "withdrawn"])
def test_merging_refuses_impossible_targets(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User], problem: str
) -> None:
    source = make_proposal()
    if problem == "self":
        reference = source.reference
    elif problem == "unknown":
        reference = "JSNA-2020-9999"
    elif problem == "withdrawn":
        owner = make_user(Role.PUBLIC)
        other = make_proposal(proposer_id=owner.id)
        lifecycle.withdraw(other.id, owner)
        reference = other.reference
    else:  # already merged into the source: following the merge leads back to the source itself
        other = make_proposal()
        lifecycle.merge_proposals(other.id, source.reference, "", None)
        reference = other.reference
    with pytest.raises(vocabulary.ProposalError):
        lifecycle.merge_proposals(source.id, reference, "", None)


def test_withdraw_and_remove_personal_data_are_the_proposers_alone(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    owner, stranger = make_user(Role.PUBLIC), make_user(Role.PUBLIC)
    proposal = make_proposal(proposer_id=owner.id, name="Owner", email="owner@example.org", consent=True)
    with pytest.raises(vocabulary.NotAllowed):
        lifecycle.withdraw(proposal.id, stranger)
    with pytest.raises(vocabulary.NotAllowed):
        personal_data.remove_personal_data(proposal.id, stranger)
    personal_data.remove_personal_data(proposal.id, owner)
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert (proposal.proposer_name, proposal.proposer_email, proposal.contact_consent, proposal.proposer_id) == (
        "",
        "",
        False,
        None,
    )
    assert proposal.status == S.PUBLISHED and proposal.title, "the proposal stays"
    with pytest.raises(vocabulary.NotAllowed):
        lifecycle.withdraw(proposal.id, owner)  # no longer theirs: nothing links it to them


def test_an_account_with_the_proposers_confirmed_email_owns_the_proposal(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    proposal = make_proposal(email="Pat@Example.org", consent=True)
    pat = make_user(Role.PUBLIC, email="pat@example.org")
    assert finding.is_owner(proposal, pat)
    assert [p.id for p in finding.proposals_for_user(pat)] == [proposal.id]
    pat.confirmed_at = None
    assert not finding.is_owner(proposal, pat), "an unconfirmed address proves nothing"


def test_edits_keep_the_original_for_staff(
    make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    analyst = make_user(Role.ANALYST)
    proposal = make_proposal(S.SUBMITTED, need="My neighbour Jo Bloggs at 4 High St is lonely.")
    made = personal_data.edit_text(
        proposal.id, {"need": "An older neighbour is lonely.", "title": proposal.title}, "Name and address", analyst.id
    )
    assert [e.field for e in made] == ["need"]
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.need == "An older neighbour is lonely."
    [edit] = proposal.edits
    assert edit.original_value == "My neighbour Jo Bloggs at 4 High St is lonely."
    assert (edit.actor_id, edit.reason) == (analyst.id, "Name and address")
    with pytest.raises(vocabulary.ProposalError):
        personal_data.edit_text(proposal.id, {"need": "x"}, " ", analyst.id)


def test_references_are_per_year(app: Any) -> None:
    assert submission._allocate_reference(2031) == "JSNA-2031-0001"
    assert submission._allocate_reference(2031) == "JSNA-2031-0002"
    assert submission._allocate_reference(2032) == "JSNA-2032-0001"
    db.session.rollback()


def test_similar_titles(make_proposal: Callable[..., Proposal]) -> None:
    lonely = make_proposal(title="Loneliness among older people")
    make_proposal(title="Air quality near schools")
    make_proposal(S.SUBMITTED, title="Loneliness in young carers")
    assert search.similar_proposals("lonely older people") == [lonely]
    assert search.similar_proposals("older people's loneliness") == [lonely]
    assert search.similar_proposals("the and for") == []


def test_seed_adds_examples_once(app: Any, wards: dict[str, str]) -> None:
    from portal.models import Indicator

    db.session.add(Indicator(id="41001", name="Suicide rate"))
    db.session.commit()
    first = examples.seed()
    assert first.startswith("8 example proposals added")
    assert examples.seed() == "0 example proposals added (8 in all)"
    proposals = list(db.session.scalars(select(Proposal)))
    assert len(proposals) == 8 and all(p.is_example for p in proposals)
    statuses = [p.status for p in proposals]
    assert set(statuses) >= {"submitted", "published", "shortlisted", "prioritised", "not_prioritised"}
    assert statuses.count("shortlisted") >= 2, "enough for an example prioritisation round"
    linked = {link.indicator_id for p in proposals for link in p.indicator_links}
    assert linked == {"41001"}, "only indicators the key dataset really has"
    assert any(p.ward_links for p in proposals), "some examples name real wards"
