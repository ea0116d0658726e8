"""The whole JSNA loop in real Chromium, with axe on every page a person meets:

propose → shortlist → score → steering group recommendation → health and wellbeing board decision → chapter →
recommendation → commissioner's response → outcome page → the proposer and the participants told by email.

Each person uses the pages they would use. Only the set-up no one would watch (criteria, the round's membership, the
other members' scores and the chapter's drafted sections) is done through the services the pages call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from portal.chapters import services as chapters
from portal.clock import london_today
from portal.extensions import db
from portal.models import Area, Organisation, Outcome, Proposal, ProposalStatus, Role, User
from portal.prioritisation import services as prioritisation
from portal.prioritisation.services import ScoreEntry
from portal.proposals import services as proposals
from tests.chapters.conftest import REQUIRED_TEXT
from tests.conftest import TEST_PASSWORD
from tests.helpers import email_body, links_in

TITLE = "Hidden hunger in working families"
PROPOSER = "proposer.loop@example.org"
PARTICIPANT = "participant.loop@example.org"

pytestmark = pytest.mark.usefixtures("no_minimum_fill_time")


def _sign_in(page: Any, user: User) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def _continue(page: Any, next_step: str) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/topics/propose/{next_step}")


def _propose(page: Any, check: Callable[[Any], None]) -> str:
    """A member of the public proposes the topic, agreeing to emails; returns its reference."""
    page.goto("/topics/propose")
    check(page)
    page.get_by_role("button", name="Start now").click()
    page.wait_for_url("**/topics/propose/title")
    page.get_by_label("What is the topic?").fill(TITLE)
    _continue(page, "need")
    page.get_by_label("What is the need or problem?").fill("Parents in work skip meals so their children can eat.")
    _continue(page, "who")
    page.get_by_label("Carers").check()
    _continue(page, "ages")
    page.get_by_label("Older people (65 and over)").check()
    _continue(page, "wards")
    page.get_by_label("The whole city").check()
    _continue(page, "evidence")
    page.get_by_label("Why does this topic need looking at now?").fill("Food bank use by working families has doubled.")
    _continue(page, "indicators")
    _continue(page, "decisions")
    page.get_by_label("Which decisions would it inform?").fill("The cost of living response.")
    _continue(page, "proposer")
    page.get_by_label("A member of the public").check()
    _continue(page, "contact")
    page.get_by_label("Email address (optional)").fill(PROPOSER)
    page.get_by_label("I agree to the JSNA team emailing me about this proposal").check()
    _continue(page, "check")
    check(page)
    page.get_by_role("button", name="Send proposal").click()
    page.wait_for_url("**/topics/propose/confirmation")
    check(page)
    return page.locator(".govuk-panel strong").inner_text()


def _shortlist(page: Any, reference: str, check: Callable[[Any], None]) -> None:
    """The moderator publishes the proposal, then shortlists it for prioritisation."""
    page.goto("/staff/moderation")
    page.locator(f"#row-{reference}").get_by_role("button", name=re.compile("Publish")).click()
    page.locator(f"#row-{reference}").get_by_text(f"{reference} is published").wait_for()
    check(page)
    page.goto(f"/staff/moderation/{reference}")
    page.get_by_label("Shortlisted", exact=True).check()
    page.locator("#status-answer").fill("Shortlisted for the steering group to score.")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("Shortlisted").first.wait_for()
    check(page)


def _score(page: Any, round_id: int, topic: Proposal, check: Callable[[Any], None]) -> None:
    """A steering group member scores the topic on every criterion, without relying on autosave."""
    page.goto(f"/prioritisation/rounds/{round_id}/proposals/{topic.id}/score")
    page.get_by_role("heading", name=f"{topic.reference}: {TITLE}").wait_for()
    check(page)
    for radio_group in page.locator("input[type=radio][value='5']").all():
        radio_group.check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def _decide(page: Any, round_id: int, topic: Proposal, check: Callable[[Any], None]) -> None:
    """The chair closes the round, records the steering group's recommendation and publishes the summary; then the
    board's decision is recorded from its minutes."""
    page.goto(f"/prioritisation/rounds/{round_id}/close")
    check(page)
    page.get_by_role("button", name="Close the round").click()
    page.get_by_role("link", name=f"Record decision for {topic.reference}").click()
    check(page)
    page.get_by_label("Prioritised", exact=True).check()
    page.get_by_label("Reason").fill("Ranked first: a large and growing need.")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_role("button", name="Publish a public summary").click()
    page.get_by_role("link", name=f"Record the board's decision for {topic.reference}").click()
    check(page)
    page.get_by_label("Agreed", exact=True).check()
    today = london_today()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Minute reference").fill("HWB/2026/71")
    page.get_by_label("Link to the meeting papers").fill("https://democracy.example.gov.uk/meeting/71")
    page.get_by_role("button", name="Record the board's decision").click()
    page.get_by_text("The board's decision on").wait_for()
    check(page)


def _chapter_sent_for_review(topic: Proposal, author: User, commissioner: User) -> int:
    chapter = chapters.create_chapter(topic.id, "", author.id)
    for key, body in REQUIRED_TEXT.items():
        chapters.save_section(chapter.id, key, body, author.id)
    chapters.add_recommendation(
        chapter.id,
        chapters.RecommendationInput(
            "Offer free school breakfasts in the wards with most need.", "high", person_ids=[commissioner.id]
        ),
        author.id,
    )
    chapters.submit_for_review(chapter.id, author.id)
    return chapter.id


def _respond(page: Any, check: Callable[[Any], None]) -> None:
    page.goto("/chapters/my-recommendations")
    check(page)
    page.get_by_role("link", name=re.compile(f"Respond to recommendation 1 of {TITLE}")).click()
    page.get_by_label("Accepted", exact=True).check()
    page.get_by_label("Why?").fill("The need is clear in the chapter.")
    page.get_by_label("What action will you take?").fill("Breakfast clubs in ten schools from September.")
    page.get_by_label("Who will lead the action?").fill("Head of School Improvement")
    target = london_today() + timedelta(days=200)
    page.get_by_label("Day").fill(str(target.day))
    page.get_by_label("Month").fill(str(target.month))
    page.get_by_label("Year").fill(str(target.year))
    page.get_by_role("button", name="Send response").click()
    page.get_by_text("Response sent. It is now shown on the public tracker").wait_for()
    check(page)


def test_the_whole_loop_from_a_proposal_to_telling_people_what_came_of_it(
    app: Flask,
    page: Any,
    make_user: Callable[..., User],
    assert_accessible: Callable[[Any], None],
    mailbox: Any,
) -> None:
    db.session.add(Area(code="E08000031", name="Wolverhampton", area_type="county_ua"))
    icb = Organisation(name="Black Country Integrated Care Board", sector="commissioner", verified=True)
    db.session.add(icb)
    db.session.commit()
    moderator = make_user(Role.ANALYST, email="moderator.loop@example.org")
    author = make_user(Role.ANALYST, email="author.loop@example.org")
    members = [make_user(Role.STEERING, display_name=f"Steering member {n}") for n in (1, 2, 3)]
    commissioner = make_user(Role.COMMISSIONER, email="commissioner.loop@example.org", organisation=icb)

    # 1. A member of the public proposes a topic.
    reference = _propose(page, assert_accessible)
    assert "/topics/manage/" in " ".join(links_in(mailbox.last_to(PROPOSER)))

    # 2. The moderator publishes and shortlists it, beside another shortlisted topic.
    _sign_in(page, moderator)
    _shortlist(page, reference, assert_accessible)
    db.session.expire_all()
    topic = proposals.get_by_reference(reference)
    assert topic is not None and topic.status == ProposalStatus.SHORTLISTED
    other = proposals.submit_proposal(
        {
            "title": "Damp and mould in private rented homes",
            "need": "Children with asthma live in damp homes.",
            "population_groups": ["everyone"],
            "age_groups": ["0_4"],
            "evidence_of_need": "Housing complaints.",
            "decisions_informed": "Housing enforcement.",
            "proposer_type": "public",
        },
        idempotency_key="whole-loop-other",
        send_confirmation=False,
    ).proposal
    for step in (ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED):
        proposals.change_status(other.id, step, "", None)

    # 3. The steering group scores the shortlist.
    prioritisation.create_default_criteria(None)
    round_ = prioritisation.create_round(
        prioritisation.RoundInput(
            title="Topics for the 2027 JSNA",
            description="We asked the steering group to score the shortlisted topics.",
            deadline=london_today() + timedelta(days=10),
            chair_id=members[0].id,
            member_ids=[m.id for m in members],
            proposal_ids=[topic.id, other.id],
            top_k=1,
        ),
        moderator.id,
    )
    criteria = list(round_.criteria_set.criteria)
    for member in members[1:]:
        for scored, value in ((topic, 4), (other, 2)):
            entries = {c.id: ScoreEntry(value) for c in criteria}
            prioritisation.save_scores(round_.id, scored.id, member.id, entries)
    _sign_in(page, members[0])
    _score(page, round_.id, topic, assert_accessible)

    # 4–5. The chair records the steering group's recommendation, and then the board's decision.
    _decide(page, round_.id, topic, assert_accessible)

    # Someone following the JSNA reads the published summary and asks to hear what came of the round.
    page.context.clear_cookies()
    page.goto(f"/prioritisation/rounds/{round_.id}/summary")
    assert_accessible(page)
    page.get_by_role("link", name="Get an email when we publish what came of this round").click()
    page.get_by_label("Email address").fill(PARTICIPANT)
    page.get_by_role("button", name="Email me the outcome").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.goto(f"/topics/{reference}")
    expect(page.get_by_text("Recommended by the steering group").first).to_be_visible()
    expect(page.get_by_text("Agreed by the health and wellbeing board").first).to_be_visible()
    assert_accessible(page)

    # 6–7. An analyst writes the chapter with a recommendation; a second analyst publishes it.
    db.session.expire_all()
    chapter_id = _chapter_sent_for_review(topic, author, commissioner)
    _sign_in(page, moderator)
    page.goto(f"/chapters/manage/{chapter_id}")
    page.get_by_role("button", name="Publish the chapter").click()
    page.get_by_text("Chapter published.").wait_for()
    assert_accessible(page)

    # 8. The commissioner responds for their organisation; the public tracker shows it.
    _sign_in(page, commissioner)
    _respond(page, assert_accessible)
    page.context.clear_cookies()
    slug = chapters.get_chapter(chapter_id).slug
    page.goto(f"/chapters/{slug}/recommendations")
    page.get_by_role("heading", name="Response from Black Country Integrated Care Board").wait_for()
    assert_accessible(page)

    # 9. An analyst publishes the round's outcome page, with what was done.
    _sign_in(page, moderator)
    page.goto("/outcomes/manage")
    assert_accessible(page)
    page.get_by_role("button", name="Start the outcome page for Topics for the 2027 JSNA").click()
    page.get_by_label("We asked").wait_for()
    assert_accessible(page)
    page.get_by_label("A JSNA chapter").check()
    page.get_by_label("Link text").fill(f"The JSNA chapter: {TITLE}")
    page.get_by_label("Link", exact=True).fill(f"/chapters/{slug}")
    page.get_by_label("What did we do?").fill("The topic became a chapter; its recommendation was accepted.")
    page.get_by_role("button", name="Add the link").click()
    page.get_by_role("button", name="Publish the outcome").click()
    page.get_by_role("heading", name="We did").wait_for()
    assert_accessible(page)
    outcome = db.session.scalar(select(Outcome).where(Outcome.round_id == round_.id))
    assert outcome is not None and outcome.is_published

    # 10. The participant and the proposer are told by email, and the proposer's link leads to the outcome.
    told = email_body(mailbox.last_to(PARTICIPANT))
    assert f"/outcomes/{outcome.id}" in told
    proposer_links = links_in(mailbox.last_to(PROPOSER))
    assert any(urlsplit(link).path == f"/outcomes/{outcome.id}" for link in proposer_links)
    manage = next(urlsplit(link).path for link in proposer_links if "/topics/manage/" in link)
    page.context.clear_cookies()
    page.goto(manage)
    page.get_by_role("heading", name="What came of it").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=f"We asked, you said, we did: {outcome.title}").click()
    page.get_by_role("heading", name="We did").wait_for()
    expect(page.get_by_role("link", name=f"The JSNA chapter: {TITLE}")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/prioritisation/rounds/{round_.id}/summary")
    expect(page.get_by_role("link", name=f"We asked, you said, we did: {outcome.title}")).to_be_visible()
