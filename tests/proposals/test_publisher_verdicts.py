"""A topic's linked indicators label a publisher's verdict as theirs, as the indicator pages do (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portal.indicators.file_import import import_file
from portal.models import Proposal
from tests.helpers import ClientRequest

LIFE_EXPECTANCY = Path(__file__).resolve().parents[2] / "data/fingertips/processed_trafford_datalab/life_expectancy.csv"


def test_a_topic_page_labels_the_publishers_verdict(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    assert import_file(LIFE_EXPECTANCY).ok  # no intervals or counts: the verdict is OHID's own
    proposal = make_proposal(indicators=["90366"])
    page = client_request.get(f"/topics/{proposal.reference}")
    row = page.find("h2", id="indicators").find_next("dl").select_one(".govuk-summary-list__row")
    assert row.select_one(".govuk-tag").get_text(strip=True) == "Worse (as published by OHID)"
    assert "worse than England (as published by OHID)" in row.get_text(" ", strip=True)
