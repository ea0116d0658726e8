"""The scoring page's evidence labels a publisher's verdict and trend as theirs, as the indicator pages do, and reads
the summaries stored at import (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete

from portal.extensions import db
from portal.indicators import breakdowns, summaries
from portal.indicators.file_import import import_file
from portal.models import IndicatorSummaryRecord, ProposalIndicator
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.indicators.conftest import seeded_indicators  # noqa: F401 - the real key dataset
from tests.prioritisation.conftest import RoundSetup
from tests.test_performance_queries import queries_for

LIFE_EXPECTANCY = Path(__file__).resolve().parents[2] / "data/fingertips/processed_trafford_datalab/life_expectancy.csv"


def test_the_scoring_evidence_labels_the_publishers_verdict(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    assert import_file(LIFE_EXPECTANCY).ok  # no intervals or counts: the verdict is OHID's own
    setup = round_setup()
    db.session.add(ProposalIndicator(proposal_id=setup.proposals[0].id, indicator_id="90366"))
    db.session.commit()
    sign_in(client, setup.members[1].email)
    page = client_request.get(f"/prioritisation/rounds/{setup.round.id}/proposals/{setup.proposals[0].id}/score")
    evidence = page.select_one(".portal-evidence")
    assert evidence is not None
    tags = [tag.get_text(strip=True) for tag in evidence.select(".govuk-tag")]
    assert "Worse (as published by OHID)" in tags
    assert "worse than England (as published by OHID)" in evidence.get_text(" ", strip=True)


@pytest.mark.usefixtures("seeded_indicators")
def test_the_scoring_evidence_reads_the_stored_summaries_and_gaps_in_one_query(
    client: FlaskClient,
    client_request: ClientRequest,
    round_setup: Callable[..., RoundSetup],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert import_file(LIFE_EXPECTANCY).ok
    setup = round_setup()
    proposal = setup.proposals[0]
    url = f"/prioritisation/rounds/{setup.round.id}/proposals/{proposal.id}/score"
    db.session.add(ProposalIndicator(proposal_id=proposal.id, indicator_id="90366"))
    db.session.commit()
    sign_in(client, setup.members[1].email)
    expected = summaries.indicator_summary("90366")
    assert expected is not None and expected.inequality_gap is not None
    one = queries_for(client, url)
    for indicator_id in ("41001", "93356", "91141"):
        db.session.add(ProposalIndicator(proposal_id=proposal.id, indicator_id=indicator_id))
    db.session.commit()
    assert queries_for(client, url) == one  # one query for every linked indicator's summary

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a summary was computed during the request")

    monkeypatch.setattr(summaries, "summarise", forbidden)
    monkeypatch.setattr(breakdowns, "inequality_gap", forbidden)
    evidence = client_request.get(url).select_one(".portal-evidence")
    assert evidence is not None
    text = evidence.get_text(" ", strip=True)
    assert expected.verdict in text
    gap = expected.inequality_gap
    assert f"{gap.highest_category}:" in text and f"{gap.lowest_category}:" in text and gap.period in text
    assert "Suicide" in text and "No data has been loaded" not in text
    # Without stored summaries the page has to compute them (so the patches above would have caught it).
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    with pytest.raises(AssertionError, match="a summary was computed"):
        client.get(url)
