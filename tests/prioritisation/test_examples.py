"""A fresh install: the demo content shows one published example round, marked as an example, that staff can manage."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import PrioritisationRound, Role, User
from portal.seed import SEED_STEPS
from tests.helpers import ClientRequest


def _seed_demo_content() -> None:
    """Every ``flask seed`` step except loading the real indicator data (slow, and no example depends on it)."""
    for step in SEED_STEPS:
        module, function = step.split(":")
        if module.startswith("portal.indicators"):
            continue
        getattr(importlib.import_module(module), function)()


def test_a_fresh_install_shows_one_published_example_round_marked_as_an_example(
    app: Any, client: FlaskClient, client_request: ClientRequest
) -> None:
    _seed_demo_content()
    closed = db.session.scalar(select(PrioritisationRound).where(PrioritisationRound.status == "closed"))
    assert closed is not None and closed.is_example

    page = client_request.get("/prioritisation/")
    assert "No results have been published yet" not in page.get_text()
    links = page.select("main a[href^='/prioritisation/rounds/']")
    assert [a["href"] for a in links] == [f"/prioritisation/rounds/{closed.id}/summary"]
    item = links[0].find_parent("li")
    assert item.select_one(".govuk-tag").get_text(strip=True) == "Example"

    summary = client_request.get(f"/prioritisation/rounds/{closed.id}/summary")
    assert summary.select_one(".govuk-caption-l .govuk-tag").get_text(strip=True) == "Example"
    assert "made up" in summary.get_text(" ", strip=True)
    ranked = [row.select_one("td").get_text(strip=True) for row in summary.select("tbody tr")]
    assert ranked[0] == "1", "the example round's topics are ranked"

    # A topic page that says the topic was prioritised links to the published round that prioritised it.
    prioritised = next(e for e in closed.proposals if e.decision == "prioritised")
    topic = client_request.get(f"/topics/{prioritised.proposal.reference}")
    assert topic.select_one(f"a[href='/prioritisation/rounds/{closed.id}/summary']") is not None


def test_the_example_rounds_manage_heading_is_never_empty(
    app: Any, client: FlaskClient, client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    _seed_demo_content()
    closed = db.session.scalar(select(PrioritisationRound).where(PrioritisationRound.status == "closed"))
    login_as(Role.ANALYST)

    page = client_request.get(f"/prioritisation/rounds/{closed.id}")
    heading = page.find("h2", string="Manage this round")
    assert heading is not None
    buttons = heading.find_next_sibling("div", class_="govuk-button-group").select("button, a.govuk-button")
    assert [b.get_text(strip=True) for b in buttons] == ["Withdraw the public summary"]

    client_request.post(f"/prioritisation/rounds/{closed.id}/publish", {"publish": "0"})
    assert "No results have been published yet" in client_request.get("/prioritisation/").get_text()
    client_request.post(f"/prioritisation/rounds/{closed.id}/publish", {"publish": "1"})
    db.session.expire_all()
    assert db.session.get(PrioritisationRound, closed.id).is_published
