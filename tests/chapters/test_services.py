"""Chapter services: creation from a prioritised proposal, states and versions, emails, responses, overdue flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from werkzeug.exceptions import NotFound

from portal.chapters import services
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    Chapter,
    ChapterVersion,
    Indicator,
    ProgressUpdate,
    Proposal,
    ProposalStatus,
    ProposalStatusEvent,
    Role,
    User,
)
from portal.models.base import utcnow
from portal.models.chapters import AppendOnlyError
from tests.chapters.conftest import LINEAR_ID, Setup
from tests.helpers import email_body, links_in


def _answer(decision: str = "accept", **kw: object) -> services.ResponseInput:
    values: dict[str, object] = {
        "decision": decision,
        "rationale": "We agree uptake is too low.",
        "planned_action": "Fund outreach in children's centres.",
        "lead": "Head of Children's Commissioning",
        "target_date": london_today() + timedelta(days=200),
    }
    values.update(kw)
    return services.ResponseInput(**values)  # type: ignore[arg-type]


# Creating and writing ------------------------------------------------------------------------------------------------


def test_a_chapter_starts_from_a_prioritised_proposal_which_becomes_chapter_in_progress(
    make_prioritised: Callable[..., Proposal], make_user: Callable[..., User], known_series: Indicator
) -> None:
    analyst = make_user(Role.ANALYST)
    proposal = make_prioritised("Food insecurity in families", indicator_ids=[LINEAR_ID], age_groups=["0_4", "65_plus"])

    chapter = services.create_chapter(proposal.id, "", analyst.id)

    db.session.refresh(proposal)
    assert proposal.status == ProposalStatus.CHAPTER_IN_PROGRESS.value
    assert proposal.chapter is chapter  # the backref the proposal page reads
    assert chapter.slug == "food-insecurity-in-families"
    assert chapter.status == "draft"
    assert [s.key for s in chapter.sections] == list(services.SECTION_KEYS)
    assert [link.indicator_id for link in chapter.indicator_links] == [LINEAR_ID]
    assert chapter.age_bands == "0-4, 65+"
    event = (
        db.session.query(ProposalStatusEvent)
        .filter_by(proposal_id=proposal.id)
        .order_by(ProposalStatusEvent.id.desc())
        .first()
    )
    assert event is not None and event.to_status == "chapter_in_progress" and event.actor_id == analyst.id
    assert [v.action for v in chapter.versions] == ["created"]


def test_a_chapter_cannot_start_from_a_topic_that_is_not_prioritised_or_already_has_one(
    make_prioritised: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    analyst = make_user(Role.ANALYST)
    proposal = make_prioritised()
    services.create_chapter(proposal.id, "First", analyst.id)
    with pytest.raises(services.ChapterError, match="only be started from a topic the steering group has prioritised"):
        services.create_chapter(proposal.id, "Second", analyst.id)

    published_only = make_prioritised("Another topic")
    db.session.execute(text("UPDATE proposals SET status = 'published' WHERE id = :id"), {"id": published_only.id})
    db.session.commit()
    with pytest.raises(services.ChapterError):
        services.create_chapter(published_only.id, "", analyst.id)
    assert db.session.query(Chapter).count() == 1


def test_slugs_are_unique_and_never_clash_with_fixed_paths(
    make_prioritised: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    analyst = make_user(Role.ANALYST)
    first = services.create_chapter(make_prioritised("Report").id, "Report", analyst.id)
    second = services.create_chapter(make_prioritised("Report again").id, "Report", analyst.id)
    assert first.slug == "report-chapter"
    assert second.slug == "report-chapter-2"


def test_each_section_save_and_state_change_is_a_version_with_who_when_and_content(
    make_chapter: Callable[..., Setup],
) -> None:
    setup = make_chapter("draft")
    chapter, analyst = setup.chapter, setup.analyst

    services.save_section(chapter.id, "gaps", "No local survey.", analyst.id)
    services.save_section(chapter.id, "gaps", "No local survey.", analyst.id)  # unchanged: no new version
    services.save_section(chapter.id, "gaps", "No local survey of food insecurity.", analyst.id)
    services.submit_for_review(chapter.id, analyst.id)
    services.return_to_draft(chapter.id, analyst.id)

    history = services.versions(chapter.id)
    assert [(v.number, v.action, v.section_key) for v in history] == [
        (6, "returned", ""),
        (5, "submitted", ""),
        (4, "section_saved", "gaps"),
        (3, "section_saved", "gaps"),
        (2, "section_saved", "summary"),
        (1, "created", ""),
    ]
    assert services.get_version(chapter.id, 3).content["gaps"] == "No local survey."
    assert services.get_version(chapter.id, 4).content["gaps"] == "No local survey of food insecurity."
    assert services.get_version(chapter.id, 4).actor_id == analyst.id
    assert services.get_version(chapter.id, 5).status == "in_review"


def test_versions_are_append_only_in_the_orm_and_the_database(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("draft")
    version = services.get_version(setup.chapter.id, 1)
    version.title = "Rewritten history"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE chapter_versions SET title = 'x' WHERE id = :id"), {"id": version.id})
    db.session.rollback()


def test_the_states_go_draft_then_in_review_then_published(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("draft")
    chapter_id, analyst_id = setup.chapter.id, setup.analyst.id
    with pytest.raises(services.ChapterError, match="cannot become ‘published’"):
        services.publish(chapter_id, analyst_id)
    with pytest.raises(services.ChapterError, match="cannot become ‘draft’"):
        services.return_to_draft(chapter_id, analyst_id)

    services.submit_for_review(chapter_id, analyst_id)
    result = services.publish(chapter_id, analyst_id)

    chapter = db.session.get(Chapter, chapter_id)
    assert chapter is not None and chapter.status == "published" and chapter.published_at is not None
    assert result.chapter.proposal.status == ProposalStatus.CHAPTER_PUBLISHED.value
    with pytest.raises(services.ChapterError):
        services.submit_for_review(chapter_id, analyst_id)


def test_publishing_needs_a_summary(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("in_review")
    services.save_section(setup.chapter.id, "summary", "", setup.analyst.id)
    with pytest.raises(services.ChapterError, match="Write the summary"):
        services.publish(setup.chapter.id, setup.analyst.id)
    assert db.session.get(Chapter, setup.chapter.id).status == "in_review"  # type: ignore[union-attr]


def test_recommendations_need_an_addressee_and_are_locked_once_published(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("draft")
    with pytest.raises(services.ChapterError, match="at least one commissioner or organisation"):
        services.add_recommendation(setup.chapter.id, "Do something.", "low", [], [], setup.analyst.id)
    with pytest.raises(services.ChapterError, match="Select commissioners from the list"):
        # An analyst is not a commissioner: a forged id is refused.
        services.add_recommendation(setup.chapter.id, "Do something.", "low", [setup.analyst.id], [], setup.analyst.id)

    services.submit_for_review(setup.chapter.id, setup.analyst.id)
    services.publish(setup.chapter.id, setup.analyst.id)
    with pytest.raises(services.ChapterError, match="cannot be changed once the chapter is published"):
        services.add_recommendation(
            setup.chapter.id, "Late idea.", "low", [setup.commissioner.id], [], setup.analyst.id
        )
    with pytest.raises(services.ChapterError):
        services.delete_recommendation(setup.recommendations[0].id, setup.analyst.id)


# Emails --------------------------------------------------------------------------------------------------------------


def test_publishing_emails_each_addressed_commissioner_and_the_providers_stakeholders_once(
    make_chapter: Callable[..., Setup], mailbox: object
) -> None:
    setup = make_chapter("in_review")
    result = services.publish(setup.chapter.id, setup.analyst.id)

    assert result.emails_sent == 3 and result.emails_failed == 0
    to_commissioner = mailbox.last_to(setup.commissioner.email)  # type: ignore[attr-defined]
    body = email_body(to_commissioner)
    assert "Increase uptake of Healthy Start vouchers." in body
    assert "Measure household food insecurity locally." not in body  # addressed to the other commissioner
    assert any(link.endswith("/chapters/my-recommendations") for link in links_in(to_commissioner))
    assert "Measure household food insecurity locally." in email_body(mailbox.last_to(setup.other_commissioner.email))  # type: ignore[attr-defined]
    assert "Increase uptake" in email_body(mailbox.last_to(setup.stakeholder.email))  # type: ignore[attr-defined]

    # Sending again sends nothing: everyone has been told.
    assert services.notify_addressees(setup.chapter.id) == (0, 0)
    assert len(mailbox.to(setup.commissioner.email)) == 1  # type: ignore[attr-defined]


def test_a_mail_failure_leaves_the_chapter_published_and_the_email_pending(
    make_chapter: Callable[..., Setup], app: object, monkeypatch: pytest.MonkeyPatch, mailbox: object
) -> None:
    setup = make_chapter("in_review")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # type: ignore[attr-defined] # nothing listens there
    result = services.publish(setup.chapter.id, setup.analyst.id)
    assert result.emails_sent == 0 and result.emails_failed == 3
    chapter = db.session.get(Chapter, setup.chapter.id)
    assert chapter is not None and chapter.is_published
    assert services.pending_notifications(chapter) == 3

    monkeypatch.undo()
    assert services.notify_addressees(setup.chapter.id) == (3, 0)
    assert services.pending_notifications(chapter) == 0


# Responses, progress, acknowledgements -------------------------------------------------------------------------------


def test_only_the_addressed_commissioner_can_respond_and_only_once(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("published")
    first, second = setup.recommendations

    with pytest.raises(NotFound):  # the other commissioner is not addressed by the first recommendation
        services.respond(first.id, setup.other_commissioner, _answer())
    with pytest.raises(NotFound):  # nor is the first commissioner by the second
        services.respond(second.id, setup.commissioner, _answer())
    with pytest.raises(NotFound):  # an analyst is not a commissioner
        services.respond(first.id, setup.analyst, _answer())

    response = services.respond(first.id, setup.commissioner, _answer())
    assert response.commissioner_id == setup.commissioner.id and response.decision == "accept"
    with pytest.raises(services.ChapterError, match="already responded"):
        services.respond(first.id, setup.commissioner, _answer("reject"))


def test_nobody_can_respond_to_a_recommendation_of_an_unpublished_chapter(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("in_review")
    with pytest.raises(NotFound):
        services.respond(setup.recommendations[0].id, setup.commissioner, _answer())


def test_accepting_needs_an_action_a_lead_and_a_date_but_not_accepting_needs_only_a_reason(
    make_chapter: Callable[..., Setup],
) -> None:
    setup = make_chapter("published")
    first, second = setup.recommendations
    with pytest.raises(services.ChapterError, match="Enter a target date"):
        services.respond(first.id, setup.commissioner, _answer("partial", target_date=None))
    rejected = services.respond(
        second.id, setup.other_commissioner, _answer("reject", planned_action="", lead="", target_date=None)
    )
    assert rejected.decision_label == "Not accepted"


def test_progress_updates_are_an_append_only_history_of_the_commissioners_own_response(
    make_chapter: Callable[..., Setup],
) -> None:
    setup = make_chapter("published")
    first = setup.recommendations[0]
    with pytest.raises(services.ChapterError, match="Respond to the recommendation"):
        services.add_progress(first.id, setup.commissioner, "on_track", "")
    response = services.respond(first.id, setup.commissioner, _answer())
    assert response.progress_status == "not_started"

    services.add_progress(first.id, setup.commissioner, "on_track", "Outreach started.")
    services.add_progress(first.id, setup.commissioner, "at_risk", "Funding delayed.")
    with pytest.raises(NotFound):
        services.add_progress(first.id, setup.other_commissioner, "done", "Not mine to say.")

    db.session.refresh(response)
    assert [(u.status, u.note) for u in response.progress_updates] == [
        ("on_track", "Outreach started."),
        ("at_risk", "Funding delayed."),
    ]
    assert response.progress_label == "At risk"
    update = response.progress_updates[0]
    update.note = "Edited"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert db.session.query(ProgressUpdate).count() == 2


def test_only_a_stakeholder_of_an_addressed_organisation_can_acknowledge(
    make_chapter: Callable[..., Setup], make_user: Callable[..., User]
) -> None:
    setup = make_chapter("published")
    first, second = setup.recommendations
    outsider = make_user(Role.STAKEHOLDER, email="outsider@example.org")
    with pytest.raises(NotFound):
        services.acknowledge(first.id, outsider)
    with pytest.raises(NotFound):  # the second recommendation is not addressed to the provider
        services.acknowledge(second.id, setup.stakeholder)

    acknowledgement = services.acknowledge(first.id, setup.stakeholder, "We will consider it.")
    again = services.acknowledge(first.id, setup.stakeholder)
    assert again.id == acknowledgement.id and acknowledgement.organisation_id == setup.provider.id


# Overdue -------------------------------------------------------------------------------------------------------------


def _published_days_ago(chapter: Chapter, days: int) -> None:
    chapter.published_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_no_response_after_the_response_period_is_overdue(
    make_chapter: Callable[..., Setup], app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = make_chapter("published")
    _published_days_ago(setup.chapter, 59)
    assert services.overdue_items() == []

    _published_days_ago(setup.chapter, 61)
    items = services.overdue_items()
    assert {(i.recommendation.id, i.commissioner.id, i.overdue.reason) for i in items} == {
        (setup.recommendations[0].id, setup.commissioner.id, "no_response"),
        (setup.recommendations[1].id, setup.other_commissioner.id, "no_response"),
    }

    services.respond(setup.recommendations[0].id, setup.commissioner, _answer())
    assert [i.commissioner.id for i in services.overdue_items()] == [setup.other_commissioner.id]

    monkeypatch.setitem(app.config, "CHAPTER_RESPONSE_DAYS", 90)  # type: ignore[attr-defined]
    assert services.overdue_items() == []


def test_a_passed_target_date_is_overdue_until_the_action_is_done(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("published")
    first = setup.recommendations[0]
    services.respond(first.id, setup.commissioner, _answer(target_date=london_today() + timedelta(days=10)))
    later = london_today() + timedelta(days=11)
    state = services.overdue_state(first, setup.commissioner.id, later)
    assert state is not None and state.reason == "target_passed" and state.label == "Target date passed"

    services.add_progress(first.id, setup.commissioner, "done", "Finished.")
    db.session.refresh(first)
    assert services.overdue_state(first, setup.commissioner.id, later) is None


def test_my_recommendations_lists_what_is_addressed_to_me_and_my_organisation(
    make_chapter: Callable[..., Setup],
) -> None:
    published = make_chapter("published")
    make_chapter("in_review", title="A draft chapter")  # never listed: not published

    mine = services.my_recommendations(published.commissioner)
    assert [[i.recommendation.id for i in entry.items] for entry in mine] == [[published.recommendations[0].id]]
    theirs = services.my_recommendations(published.stakeholder)
    assert [(i.recommendation.id, i.as_commissioner) for entry in theirs for i in entry.items] == [
        (published.recommendations[0].id, False)
    ]


# Seed ----------------------------------------------------------------------------------------------------------------


def test_the_seed_makes_one_example_chapter_from_the_example_prioritised_proposal_and_is_idempotent(
    make_prioritised: Callable[..., Proposal], mailbox: object
) -> None:
    assert services.seed() == "No example chapter: there is no example prioritised proposal"
    proposal = make_prioritised("Food insecurity in families with young children")
    proposal.is_example = True
    db.session.commit()

    assert services.seed().startswith("Example chapter added")
    assert services.seed() == "Example chapter already present"

    chapter = db.session.query(Chapter).one()
    assert chapter.is_example and chapter.is_published
    assert chapter.proposal.status == ProposalStatus.CHAPTER_PUBLISHED.value
    assert len(chapter.recommendations) == 2
    response = chapter.recommendations[0].responses[0]
    assert response.is_example and response.progress_label == "On track"
    example_commissioner = response.commissioner
    assert not example_commissioner.active  # nobody can sign in as the example commissioner
    assert mailbox.messages == []  # type: ignore[attr-defined]
    assert db.session.query(ChapterVersion).filter_by(chapter_id=chapter.id, action="published").count() == 1
