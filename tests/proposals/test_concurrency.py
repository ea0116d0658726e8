"""Many people sending at once: every distinct proposal is stored with its own reference; one submission sent
several times at once is stored exactly once. Runs on SQLite (WAL) here and on PostgreSQL in CI."""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Proposal
from portal.proposals import drafts, wizard
from tests.helpers import ClientRequest

ANSWERS: dict[str, Any] = {
    "title": "Topic",
    "need": "A need.",
    "population_groups": ["everyone"],
    "population_other": "",
    "age_groups": ["all"],
    "wards": ["whole_city"],
    "evidence_of_need": "Evidence.",
    "indicators": [],
    "decisions_informed": "Decisions.",
    "proposer_type": "public",
    "name": "",
    "email": "",
    "consent": False,
}


def ready_to_send(app: Flask, title: str) -> tuple[FlaskClient, dict[str, str]]:
    """A browser session whose answers are complete, and the final form as "Check your answers" renders it."""
    client = app.test_client()
    draft = drafts.create_draft()
    drafts.save_answers(draft, {**ANSWERS, "title": title, wizard.COMPLETED: [s.slug for s in wizard.STEPS]})
    with client.session_transaction() as session:
        session[wizard.DRAFT_KEY] = draft.id
    page = ClientRequest(client).get("/topics/propose/check")
    form = page.find("form", action="/topics/propose/check")
    return client, {field["name"]: field.get("value", "") for field in form.find_all("input") if field.get("name")}


def send_all_at_once(jobs: list[tuple[FlaskClient, dict[str, str]]]) -> list[Any]:
    """Post every final form from its own thread, all released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def send(index: int, client: FlaskClient, data: dict[str, str]) -> None:
        try:
            barrier.wait(timeout=30)
            response = client.post("/topics/propose/check", data=data)
            results[index] = (response.status_code, response.headers.get("Location"))
        except Exception as exc:  # reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=send, args=(i, c, d)) for i, (c, d) in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_people_sending_at_once_are_all_stored(app: Flask) -> None:
    jobs = [ready_to_send(app, f"Concurrent topic {n:02d}") for n in range(50)]
    db.session.remove()  # release this thread's connection, as a separate process would

    results = send_all_at_once(jobs)

    assert results == [(303, "/topics/propose/confirmation")] * 50
    db.session.expire_all()
    stored = list(db.session.scalars(select(Proposal)))
    assert sorted(p.title for p in stored) == [f"Concurrent topic {n:02d}" for n in range(50)]
    numbers = sorted(int(re.match(r"JSNA-\d{4}-(\d{4})$", p.reference).group(1)) for p in stored)
    assert numbers == list(range(1, 51)), "every reference is unique and none is skipped"
    assert all(len(p.events) == 1 for p in stored)


def test_the_same_submission_sent_five_times_at_once_is_stored_once(app: Flask) -> None:
    client, data = ready_to_send(app, "Sent five times")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copies = []
    for _ in range(5):  # five requests from the same browser session (a double click, retries)
        twin = app.test_client()
        twin.set_cookie("session", cookie.value, domain=cookie.domain)
        copies.append((twin, data))
    db.session.remove()

    results = send_all_at_once(copies)

    assert results == [(303, "/topics/propose/confirmation")] * 5
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    proposal = db.session.scalar(select(Proposal))
    assert proposal.title == "Sent five times" and proposal.idempotency_key == data["idempotency_key"]
    # Each of the five is shown the one reference.
    for twin, _ in copies:
        page = ClientRequest(twin).get("/topics/propose/confirmation")
        assert page.select_one(".govuk-panel strong").get_text(strip=True) == proposal.reference
