"""Releasing anonymous responses in shuffled batches, so the database cannot tie an answer to the person who sent it.

An anonymous answer is stored at once in ``survey_pending_responses`` (durable before the respondent is told it
was received). It becomes visible in ``survey_responses`` — results, exports, counts of answers — only as part of a
batch: once ``2 × batch`` answers are pending, all but ``batch`` of them are released, in a random order, by one
transaction; when the survey has closed, whatever is left goes in a last batch. Every batch therefore holds at
least ``batch`` answers (unless the whole survey had fewer), shares one ``xmin``, and its rows' physical order
(``ctid``, SQLite's rowid) says nothing about who answered first: the order is drawn so that no answer lands in the
position its arrival would have given it.

The batch size is ``SURVEY_RELEASE_BATCH`` (5; 1 releases each answer at once, used by tests of other features).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Survey, SurveyPendingResponse, SurveyResponse
from portal.surveys.state import SurveyState, survey_state

_random = secrets.SystemRandom()


def batch_size() -> int:
    """The smallest batch anonymous answers are released in."""
    return max(1, int(current_app.config.get("SURVEY_RELEASE_BATCH", 5)))


def pools_answers(survey: Survey) -> bool:
    """True when this survey's answers wait in the pending pool (anonymous surveys, with batching on)."""
    return survey.anonymous and batch_size() > 1


def released_count(survey_id: int) -> int:
    """Responses visible in results."""
    return db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id)) or 0


def pending_count(survey_id: int) -> int:
    """Answers received and stored but not yet released."""
    return db.session.scalar(select(func.count()).where(SurveyPendingResponse.survey_id == survey_id)) or 0


def add_pending(
    survey_id: int, response_id: str, sector: str, submitted_on: date, answers: dict, channel: str = ""
) -> None:
    """Put an anonymous answer in the pool (in the caller's transaction)."""
    db.session.add(
        SurveyPendingResponse(
            id=response_id,
            survey_id=survey_id,
            sector=sector,
            submitted_on=submitted_on,
            answers=answers,
            arrival=released_count(survey_id) + pending_count(survey_id),
            channel=channel,
        )
    )


def _shuffled(pending: Sequence[SurveyPendingResponse], count: int, first_slot: int) -> list[SurveyPendingResponse]:
    """``count`` of ``pending`` in a random order in which none sits at the position its arrival gives it."""
    chosen = _random.sample(list(pending), count)
    for _ in range(200):
        if all(row.arrival != first_slot + n for n, row in enumerate(chosen)):
            break
        chosen = _random.sample(list(pending), count)
    return chosen


def release_due(survey_id: int, today: date | None = None) -> int:
    """Release a batch if one is due (enough pending, or the survey has closed). Returns how many were released.

    Runs in its own transaction; when two requests try at once, one releases and the other finds nothing to do.
    """
    db.session.commit()  # never mix a release into the caller's work: it must be a transaction of its own
    try:
        survey = db.session.scalar(select(Survey).where(Survey.id == survey_id).with_for_update())
        if survey is None:
            db.session.rollback()
            return 0
        pending = list(
            db.session.scalars(
                select(SurveyPendingResponse)
                .where(SurveyPendingResponse.survey_id == survey_id)
                .order_by(SurveyPendingResponse.arrival)
            )
        )
        batch = batch_size()
        if not pending:
            db.session.rollback()
            return 0
        if survey_state(survey, today) is SurveyState.CLOSED or batch == 1:
            count = len(pending)
        elif len(pending) >= 2 * batch:
            count = len(pending) - batch  # keep a batch back, so the last release at closing is a full one too
        else:
            db.session.rollback()
            return 0
        chosen = _shuffled(pending, count, released_count(survey_id))
        gone = db.session.execute(
            delete(SurveyPendingResponse)
            .where(SurveyPendingResponse.id.in_([row.id for row in chosen]))
            .execution_options(synchronize_session=False)
        )
        if gone.rowcount != count:  # type: ignore[attr-defined]  # a DML Result is a CursorResult
            db.session.rollback()  # another request released some of them meanwhile
            return 0
        for row in chosen:
            db.session.expunge(row)
            db.session.add(
                SurveyResponse(
                    id=row.id,
                    survey_id=row.survey_id,
                    sector=row.sector,
                    submitted_on=row.submitted_on,
                    answers=row.answers,
                    channel=row.channel,
                )
            )
            db.session.flush()  # one row at a time, in the shuffled order
        db.session.commit()
        return count
    except OperationalError:
        # SQLite: another writer got in first. The answers stay pending and the next submit or read releases them.
        db.session.rollback()
        return 0


def release_if_closed(survey_id: int, today: date | None = None) -> None:
    """Before a closed survey's results or export are read, release the answers still pending (the last batch)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey_state(survey, today) is not SurveyState.CLOSED:
        return
    if db.session.scalar(select(SurveyPendingResponse.id).where(SurveyPendingResponse.survey_id == survey_id).limit(1)):
        release_due(survey_id, today)
