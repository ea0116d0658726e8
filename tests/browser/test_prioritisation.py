"""A steering group member scores with autosave, then the chair reads the results; axe checks every page on the way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Proposal, ProposalStatus, Role, Score, User
from portal.prioritisation import services
from portal.prioritisation.services import ScoreEntry
from tests.conftest import TEST_PASSWORD


def _round(make_user: Callable[..., User]) -> tuple[Any, User, list[User], list[Proposal]]:
    services.create_default_criteria(None)
    members = [make_user(Role.STEERING, display_name=f"Steering member {i}") for i in range(1, 4)]
    topics = []
    for number, title in enumerate(("Childhood obesity", "Loneliness in older people", "Gambling harm"), start=1):
        topic = Proposal(
            reference=f"JSNA-2026-{number:04d}",
            title=title,
            need="Described by the proposer.",
            status=ProposalStatus.SHORTLISTED.value,
            support_count=number * 4,
        )
        db.session.add(topic)
        topics.append(topic)
    db.session.commit()
    round_ = services.create_round(
        services.RoundInput(
            title="Topics for the 2027 JSNA",
            description="",
            deadline=date.today() + timedelta(days=10),
            chair_id=members[0].id,
            member_ids=[m.id for m in members],
            proposal_ids=[t.id for t in topics],
            top_k=2,
        ),
        make_user(Role.ANALYST).id,
    )
    # The other members have scored already, so the results have something to show.
    for member, base in ((members[0], 4), (members[2], 2)):
        for offset, topic in enumerate(topics):
            entries = {c.id: ScoreEntry(max(1, min(5, base + offset - 1))) for c in round_.criteria_set.criteria}
            services.save_scores(round_.id, topic.id, member.id, entries)
    return round_, members[1], members, topics


def _sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def _saved(round_id: int, user_id: int, criterion_id: int) -> Score | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Score).where(Score.round_id == round_id, Score.user_id == user_id, Score.criterion_id == criterion_id)
    )


def test_member_scores_with_autosave_and_reads_the_results(
    page: Any, make_user: Callable[..., User], assert_accessible: Callable[[Any], None]
) -> None:
    round_, member, members, topics = _round(make_user)
    criteria = list(round_.criteria_set.criteria)

    _sign_in(page, member.email)

    page.goto("/prioritisation/rounds")
    assert_accessible(page)
    page.get_by_role("link", name="Topics for the 2027 JSNA").click()
    assert_accessible(page)
    page.get_by_role("link", name="Score the topics").click()
    expect(page.get_by_text("0 of 3 proposals scored").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Start scoring").click()
    page.get_by_role("heading", name=f"{topics[0].reference}: Childhood obesity").wait_for()
    expect(page.get_by_text("4 people support this topic")).to_be_visible()
    assert_accessible(page)

    # Ticking a radio saves at once, without reloading the page.
    page.evaluate("window.__notReloaded = true")
    size = criteria[0]
    with page.expect_response(lambda r: r.url.endswith(f"/criteria/{size.id}") and r.request.method == "POST"):
        page.locator(f"input[name=score_{size.id}][value='4']").check()
    page.locator("#autosave-status").get_by_text("Saved your score for size of the problem").wait_for()
    assert _saved(round_.id, member.id, size.id).value == 4

    # A comment saves after a pause in typing.
    with page.expect_response(lambda r: r.url.endswith(f"/criteria/{size.id}") and r.request.method == "POST"):
        page.locator(f"textarea[name=comment_{size.id}]").fill("Around one in four children in reception")
    page.locator("#autosave-status").get_by_text("Saved your score").wait_for()
    assert _saved(round_.id, member.id, size.id).comment == "Around one in four children in reception"

    # Score the rest; progress updates in place when the last criterion is saved.
    for criterion in criteria[1:]:
        with page.expect_response(lambda r, c=criterion: r.url.endswith(f"/criteria/{c.id}")):
            page.locator(f"input[name=score_{criterion.id}][value='3']").check()
    page.locator("#scoring-progress").get_by_text("1 of 3 proposals scored").wait_for()
    assert page.evaluate("window.__notReloaded") is True, "autosave should not reload the page"
    assert_accessible(page)

    # The ordinary submit still works and moves on to the next topic.
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name=f"{topics[1].reference}: Loneliness in older people").wait_for()

    # While the round is open the results are the chair's only.
    page.context.clear_cookies()
    _sign_in(page, members[0].email)
    page.goto(f"/prioritisation/rounds/{round_.id}/results")
    page.get_by_role("heading", name="Provisional results").wait_for()
    for chart in ("#ranking-chart", "#heatmap-chart"):  # charts.js draws a chart as it nears the screen
        page.locator(chart).scroll_into_view_if_needed()
        page.locator(f"{chart}[data-bokeh-state=rendered]").wait_for()
    assert_accessible(page)

    # The "what if" panel re-ranks as weights are typed, without reloading.
    page.evaluate("window.__resultsNotReloaded = true")
    with page.expect_response(lambda r: "/results?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Size of the problem").fill("10")
    page.locator("#what-if-table").wait_for()
    assert page.locator("#what-if-table tbody tr").count() == 3
    assert page.evaluate("window.__resultsNotReloaded") is True
    assert_accessible(page)


def test_the_chair_records_the_boards_decision_and_the_public_summary_shows_both_steps(
    page: Any, make_user: Callable[..., User], assert_accessible: Callable[[Any], None]
) -> None:
    round_, _, members, topics = _round(make_user)
    chair = members[0]
    services.close_round(round_.id, chair.id)
    services.record_decision(
        round_.id, topics[0].id, services.Decision.PRIORITISED, "Ranked first: a large need.", chair.id
    )
    services.publish_summary(round_.id, chair.id)
    _sign_in(page, chair.email)

    page.goto(f"/prioritisation/rounds/{round_.id}")
    page.get_by_role("link", name=f"Record the board's decision for {topics[0].reference}").click()
    page.get_by_role("heading", name=f"Health and wellbeing board decision on {topics[0].reference}").wait_for()
    assert_accessible(page)
    page.get_by_label("Agreed", exact=True).check()
    today = date.today()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Minute reference").fill("HWB/2026/45")
    page.get_by_label("Link to the meeting papers").fill("https://democracy.example.gov.uk/meeting/45")
    page.get_by_role("button", name="Record the board's decision").click()
    page.get_by_text("The board's decision on").wait_for()
    assert_accessible(page)

    page.goto(f"/prioritisation/rounds/{round_.id}/summary")
    expect(page.get_by_text("Recommended by the steering group")).to_be_visible()
    expect(page.get_by_text("Agreed by the health and wellbeing board")).to_be_visible()
    assert_accessible(page)
