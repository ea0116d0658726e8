"""The public list, proposal pages and supports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import IndicatorSummaryRecord, Proposal, ProposalIndicator, ProposalStatus, ProposalWard, Role, User
from portal.proposals import examples, finding, lifecycle, supports, vocabulary
from portal.stats.comparison import Comparison
from tests.helpers import ClientRequest
from tests.indicators.conftest import seeded_indicators  # noqa: F401 - the real key dataset
from tests.test_performance_queries import queries_for

S = ProposalStatus


def titles(page: Any) -> list[str]:
    return [a.get_text(strip=True) for a in page.select("#proposal-results h2 a")]


def test_the_list_shows_only_published_proposals_with_status_tags(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    make_proposal(S.SUBMITTED, title="Waiting for moderation")
    make_proposal(S.NOT_PUBLISHED, title="Out of scope")
    make_proposal(S.PUBLISHED, title="Loneliness")
    make_proposal(S.SHORTLISTED, title="Dental health")
    page = client_request.get("/topics")
    assert sorted(titles(page)) == ["Dental health", "Loneliness"]
    tags = [tag.get_text(strip=True) for tag in page.select("#proposal-results .govuk-tag")]
    assert sorted(tags) == ["Published", "Shortlisted"]
    assert "2 topics" in page.select_one("#proposal-count").get_text()


def test_examples_are_tagged(client_request: ClientRequest, app: Any) -> None:
    examples.seed()
    page = client_request.get("/topics")
    assert len(page.select("#proposal-results .portal-example-tag")) == len(titles(page)) == 7
    detail = client_request.get(page.select_one("#proposal-results h2 a")["href"])
    assert detail.select_one(".portal-example-tag")


def test_search_filters_and_sort(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    make_user: Callable[..., User],
    wards: dict[str, str],
) -> None:
    lonely = make_proposal(title="Loneliness among older people", wards=["E05001321"])
    dental = make_proposal(
        S.SHORTLISTED, title="Children's dental health", proposer_type="stakeholder", sector="nhs_provider"
    )
    air = make_proposal(title="Air quality", need="Fumes near schools at 100% of peak times")
    for _ in range(2):
        supports.add_support(dental.id, make_user(Role.PUBLIC))
    supports.add_support(air.id, make_user(Role.PUBLIC))

    assert titles(client_request.get("/topics?q=dental")) == [dental.title]
    assert titles(client_request.get("/topics?q=fumes")) == [air.title], "search looks in the need too"
    assert titles(client_request.get("/topics?q=100%25")) == [air.title], "% is matched literally"
    assert titles(client_request.get(f"/topics?q={lonely.reference}")) == [lonely.title]
    assert titles(client_request.get("/topics?status=shortlisted")) == [dental.title]
    assert titles(client_request.get("/topics?ward=E05001321")) == [lonely.title]
    assert titles(client_request.get("/topics?ward=whole_city")) == [air.title, dental.title]
    assert titles(client_request.get("/topics?sector=nhs_provider")) == [dental.title]
    assert titles(client_request.get("/topics?sector=public")) == [air.title, lonely.title]
    assert titles(client_request.get("/topics")) == [air.title, dental.title, lonely.title], "newest first"
    assert titles(client_request.get("/topics?sort=supported")) == [dental.title, air.title, lonely.title]
    page = client_request.get("/topics?sort=supported&status=published")
    assert page.select_one("#topics-sort option[selected]")["value"] == "supported"
    assert page.select_one("#topics-status option[selected]")["value"] == "published"


def test_pagination_keeps_the_filters(client_request: ClientRequest, make_proposal: Callable[..., Proposal]) -> None:
    for number in range(vocabulary.PAGE_SIZE + 3):
        make_proposal(title=f"Topic number {number:02d}")
    first = client_request.get("/topics?q=topic")
    assert len(titles(first)) == vocabulary.PAGE_SIZE
    next_link = first.select_one(".govuk-pagination__next a")["href"]
    assert "q=topic" in next_link and "page=2" in next_link
    second = client_request.get(next_link)
    assert len(titles(second)) == 3
    assert set(titles(first)).isdisjoint(titles(second))


def test_active_search_returns_just_the_results(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    make_proposal(title="Loneliness")
    page = client_request.get("/topics")
    form = page.select_one("form[role=search]")
    assert form["action"] == "/topics" and form["method"] == "get"
    assert form["hx-get"] == "/topics" and form["hx-target"] == "#proposal-results"
    response = client_request.response("/topics?q=lonel", headers={"HX-Request": "true"})
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Loneliness" in html


def test_a_proposal_page_shows_answers_timeline_and_supports(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], wards: dict[str, str]
) -> None:
    proposal = make_proposal(S.SUBMITTED, wards=["E05001323"], name="Secret Name", email="secret@example.org")
    lifecycle.change_status(proposal.id, S.PUBLISHED, "Published because it is in scope.", None)
    lifecycle.change_status(proposal.id, S.SHORTLISTED, "It will be scored in March.", None)
    page = client_request.get(f"/topics/{proposal.reference}")
    assert page.h1.get_text(strip=True) == proposal.title
    text = page.get_text(" ", strip=True)
    assert "Blakenhall" in text and "A member of the public" in text
    assert "Published because it is in scope." in text and "It will be scored in March." in text
    assert "Secret Name" not in text and "secret@example.org" not in text, "personal data stays private"
    assert page.select_one("#support-count").get_text() == "0"
    sign_in = page.select_one("#support-panel a")
    assert sign_in["href"].startswith("/sign-in?next=")


def test_the_timeline_shows_each_change_at_its_uk_date_and_time(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    """Times are stored in UTC; a resident reads them as the clock in Wolverhampton showed them."""
    proposal = make_proposal(S.SUBMITTED)
    lifecycle.change_status(proposal.id, S.PUBLISHED, "Published because it is in scope.", None)
    lifecycle.change_status(proposal.id, S.SHORTLISTED, "It will be scored in March.", None)
    received, published, shortlisted = db.session.get(Proposal, proposal.id).events
    # 23:30 UTC on 4 June is 00:30 on 5 June in British Summer Time; in December UK time is UTC.
    received.occurred_at = datetime(2026, 6, 4, 23, 30, tzinfo=UTC)
    published.occurred_at = datetime(2026, 6, 5, 13, 15, tzinfo=UTC)
    shortlisted.occurred_at = datetime(2026, 12, 1, 13, 15, tzinfo=UTC)
    db.session.commit()
    times = [t.get_text(strip=True) for t in client_request.get(f"/topics/{proposal.reference}").select("ol time")]
    assert times == ["5 June 2026 at 12:30am", "5 June 2026 at 2:15pm", "1 December 2026 at 1:15pm"]


def test_linked_indicators_show_their_latest_verdict(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    indicators: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import portal.indicators.services as indicator_services

    proposal = make_proposal(indicators=["90001", "90002"])

    def summary(indicator_id: str) -> Any:
        if indicator_id == "90002":
            return None
        return SimpleNamespace(
            name="Loneliness in adults",
            compared_to_england=Comparison.WORSE,
            england_label="Worse",
            tag_colour="red",
            formatted_value="23.4%",
            period="2024",
            verdict="In 2024 Wolverhampton's rate was 23.4%, worse than England.",
        )

    def summaries(indicator_ids: Any, *, with_gap: bool = False) -> dict[str, Any]:
        return {indicator_id: summary(indicator_id) for indicator_id in indicator_ids}

    monkeypatch.setattr(indicator_services, "headline_summaries", summaries)
    page = client_request.get(f"/topics/{proposal.reference}")
    section = page.find("h2", id="indicators").find_next("dl")
    rows = section.select(".govuk-summary-list__row")
    assert rows[0].select_one("dt").get_text(strip=True) == "Loneliness in adults"
    assert rows[0].select_one(".govuk-tag--red").get_text(strip=True) == "Worse"
    assert "worse than England" in rows[0].get_text()
    assert "No recent figures" in rows[1].get_text()


def test_linked_indicators_without_data_say_so(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], indicators: list[Any]
) -> None:
    proposal = make_proposal(indicators=["90001"])
    page = client_request.get(f"/topics/{proposal.reference}")
    assert "No recent figures" in page.find("h2", id="indicators").find_next("dl").get_text()


@pytest.mark.usefixtures("seeded_indicators")
def test_linked_indicators_show_the_stored_summaries_read_in_one_query(
    client: FlaskClient,
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.indicators import summaries

    proposal = make_proposal()
    url = f"/topics/{proposal.reference}"
    db.session.add(ProposalIndicator(proposal_id=proposal.id, indicator_id="41001"))
    db.session.commit()
    one = queries_for(client, url)
    for indicator_id in ("93356", "91141", "dfe-cla-rate-per-10k"):
        db.session.add(ProposalIndicator(proposal_id=proposal.id, indicator_id=indicator_id))
    db.session.commit()
    assert queries_for(client, url) == one  # one query for every linked indicator's summary
    expected = [summaries.indicator_summary(i) for i in ("41001", "93356", "91141", "dfe-cla-rate-per-10k")]

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a summary was computed during the request")

    monkeypatch.setattr(summaries, "summarise", forbidden)
    section = client_request.get(url).find("h2", id="indicators").find_next("dl")
    text = section.get_text(" ", strip=True)
    for summary in expected:
        assert summary is not None and summary.name in text and summary.england_label in text
        assert summary.formatted_value in text
    # Without stored summaries the page has to compute them (so the patch above would have caught it).
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    with pytest.raises(AssertionError, match="a summary was computed"):
        client.get(url)


def test_linked_briefings_are_listed(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], monkeypatch: pytest.MonkeyPatch
) -> None:
    import portal.evidence.services as evidence_services

    proposal = make_proposal()
    briefing = SimpleNamespace(title="What works for loneliness", slug="what-works-loneliness", summary="Befriending.")
    monkeypatch.setattr(
        evidence_services, "published_briefings_for_proposal", lambda pid: [briefing] if pid == proposal.id else []
    )
    page = client_request.get(f"/topics/{proposal.reference}")
    link = page.find("a", string="What works for loneliness")
    assert link["href"].endswith("/what-works-loneliness")


@pytest.mark.parametrize("status", [S.SUBMITTED, S.NOT_PUBLISHED])
def test_unpublished_proposals_are_not_found_by_others(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    status: ProposalStatus,
) -> None:
    proposal = make_proposal(status)
    client_request.get(f"/topics/{proposal.reference}", expected_status=404)
    login_as(Role.PUBLIC)
    client_request.get(f"/topics/{proposal.reference}", expected_status=404)


def test_the_proposer_and_staff_can_see_an_unpublished_proposal(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    make_user: Callable[..., User],
) -> None:
    owner = make_user(Role.PUBLIC)
    proposal = make_proposal(S.SUBMITTED, proposer_id=owner.id, name="Owner Name")
    from tests.conftest import sign_in

    sign_in(client_request.client, owner.email)
    page = client_request.get(f"/topics/{proposal.reference}")
    assert "Owner Name" in page.get_text(), "the proposer sees their own details"
    client_request.post("/sign-out", {})
    login_as(Role.STEERING)
    page = client_request.get(f"/topics/{proposal.reference}")
    assert "Owner Name" not in page.get_text(), "personal data is for moderators' pages only"


def test_unknown_references_are_404(client_request: ClientRequest) -> None:
    client_request.get("/topics/JSNA-2026-9999", expected_status=404)
    client_request.get("/topics/not-a-reference", expected_status=404)


def test_a_merged_proposal_redirects_to_the_one_it_joined(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    target, duplicate = make_proposal(title="Target"), make_proposal(title="Duplicate")
    lifecycle.merge_proposals(duplicate.id, target.reference, "", None)
    response = client_request.response(f"/topics/{duplicate.reference}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/topics/{target.reference}?merged_from={duplicate.reference}"
    page = client_request.get(response.headers["Location"])
    assert f"{duplicate.reference} was on the same topic" in page.get_text()
    assert f"{duplicate.reference} merged into this proposal" in page.get_text(), "the timeline shows the merge"


def test_a_withdrawn_proposal_keeps_its_public_page(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    owner = make_user(Role.PUBLIC)
    published = make_proposal(proposer_id=owner.id)
    lifecycle.withdraw(published.id, owner)
    page = client_request.get(f"/topics/{published.reference}")
    assert "Withdrawn" in page.select_one("main h1 ~ p .govuk-tag").get_text()
    assert titles(client_request.get("/topics")) == []
    never_published = make_proposal(S.SUBMITTED, proposer_id=owner.id)
    lifecycle.withdraw(never_published.id, owner)
    client_request.get(f"/topics/{never_published.reference}", expected_status=404)


# ---------------------------------------------------------------------------------------------------------------------
# Supports
# ---------------------------------------------------------------------------------------------------------------------


def test_supporting_without_javascript(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal()
    login_as(Role.PUBLIC)
    page = client_request.get(f"/topics/{proposal.reference}")
    form = page.select_one("#support-panel form")
    assert form["action"] == f"/topics/{proposal.reference}/support" and form["method"] == "post"
    response = client_request.post(form["action"], {})
    assert response.headers["Location"] == f"/topics/{proposal.reference}"
    page = client_request.get(f"/topics/{proposal.reference}")
    assert page.select_one("#support-count").get_text() == "1"
    assert "You support this proposal" in page.select_one(".govuk-notification-banner").get_text()
    assert page.select_one("#support-panel form")["action"] == f"/topics/{proposal.reference}/support/remove"
    client_request.post(f"/topics/{proposal.reference}/support", {})  # again: still one
    assert finding.support_count(proposal.id) == 1
    client_request.post(f"/topics/{proposal.reference}/support/remove", {})
    assert finding.support_count(proposal.id) == 0


def test_supporting_with_htmx_swaps_the_panel(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal()
    login_as(Role.STAKEHOLDER)
    response = client_request.post(f"/topics/{proposal.reference}/support", {}, expected_status=200, htmx=True)
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="support-count">1<' in html and "You support this proposal" in html


def test_anonymous_visitors_are_sent_to_sign_in(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal()
    response = client_request.post(f"/topics/{proposal.reference}/support", {}, expected_status=302)
    assert response.headers["Location"].startswith("/sign-in")
    assert finding.support_count(proposal.id) == 0


def test_staff_without_a_public_role_cannot_support(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal()
    login_as(Role.ANALYST)
    client_request.post(f"/topics/{proposal.reference}/support", {}, expected_status=403)
    assert not client_request.get(f"/topics/{proposal.reference}").select("#support-panel form")


def test_unpublished_proposals_cannot_be_supported(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    login_as(Role.PUBLIC)
    client_request.post(f"/topics/{proposal.reference}/support", {}, expected_status=404)
    assert db.session.scalar(select(Proposal.support_count).where(Proposal.id == proposal.id)) == 0


def test_whole_city_filter_counts_proposals_without_wards(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], wards: dict[str, str]
) -> None:
    make_proposal(title="Citywide")
    make_proposal(title="Local", wards=["E05001322"])
    assert db.session.scalar(select(ProposalWard.ward_code)) == "E05001322"
    assert titles(client_request.get("/topics?ward=whole_city")) == ["Citywide"]


def test_a_proposal_links_to_its_published_chapter(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    from portal.models import Chapter, ChapterStatus

    proposal = make_proposal(S.PRIORITISED)
    chapter = Chapter(slug="dental-health", title="Children's dental health", proposal_id=proposal.id)
    db.session.add(chapter)
    db.session.commit()
    page = client_request.get(f"/topics/{proposal.reference}")
    assert not page.find("a", href="/chapters/dental-health"), "a draft chapter is not linked"
    chapter.status = ChapterStatus.PUBLISHED.value
    db.session.commit()
    page = client_request.get(f"/topics/{proposal.reference}")
    assert page.find("a", href="/chapters/dental-health").get_text(strip=True) == (
        "JSNA chapter: Children's dental health"
    )
