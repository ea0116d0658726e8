"""The scoring page's evidence labels a publisher's verdict and trend as theirs, as the indicator pages do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

from portal.extensions import db
from portal.indicators.file_import import import_file
from portal.models import ProposalIndicator
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.prioritisation.conftest import RoundSetup

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
