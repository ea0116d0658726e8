"""Chapter services: creation from a prioritised proposal, states and versions, emails, responses, overdue flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from werkzeug.exceptions import NotFound

from portal.chapters import examples, services
from portal.clock import london_date, london_today
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
from portal.models.chapters import AppendOnlyError
from tests.chapters.conftest import LINEAR_ID, REQUIRED_TEXT, Setup, london_days_ago
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
    written = len(REQUIRED_TEXT)  # the fixture wrote each required section once, after "created"
    assert [(v.number, v.action, v.section_key) for v in history[:4]] == [
        (written + 5, "returned", ""),
        (written + 4, "submitted", ""),
        (written + 3, "section_saved", "gaps"),
        (written + 2, "section_saved", "gaps"),
    ]
    assert [(v.number, v.action, v.section_key) for v in history[-2:]] == [
        (2, "section_saved", "summary"),
        (1, "created", ""),
    ]
    assert services.get_version(chapter.id, written + 2).content["gaps"] == "No local survey."
    assert services.get_version(chapter.id, written + 3).content["gaps"] == "No local survey of food insecurity."
    assert services.get_version(chapter.id, written + 3).actor_id == analyst.id
    assert services.get_version(chapter.id, written + 4).status == "in_review"


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
    result = services.publish(chapter_id, setup.reviewer.id)

    chapter = db.session.get(Chapter, chapter_id)
    assert chapter is not None and chapter.status == "published" and chapter.published_at is not None
    assert result.chapter.proposal.status == ProposalStatus.CHAPTER_PUBLISHED.value
    with pytest.raises(services.ChapterError):
        services.submit_for_review(chapter_id, analyst_id)


def test_publishing_needs_every_required_section_written(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("in_review")
    assert setup.chapter.body_of("gaps") == "" and setup.chapter.body_of("future_need") == ""  # optional: no block
    services.save_section(setup.chapter.id, "summary", "", setup.analyst.id)
    services.save_section(setup.chapter.id, "evidence", "  \n ", setup.analyst.id)  # blank counts as missing

    chapter = db.session.get(Chapter, setup.chapter.id)
    assert chapter is not None
    assert services.missing_sections(chapter) == ["Summary", "Evidence review"]
    assert services.publication_problems(chapter)[:2] == [
        "Write the ‘Summary’ section before publishing",
        "Write the ‘Evidence review’ section before publishing",
    ]
    with pytest.raises(services.ChapterError, match="Write the ‘Summary’ section"):
        services.publish(setup.chapter.id, setup.reviewer.id)
    assert db.session.get(Chapter, setup.chapter.id).status == "in_review"  # type: ignore[union-attr]

    services.save_section(setup.chapter.id, "summary", "Written.", setup.analyst.id)
    services.save_section(setup.chapter.id, "evidence", "Written.", setup.analyst.id)
    assert services.publish(setup.chapter.id, setup.reviewer.id).chapter.is_published


def test_whoever_sent_a_chapter_for_review_cannot_publish_it_and_the_history_shows_both(
    make_chapter: Callable[..., Setup],
) -> None:
    setup = make_chapter("in_review")
    with pytest.raises(services.ChapterError, match="another analyst must publish it"):
        services.publish(setup.chapter.id, setup.analyst.id)
    assert db.session.get(Chapter, setup.chapter.id).status == "in_review"  # type: ignore[union-attr]

    # Sent back and sent again by the reviewer: now the reviewer cannot publish, and the first analyst can.
    services.return_to_draft(setup.chapter.id, setup.reviewer.id)
    services.submit_for_review(setup.chapter.id, setup.reviewer.id)
    with pytest.raises(services.ChapterError, match="another analyst must publish it"):
        services.publish(setup.chapter.id, setup.reviewer.id)
    services.publish(setup.chapter.id, setup.analyst.id)

    chapter = db.session.get(Chapter, setup.chapter.id)
    assert chapter is not None and chapter.is_published
    assert chapter.last_submission is not None and chapter.last_submission.actor_id == setup.reviewer.id
    assert chapter.published_by_id == setup.analyst.id
    sign_off = [(v.action, v.actor_id) for v in services.versions(chapter.id) if v.action in {"submitted", "published"}]
    assert sign_off == [
        ("published", setup.analyst.id),
        ("submitted", setup.reviewer.id),
        ("submitted", setup.analyst.id),
    ]


def test_recommendations_are_addressed_to_organisations_and_locked_once_published(
    make_chapter: Callable[..., Setup], make_user: Callable[..., User]
) -> None:
    setup = make_chapter("draft")
    chapter_id, analyst_id = setup.chapter.id, setup.analyst.id
    with pytest.raises(services.ChapterError, match="Select at least one organisation"):
        services.add_recommendation(chapter_id, services.RecommendationInput("Do something.", "low"), analyst_id)
    with pytest.raises(services.ChapterError, match="Select named people from the list"):
        # An analyst is not a commissioner: a forged id is refused.
        services.add_recommendation(
            chapter_id, services.RecommendationInput("Do it.", "low", person_ids=[setup.analyst.id]), analyst_id
        )
    nowhere = make_user(Role.COMMISSIONER, email="no.organisation@example.org")
    with pytest.raises(services.ChapterError, match="Select named people from the list"):
        # A commissioner with no organisation cannot be named: nobody would be answerable.
        services.add_recommendation(
            chapter_id, services.RecommendationInput("Do it.", "low", person_ids=[nowhere.id]), analyst_id
        )
    colleague = make_user(Role.COMMISSIONER, email="icb.colleague@example.org", organisation=setup.icb)
    with pytest.raises(services.ChapterError, match=f"Name one person at {setup.icb.name}"):
        services.add_recommendation(
            chapter_id,
            services.RecommendationInput("Do it.", "low", person_ids=[setup.commissioner.id, colleague.id]),
            analyst_id,
        )

    # Naming a person addresses their organisation.
    named = services.add_recommendation(
        chapter_id, services.RecommendationInput("Do it.", "low", person_ids=[colleague.id]), analyst_id
    )
    assert [(link.organisation_id, link.person_id) for link in named.organisation_links] == [
        (setup.icb.id, colleague.id)
    ]
    assert services.addressee_names(named) == [setup.icb.name]  # the public sees the organisation only

    services.submit_for_review(chapter_id, analyst_id)
    services.publish(chapter_id, setup.reviewer.id)
    with pytest.raises(services.ChapterError, match="cannot be changed once the chapter is published"):
        services.add_recommendation(
            chapter_id, services.RecommendationInput("Late idea.", "low", organisation_ids=[setup.icb.id]), analyst_id
        )
    with pytest.raises(services.ChapterError):
        services.delete_recommendation(setup.recommendations[0].id, setup.analyst.id)


# Emails --------------------------------------------------------------------------------------------------------------


def test_publishing_emails_each_addressed_commissioner_and_the_providers_stakeholders_once(
    make_chapter: Callable[..., Setup], mailbox: object
) -> None:
    setup = make_chapter("in_review")
    result = services.publish(setup.chapter.id, setup.reviewer.id)

    assert result.emails_sent == 3 and result.emails_failed == 0
    to_commissioner = mailbox.last_to(setup.commissioner.email)  # type: ignore[attr-defined]
    body = email_body(to_commissioner)
    assert "Increase uptake of Healthy Start vouchers." in body
    assert "Measure household food insecurity locally." not in body  # addressed to the council
    assert f"addressed to {setup.icb.name}, for your attention" in body and "respond for it" in body
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
    result = services.publish(setup.chapter.id, setup.reviewer.id)
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

    with pytest.raises(NotFound):  # the council's commissioner: the first recommendation is not for the council
        services.respond(first.id, setup.other_commissioner, _answer())
    with pytest.raises(NotFound):  # nor is the second recommendation for the ICB
        services.respond(second.id, setup.commissioner, _answer())
    with pytest.raises(NotFound):  # an analyst is not a commissioner
        services.respond(first.id, setup.analyst, _answer())
    with pytest.raises(NotFound):  # the provider's stakeholder acknowledges, but cannot respond
        services.respond(first.id, setup.stakeholder, _answer())

    response = services.respond(first.id, setup.commissioner, _answer())
    assert response.commissioner_id == setup.commissioner.id and response.decision == "accept"
    assert response.organisation_id == setup.icb.id
    with pytest.raises(services.ChapterError, match="already responded"):
        services.respond(first.id, setup.commissioner, _answer("reject"))


def test_commissioners_respond_for_their_organisation_and_any_of_them_can_follow_it_up(
    make_chapter: Callable[..., Setup], make_user: Callable[..., User]
) -> None:
    setup = make_chapter("published")
    second = setup.recommendations[1]  # addressed to the council, with nobody named
    colleague = make_user(Role.COMMISSIONER, email="council.colleague@example.org", organisation=setup.council)
    elsewhere = make_user(Role.COMMISSIONER, email="elsewhere@example.org")

    response = services.respond(second.id, colleague, _answer("partial"))
    assert response.organisation_id == setup.council.id
    # The council has answered: its other commissioner cannot answer again, but can report progress on its answer.
    with pytest.raises(services.ChapterError, match="Your organisation has already responded"):
        services.respond(second.id, setup.other_commissioner, _answer("reject"))
    services.add_progress(second.id, setup.other_commissioner, "on_track", "Survey questions drafted.")
    with pytest.raises(NotFound):  # a commissioner with no organisation answers for nobody
        services.add_progress(second.id, elsewhere, "done", "")

    # Moving a commissioner to another organisation moves what they may answer for; the answer stays the council's.
    colleague.organisation = setup.icb
    db.session.commit()
    with pytest.raises(NotFound):
        services.add_progress(second.id, colleague, "done", "")
    db.session.refresh(response)
    assert response.organisation.name == setup.council.name and response.progress_label == "On track"


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
    chapter.published_at = london_days_ago(days)
    db.session.commit()


def test_no_response_after_the_response_period_is_overdue(
    make_chapter: Callable[..., Setup], app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = make_chapter("published")
    _published_days_ago(setup.chapter, 59)
    assert services.overdue_items() == []

    _published_days_ago(setup.chapter, 61)
    items = services.overdue_items()
    first, second = setup.recommendations
    assert {(i.recommendation.id, i.organisation.id, i.overdue.reason) for i in items} == {
        (first.id, setup.icb.id, "no_response"),
        (first.id, setup.provider.id, "no_response"),
        (second.id, setup.council.id, "no_response"),
    }

    services.respond(first.id, setup.commissioner, _answer())
    assert {(i.recommendation.id, i.organisation.id) for i in services.overdue_items()} == {
        (first.id, setup.provider.id),
        (second.id, setup.council.id),
    }

    monkeypatch.setitem(app.config, "CHAPTER_RESPONSE_DAYS", 90)  # type: ignore[attr-defined]
    assert services.overdue_items() == []


def test_a_passed_target_date_is_overdue_until_the_action_is_done(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("published")
    first = setup.recommendations[0]
    services.respond(first.id, setup.commissioner, _answer(target_date=london_today() + timedelta(days=10)))
    later = london_today() + timedelta(days=11)
    state = services.overdue_state(first, setup.icb.id, later)
    assert state is not None and state.reason == "target_passed" and state.label == "Target date passed"

    services.add_progress(first.id, setup.commissioner, "done", "Finished.")
    db.session.refresh(first)
    assert services.overdue_state(first, setup.icb.id, later) is None


def test_an_unfinished_action_with_no_recent_progress_update_is_flagged_as_stale(
    make_chapter: Callable[..., Setup], app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CHAPTER_PROGRESS_STALE_DAYS", 30)  # type: ignore[attr-defined]
    setup = make_chapter("published")
    first = setup.recommendations[0]
    response = services.respond(first.id, setup.commissioner, _answer(target_date=london_today() + timedelta(days=365)))
    answered = london_date(response.created_at)
    assert services.overdue_state(first, setup.icb.id, answered + timedelta(days=30)) is None
    stale = services.overdue_state(first, setup.icb.id, answered + timedelta(days=31))
    assert stale is not None and stale.reason == "stale_progress" and stale.due == answered + timedelta(days=30)
    assert stale.label == "No recent progress update"

    update = services.add_progress(first.id, setup.commissioner, "on_track", "Going well.")
    db.session.refresh(first)
    reported = london_date(update.created_at)
    assert services.overdue_state(first, setup.icb.id, reported + timedelta(days=30)) is None
    services.add_progress(first.id, setup.commissioner, "done", "Finished.")
    db.session.refresh(first)
    assert services.overdue_state(first, setup.icb.id, reported + timedelta(days=400)) is None  # done is never stale


def test_my_recommendations_lists_what_is_addressed_to_me_and_my_organisation(
    make_chapter: Callable[..., Setup],
) -> None:
    published = make_chapter("published")
    make_chapter("in_review", title="A draft chapter")  # never listed: not published

    mine = services.my_recommendations(published.commissioner)
    assert [[i.recommendation.id for i in entry.items] for entry in mine] == [[published.recommendations[0].id]]
    assert mine[0].items[0].named and mine[0].items[0].organisation.id == published.icb.id
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
    assert services.missing_sections(chapter) == []
    assert [r.text for r in chapter.recommendations] == [e.text for e in examples.EXAMPLE_RECOMMENDATIONS]
    # Two-person sign-off, shown in the history: one example analyst sent it for review, another published it.
    submission = chapter.last_submission
    assert submission is not None and submission.actor is not None and chapter.published_by is not None
    assert submission.actor_id != chapter.published_by_id
    assert db.session.query(ChapterVersion).filter_by(chapter_id=chapter.id, action="published").count() == 1

    # Every recommendation is addressed to organisations whose active example members can respond for them.
    for recommendation in chapter.recommendations:
        assert recommendation.organisation_links
        for link in recommendation.organisation_links:
            assert services.members(link.organisation_id, Role.COMMISSIONER), link.organisation.name
    first = chapter.recommendations[0]
    response = first.responses[0]
    assert response.is_example and response.progress_label == "On track"
    assert response.organisation.name == examples.EXAMPLE_ICB and response.commissioner.active
    assert first.organisation_links[0].person is not None  # for a named person's attention
    decisions = [[r.decision for r in recommendation.responses] for recommendation in chapter.recommendations]
    assert decisions == [["accept"], ["partial"], ["reject"], []]
    assert mailbox.messages == []  # type: ignore[attr-defined]
