"""The overview report labels a publisher's verdict as theirs, as the indicator pages do (issue 12)."""

from __future__ import annotations

from pathlib import Path

from portal.indicators.file_import import import_file
from tests.helpers import ClientRequest

LIFE_EXPECTANCY = Path(__file__).resolve().parents[2] / "data/fingertips/processed_trafford_datalab/life_expectancy.csv"


def test_the_report_labels_the_publishers_verdict(app: object, client_request: ClientRequest) -> None:
    assert import_file(LIFE_EXPECTANCY).ok  # no intervals or counts: the verdict is OHID's own
    page = client_request.get("/chapters/report")
    row = next(tr for tr in page.select("tr") if "Life expectancy" in tr.get_text())
    assert row.select_one(".govuk-tag").get_text(strip=True) == "Worse (as published by OHID)"
    assert "worse than England (as published by OHID)" in row.get_text(" ", strip=True)
