"""Keyboard-only journeys (issue 14 item 13) and focus after HTMX swaps and failed submits (item 14).

Every step is a key press: Tab to move, Enter to follow a link or press a button, Space to tick a box or choose a
radio, and typing into fields. At each Tab the focused element must be visible and show a focus indicator (an outline
or GOV.UK's box-shadow), and focus must move forward in the page's own order (no positive tabindex, nothing skipped
back). The skip link must reach the main content, and Tab must get out of every page (no keyboard trap).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Area, Indicator, Proposal, ProposalStatus, Role, Score, User
from portal.prioritisation import services as prioritisation
from portal.proposals import services as proposals
from tests.conftest import TEST_PASSWORD
from tests.helpers import links_in
from tests.surveys.conftest import build_survey

# The focused element, whether it shows a focus indicator, and whether it comes after the last one in the page.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const painted = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                          && !/transparent|rgba\\(\\d+, \\d+, \\d+, 0\\)/.test(s.outlineColor))
                         || (s.boxShadow && s.boxShadow !== 'none');
  let indicator = painted(getComputedStyle(el));
  // GOV.UK radios and checkboxes hide the input and draw its focus ring on the label's ::before.
  if (!indicator && el.labels && el.labels.length) {
    indicator = painted(getComputedStyle(el.labels[0], '::before')) || painted(getComputedStyle(el.labels[0]));
  }
  const box = el.getBoundingClientRect();
  const prev = window.__previousFocus;
  const inOrder = !prev || !prev.isConnected || prev === el || prev.contains(el) ||
                  !!(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  window.__previousFocus = el;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: String(el.className || ''),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    indicator: indicator, visible: box.width > 0 && box.height > 0, inOrder: inOrder,
    tabindex: el.getAttribute('tabindex'),
  };
}"""

pytestmark = pytest.mark.usefixtures("no_minimum_fill_time")


def focus_state(page: Any) -> dict[str, Any] | None:
    return page.evaluate(FOCUS_STATE)


def tab_to(page: Any, target: Any, limit: int = 80) -> dict[str, Any]:
    """Press Tab until ``target`` (a locator) has focus, checking the focus indicator and order at every stop."""
    target.wait_for(state="attached")
    page.evaluate("() => { window.__previousFocus = document.activeElement; }")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focus_state(page)
        assert state is not None, f"Tab left the page before reaching {target}; went through {seen}"
        seen.append(f"{state['tag']}#{state['id']} {state['text']!r}")
        assert state["visible"], f"focus went to an invisible element: {state}"
        assert state["indicator"], f"no visible focus indicator on {state}"
        assert state["inOrder"], f"focus jumped backwards to {state} after {seen[-2:]}"
        assert not (state["tabindex"] or "0").lstrip("-").isdigit() or int(state["tabindex"] or 0) <= 0, state
        if target.evaluate("el => el === document.activeElement"):
            return state
    raise AssertionError(f"{limit} Tabs never reached {target}; went through {seen[-15:]}")


def press(page: Any, target: Any, key: str = "Enter") -> None:
    """Tab to ``target`` and press ``key`` on it."""
    tab_to(page, target)
    page.keyboard.press(key)


def follow(page: Any, target: Any) -> None:
    """Tab to a link or button and press Enter, waiting for the page it leads to."""
    with page.expect_navigation():
        press(page, target)


def type_into(page: Any, target: Any, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def continue_(page: Any, name: str = "Continue") -> None:
    press(page, page.get_by_role("button", name=name))


def focused_is(page: Any, target: Any) -> bool:
    return bool(target.evaluate("el => el === document.activeElement"))


def sign_in_by_keyboard(page: Any, email: str) -> None:
    page.goto("/sign-in")
    type_into(page, page.get_by_label("Email address"), email)
    type_into(page, page.get_by_label("Password", exact=True), TEST_PASSWORD)
    press(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_url("**/account")


@pytest.fixture
def wards_and_indicators(app: Flask) -> None:
    db.session.add(Area(code="E08000031", name="Wolverhampton", area_type="county_ua"))
    for code, name in [("E05001321", "Bilston East"), ("E05001322", "Bilston North")]:
        db.session.add(Area(code=code, name=name, area_type="ward", parent_code="E08000031"))
    db.session.add(Indicator(id="90001", name="Loneliness in adults", topic="wellbeing"))
    db.session.commit()


@pytest.mark.parametrize("path", ["/", "/topics", "/sign-in"])
def test_skip_link_reaches_the_main_content_and_tab_gets_out_of_the_page(
    page: Any, wards_and_indicators: None, path: str
) -> None:
    page.goto(path)
    page.keyboard.press("Tab")
    state = focus_state(page)
    assert state is not None and "govuk-skip-link" in state["cls"], f"the first Tab stop is {state}"
    assert state["visible"] and state["indicator"], "the skip link shows when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    # No trap: Tab goes on through the page and out past the footer's last link.
    last_link = page.locator("footer a").last
    tab_to(page, last_link, limit=150)
    page.keyboard.press("Tab")
    assert not focused_is(page, last_link)


def test_a_member_of_the_public_proposes_a_topic_by_keyboard(page: Any, wards_and_indicators: None) -> None:
    page.goto("/topics/propose")
    press(page, page.get_by_role("button", name="Start now").or_(page.get_by_role("link", name="Start now")))
    page.wait_for_url("**/topics/propose/title")

    continue_(page)  # nothing typed: the error summary takes focus
    page.locator(".govuk-error-summary").wait_for()
    assert focused_is(page, page.locator(".govuk-error-summary"))
    type_into(page, page.get_by_label("What is the topic?"), "Lonely older residents")
    continue_(page)

    page.wait_for_url("**/topics/propose/need")
    type_into(page, page.get_by_label("What is the need or problem?"), "Many older people rarely see anyone.")
    continue_(page)
    page.wait_for_url("**/topics/propose/who")
    press(page, page.get_by_label("Carers"), " ")
    continue_(page)
    page.wait_for_url("**/topics/propose/ages")
    press(page, page.get_by_label("Older people (65 and over)"), " ")
    continue_(page)
    page.wait_for_url("**/topics/propose/wards")
    press(page, page.get_by_label("Bilston East"), " ")
    continue_(page)
    page.wait_for_url("**/topics/propose/evidence")
    type_into(page, page.get_by_label("Why does this topic need looking at now?"), "Waiting lists.")
    continue_(page)
    page.wait_for_url("**/topics/propose/indicators")
    continue_(page)
    page.wait_for_url("**/topics/propose/decisions")
    type_into(page, page.get_by_label("Which decisions would it inform?"), "Befriending services.")
    continue_(page)
    page.wait_for_url("**/topics/propose/proposer")
    tab_to(page, page.locator("input[type=radio]").first)
    page.keyboard.press(" ")
    continue_(page)
    page.wait_for_url("**/topics/propose/contact")
    continue_(page)
    page.wait_for_url("**/topics/propose/check")
    continue_(page, "Send proposal")
    page.wait_for_url("**/topics/propose/confirmation")
    assert re.fullmatch(r"JSNA-\d{4}-\d{4}", page.locator(".govuk-panel strong").inner_text())


def test_a_stakeholder_registers_and_answers_a_survey_with_a_condition_by_keyboard(page: Any, mailbox: Any) -> None:
    build_survey(
        [
            (
                "About you",
                [
                    {"kind": "single", "title": "Do you smoke?", "options": ["Yes", "No"]},
                    {
                        "kind": "number",
                        "title": "How many cigarettes a day?",
                        "min_value": 1,
                        "max_value": 100,
                        "whole_number": True,
                        "condition": (0, ["Yes"]),
                    },
                ],
            )
        ],
        title="Smoking and local services",
    )
    email = "carers.lead@example.org"

    # Register for an organisation: the arrow key moves the radio choice, and the organisation's questions appear.
    page.goto("/register")
    type_into(page, page.get_by_label("Email address"), email)
    type_into(page, page.get_by_label("Create a password"), TEST_PASSWORD)
    type_into(page, page.get_by_label("Confirm your password"), TEST_PASSWORD)
    tab_to(page, page.get_by_label("Member of the public"))
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("For an organisation (a stakeholder)").is_checked()
    type_into(page, page.get_by_label("Organisation name"), "Wolverhampton Carers Support")
    press(page, page.locator("input[name=sector]").first, " ")
    with page.expect_navigation():
        press(page, page.get_by_role("button", name="Create account"))
    confirmation = next(link for link in links_in(mailbox.last_to(email)) if "/confirm" in link)
    page.goto(
        urlsplit(confirmation).path + (f"?{urlsplit(confirmation).query}" if urlsplit(confirmation).query else "")
    )

    page.goto("/sign-in")
    press(page, page.get_by_role("button", name="Sign in"))  # empty: the error summary takes focus
    page.locator(".govuk-error-summary").wait_for()
    assert focused_is(page, page.locator(".govuk-error-summary"))
    sign_in_by_keyboard(page, email)

    page.goto("/surveys")
    follow(page, page.get_by_role("link", name="Smoking and local services"))
    follow(page, page.get_by_role("button", name="Start now").or_(page.get_by_role("link", name="Start now")))
    page.get_by_role("heading", name="About you").wait_for()
    conditional = page.get_by_label("2. How many cigarettes a day?")
    conditional.wait_for(state="hidden")
    press(page, page.get_by_label("Yes"), " ")  # Space chooses the first radio of the group
    conditional.wait_for(state="visible")
    type_into(page, conditional, "500")
    continue_(page, "Save and continue")
    page.locator(".govuk-error-summary").wait_for()
    assert focused_is(page, page.locator(".govuk-error-summary")), "the error summary takes focus"
    press(page, page.locator(".govuk-error-summary a").first)  # the summary's link goes to the field
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("10")
    continue_(page, "Save and continue")
    page.get_by_role("heading", name="Check your answers before sending them").wait_for()
    continue_(page, "Send answers")
    page.get_by_role("heading", name="Answers sent").wait_for()


def test_an_analyst_moderates_by_keyboard_and_focus_follows_the_swapped_row(
    page: Any, wards_and_indicators: None, make_user: Callable[..., User]
) -> None:
    waiting = proposals.submit_proposal(
        {
            "title": "Air quality near schools",
            "need": "Fumes at the school gate.",
            "population_groups": ["everyone"],
            "age_groups": ["5_15"],
            "evidence_of_need": "Busy roads.",
            "decisions_informed": "School streets.",
            "proposer_type": "public",
        },
        idempotency_key="keyboard-waiting",
    ).proposal
    analyst = make_user(Role.ANALYST)
    sign_in_by_keyboard(page, analyst.email)
    page.goto("/staff/moderation")
    row = page.locator(f"#row-{waiting.reference}")
    press(page, row.get_by_role("button", name=re.compile("Publish")))
    page.locator(f"#row-{waiting.reference}").get_by_text(f"{waiting.reference} is published").wait_for()
    # The button pressed was swapped away: focus moves into its replacement, not back to the top of the page.
    page.wait_for_function("() => document.activeElement && document.activeElement !== document.body")
    assert page.evaluate(f"document.getElementById('row-{waiting.reference}').contains(document.activeElement)")
    page.wait_for_function("() => document.getElementById('portal-announcer').textContent.trim() !== ''")
    db.session.expire_all()
    assert db.session.get(Proposal, waiting.id).status == ProposalStatus.PUBLISHED


def test_a_steering_member_scores_by_keyboard_with_autosave_and_focus_stays_put(
    page: Any, make_user: Callable[..., User]
) -> None:
    prioritisation.create_default_criteria(None)
    member = make_user(Role.STEERING, display_name="Steering member")
    topics = [
        Proposal(reference=f"JSNA-2026-000{n}", title=title, need="Described.", status=ProposalStatus.SHORTLISTED.value)
        for n, title in ((1, "Childhood obesity"), (2, "Gambling harm"))
    ]
    db.session.add_all(topics)
    db.session.commit()
    topic = topics[0]
    round_ = prioritisation.create_round(
        prioritisation.RoundInput(
            title="Topics for the 2027 JSNA",
            description="",
            deadline=date.today() + timedelta(days=10),
            chair_id=member.id,
            member_ids=[member.id],
            proposal_ids=[t.id for t in topics],
            top_k=1,
        ),
        make_user(Role.ANALYST).id,
    )
    first = next(iter(round_.criteria_set.criteria))

    sign_in_by_keyboard(page, member.email)
    page.goto(f"/prioritisation/rounds/{round_.id}/score")
    follow(page, page.get_by_role("link", name="Start scoring"))
    page.get_by_role("heading", name=f"{topic.reference}: Childhood obesity").wait_for()
    radio = page.locator(f"input[name=score_{first.id}]").first
    with page.expect_response(lambda r: r.request.method == "POST" and f"/criteria/{first.id}" in r.url):
        press(page, radio, " ")
    page.locator("#autosave-status").get_by_text("Saved your score").wait_for()
    assert focused_is(page, radio), "an autosave must not move focus away from the radio just chosen"
    db.session.expire_all()
    saved = db.session.scalar(select(Score).where(Score.user_id == member.id, Score.criterion_id == first.id))
    assert saved is not None


def test_without_javascript_a_failed_submit_puts_focus_on_the_error_summary(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/sign-in")
        tab.get_by_role("button", name="Sign in").click()
        tab.locator(".govuk-error-summary").wait_for()
        # The browser applies autofocus when it next renders: poll (page scripts are off, Playwright's are not).
        focused = False
        for _ in range(50):
            focused = tab.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
            if focused:
                break
            tab.wait_for_timeout(100)
        assert focused, "without JavaScript the error summary takes focus (autofocus)"
    finally:
        context.close()


@pytest.mark.parametrize("order", ["first settles, then second swaps", "second swaps before first settles"])
def test_focus_follows_the_search_status_when_a_second_response_replaces_it(
    page: Any, wards_and_indicators: None, order: str
) -> None:
    # Enter in a search box fires "submit" and then Chromium's "search" event, so two requests go out, one after the
    # other, and each response swaps in a new status. Either can come first relative to the other's settle (a busy
    # machine gave both orders in CI): focus must end on the status that is on the page, not stay in the box or fall
    # back to the page.
    answered: list[str] = []

    def slow_second(route: Any) -> None:
        answered.append(route.request.url)
        if len(answered) == 2 and order.startswith("first settles"):
            time.sleep(0.4)
        route.continue_()

    page.goto("/search")
    if order.startswith("second swaps"):
        page.evaluate("htmx.config.defaultSettleDelay = 600")
    page.route(re.compile(r".*/search\?q=lonel.*"), slow_second)
    type_into(page, page.get_by_label("Search the JSNA"), "lonel")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'search-status'")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(700)
    assert len(answered) == 2
    assert page.evaluate("document.activeElement.id") == "search-status"
    assert "lonel" in page.locator("#search-status").inner_text()


def test_a_search_submitted_by_keyboard_moves_focus_to_the_result_status(page: Any, wards_and_indicators: None) -> None:
    page.goto("/search")
    type_into(page, page.get_by_label("Search the JSNA"), "lonel")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'search-status'")
    assert "lonel" in page.locator("#search-status").inner_text()
    # Typing (not submitting) leaves focus in the box.
    page.locator("#q").focus()
    with page.expect_response(lambda r: "/search?" in r.url):
        page.keyboard.type("i")
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.id") == "q"
