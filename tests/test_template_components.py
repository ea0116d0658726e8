"""Summary lists and breadcrumbs have one markup each: the shared macros, so a fix to them reaches every page."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, render_template_string

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MACROS = TEMPLATES / "components" / "macros.html"
HAND_WRITTEN = re.compile(r'class="govuk-(summary-list|breadcrumbs)[\s"]')


def test_no_template_hand_writes_a_summary_list_or_breadcrumbs() -> None:
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path != MACROS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if HAND_WRITTEN.search(line)
    ]
    assert offenders == [], "use summary_list/summary_row from components/macros.html, or govukBreadcrumbs"


def test_a_summary_list_keeps_its_id_and_rows_without_an_action_say_so(app: Flask) -> None:
    html = render_template_string(
        '{% from "components/macros.html" import summary_list, summary_row %}'
        '{% call summary_list(id="sign-off") %}'
        '{{ summary_row("Topic", "Food <insecurity>", no_actions=true) }}'
        '{{ summary_row("Age bands", "None", action={"href": "/change", "text": "Change", '
        '"visually_hidden_text": "age bands"}) }}'
        "{% endcall %}"
    )
    assert '<dl class="govuk-summary-list" id="sign-off">' in html
    assert 'class="govuk-summary-list__row govuk-summary-list__row--no-actions"' in html
    assert "Food &lt;insecurity&gt;" in html, "values are escaped"
    assert (
        '<a class="govuk-link" href="/change">Change<span class="govuk-visually-hidden"> age bands</span></a>' in html
    )
