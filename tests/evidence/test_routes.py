"""Evidence pages: public list, search, briefing pages and downloads; analysts write, publish and attach files."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template
from sqlalchemy import func, select

from portal.clock import london_today
from portal.evidence import attaching, examples, reading, search, writing
from portal.extensions import db
from portal.models import EvidenceAttachment, EvidenceBriefing, Indicator, Proposal, Role, User
from tests.evidence.conftest import CSV_BYTES, PDF_BYTES, docx_bytes, stored_files, xlsx_bytes
from tests.helpers import ClientRequest, error_summary_texts

ANALYST_PAGES = [
    ("get", "/evidence/manage"),
    ("get", "/evidence/manage/new"),
    ("post", "/evidence/manage/new"),
    ("get", "/evidence/manage/{id}"),
    ("post", "/evidence/manage/{id}"),
    ("post", "/evidence/manage/{id}/publish"),
    ("post", "/evidence/manage/{id}/unpublish"),
    ("get", "/evidence/manage/{id}/attachments/new"),
    ("post", "/evidence/manage/{id}/attachments/new"),
    ("post", "/evidence/manage/{id}/attachments/1/delete"),
]


def form_data(**overrides: Any) -> dict[str, Any]:
    """What an analyst types into the briefing form."""
    today = london_today()
    published, review = today - timedelta(days=10), today + timedelta(days=700)
    data: dict[str, Any] = {
        "title": "Physical activity in older adults",
        "summary": "What helps older adults stay active.",
        "key_findings": "Strength and balance matter\nGroup activities help",
        "body": "# What works\n\nWalking groups.",
        "evidence_type": "systematic_review",
        "grade": "moderate",
        "topics": ["older_people", "healthy_lifestyles"],
        "tags": "falls, activity",
        "sources": "NICE NG249 | https://www.nice.org.uk/guidance/ng249",
        "published_on": [str(published.day), str(published.month), str(published.year)],
        "review_by": [str(review.day), str(review.month), str(review.year)],
        "indicator_ids": "",
        "proposal_references": "",
    }
    data.update(overrides)
    return data


# --- the public list and search ---------------------------------------------------------------------------------


def test_public_list_shows_published_briefings_as_cards(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    make_briefing(title="Published briefing on falls", topics=["older_people"])
    make_briefing(published=False, title="Secret draft on falls")
    page = client_request.get("/evidence")
    assert page.h1.get_text(strip=True) == "Evidence briefings"
    results = page.select_one("#evidence-results")
    assert results.select_one(".portal-briefing-card a").get_text(strip=True) == "Published briefing on falls"
    assert "Secret draft" not in page.get_text()
    assert "1 briefing" in results.h2.get_text(" ", strip=True)


def test_search_works_without_javascript_as_a_get_form(client_request: ClientRequest) -> None:
    page = client_request.get("/evidence")
    form = page.find("form", attrs={"role": "search"})
    assert form["method"] == "get" and form["action"] == "/evidence"
    assert {field["name"] for field in form.select("input, select")} >= {"q", "topic", "type", "grade"}
    assert form.find("button", attrs={"type": "submit"})
    assert form["hx-get"] == "/evidence" and form["hx-target"] == "#evidence-results"


def test_search_ranks_and_filters_and_keeps_what_was_chosen(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    make_briefing(title="Alcohol harm", summary="Drinking.", body="Alcohol and falls.", topics=["substance_misuse"])
    make_briefing(title="Falls prevention", summary="Strength.", body="Balance.", topics=["older_people"])
    page = client_request.get("/evidence?q=falls")
    titles = [a.get_text(strip=True) for a in page.select(".portal-briefing-card h3 a")]
    assert titles == ["Falls prevention", "Alcohol harm"]
    assert page.find("input", attrs={"name": "q"})["value"] == "falls"

    page = client_request.get("/evidence?q=falls&topic=substance_misuse")
    assert [a.get_text(strip=True) for a in page.select(".portal-briefing-card h3 a")] == ["Alcohol harm"]
    assert page.find("select", attrs={"name": "topic"}).find("option", selected=True)["value"] == "substance_misuse"


def test_unknown_filter_values_are_ignored(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    make_briefing()
    page = client_request.get("/evidence?topic=nonsense&type=%3Cscript%3E&grade=x&page=abc")
    assert len(page.select(".portal-briefing-card")) == 1
    assert "<script>" not in str(page.select_one("#evidence-results"))


def test_htmx_search_returns_only_the_results_fragment(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    make_briefing(title="Campylobacter cases")
    fragment = client_request.get("/evidence?q=campylobacter", htmx=True)
    assert fragment.find("h1") is None and fragment.find("form") is None
    assert fragment.select_one(".portal-briefing-card a").get_text(strip=True) == "Campylobacter cases"
    response = client_request.response("/evidence?q=campylobacter", headers={"HX-Request": "true"})
    assert "HX-Request" in response.headers["Vary"]


def test_no_results_page_says_what_to_try(client_request: ClientRequest) -> None:
    page = client_request.get("/evidence?q=zebra")
    assert "No briefings match your search" in page.get_text()


# --- a briefing's page ------------------------------------------------------------------------------------------


def test_briefing_page_shows_content_sources_and_links(
    client_request: ClientRequest,
    make_briefing: Callable[..., EvidenceBriefing],
    make_indicator: Callable[..., Indicator],
    make_proposal: Callable[..., Proposal],
) -> None:
    make_indicator("41001", "Suicide rate")
    public, hidden = make_proposal(title="Men's mental health"), make_proposal(status="submitted", title="Unmoderated")
    briefing = make_briefing(
        title="Suicide prevention",
        body="# Partnerships\n\nWork together. <script>alert(1)</script>[bad](javascript:alert(1))",
        indicator_ids=["41001"],
        proposal_references=[public.reference, hidden.reference],
        sources=[("NICE NG105", "https://www.nice.org.uk/guidance/ng105")],
    )
    page = client_request.get(f"/evidence/{briefing.slug}")
    assert page.h1.get_text(strip=True) == "Suicide prevention"
    assert page.find("h2", string="Partnerships")
    assert page.find("script", string=lambda text: text and "alert" in text) is None
    assert not page.find("a", href=lambda href: href and href.lower().startswith("javascript"))
    source = page.find("a", string="NICE NG105")
    assert source["href"] == "https://www.nice.org.uk/guidance/ng105"
    assert "noopener" in source["rel"] and "noreferrer" in source["rel"]
    text = page.get_text(" ", strip=True)
    assert "Suicide rate" in text and "Men's mental health" in text
    assert "Unmoderated" not in text, "a proposal the public cannot see is not shown"
    assert "Strength and balance" not in text and "Financial incentives help" in text


def test_example_briefings_carry_the_example_tag(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    examples.seed()
    page = client_request.get("/evidence")
    cards = page.select(".portal-briefing-card")
    assert len(cards) == 3  # the fourth example is a draft
    assert all(card.select_one(".portal-example-tag") for card in cards)
    page = client_request.get("/evidence/example-preventing-suicide-in-community-settings")
    assert page.select_one(".portal-example-tag").get_text(strip=True) == "Example"


def test_a_briefing_past_its_review_by_date_warns_that_it_may_be_out_of_date(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    today = london_today()
    stale = make_briefing(title="Old", published_on=today - timedelta(days=900), review_by=today - timedelta(days=1))
    fresh = make_briefing(title="New")
    warning = client_request.get(f"/evidence/{stale.slug}").select_one(".govuk-warning-text")
    assert "may be out of date" in warning.get_text()
    assert client_request.get(f"/evidence/{fresh.slug}").select_one(".govuk-warning-text") is None
    cards = client_request.get("/evidence").select(".portal-briefing-card")
    flagged = {card.h3.get_text(strip=True): "May be out of date" in card.get_text() for card in cards}
    assert flagged == {"Old": True, "New": False}


def test_staff_stale_list(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
) -> None:
    today = london_today()
    make_briefing(title="Overdue one", published_on=today - timedelta(days=900), review_by=today - timedelta(days=3))
    make_briefing(title="Fresh one")
    make_briefing(published=False, title="Draft one")
    login_as(Role.ANALYST)
    page = client_request.get("/evidence/manage")
    stale_titles = [a.get_text(strip=True) for a in page.select("#stale-briefings a")]
    assert stale_titles == ["Overdue one"]
    all_titles = {a.get_text(strip=True) for a in page.select("#all-briefings tbody a")}
    assert all_titles == {"Overdue one", "Fresh one", "Draft one"}


def test_briefing_card_fragment_renders_on_its_own(app: Flask, make_briefing: Callable[..., EvidenceBriefing]) -> None:
    briefing = make_briefing(title="Card title", summary="Card summary.")
    with app.test_request_context("/"):
        html = render_template("evidence/_briefing_card.html", briefing=briefing)
    assert f'href="/evidence/{briefing.slug}"' in html and "Card summary." in html and "<h2" in html


# --- drafts are invisible to the public everywhere --------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.PUBLIC, Role.STAKEHOLDER, Role.STEERING, Role.COMMISSIONER])
def test_drafts_are_invisible_to_the_public_everywhere(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    role: Role | None,
) -> None:
    draft = make_briefing(published=False, title="Unreleased measles briefing")
    attachment = attaching.add_attachment(draft.id, "draft.pdf", io.BytesIO(PDF_BYTES), None)
    if role:
        login_as(role)
    assert "Unreleased" not in client_request.get("/evidence").get_text()
    assert "Unreleased" not in client_request.get("/evidence?q=measles").get_text()
    assert "Unreleased" not in client_request.get("/evidence?q=measles", htmx=True).get_text()
    client_request.get(f"/evidence/{draft.slug}", expected_status=404)
    client_request.get(f"/evidence/{draft.slug}/attachments/{attachment.id}", expected_status=404)


def test_unpublishing_hides_a_briefing_and_its_files_again(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    briefing = make_briefing()
    attachment = attaching.add_attachment(briefing.id, "a.pdf", io.BytesIO(PDF_BYTES), None)
    assert client_request.response(f"/evidence/{briefing.slug}/attachments/{attachment.id}").status_code == 200
    writing.set_published(briefing.id, False, None)
    client_request.get(f"/evidence/{briefing.slug}", expected_status=404)
    client_request.get(f"/evidence/{briefing.slug}/attachments/{attachment.id}", expected_status=404)


def test_analysts_can_preview_drafts_and_their_files(
    client_request: ClientRequest, login_as: Callable[..., User], make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    draft = make_briefing(published=False, title="Preview me")
    attachment = attaching.add_attachment(draft.id, "a.pdf", io.BytesIO(PDF_BYTES), None)
    login_as(Role.ANALYST)
    page = client_request.get(f"/evidence/{draft.slug}")
    assert "This briefing is a draft" in page.get_text()
    response = client_request.response(f"/evidence/{draft.slug}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


# --- downloads --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type", "download"),
    [
        ("Report 2025.pdf", PDF_BYTES, "application/pdf", "Report 2025.pdf"),
        ("notes.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
        ("table.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
        ("data.csv", CSV_BYTES, "text/csv", None),
    ],
)
def test_downloads_are_attachments_with_nosniff(
    client_request: ClientRequest,
    make_briefing: Callable[..., EvidenceBriefing],
    name: str,
    data: bytes,
    content_type: str,
    download: str | None,
) -> None:
    briefing = make_briefing()
    attachment = attaching.add_attachment(briefing.id, name, io.BytesIO(data), None)
    page = client_request.get(f"/evidence/{briefing.slug}")
    link = page.find("a", string=download or name)
    assert link is not None
    response = client_request.response(link["href"])
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"].split(";")[0] == content_type
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert attachment.original_name in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_download_name_is_sanitised(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    briefing = make_briefing()
    attachment = attaching.add_attachment(briefing.id, 'x"; filename="evil.html.csv', io.BytesIO(CSV_BYTES), None)
    response = client_request.response(f"/evidence/{briefing.slug}/attachments/{attachment.id}")
    assert response.headers["Content-Disposition"] == 'attachment; filename="x filename evil html.csv"'


def test_unknown_attachment_is_404(
    client_request: ClientRequest, make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    briefing = make_briefing()
    client_request.get(f"/evidence/{briefing.slug}/attachments/999", expected_status=404)
    client_request.get("/evidence/no-such-briefing/attachments/1", expected_status=404)


# --- analysts write, publish and attach -------------------------------------------------------------------------


def test_analyst_writes_a_draft_then_publishes_it(
    client_request: ClientRequest, login_as: Callable[..., User], make_indicator: Callable[..., Indicator]
) -> None:
    make_indicator("41001", "Suicide rate")
    login_as(Role.ANALYST)
    page = client_request.get("/evidence/manage/new")
    assert page.h1.get_text(strip=True) == "Write a briefing"

    response = client_request.post("/evidence/manage/new", form_data(indicator_ids="41001"))
    briefing = db.session.scalar(select(EvidenceBriefing))
    assert response.headers["Location"] == f"/evidence/manage/{briefing.id}"
    assert briefing.status == "draft"
    assert briefing.topics == ["healthy_lifestyles", "older_people"]
    assert briefing.tag_list == ["falls", "activity"]
    assert [(s.title, s.url) for s in briefing.sources] == [("NICE NG249", "https://www.nice.org.uk/guidance/ng249")]
    assert [link.indicator_id for link in briefing.indicator_links] == ["41001"]
    assert search.search_briefings("activity").total == 0

    edit_page = client_request.get(f"/evidence/manage/{briefing.id}")
    assert "is saved as a draft" in edit_page.get_text()
    assert edit_page.find("input", attrs={"name": "indicator_ids"})["value"] == "41001"
    client_request.post(f"/evidence/manage/{briefing.id}/publish")
    assert search.search_briefings("activity").total == 1
    public_page = client_request.get(f"/evidence/{briefing.slug}")
    assert public_page.h1.get_text(strip=True) == "Physical activity in older adults"


def test_every_question_group_on_the_form_has_a_legend(
    client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    login_as(Role.ANALYST)
    page = client_request.get("/evidence/manage/new")
    legends = [fieldset.legend.get_text(strip=True) if fieldset.legend else "" for fieldset in page.select("fieldset")]
    assert legends == ["Type of evidence", "Strength of the evidence", "Topics", "Publication date", "Review by"]


def test_a_failed_form_keeps_what_was_typed_and_explains(
    client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    login_as(Role.ANALYST)
    data = form_data(
        title="x" * 201,
        grade="",
        topics=[],
        sources="Good | https://example.org\nBad | javascript:alert(1)",
        review_by=["31", "2", "2030"],
        proposal_references="",
    )
    response = client_request.post("/evidence/manage/new", data, expected_status=200)
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.title.get_text().startswith("Error: ")
    assert error_summary_texts(page) == [
        "Title must be 200 characters or fewer",
        "Select the strength of the evidence",
        "Select at least one topic",
        "Source on line 2: enter a web address starting with http:// or https://, like https://www.nice.org.uk",
        "Review-by date must be a real date",
    ]
    assert page.find("input", attrs={"name": "title"})["value"] == "x" * 201
    assert "javascript:alert(1)" in page.find("textarea", attrs={"name": "sources"}).get_text()
    assert page.find("input", attrs={"id": "review_by-day"})["value"] == "31"
    assert db.session.scalar(select(func.count()).select_from(EvidenceBriefing)) == 0


def test_unknown_links_are_reported_on_their_field(
    client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    login_as(Role.ANALYST)
    response = client_request.post(
        "/evidence/manage/new", form_data(indicator_ids="99999", proposal_references=""), expected_status=200
    )
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert error_summary_texts(page) == ["No indicator has the ID 99999"]


def test_review_by_before_publication_is_refused(client_request: ClientRequest, login_as: Callable[..., User]) -> None:
    login_as(Role.ANALYST)
    response = client_request.post(
        "/evidence/manage/new",
        form_data(published_on=["1", "6", "2026"], review_by=["1", "5", "2026"]),
        expected_status=200,
    )
    assert "Review-by date must be the same as or after the publication date" in response.get_data(as_text=True)


def test_analyst_edits_and_unpublishes(
    client_request: ClientRequest, login_as: Callable[..., User], make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    briefing = make_briefing()
    login_as(Role.ANALYST)
    page = client_request.get(f"/evidence/manage/{briefing.id}")
    assert page.find("input", attrs={"name": "title"})["value"] == briefing.title
    assert page.find("input", attrs={"id": "published_on-year"})["value"] == str(briefing.published_on.year)
    client_request.post(f"/evidence/manage/{briefing.id}", form_data(title="Renamed briefing"))
    db.session.expire_all()
    assert db.session.get(EvidenceBriefing, briefing.id).title == "Renamed briefing"
    client_request.post(f"/evidence/manage/{briefing.id}/unpublish")
    client_request.get(f"/evidence/{briefing.slug}", expected_status=200)  # analysts still preview it
    assert reading.get_published(briefing.slug) is None


# --- attachments through the form -------------------------------------------------------------------------------


def _upload(client_request: ClientRequest, briefing_id: int, name: str, data: bytes, status: int) -> Any:
    return client_request.post(
        f"/evidence/manage/{briefing_id}/attachments/new",
        {"file": (io.BytesIO(data), name)},
        expected_status=status,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [("report.pdf", PDF_BYTES), ("notes.docx", docx_bytes()), ("table.xlsx", xlsx_bytes()), ("data.csv", CSV_BYTES)],
)
def test_valid_files_are_accepted(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    upload_dir: Path,
    name: str,
    data: bytes,
) -> None:
    briefing = make_briefing()
    login_as(Role.ANALYST)
    _upload(client_request, briefing.id, name, data, 303)
    attachment = db.session.scalar(select(EvidenceAttachment))
    assert attachment.original_name == name and attachment.kind == name.rsplit(".", 1)[1]
    assert [p.name for p in stored_files(upload_dir)] == [attachment.stored_name]


HTML_PAGE = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
SVG_IMAGE = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", HTML_PAGE, "The selected file must be a PDF, DOCX, XLSX or CSV"),
        ("image.svg", SVG_IMAGE, "The selected file must be a PDF, DOCX, XLSX or CSV"),
        ("image.csv", SVG_IMAGE, "The selected file must be a PDF, DOCX, XLSX or CSV"),
        ("empty.pdf", b"", "The selected file is empty"),
        ("../../etc/passwd.pdf", PDF_BYTES, "The file name must not contain ‘/’, ‘\\’, ‘..’ or control characters"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    upload_dir: Path,
    name: str,
    data: bytes,
    message: str,
) -> None:
    briefing = make_briefing()
    login_as(Role.ANALYST)
    response = _upload(client_request, briefing.id, name, data, 200)
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert error_summary_texts(page) == [message]
    assert page.select_one(".govuk-error-message").get_text(" ", strip=True).endswith(message)
    assert stored_files(upload_dir) == []
    assert db.session.scalar(select(func.count()).select_from(EvidenceAttachment)) == 0


def test_no_file_chosen(
    client_request: ClientRequest, login_as: Callable[..., User], make_briefing: Callable[..., EvidenceBriefing]
) -> None:
    briefing = make_briefing()
    login_as(Role.ANALYST)
    response = _upload(client_request, briefing.id, "", b"", 200)
    assert "Select a file" in response.get_data(as_text=True)


def test_oversize_files_are_refused(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    app: Flask,
    upload_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    briefing = make_briefing()
    login_as(Role.ANALYST)
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_ATTACHMENT_BYTES", 2048)
    response = _upload(client_request, briefing.id, "big.pdf", PDF_BYTES + b" " * 4096, 200)
    assert "The selected file must be smaller than 2KB" in response.get_data(as_text=True)
    assert stored_files(upload_dir) == []

    # Beyond the whole request limit, the server refuses before reading the file: the 413 page.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 8192)
    response = _upload(client_request, briefing.id, "huge.pdf", PDF_BYTES + b" " * 20000, 413)
    assert "The file is too large" in response.get_data(as_text=True)
    assert stored_files(upload_dir) == []


def test_analyst_removes_an_attachment(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    upload_dir: Path,
) -> None:
    briefing = make_briefing()
    attachment = attaching.add_attachment(briefing.id, "a.pdf", io.BytesIO(PDF_BYTES), None)
    login_as(Role.ANALYST)
    page = client_request.get(f"/evidence/manage/{briefing.id}")
    buttons = [button.get_text(" ", strip=True) for button in page.select("form button")]
    assert "Remove a.pdf" in buttons
    client_request.post(f"/evidence/manage/{briefing.id}/attachments/{attachment.id}/delete")
    assert db.session.scalar(select(func.count()).select_from(EvidenceAttachment)) == 0
    assert stored_files(upload_dir) == []


# --- access rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ANALYST_PAGES)
@pytest.mark.parametrize("role", [Role.PUBLIC, Role.STAKEHOLDER, Role.STEERING, Role.COMMISSIONER])
def test_only_analysts_and_admins_can_write(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    upload_dir: Path,
    method: str,
    path: str,
    role: Role,
) -> None:
    briefing = make_briefing(published=False)
    attaching.add_attachment(briefing.id, "a.pdf", io.BytesIO(PDF_BYTES), None)
    login_as(role)
    url = path.format(id=briefing.id)
    if method == "get":
        client_request.get(url, expected_status=403)
    else:
        client_request.post(url, form_data(title="Hijacked"), expected_status=403)
    db.session.expire_all()
    unchanged = db.session.get(EvidenceBriefing, briefing.id)
    assert (unchanged.title, unchanged.status) == ("Smoking in pregnancy: what works", "draft")
    assert len(stored_files(upload_dir)) == 1


@pytest.mark.parametrize(("method", "path"), ANALYST_PAGES[:2])
def test_signed_out_visitors_are_sent_to_sign_in(client_request: ClientRequest, method: str, path: str) -> None:
    response = client_request.response(path)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN])
def test_analysts_and_admins_reach_the_staff_pages(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_briefing: Callable[..., EvidenceBriefing],
    role: Role,
) -> None:
    briefing = make_briefing()
    login_as(role)
    for url in ["/evidence/manage", "/evidence/manage/new", f"/evidence/manage/{briefing.id}"]:
        client_request.get(url)
    client_request.get(f"/evidence/manage/{briefing.id}/attachments/new")
    client_request.get("/evidence/manage/999", expected_status=404)
