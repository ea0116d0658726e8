"""Proposing a topic: question pages, answers kept, check your answers, confirmation, receipt email, spam defences."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.clock import london_now
from portal.extensions import db
from portal.models import Indicator, Proposal, ProposalDraft, ProposalStatus, Role
from portal.proposals import wizard
from tests.conftest import Mailbox
from tests.helpers import ClientRequest, email_body, error_summary_texts, links_in
from tests.proposals.conftest import DEFAULT_PAGES, answer_with_errors, submit, walk

REFERENCE = re.compile(r"^JSNA-\d{4}-\d{4}$")


def stored() -> list[Proposal]:
    db.session.expire_all()
    return list(db.session.scalars(select(Proposal).order_by(Proposal.id)))


def test_the_whole_journey_stores_the_proposal_and_emails_a_receipt(
    client_request: ClientRequest, wards: dict[str, str], mailbox: Mailbox
) -> None:
    start = client_request.get("/topics/propose")
    assert start.select_one("a.govuk-button--start")["href"] == "/topics/propose/title"
    walk(client_request)

    check = client_request.get("/topics/propose/check")
    rows = {
        row.select_one("dt").get_text(strip=True): row.select_one(".govuk-summary-list__value").get_text(
            " ", strip=True
        )
        for row in check.select(".govuk-summary-list__row")
    }
    assert rows["Topic"] == "Loneliness among older people"
    assert rows["Who is affected"] == "Carers Another group: Widowers"
    assert rows["Parts of the city"] == "Bilston East Blakenhall"
    assert rows["Contact details"] == "Ada ada@example.org You agree to emails about this proposal"
    changes = [a["href"] for a in check.select(".govuk-summary-list__actions a")]
    assert "/topics/propose/title?change=1" in changes and len(changes) == len(rows)

    response = submit(client_request)
    assert response.headers["Location"] == "/topics/propose/confirmation"
    confirmation = client_request.get("/topics/propose/confirmation")
    panel = confirmation.select_one(".govuk-panel")
    reference = panel.select_one("strong").get_text(strip=True)
    assert REFERENCE.match(reference)
    assert "We have sent a confirmation email to ada@example.org" in confirmation.get_text(" ", strip=True)

    [proposal] = stored()
    assert proposal.reference == reference
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.title == "Loneliness among older people"
    assert proposal.population_codes == ["carers", "other"] and proposal.population_other == "Widowers"
    assert sorted(link.ward_code for link in proposal.ward_links) == ["E05001321", "E05001323"]
    assert proposal.proposer_email == "ada@example.org" and proposal.contact_consent
    assert [e.to_status for e in proposal.events] == ["submitted"]
    assert db.session.scalar(select(func.count()).select_from(ProposalDraft)) == 0, "the draft is deleted"

    message = mailbox.last_to("ada@example.org")
    assert reference in message["Subject"]
    assert "Loneliness among older people" in email_body(message)
    [manage] = [link for link in links_in(message) if "/topics/manage/" in link]
    assert manage.startswith("http://localhost/topics/manage/"), "the receipt links to the proposer's manage page"


def test_references_run_in_sequence_for_the_year(client_request: ClientRequest, wards: dict[str, str]) -> None:
    references = []
    for _ in range(3):
        walk(client_request)
        submit(client_request)
        references.append(client_request.get("/topics/propose/confirmation").select_one(".govuk-panel strong").text)
    year = london_now().year
    assert references == [f"JSNA-{year}-0001", f"JSNA-{year}-0002", f"JSNA-{year}-0003"]


def test_answers_are_shown_again_on_back(client_request: ClientRequest, wards: dict[str, str]) -> None:
    walk(client_request, {k: v for k, v in DEFAULT_PAGES.items() if k in {"title", "need", "who"}})
    page = client_request.get("/topics/propose/title")
    assert page.select_one("input#title")["value"] == "Loneliness among older people"
    assert page.select_one("a.govuk-back-link")["href"] == "/topics/propose"
    page = client_request.get("/topics/propose/need")
    assert page.select_one("textarea#need").get_text().strip() == DEFAULT_PAGES["need"]["need"]
    assert page.select_one("a.govuk-back-link")["href"] == "/topics/propose/title"
    page = client_request.get("/topics/propose/who")
    assert page.select_one("input[value=carers]").has_attr("checked")
    assert page.select_one("input#population_other")["value"] == "Widowers"
    response = client_request.response("/topics/propose/who")
    assert response.headers["Cache-Control"] == "no-store", "Back must fetch the page again, with the answers"


def test_a_page_cannot_be_skipped(client_request: ClientRequest) -> None:
    response = client_request.response("/topics/propose/decisions")
    assert response.status_code == 303 and response.headers["Location"] == "/topics/propose/title"
    response = client_request.response("/topics/propose/check")
    assert response.status_code == 303 and response.headers["Location"] == "/topics/propose"


def test_missing_answers_get_govuk_messages(client_request: ClientRequest, wards: dict[str, str]) -> None:
    page = answer_with_errors(client_request, "/topics/propose/title", {"title": "   "})
    assert error_summary_texts(page) == ["Enter a title for your topic"]
    assert page.title.get_text().startswith("Error: ")
    page = client_request.get("/topics/propose/title")  # the message is shown once; nothing was saved
    assert not page.select(".govuk-error-summary") and page.select_one("input#title").get("value", "") == ""
    walk(client_request, {"title": DEFAULT_PAGES["title"]})
    for slug, message in [
        ("need", "Describe the need or problem"),
        ("who", "Select who is affected"),
        ("ages", "Select the age groups affected"),
        ("wards", "Select the wards affected, or select the whole city"),
        ("evidence", "Tell us why this topic needs looking at now"),
        ("decisions", "Tell us which decisions this would inform"),
        ("proposer", "Select if you are a member of the public or proposing for an organisation"),
    ]:
        page = answer_with_errors(client_request, f"/topics/propose/{slug}", {})
        assert error_summary_texts(page) == [message], slug
        walk(client_request, {slug: DEFAULT_PAGES[slug]})
        if slug == "evidence":
            walk(client_request, {"indicators": {}})  # optional: nothing to leave out


@pytest.mark.parametrize(
    ("slug", "field", "limit", "message", "earlier"),
    [
        ("title", "title", 200, "Title must be 200 characters or fewer", []),
        ("need", "need", 5000, "The need or problem must be 5,000 characters or fewer", ["title"]),
        (
            "evidence",
            "evidence_of_need",
            5000,
            "Why now must be 5,000 characters or fewer",
            ["title", "need", "who", "ages", "wards"],
        ),
        (
            "decisions",
            "decisions_informed",
            3000,
            "Decisions it would inform must be 3,000 characters or fewer",
            ["title", "need", "who", "ages", "wards", "evidence", "indicators"],
        ),
    ],
)
def test_over_long_answers_get_a_clear_message_and_keep_the_text(
    client_request: ClientRequest,
    wards: dict[str, str],
    slug: str,
    field: str,
    limit: int,
    message: str,
    earlier: list[str],
) -> None:
    if earlier:
        walk(client_request, {name: DEFAULT_PAGES[name] for name in earlier})
    typed = "word " * (limit // 5) + "overflowing"
    assert len(typed) > limit
    page = answer_with_errors(client_request, f"/topics/propose/{slug}", {field: typed})
    assert error_summary_texts(page) == [message]
    shown = page.select_one(f"#{field}")
    value = shown.get("value") if shown.name == "input" else shown.get_text()
    assert value.strip() == typed.strip(), "what was typed is kept"


def test_change_links_return_to_check_your_answers(client_request: ClientRequest, wards: dict[str, str]) -> None:
    walk(client_request)
    page = client_request.get("/topics/propose/title?change=1")
    assert page.select_one("a.govuk-back-link")["href"] == "/topics/propose/check"
    response = client_request.post("/topics/propose/title?change=1", {"title": "Isolation in later life"})
    assert response.headers["Location"] == "/topics/propose/check"
    # Becoming a stakeholder opens a new page before going back.
    response = client_request.post("/topics/propose/proposer?change=1", {"proposer_type": "stakeholder"})
    assert response.headers["Location"] == "/topics/propose/organisation?change=1"
    response = client_request.post(
        "/topics/propose/organisation?change=1", {"organisation": "Age Concern Wolverhampton", "sector": "vcs"}
    )
    assert response.headers["Location"] == "/topics/propose/check"
    submit(client_request)
    [proposal] = stored()
    assert proposal.title == "Isolation in later life"
    assert (proposal.proposer_type, proposal.proposer_organisation, proposal.proposer_sector) == (
        "stakeholder",
        "Age Concern Wolverhampton",
        "vcs",
    )


def test_organisation_page_is_asked_only_of_stakeholders(client_request: ClientRequest, wards: dict[str, str]) -> None:
    walk(client_request, {k: v for k, v in DEFAULT_PAGES.items() if k not in {"contact"}})
    response = client_request.response("/topics/propose/organisation")
    assert response.status_code == 303, "a member of the public is not asked about an organisation"
    response = client_request.post("/topics/propose/proposer", {"proposer_type": "stakeholder"})
    assert response.headers["Location"] == "/topics/propose/organisation"
    page = answer_with_errors(client_request, "/topics/propose/organisation", {"organisation": ""})
    assert error_summary_texts(page) == ["Enter the name of your organisation", "Select your organisation’s sector"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "ada@example.org"}, "Select the box to agree to emails about your proposal"),
        ({"consent": "y"}, "Enter your email address to get emails about your proposal"),
        ({"email": "not-an-email", "consent": "y"}, "Enter an email address in the correct format"),
    ],
)
def test_email_updates_need_an_address_and_explicit_consent(
    client_request: ClientRequest, wards: dict[str, str], data: dict[str, str], message: str
) -> None:
    walk(client_request, {k: v for k, v in DEFAULT_PAGES.items() if k != "contact"})
    page = answer_with_errors(client_request, "/topics/propose/contact", data)
    assert error_summary_texts(page)[0].startswith(message)
    assert page.select_one("#email")["value"] == data.get("email", ""), "what was typed is kept"


def test_no_email_means_no_receipt(client_request: ClientRequest, wards: dict[str, str], mailbox: Mailbox) -> None:
    walk(client_request, contact={})
    submit(client_request)
    [proposal] = stored()
    assert proposal.proposer_email == "" and not proposal.contact_consent
    assert mailbox.messages == []
    assert "confirmation email" not in client_request.get("/topics/propose/confirmation").get_text()


def test_wards_come_from_the_real_ward_list(client_request: ClientRequest, wards: dict[str, str]) -> None:
    walk(client_request, {k: DEFAULT_PAGES[k] for k in ("title", "need", "who", "ages")})
    page = client_request.get("/topics/propose/wards")
    labels = [label.get_text(strip=True) for label in page.select(".govuk-checkboxes__label")]
    assert labels == ["Bilston East", "Bilston North", "Blakenhall", "The whole city"]
    for data, message in [
        ({}, "Select the wards affected, or select the whole city"),
        ({"wards": ["E05001321", "whole_city"]}, "Select particular wards or the whole city, not both"),
        ({"wards": ["E09999999"]}, "Select wards from the list"),
    ]:
        page = answer_with_errors(client_request, "/topics/propose/wards", data)
        assert error_summary_texts(page) == [message]
    client_request.post("/topics/propose/wards", {"wards": ["whole_city"]})
    walk(client_request, {k: v for k, v in DEFAULT_PAGES.items() if k not in {"title", "need", "who", "ages", "wards"}})
    assert "The whole city" in client_request.get("/topics/propose/check").get_text()
    submit(client_request)
    assert stored()[0].ward_links == []


def test_indicators_can_be_searched_and_linked(
    client_request: ClientRequest, wards: dict[str, str], indicators: list[Indicator]
) -> None:
    walk(client_request, {k: DEFAULT_PAGES[k] for k in ("title", "need", "who", "ages", "wards", "evidence")})
    page = client_request.get("/topics/propose/indicators")
    assert {i["value"] for i in page.select("input[name=indicators]")} == {"90001", "90002"}
    # Without JavaScript: the Search button saves what is ticked and shows the matches.
    response = client_request.post(
        "/topics/propose/indicators", {"indicators": ["90002"], "q": "loneliness", "action": "search"}
    )
    assert response.headers["Location"] == "/topics/propose/indicators?q=loneliness"
    page = client_request.get("/topics/propose/indicators?q=loneliness")
    ticked = [i["value"] for i in page.select("input[name=indicators][checked]")]
    offered = [i["value"] for i in page.select("input[name=indicators]:not([checked])")]
    assert ticked == ["90002"] and offered == ["90001"]
    # With HTMX: the search input asks for just the choices, carrying what is ticked.
    search = page.select_one("#indicator-search")
    assert search["hx-get"] == "/topics/propose/indicators" and search["hx-include"] == "[name='indicators']"
    fragment = client_request.get("/topics/propose/indicators?q=falls&indicators=90001", htmx=True)
    assert fragment.find("html") is None
    assert [i["value"] for i in fragment.select("input[checked]")] == ["90001"]
    assert [i["value"] for i in fragment.select("input:not([checked])")] == ["90002"]
    client_request.post("/topics/propose/indicators", {"indicators": ["90001", "nonsense"]})
    walk(client_request, {k: DEFAULT_PAGES[k] for k in ("decisions", "proposer", "contact")})
    assert "Loneliness in adults" in client_request.get("/topics/propose/check").get_text()
    submit(client_request)
    assert [link.indicator_id for link in stored()[0].indicator_links] == ["90001"]


def test_a_signed_in_proposer_is_linked_to_the_proposal(
    client_request: ClientRequest, login_as: Any, wards: dict[str, str]
) -> None:
    user = login_as(Role.PUBLIC, email="sam@example.org")
    walk(client_request, {k: v for k, v in DEFAULT_PAGES.items() if k != "contact"})
    page = client_request.get("/topics/propose/contact")
    assert page.select_one("#email")["value"] == "sam@example.org", "the account's address is offered"
    assert not page.select_one("#consent").has_attr("checked"), "but consent is never assumed"
    client_request.post("/topics/propose/contact", {})
    submit(client_request)
    [proposal] = stored()
    assert proposal.proposer_id == user.id and proposal.proposer_email == ""
    mine = client_request.get("/topics/mine")
    assert proposal.reference in mine.get_text()


# ---------------------------------------------------------------------------------------------------------------------
# Spam and duplicates
# ---------------------------------------------------------------------------------------------------------------------


def _check_form(client_request: ClientRequest) -> dict[str, str]:
    page = client_request.get("/topics/propose/check")
    form = page.find("form", action="/topics/propose/check")
    return {field["name"]: field.get("value", "") for field in form.find_all("input") if field.get("name")}


def test_sending_the_same_form_again_stores_one_proposal(client_request: ClientRequest, wards: dict[str, str]) -> None:
    walk(client_request)
    data = _check_form(client_request)
    first = client_request.post("/topics/propose/check", data)
    again = client_request.post("/topics/propose/check", data)  # Back, then Send again; or a double click
    assert first.headers["Location"] == again.headers["Location"] == "/topics/propose/confirmation"
    assert len(stored()) == 1


def test_the_honeypot_stops_bots(client_request: ClientRequest, wards: dict[str, str]) -> None:
    walk(client_request)
    data = _check_form(client_request)
    assert "website" in data, "the check page carries the hidden field"
    client_request.post("/topics/propose/check", {**data, "website": "http://spam.example"}, expected_status=400)
    assert stored() == []
    # Filled in on the first page instead: the proposal is refused at the end.
    other = ClientRequest(client_request.client.application.test_client())
    walk(other, title={"title": "Cheap pills", "website": "http://spam.example"})
    other.post("/topics/propose/check", _check_form(other), expected_status=400)
    assert stored() == []


def test_the_honeypot_is_hidden_from_people(client_request: ClientRequest) -> None:
    page = client_request.get("/topics/propose/title")
    trap = page.select_one("input[name=website]")
    wrapper = trap.find_parent("div")
    assert "govuk-!-display-none" in wrapper["class"] and wrapper["aria-hidden"] == "true"
    assert trap["tabindex"] == "-1" and trap["autocomplete"] == "off"


def test_a_form_sent_faster_than_a_person_could_is_refused(
    app: Flask, client_request: ClientRequest, wards: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 3)
    walk(client_request)
    data = _check_form(client_request)
    response = client_request.post("/topics/propose/check", data)
    assert response.headers["Location"] == "/topics/propose/check"
    assert stored() == []
    page = client_request.get("/topics/propose/check")
    assert "We could not send your proposal" in page.get_text()
    draft = db.session.scalar(select(ProposalDraft))
    # A forged or altered time is refused too.
    client_request.post("/topics/propose/check", {**data, "started": data["started"] + "x"})
    assert stored() == []
    # The same form, started long enough ago (the time is signed, so only the server can say so).
    with app.test_request_context():
        earlier = wizard.sign_started(datetime.now(UTC) - timedelta(seconds=10), draft.id)
    response = client_request.post("/topics/propose/check", {**data, "started": earlier})
    assert response.headers["Location"] == "/topics/propose/confirmation"
    assert len(stored()) == 1


def test_the_start_time_comes_from_the_first_page(
    app: Flask, client_request: ClientRequest, wards: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PROPOSAL_MIN_FILL_SECONDS", 3)
    title_page = client_request.get("/topics/propose/title")
    token = title_page.select_one("input[name=started]")["value"]
    with app.test_request_context():
        started = wizard.read_started(token)
        earlier = wizard.sign_started(datetime.now(UTC) - timedelta(seconds=60))
    assert started is not None and abs((datetime.now(UTC) - started).total_seconds()) < 5
    walk(client_request, title={**DEFAULT_PAGES["title"], "started": earlier})
    response = client_request.post("/topics/propose/check", _check_form(client_request))
    assert response.headers["Location"] == "/topics/propose/confirmation"


def test_one_address_may_send_only_so_many(
    app: Flask, client_request: ClientRequest, wards: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PROPOSAL_SUBMIT_RATE_LIMIT", "2 per minute")
    for _ in range(2):
        walk(client_request)
        submit(client_request)
    walk(client_request)
    submit(client_request, expected_status=429)
    assert len(stored()) == 2


def test_similar_published_titles_are_suggested_while_typing(client_request: ClientRequest, make_proposal: Any) -> None:
    published = make_proposal(title="Loneliness among older people")
    make_proposal(ProposalStatus.SUBMITTED, title="Loneliness in care homes")  # not public yet
    make_proposal(title="Air quality near schools")
    page = client_request.get("/topics/propose/title")
    title_input = page.select_one("input#title")
    assert title_input["hx-get"] == "/topics/propose/similar"
    assert title_input["hx-target"] == "#similar-proposals"
    assert title_input.find_parent("form")["method"] == "post", "the hx-get sits inside the real form"

    fragment = client_request.get("/topics/propose/similar?title=lonely+older+residents", htmx=True)
    assert fragment.find("html") is None
    assert "Has your topic already been proposed?" in fragment.get_text()
    links = {a["href"] for a in fragment.select("a")}
    assert links == {f"/topics/{published.reference}#support"}
    nothing = client_request.get("/topics/propose/similar?title=potholes", htmx=True)
    assert nothing.get_text(strip=True) == ""
    # Without JavaScript the same suggestions appear on the next page.
    client_request.post("/topics/propose/title", {"title": "Lonely older residents"})
    need = client_request.get("/topics/propose/need")
    assert need.select_one(f"a[href='/topics/{published.reference}#support']")
