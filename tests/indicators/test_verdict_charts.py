"""Charts colour each point by the verdict the table and the sentence give (issue 12): for life expectancy, which has
neither intervals nor counts, that is OHID's own verdict, labelled as theirs, with a legend entry and a table column
so colour is never the only cue (WCAG 1.4.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bokeh.models import GlyphRenderer, Scatter

from portal.charts.theme import SIGNIFICANCE_COLOURS
from portal.indicators import pages
from portal.indicators.file_import import import_file
from tests.helpers import ClientRequest

LIFE_EXPECTANCY = Path(__file__).resolve().parents[2] / "data" / "fingertips" / "processed_trafford_datalab"
INDICATOR = "90366"  # life expectancy at birth: Fingertips says Wolverhampton is Worse than England on every row


def _verdict_points(figure: Any) -> dict[str, str]:
    """Each verdict-coloured scatter's legend text (its "significance" column) -> its fill colour."""
    out = {}
    for renderer in figure.select(GlyphRenderer):
        data = renderer.data_source.data
        if isinstance(renderer.glyph, Scatter) and "significance" in data and data["significance"]:
            for text in set(data["significance"]):
                out[text] = renderer.glyph.fill_color
    return out


def test_trend_and_compare_points_follow_the_publishers_verdict(
    seeded_indicators: object, client_request: ClientRequest
) -> None:
    assert import_file(LIFE_EXPECTANCY / "life_expectancy.csv").ok
    page = pages.indicator_page(INDICATOR)
    assert page is not None
    label = page.summary.england_label
    assert label == "Worse (as published by OHID)"  # what the sentence and the "At a glance" table say
    assert "worse than England (as published by OHID)" in page.summary.verdict

    trend = next(c for c in page.charts if c.slug == "trend")
    verdict_column = [c.text for c in trend.columns].index("Compared with England")
    assert trend.rows[-1][verdict_column] == label  # the latest period's verdict in the table, in words
    assert trend.build is not None
    points = _verdict_points(trend.build())
    assert points == {label: SIGNIFICANCE_COLOURS["Worse"]}  # every period is OHID's Worse: red points, labelled

    compare = next(c for c in page.charts if c.slug.startswith("compare-"))
    area_row = next(r for r in compare.rows if r[0].endswith("(this area)"))
    assert area_row[-1] == label
    assert compare.build is not None
    colours = _verdict_points(compare.build())
    assert colours[label] == SIGNIFICANCE_COLOURS["Worse"]
    for text, colour in colours.items():  # every area's colour is the verdict its row in the table gives
        outcome = text.split(" (")[0]
        assert colour == SIGNIFICANCE_COLOURS[outcome]
        assert any(r[-1] == text or text.startswith(r[-1]) for r in compare.rows)

    # The chart JSON the browser draws carries the same labelled verdict.
    response = client_request.response(f"/indicators/{INDICATOR}/charts/trend.json")
    assert response.status_code == 200
    assert label in json.dumps(response.get_json())


def test_the_compare_table_and_its_csv_label_the_publishers_verdict(
    seeded_indicators: object, client_request: ClientRequest
) -> None:
    assert import_file(LIFE_EXPECTANCY / "life_expectancy.csv").ok
    page = client_request.get("/indicators/compare?topic=health")
    row = next(tr for tr in page.select("tbody tr") if "Life expectancy" in tr.get_text())
    home_cell = row.select("td")[2]  # period, England, then the home area (first of the group)
    assert home_cell.select_one(".govuk-tag").get_text(" ", strip=True).endswith("Worse (as published by OHID)")
    text = client_request.response("/indicators/compare.csv?topic=health").get_data(as_text=True)
    line = next(line for line in text.splitlines() if line.startswith("Life expectancy"))
    assert "Worse (as published by OHID)" in line
