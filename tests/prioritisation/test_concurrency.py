"""Saves at the same moment lose nothing: one row per member × proposal × criterion, an exact change log."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Score, ScoreChange
from portal.prioritisation import services
from portal.prioritisation.services import ScoreEntry
from tests.prioritisation.conftest import RoundSetup


def _run_together(app: Flask, jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Run each job in its own thread and app context (its own database session), released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                job()
            except BaseException as exc:  # reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_members_saving_at_the_same_moment_lose_nothing(app: Flask, round_setup: Callable[..., RoundSetup]) -> None:
    setup = round_setup(members=6, proposals=2)
    round_id, proposal_id = setup.round.id, setup.proposals[0].id
    criteria_ids = [c.id for c in setup.criteria]
    member_ids = [m.id for m in setup.members]

    def save(member_id: int, value: int) -> Callable[[], Any]:
        entries = {cid: ScoreEntry(value, f"member {member_id}") for cid in criteria_ids}
        return lambda: services.save_scores(round_id, proposal_id, member_id, entries, reason="autosave")

    errors = _run_together(app, [save(member_id, 1 + i % 5) for i, member_id in enumerate(member_ids)])

    assert not errors, errors
    db.session.expire_all()
    rows = db.session.scalars(select(Score).where(Score.round_id == round_id)).all()
    assert len(rows) == len(member_ids) * len(criteria_ids)
    for i, member_id in enumerate(member_ids):
        mine = [r for r in rows if r.user_id == member_id]
        assert {r.value for r in mine} == {1 + i % 5}
        assert {r.comment for r in mine} == {f"member {member_id}"}
    changes = db.session.scalar(select(func.count(ScoreChange.id)).where(ScoreChange.round_id == round_id))
    assert changes == 2 * len(member_ids) * len(criteria_ids)  # a score and a comment for each


def test_one_member_saving_twice_at_once_keeps_one_row_and_an_exact_log(
    app: Flask, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup(members=2, proposals=2)
    round_id, proposal_id, member_id = setup.round.id, setup.proposals[1].id, setup.members[1].id
    criterion_id = setup.criteria[0].id
    values = [1, 2, 3, 4, 5, 1, 2, 3]

    def save(value: int) -> Callable[[], Any]:
        return lambda: services.save_scores(round_id, proposal_id, member_id, {criterion_id: ScoreEntry(value)})

    errors = _run_together(app, [save(v) for v in values])

    assert not errors, errors
    db.session.expire_all()
    rows = db.session.scalars(select(Score).where(Score.round_id == round_id)).all()
    assert len(rows) == 1, "two first saves of the same score must not create two rows"
    log = db.session.scalars(select(ScoreChange).where(ScoreChange.round_id == round_id).order_by(ScoreChange.id)).all()
    # Each change starts from the value the previous one left, and the last one is what is stored.
    assert log[0].old_value is None
    for before, after in itertools.pairwise(log):
        assert after.old_value == before.new_value
    assert log[-1].new_value == str(rows[0].value)
