"""Section Markdown is sanitised by the shared renderer, then embedded blocks render — never drafts for the public."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import delete

from portal.chapters.blocks import BlockContext, BlockRef, find_blocks, render_section
from portal.extensions import db
from portal.indicators import chart_data, pages, summaries
from portal.models import EvidenceBriefing, IndicatorSummaryRecord, Survey


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    """Blocks render templates and build URLs, as they do inside a page."""
    with app.test_request_context("/chapters/example"):
        yield


def _briefing(slug: str, *, published: bool) -> EvidenceBriefing:
    briefing = EvidenceBriefing(
        slug=slug,
        title=f"Briefing {slug}",
        summary="What works to reduce food insecurity.",
        evidence_type="systematic_review",
        grade="moderate",
        published_on=date(2026, 1, 5),
        review_by=date.today() + timedelta(days=365),
        status="published" if published else "draft",
    )
    db.session.add(briefing)
    db.session.commit()
    return briefing


def _survey(title: str, *, results_published: bool) -> Survey:
    survey = Survey(title=title, summary="What families told us.", status="closed", results_published=results_published)
    db.session.add(survey)
    db.session.commit()
    return survey


def test_section_markdown_is_sanitised(request_context: None) -> None:
    html = str(
        render_section(
            "Hello <script>alert(1)</script> **world**\n\n"
            '<a href="javascript:alert(2)" onclick="steal()" hx-get="/admin/users" hx-trigger="load">link</a>\n\n'
            "[click](javascript:alert(3))\n\n"
            '<img src=x onerror="alert(4)">',
            BlockContext(staff=False),
        )
    )
    soup = BeautifulSoup(html, "html.parser")
    assert "<script" not in html and "alert(1)" not in html
    assert all(not a["href"].lower().startswith("javascript") for a in soup.find_all("a", href=True))
    assert 'href="javascript' not in html  # an unsafe Markdown link stays as plain text
    assert "onclick" not in html and "onerror" not in html
    assert "hx-get" not in html and "hx-trigger" not in html
    assert soup.find("strong").get_text() == "world"
    assert soup.find("img") is None


def test_a_briefing_block_shows_a_published_briefing_and_hides_a_draft_from_the_public(
    request_context: None,
) -> None:
    _briefing("healthy-start-works", published=True)
    _briefing("secret-draft", published=False)
    text = "Intro.\n\n{{briefing:healthy-start-works}}\n\n{{briefing:secret-draft}}\n\n{{briefing:no-such-thing}}"

    public = BlockContext(staff=False)
    html = str(render_section(text, public))
    assert "Briefing healthy-start-works" in html
    assert 'href="/evidence/healthy-start-works"' in html
    assert "secret-draft" not in html and "Not available" not in html and "no-such-thing" not in html
    assert "{{" not in html

    staff = BlockContext(staff=True)
    staff_html = str(render_section(text, staff))
    assert staff_html.count("Not available") == 2
    assert "the briefing is a draft" in staff_html and "there is no briefing with this slug" in staff_html
    assert "Briefing secret-draft" not in staff_html  # even staff see a note, not the draft's content
    assert len(staff.notes) == 2


def test_a_survey_block_needs_published_results(request_context: None) -> None:
    shown = _survey("Families and food", results_published=True)
    hidden = _survey("Results not yet out", results_published=False)
    html = str(render_section(f"{{{{survey:{shown.id}}}}}\n\n{{{{survey:{hidden.id}}}}}", BlockContext(staff=False)))
    assert "Families and food" in html
    assert f'href="/surveys/{shown.id}/results"' in html
    assert "Results not yet out" not in html


def test_an_indicator_block_draws_the_real_trend_chart_with_its_table(
    request_context: None, seeded_indicators: object
) -> None:
    html = str(render_section("{{indicator:93356}}\n\n{{indicator:does-not-exist}}", BlockContext(staff=False)))
    soup = BeautifulSoup(html, "html.parser")
    chart = soup.select_one("[data-bokeh-json]")
    assert chart is not None and chart["data-bokeh-json"] == "/indicators/93356/charts/trend.json"
    assert soup.select_one("table.govuk-table") is not None  # the chart's data as a table
    assert "Wolverhampton" in soup.get_text()  # the verdict sentence
    assert "does-not-exist" not in html
    # Wolverhampton has one period of 41001: a value in its table, not a lone dot on a trend chart.
    single = BeautifulSoup(str(render_section("{{indicator:41001}}", BlockContext(staff=False))), "html.parser")
    assert single.select_one("[data-bokeh-json]") is None
    assert single.select_one("table.govuk-table") is not None


def test_blocks_are_recognised_only_as_whole_paragraphs(request_context: None) -> None:
    _briefing("in-code", published=True)
    text = "Write `{{briefing:in-code}}` to embed it.\n\n    {{briefing:in-code}}\n\nInline {{briefing:in-code}} text."
    html = str(render_section(text, BlockContext(staff=False)))
    assert "Briefing in-code" not in html  # code, an indented code block and inline text stay text
    assert html.count("{{briefing:in-code}}") == 3
    assert find_blocks("{{briefing:a}}\n{{survey:2}}\n\nnot {{indicator:3}}") == [
        BlockRef("briefing", "a"),
        BlockRef("survey", "2"),
    ]


def test_a_block_reference_cannot_smuggle_markup(request_context: None) -> None:
    html = str(render_section('{{briefing:x" onmouseover="alert(1)}}\n\n{{survey:<b>1</b>}}', BlockContext(staff=True)))
    soup = BeautifulSoup(html, "html.parser")
    assert all(not tag.has_attr("onmouseover") for tag in soup.find_all(True))
    assert "Not available" not in html  # not block references at all: left as text


def test_an_indicator_block_reads_the_stored_summary_and_verdicts(
    request_context: None, seeded_indicators: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = summaries.indicator_summary("93356")
    assert expected is not None
    computed = render_section("{{indicator:93356}}", BlockContext(staff=False))

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a summary or a period's verdict was computed")

    monkeypatch.setattr(summaries, "summarise", forbidden)
    monkeypatch.setattr(pages, "summarise", forbidden)
    monkeypatch.setattr(chart_data, "period_verdicts", forbidden)
    html = str(render_section("{{indicator:93356}}", BlockContext(staff=False)))
    assert html == str(computed) and expected.verdict in BeautifulSoup(html, "html.parser").get_text()
    # Without stored summaries the block has to compute them (so the patches above would have caught it).
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    with pytest.raises(AssertionError, match="was computed"):
        render_section("{{indicator:93356}}", BlockContext(staff=False))
