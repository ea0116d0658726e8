"""The ward map on indicator pages: a choropleth of the wards with its table and CSV, where ward values exist."""

from __future__ import annotations

import json

import pandas as pd

from tests.indicators.test_routes import WARD_IMD, csv_rows, load_ward_imd, table_rows

WARD_SCORE = "imd2019-ward-score"


def test_indicator_with_ward_values_has_a_ward_map_table_and_csv(seeded_indicators, client_request) -> None:
    load_ward_imd(seeded_indicators)
    page = client_request.get(f"/indicators/{WARD_SCORE}")
    slot = page.select_one("#chart-ward-map")
    assert slot is not None and slot["data-bokeh-json"].startswith(f"/indicators/{WARD_SCORE}/charts/ward-map.json")
    block = slot.find_parent(class_="portal-chart-block")
    rows = table_rows(block.find("table"))
    assert rows[0] == ["Ward", "Score", "Rank (1 = highest)"]
    assert len(rows) == 21  # the 20 wards
    # Highest first, values and ranks as in the source file.
    scores = pd.read_csv(WARD_IMD).set_index("ward_code")["Score"]
    wards = scores[scores.index.isin([f"E0500{n}" for n in range(1321, 1341)])].sort_values(ascending=False)
    assert [row[1] for row in rows[1:]] == [f"{v:.1f}" for v in wards]
    assert [row[2] for row in rows[1:]] == [str(n) for n in range(1, 21)]
    assert not any("(this ward)" in row[0] for row in rows)
    assert "colour scale" in block.get_text()
    csv_link = block.find("a", href=lambda h: h and h.endswith("/charts/ward-map.csv"))
    assert csv_rows(client_request.response(csv_link["href"])) == rows
    drawn = json.loads(client_request.response(slot["data-bokeh-json"]).get_data(as_text=True))
    assert "ColorBar" in json.dumps(drawn)


def test_indicator_without_ward_values_has_no_ward_map(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators/93356")
    assert page.select_one("#chart-ward-map") is None
    assert client_request.response("/indicators/93356/charts/ward-map.json").status_code == 404
