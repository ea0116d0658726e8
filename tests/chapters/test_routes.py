"""Chapter pages: public visibility, the analysts' writing pages, commissioners' responses and the tracker."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.chapters import services
from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    CHAPTER_SECTIONS,
    Chapter,
    Indicator,
    IndicatorValue,
    Organisation,
    Proposal,
    ProposalStatus,
    RecommendationResponse,
    Role,
    User,
)
from portal.stats.forecast import LINEAR, MODEL_WORDS, pool_for, series_kind, shipped_pools
from tests.chapters.conftest import LINEAR_ID, REQUIRED_TEXT, Setup, london_days_ago
from tests.conftest import sign_in
from tests.helpers import ClientRequest, email_body, error_summary_texts

# Public ------------------------------------------------------------------------------------------------------------


def test_drafts_are_invisible_to_the_public_everywhere(
    client_request: ClientRequest, make_chapter: Callable[..., Setup], known_series: Indicator
) -> None:
    published = make_chapter("published", title="Published chapter")
    draft = make_chapter("draft", title="Secret draft chapter", indicator_ids=[LINEAR_ID])
    in_review = make_chapter("in_review", title="Chapter under review")
    services.projections_for(draft.chapter)

    listing = client_request.get("/chapters").get_text()
    assert "Published chapter" in listing
    assert "Secret draft chapter" not in listing and "Chapter under review" not in listing
    for setup in (draft, in_review):
        slug = setup.chapter.slug
        client_request.get(f"/chapters/{slug}", expected_status=404)
        client_request.get(f"/chapters/{slug}/recommendations", expected_status=404)
        client_request.get(f"/chapters/{slug}/population.json", expected_status=404)
        client_request.get(f"/chapters/{slug}/population.csv", expected_status=404)
    client_request.get(f"/chapters/{draft.chapter.slug}/projections/{LINEAR_ID}.json", expected_status=404)
    client_request.get(f"/chapters/{draft.chapter.slug}/projections/{LINEAR_ID}.csv", expected_status=404)
    report = client_request.get("/chapters/report").get_text()
    assert "Published chapter" in report
    assert "Secret draft chapter" not in report and "Chapter under review" not in report
    assert client_request.get(f"/chapters/{published.chapter.slug}").h1.get_text(strip=True) == "Published chapter"


def test_an_analyst_can_preview_a_draft_at_its_address(
    client: FlaskClient, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    draft = make_chapter("draft")
    sign_in(client, draft.analyst.email)
    page = client_request.get(f"/chapters/{draft.chapter.slug}")
    assert "This chapter is not published" in page.get_text()


def test_the_chapter_page_links_back_to_its_proposal_and_to_its_tracker(
    client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("published")
    page = client_request.get(f"/chapters/{setup.chapter.slug}")
    hrefs = [a["href"] for a in page.find_all("a", href=True)]
    assert f"/topics/{setup.chapter.proposal.reference}" in hrefs
    assert f"/chapters/{setup.chapter.slug}/recommendations" in hrefs
    assert [h2.get_text(strip=True) for h2 in page.select("section h2")] == [h for _, h in CHAPTER_SECTIONS]
    assert page.select_one("#section-summary").find_next("strong").get_text() == "hungry"


def test_the_example_chapter_states_each_projections_method_and_backtested_coverage_in_one_sentence(
    client_request: ClientRequest, make_prioritised: Callable[..., Proposal], known_series: Indicator
) -> None:
    proposal = make_prioritised("Food insecurity in families with young children", indicator_ids=[LINEAR_ID])
    proposal.is_example = True
    db.session.commit()
    assert services.seed().startswith("Example chapter added")
    chapter = db.session.query(Chapter).filter_by(is_example=True).one()

    page = client_request.get(f"/chapters/{chapter.slug}")
    pool = pool_for(series_kind(known_series.value_type, False), shipped_pools())
    assert pool.coverage80 is not None and pool.coverage95 is not None
    sentences = [p.get_text(" ", strip=True) for p in page.select("p") if "This projection" in p.get_text()]
    assert sentences == [
        f"This projection {MODEL_WORDS[LINEAR]} (it forecast this series' own past more closely than repeating the "
        f"latest value did); its intervals are set from how far such forecasts missed on {pool.series:,} "
        f"{pool.label}, and in a test on later values they were not set from, the 80% and 95% intervals contained "
        f"{100 * pool.coverage80:.0f}% and {100 * pool.coverage95:.0f}% of those values."
    ]

    # Too short to backtest: the same section says there is no interval, and the table leaves its cells empty.
    db.session.query(IndicatorValue).filter(
        IndicatorValue.indicator_id == LINEAR_ID, IndicatorValue.period_sortable >= 20180000
    ).delete()
    db.session.commit()
    text = client_request.get(f"/chapters/{chapter.slug}").get_text(" ", strip=True)
    assert "No interval is shown: with only 3 recorded values" in text
    assert "This projection" not in text and "The darker shaded band" not in text
    chart = client_request.client.get(f"/chapters/{chapter.slug}/projections/{LINEAR_ID}.json")
    assert chart.status_code == 200 and b"prediction interval" not in chart.data


def test_the_proposal_reaches_its_chapter_through_the_relationship(make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("published")
    proposal = db.session.get(Proposal, setup.chapter.proposal_id)
    assert proposal is not None and proposal.chapter is not None and proposal.chapter.slug == setup.chapter.slug


def test_future_need_shows_labelled_projections_with_their_tables_and_downloads(
    client_request: ClientRequest, make_chapter: Callable[..., Setup], known_series: Indicator
) -> None:
    setup = make_chapter("published", indicator_ids=[LINEAR_ID], age_groups=["65_plus"])
    page = client_request.get(f"/chapters/{setup.chapter.slug}")
    text = page.get_text()
    assert "Projection: A test series" in text
    assert "This projection continues a straight-line trend fitted to every recorded value" in text
    assert "the 80% and 95% intervals contained" in text
    assert "Population by age: a simple projection" in text
    chart_urls = [div["data-bokeh-json"] for div in page.select("[data-bokeh-json]")]
    assert chart_urls == [
        f"/chapters/{setup.chapter.slug}/projections/{LINEAR_ID}.json",
        f"/chapters/{setup.chapter.slug}/population.json",
    ]

    chart = client_request.response(chart_urls[0])
    assert chart.status_code == 200 and chart.mimetype == "application/json"
    assert "Projection: A test series" in json.dumps(chart.get_json())
    assert "Simple projection" in json.dumps(client_request.response(chart_urls[1]).get_json())

    download = client_request.response(f"/chapters/{setup.chapter.slug}/projections/{LINEAR_ID}.csv")
    assert download.headers["Content-Disposition"].startswith("attachment")
    lines = download.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Period,Shown as,Value,80% interval: lower")
    assert lines[-1].startswith("2025/26,Projection,30.0")


# Analysts ----------------------------------------------------------------------------------------------------------


def test_only_analysts_reach_the_writing_pages(
    client: FlaskClient, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("draft")
    response = client_request.response("/chapters/manage")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, setup.commissioner.email)
    client_request.get("/chapters/manage", expected_status=403)
    client_request.get(f"/chapters/manage/{setup.chapter.id}", expected_status=403)
    client_request.get("/chapters/overdue", expected_status=403)


def test_an_analyst_starts_writes_and_publishes_a_chapter_through_the_forms(
    app: object,
    client: FlaskClient,
    client_request: ClientRequest,
    make_prioritised: Callable[..., Proposal],
    make_user: Callable[..., User],
    mailbox: object,
) -> None:
    analyst = make_user(Role.ANALYST)
    reviewer = make_user(Role.ANALYST, email="reviewer@example.org")
    icb = Organisation(name="Black Country ICB", sector="commissioner", verified=True)
    db.session.add(icb)
    db.session.commit()
    commissioner = make_user(Role.COMMISSIONER, email="buyer@example.org", display_name="Sam Buyer", organisation=icb)
    proposal = make_prioritised("Healthy weight in children")
    sign_in(client, analyst.email)

    manage = client_request.get("/chapters/manage")
    assert "Healthy weight in children" in manage.select_one("#waiting-topics").get_text()
    client_request.post("/chapters/manage/new", {"proposal_id": str(proposal.id), "title": ""})
    chapter = db.session.query(Chapter).one()
    assert chapter.title == "Healthy weight in children"

    # The preview renders without saving.
    preview = client_request.post(
        f"/chapters/manage/{chapter.id}/sections/summary",
        {"body": "Draft **summary**", "preview": "1"},
        expected_status=200,
        htmx=True,
    )
    assert "<strong>summary</strong>" in preview.get_data(as_text=True)
    db.session.refresh(chapter)
    assert chapter.body_of("summary") == ""

    client_request.post(f"/chapters/manage/{chapter.id}/sections/summary", {"body": "Children's weight matters."})
    for key, body in REQUIRED_TEXT.items():
        if key != "summary":
            client_request.post(f"/chapters/manage/{chapter.id}/sections/{key}", {"body": body})
    client_request.post(
        f"/chapters/manage/{chapter.id}/recommendations/new",
        {"text": "Fund more HENRY courses.", "priority": "high", "person_ids": [str(commissioner.id)]},
    )
    client_request.post(f"/chapters/manage/{chapter.id}/status", {"action": "submit"})
    # Whoever sent it for review cannot publish it: the page says so, and the button refuses.
    edit = client_request.get(f"/chapters/manage/{chapter.id}").get_text()
    assert "You sent this chapter for review, so another analyst must publish it" in edit
    client_request.post(f"/chapters/manage/{chapter.id}/status", {"action": "publish"})
    db.session.expire_all()
    assert not chapter.is_published

    reviewer_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(reviewer_client, reviewer.email)
    ClientRequest(reviewer_client).post(f"/chapters/manage/{chapter.id}/status", {"action": "publish"})
    db.session.expire_all()
    assert chapter.is_published
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.CHAPTER_PUBLISHED.value  # type: ignore[union-attr]
    assert "Fund more HENRY courses." in email_body(mailbox.last_to("buyer@example.org"))  # type: ignore[attr-defined]
    history = client_request.get(f"/chapters/manage/{chapter.id}/history")
    assert "Published" in history.select_one("#versions").get_text()
    sign_off = history.select_one("#sign-off").get_text(" ", strip=True)
    assert f"Sent for review by {analyst.email}" in sign_off and f"Published by {reviewer.email}" in sign_off
    old = client_request.get(f"/chapters/manage/{chapter.id}/history/2")
    assert "Children's weight matters." in old.get_text()


def test_recommendation_and_details_forms_show_govuk_errors_and_keep_what_was_typed(
    client: FlaskClient, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("draft")
    sign_in(client, setup.analyst.email)
    url = f"/chapters/manage/{setup.chapter.id}/recommendations/new"
    labels = [label.get_text(strip=True) for label in client_request.get(url).select("label[for^=organisation_ids]")]
    # The analyst sees who can answer for each organisation: the provider has no commissioner yet.
    assert f"{setup.icb.name} (Commissioner or integrated care board (ICB); 1 commissioner can respond)" in labels
    assert f"{setup.provider.name} (NHS provider; nobody can respond yet)" in labels
    response = client_request.post(url, {"text": "Do the thing.", "priority": "low"}, expected_status=200)
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert error_summary_texts(soup) == ["Select at least one organisation"]
    assert soup.select_one("textarea[name=text]").get_text() == "Do the thing."
    assert soup.title.get_text().startswith("Error: ")

    details = client_request.post(
        f"/chapters/manage/{setup.chapter.id}/details",
        {"title": "Food", "indicator_ids": "", "age_bands": "pensioners"},
        expected_status=200,
    )
    soup = BeautifulSoup(details.get_data(as_text=True), "html.parser")
    assert error_summary_texts(soup)[0].startswith("Enter age bands like 0-17")
    assert soup.select_one("input[name=age_bands]")["value"] == "pensioners"


def test_the_overdue_page_flags_missing_responses(
    client: FlaskClient, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("published")
    setup.chapter.published_at = london_days_ago(61)
    db.session.commit()
    sign_in(client, setup.analyst.email)
    rows = client_request.get("/chapters/overdue").select("#overdue-responses tbody tr")
    assert len(rows) == 3  # the ICB and the provider for the first recommendation, the council for the second
    assert "No response" in rows[0].get_text()
    assert {setup.icb.name, setup.provider.name, setup.council.name} == {
        name
        for name in (setup.icb.name, setup.provider.name, setup.council.name)
        for row in rows
        if name in row.get_text()
    }


# Commissioners and providers ---------------------------------------------------------------------------------------


def _response_form(**changes: str) -> dict[str, str]:
    target = london_today() + timedelta(days=120)
    data = {
        "decision": "partial",
        "rationale": "Vouchers help but outreach costs money.",
        "planned_action": "Outreach in two children's centres.",
        "lead": "Head of Children's Commissioning",
        "target_date": "",
    }
    data.update(changes)
    return data | {"target_date": [str(target.day), str(target.month), str(target.year)]}  # type: ignore[dict-item]


def test_a_commissioner_responds_and_the_response_appears_on_the_public_tracker(
    app: object, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("published")
    first = setup.recommendations[0]
    commissioner_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(commissioner_client, setup.commissioner.email)
    as_commissioner = ClientRequest(commissioner_client)

    mine = as_commissioner.get("/chapters/my-recommendations")
    assert "Increase uptake of Healthy Start vouchers." in mine.get_text()
    assert "Measure household food insecurity locally." not in mine.get_text()  # addressed to someone else

    as_commissioner.post(f"/chapters/recommendations/{first.id}/respond", _response_form())
    as_commissioner.post(f"/chapters/recommendations/{first.id}/progress", {"status": "on_track", "note": "Started."})

    tracker = client_request.get(f"/chapters/{setup.chapter.slug}/recommendations").get_text()
    assert f"Response from {setup.icb.name}" in tracker
    assert "Partially accepted" in tracker and "On track" in tracker and "Started." in tracker
    assert setup.commissioner.email not in tracker  # never an email address in public
    assert f"{setup.council.name} has not responded yet" in tracker  # the second recommendation's organisation
    assert "A commissioner" not in tracker and "commissioner" + "1" not in tracker


def test_a_commissioner_cannot_respond_to_someone_elses_recommendation(
    app: object, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("published")
    first, second = setup.recommendations
    draft = make_chapter("in_review", title="Unpublished")
    commissioner_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(commissioner_client, setup.commissioner.email)
    as_commissioner = ClientRequest(commissioner_client)

    as_commissioner.get(f"/chapters/recommendations/{second.id}/respond", expected_status=404)
    as_commissioner.post(f"/chapters/recommendations/{second.id}/respond", _response_form(), expected_status=404)
    as_commissioner.post(f"/chapters/recommendations/{second.id}/progress", {"status": "done"}, expected_status=404)
    as_commissioner.post(
        f"/chapters/recommendations/{draft.recommendations[0].id}/respond", _response_form(), expected_status=404
    )
    as_commissioner.post(f"/chapters/recommendations/{first.id}/acknowledge", {}, expected_status=403)
    assert db.session.query(RecommendationResponse).count() == 0


def test_the_response_form_explains_what_is_missing(app: object, make_chapter: Callable[..., Setup]) -> None:
    setup = make_chapter("published")
    commissioner_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(commissioner_client, setup.commissioner.email)
    response = ClientRequest(commissioner_client).post(
        f"/chapters/recommendations/{setup.recommendations[0].id}/respond",
        {"decision": "accept", "rationale": "Yes.", "planned_action": "", "lead": "", "target_date": ["", "", ""]},
        expected_status=200,
    )
    errors = error_summary_texts(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
    assert errors == ["Enter the action you plan to take", "Enter who will lead the action", "Enter a target date"]


def test_a_provider_acknowledges_a_recommendation_for_their_organisation(
    app: object, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("published")
    provider_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(provider_client, setup.stakeholder.email)
    as_provider = ClientRequest(provider_client)
    assert "Acknowledge" in as_provider.get("/chapters/my-recommendations").get_text()
    as_provider.get(f"/chapters/recommendations/{setup.recommendations[1].id}/acknowledge", expected_status=404)
    as_provider.post(f"/chapters/recommendations/{setup.recommendations[0].id}/acknowledge", {"note": ""})
    tracker = client_request.get(f"/chapters/{setup.chapter.slug}/recommendations").get_text()
    assert f"{setup.provider.name} (acknowledged" in tracker


# The report --------------------------------------------------------------------------------------------------------


def test_the_report_assembles_the_key_dataset_and_published_chapters_for_print(
    client_request: ClientRequest, make_chapter: Callable[..., Setup], seeded_indicators: object
) -> None:
    setup = make_chapter("published", title="Food insecurity in families")
    page = client_request.get("/chapters/report")
    assert page.h1.get_text(strip=True) == "Joint Strategic Needs Assessment: overview report"
    key_dataset = page.select_one("#key-dataset").find_parent("section").get_text()
    assert "Suicide rate" in key_dataset and "Wolverhampton" in key_dataset  # real indicators, real verdicts
    chapters = page.select_one("#chapters").find_parent("section").get_text()
    assert "Food insecurity in families" in chapters and "Families with young children go" in chapters
    assert "Increase uptake of Healthy Start vouchers." in chapters
    print_css = page.find("link", attrs={"media": "print"})
    assert print_css is not None and print_css["href"].split("?")[0].endswith("/css/print.css")
    assert client_request.response(print_css["href"]).status_code == 200
    assert setup.chapter.slug in str(page)


def test_every_writing_and_reply_page_renders_as_a_well_formed_page(
    app: object, client: FlaskClient, client_request: ClientRequest, make_chapter: Callable[..., Setup]
) -> None:
    draft = make_chapter("draft")
    published = make_chapter("published", title="Published one")
    services.respond(
        published.recommendations[0].id,
        published.commissioner,
        services.ResponseInput("accept", "Agreed.", "Do it.", "Lead", london_today() + timedelta(days=9)),
    )
    chapter_id, recommendation_id = draft.chapter.id, draft.recommendations[0].id
    sign_in(client, draft.analyst.email)
    for url in [
        "/chapters/manage",
        "/chapters/manage/new",
        f"/chapters/manage/{chapter_id}",
        f"/chapters/manage/{chapter_id}/details",
        f"/chapters/manage/{chapter_id}/sections/why",
        f"/chapters/manage/{chapter_id}/recommendations/new",
        f"/chapters/manage/{chapter_id}/recommendations/{recommendation_id}",
        f"/chapters/manage/{chapter_id}/history",
        f"/chapters/manage/{chapter_id}/history/1",
        f"/chapters/manage/{published.chapter.id}",
        "/chapters/overdue",
        f"/chapters/{draft.chapter.slug}",
        f"/chapters/{draft.chapter.slug}/recommendations",
    ]:
        client_request.get(url)
    client_request.get(f"/chapters/manage/{chapter_id}/sections/not-a-section", expected_status=404)
    # A recommendation id from another chapter is not editable through this chapter's address.
    client_request.get(
        f"/chapters/manage/{chapter_id}/recommendations/{published.recommendations[0].id}", expected_status=404
    )

    commissioner_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(commissioner_client, published.commissioner.email)
    as_commissioner = ClientRequest(commissioner_client)
    as_commissioner.get("/chapters/my-recommendations")
    as_commissioner.get(f"/chapters/recommendations/{published.recommendations[0].id}/progress")
    # Responding again goes to the progress page instead.
    again = as_commissioner.client.get(f"/chapters/recommendations/{published.recommendations[0].id}/respond")
    assert again.status_code == 303 and again.headers["Location"].endswith("/progress")

    provider_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(provider_client, published.stakeholder.email)
    ClientRequest(provider_client).get(f"/chapters/recommendations/{published.recommendations[0].id}/acknowledge")
