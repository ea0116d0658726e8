"""A fresh install shows how the loop closes: one published example outcome page, marked as an example, that the
topic pages of the round's topics link to."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Outcome, PrioritisationRound
from portal.outcomes import examples
from tests.helpers import ClientRequest
from tests.prioritisation.test_examples import _seed_demo_content


def test_a_fresh_install_publishes_one_example_outcome_linked_from_its_topics(
    app: Any, client: FlaskClient, client_request: ClientRequest
) -> None:
    _seed_demo_content()
    closed = db.session.scalar(select(PrioritisationRound).where(PrioritisationRound.status == "closed"))
    outcome = db.session.scalar(select(Outcome))
    assert outcome is not None and outcome.round_id == closed.id and outcome.is_published and outcome.is_example

    listed = client_request.get("/outcomes")
    item = listed.select_one("#outcomes li")
    assert item.select_one("a")["href"] == f"/outcomes/{outcome.id}"
    assert item.select_one(".govuk-tag").get_text(strip=True) == "Example"

    page = client_request.get(f"/outcomes/{outcome.id}")
    assert page.select_one(".govuk-caption-l .govuk-tag").get_text(strip=True) == "Example"
    text = page.get_text(" ", strip=True)
    assert f"The steering group considered {len(closed.proposals)} topics." in text
    for entry in closed.proposals:
        assert entry.proposal.reference in text, "You said names every topic the round considered"
    # Every "We did" link leads somewhere real: the round's summary and the example chapter.
    we_did = [a["href"] for a in page.select("#we-did ~ ul a")]
    assert f"/prioritisation/rounds/{closed.id}/summary" in we_did
    assert any(href.startswith("/chapters/") for href in we_did)
    for href in we_did:
        assert client.get(href).status_code == 200, href

    summary = client_request.get(f"/prioritisation/rounds/{closed.id}/summary")
    assert summary.select_one(f"#what-came-of-it ~ p a[href='/outcomes/{outcome.id}']") is not None
    for entry in closed.proposals:
        topic = client_request.get(f"/topics/{entry.proposal.reference}")
        assert topic.select_one(f"a[href='/outcomes/{outcome.id}']") is not None

    assert "already present" in examples.seed()
    assert db.session.scalar(select(func.count()).select_from(Outcome)) == 1


def test_a_round_without_an_outcome_page_offers_the_email_sign_up(app: Any, client_request: ClientRequest) -> None:
    _seed_demo_content()
    closed = db.session.scalar(select(PrioritisationRound).where(PrioritisationRound.status == "closed"))
    db.session.delete(db.session.scalar(select(Outcome)))
    db.session.commit()
    summary = client_request.get(f"/prioritisation/rounds/{closed.id}/summary")
    sign_up = summary.select_one("#what-came-of-it ~ p a")
    assert sign_up["href"] == f"/outcomes/hear/round/{closed.id}"
    assert client_request.get(sign_up["href"]).select_one("input[name=email]") is not None


def test_no_example_outcome_without_a_closed_example_round(app: Any) -> None:
    assert "no example outcome" in examples.seed()
    assert db.session.scalar(select(func.count()).select_from(Outcome)) == 0
