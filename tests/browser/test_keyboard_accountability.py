"""Keyboard-only journeys for accountability (issue 14 item 13): the chair recording the steering group's decision, an
analyst publishing a chapter, a commissioner responding to its recommendation, and the public reading the response on
the tracker. Every step is Tab, Enter, Space or typing, with the focus indicator and order checked at each Tab stop
(the helpers of ``test_keyboard``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.clock import london_today
from portal.extensions import db
from portal.models import Organisation, Proposal, ProposalStatus, Role, RoundProposal, User
from portal.prioritisation import services as prioritisation
from portal.proposals import services as proposals
from tests.browser.test_keyboard import continue_, follow, press, sign_in_by_keyboard, type_into
from tests.browser.test_whole_loop import TITLE, _chapter_sent_for_review


def _topic(title: str, status: ProposalStatus, key: str) -> Proposal:
    """A topic that went through the real proposal lifecycle up to ``status``."""
    proposal = proposals.submit_proposal(
        {
            "title": title,
            "need": "Described by the proposer.",
            "population_groups": ["everyone"],
            "age_groups": ["0_4"],
            "evidence_of_need": "Local figures.",
            "decisions_informed": "Commissioning.",
            "proposer_type": "public",
        },
        idempotency_key=key,
        send_confirmation=False,
    ).proposal
    path = [ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED, ProposalStatus.PRIORITISED]
    for step in path[: path.index(status) + 1]:
        proposals.change_status(proposal.id, step, "", None)
    return proposal


def test_the_chair_records_the_steering_groups_decision_by_keyboard(page: Any, make_user: Callable[..., User]) -> None:
    prioritisation.create_default_criteria(None)
    chair = make_user(Role.STEERING, display_name="Chair of the steering group")
    topics = [_topic(t, ProposalStatus.SHORTLISTED, f"kb-chair-{n}") for n, t in enumerate(("Gambling harm", "Damp"))]
    round_ = prioritisation.create_round(
        prioritisation.RoundInput(
            title="Topics for the 2027 JSNA",
            description="",
            deadline=london_today() + timedelta(days=10),
            chair_id=chair.id,
            member_ids=[chair.id],
            proposal_ids=[t.id for t in topics],
            top_k=1,
        ),
        make_user(Role.ANALYST).id,
    )
    prioritisation.close_round(round_.id, chair.id)
    topic = topics[0]

    sign_in_by_keyboard(page, chair.email)
    page.goto(f"/prioritisation/rounds/{round_.id}")
    follow(page, page.get_by_role("link", name=f"Record decision for {topic.reference}"))
    page.get_by_role("heading", name=f"Decision on {topic.reference}: Gambling harm").wait_for()
    press(page, page.get_by_role("button", name="Record the decision"))  # nothing chosen: the summary takes focus
    page.locator(".govuk-error-summary").wait_for()
    page.wait_for_function("() => document.activeElement.classList.contains('govuk-error-summary')")
    press(page, page.get_by_label("Prioritised", exact=True), " ")
    type_into(page, page.get_by_label("Reason"), "The largest need of the shortlist.")
    with page.expect_navigation():
        press(page, page.get_by_role("button", name="Record the decision"))
    db.session.expire_all()
    entry = db.session.scalar(
        select(RoundProposal).where(RoundProposal.round_id == round_.id, RoundProposal.proposal_id == topic.id)
    )
    assert entry is not None and entry.decision == "prioritised"
    assert entry.decision_reason == "The largest need of the shortlist."


def test_a_chapter_is_published_answered_and_read_on_the_tracker_by_keyboard(
    page: Any, make_user: Callable[..., User]
) -> None:
    icb = Organisation(name="Black Country Integrated Care Board", sector="commissioner", verified=True)
    db.session.add(icb)
    db.session.commit()
    author = make_user(Role.ANALYST, email="author.keyboard@example.org")
    publisher = make_user(Role.ANALYST, email="publisher.keyboard@example.org")
    commissioner = make_user(Role.COMMISSIONER, email="commissioner.keyboard@example.org", organisation=icb)
    topic = _topic(TITLE, ProposalStatus.PRIORITISED, "kb-chapter")
    chapter_id = _chapter_sent_for_review(topic, author, commissioner)

    # An analyst who did not write it publishes the chapter.
    sign_in_by_keyboard(page, publisher.email)
    page.goto(f"/chapters/manage/{chapter_id}")
    with page.expect_navigation():
        press(page, page.get_by_role("button", name="Publish the chapter"))
    page.get_by_text("Chapter published.").wait_for()

    # The commissioner responds for their organisation.
    page.context.clear_cookies()
    sign_in_by_keyboard(page, commissioner.email)
    page.goto("/chapters/my-recommendations")
    follow(page, page.get_by_role("link", name=f"Respond to recommendation 1 of {TITLE}"))
    page.get_by_role("heading", level=1, name="Respond to recommendation 1").wait_for()
    press(page, page.get_by_label("Accepted", exact=True), " ")
    type_into(page, page.get_by_label("Why?"), "The need is clear in the chapter.")
    type_into(page, page.get_by_label("What action will you take?"), "Breakfast clubs in ten schools.")
    type_into(page, page.get_by_label("Who will lead the action?"), "Head of School Improvement")
    target = london_today() + timedelta(days=200)
    type_into(page, page.get_by_label("Day"), str(target.day))
    type_into(page, page.get_by_label("Month"), str(target.month))
    type_into(page, page.get_by_label("Year"), str(target.year))
    continue_(page, "Send response")
    page.get_by_text("Response sent. It is now shown on the public tracker").wait_for()

    # The public finds the chapter and its tracker, by keyboard, and reads the response.
    page.context.clear_cookies()
    page.goto("/chapters")
    follow(page, page.get_by_role("link", name=TITLE).first)
    page.get_by_role("heading", level=1, name=TITLE).wait_for()
    follow(page, page.get_by_role("link", name="1 recommendation, 1 of 1 responses received"))
    page.get_by_role("heading", name="Response from Black Country Integrated Care Board").wait_for()
    assert "Breakfast clubs in ten schools." in page.locator("main").inner_text()
