"""Every table uses the one responsive pattern (issue 14 item 12): it sits in ``table_region`` from
templates/components/tables.html, which makes it a labelled region that scrolls sideways on a narrow screen."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from flask import Flask, render_template_string

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
COMPONENT = TEMPLATES / "components" / "tables.html"


def test_every_table_in_the_templates_sits_in_a_table_region() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path == COMPONENT:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "<table" not in line:
                continue
            before = next((text.strip() for text in reversed(lines[:number]) if text.strip()), "")
            if not re.match(r"\{%-? call table_region\(", before):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number + 1}")
    assert offenders == [], "wrap each table in {% call table_region(...) %} from components/tables.html"


def test_a_table_region_is_a_labelled_focusable_scroll_region(app: Flask) -> None:
    html = render_template_string(
        '{% from "components/tables.html" import table_region %}'
        '{% call table_region("Users <and> roles") %}<table class="govuk-table"></table>{% endcall %}'
        '{% call table_region(labelledby="rug-caption") %}<table class="govuk-table"></table>{% endcall %}'
    )
    first, second = BeautifulSoup(html, "html.parser").select("div.portal-table-scroll")
    assert (first["role"], first["tabindex"], first["aria-label"]) == ("region", "0", "Users <and> roles")
    assert "&lt;and&gt;" in html, "labels are escaped"
    assert second["aria-labelledby"] == "rug-caption" and not second.has_attr("aria-label")
    assert first.table is not None and second.table is not None
