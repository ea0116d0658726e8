"""Anonymous answers cannot be tied to the people who sent them, by any column, system column or row order.

The attacks are the ones that worked before: on PostgreSQL a join on ``xmin`` (the id of the transaction that wrote
a row) linked every signed-in and invited respondent to their answers, and the physical order of the rows (``ctid``;
SQLite's ``rowid``) lined up with the order of the participation marks. Each test here knows who sent what (every
answer carries a marker) and counts how many people an attack links to their own answer: it must be none.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from portal.models import Role, Survey, SurveyInvitation, SurveyParticipation, SurveyPendingResponse, SurveyResponse
from portal.surveys import answering, builder, release
from portal.surveys.answering import AnswerRefused, Refusal, Respondent
from portal.surveys.builder import token_hash
from tests.conftest import database_backend
from tests.surveys.conftest import build_survey

ONE_QUESTION = [("Parks", [{"kind": "short_text", "title": "Which park do you visit most?"}])]
BATCH = 5


@pytest.fixture
def batches_of_five(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Release anonymous answers in batches of five, as in production."""
    monkeypatch.setitem(app.config, "SURVEY_RELEASE_BATCH", BATCH)
    yield


@dataclass(frozen=True)
class Sender:
    """Someone who answered: an account or an invitation, and the marker in their answer."""

    user_id: int | None
    invitation_id: int | None
    marker: str


def _answer(survey: Survey, who: Respondent, marker: str) -> str:
    question = survey.questions[0]
    saved = answering.save_section(survey.id, who, 1, MultiDict({f"q{question.id}": marker}))
    assert saved.ok
    if saved.new_key:
        who = Respondent(who.user_id, who.is_stakeholder, who.invitation_id, saved.new_key)
    return answering.submit(survey.id, who)


def _invite(db: Any, survey: Survey, n: int) -> SurveyInvitation:
    invitation = SurveyInvitation(
        survey_id=survey.id,
        email=f"invited-{n}@example.org",
        token_hash=token_hash(secrets.token_urlsafe(16)),
        email_status="sent",
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _senders(
    db: Any, survey: Survey, make_user: Callable[..., Any], count: int, invited: Callable[[int], bool]
) -> list[Sender]:
    """``count`` people answer in turn: invited ones where ``invited(n)``, people with accounts otherwise."""
    senders = []
    for n in range(count):
        marker = f"marker-{n:02d}"
        if invited(n):
            invitation = _invite(db, survey, n)
            _answer(survey, Respondent(invitation_id=invitation.id), marker)
            senders.append(Sender(None, invitation.id, marker))
        else:
            user = make_user(Role.PUBLIC)
            _answer(survey, Respondent(user_id=user.id), marker)
            senders.append(Sender(user.id, None, marker))
    return senders


def _position(value: str) -> tuple[int, ...]:
    """A ctid "(page,item)" or a rowid, as something that sorts in physical order."""
    return tuple(int(part) for part in value.strip("()").split(","))


def _rows(db: Any, table: str, columns: str, survey_id: int, where: str = "") -> list[dict[str, Any]]:
    system = "xmin::text AS xmin, ctid::text AS position" if database_backend() == "postgresql" else "rowid AS position"
    sql = f"SELECT {columns}, {system} FROM {table} WHERE survey_id = :survey {where}"
    rows = [dict(row) for row in db.session.execute(text(sql), {"survey": survey_id}).mappings()]
    for row in rows:
        row["position"] = _position(str(row["position"]))
    return rows


def _marker(answers: Any) -> str:
    if isinstance(answers, str):
        answers = json.loads(answers)
    values = answers.values() if isinstance(answers, dict) else []
    found = [v for v in values if isinstance(v, str) and v.startswith("marker-")]
    assert len(found) == 1, answers
    return found[0]


def _owner(mark: dict[str, Any], senders: list[Sender]) -> str:
    """The marker of the person a participation or invitation row belongs to."""
    for sender in senders:
        if mark.get("user_id") is not None and mark["user_id"] == sender.user_id:
            return sender.marker
        if mark.get("invitation_id") is not None and mark["invitation_id"] == sender.invitation_id:
            return sender.marker
        if "invitation_id" not in mark and mark.get("id") == sender.invitation_id:
            return sender.marker
    raise AssertionError(f"no sender for {mark}")


def _linked_by_order(marks: list[dict[str, Any]], responses: list[dict[str, Any]], senders: list[Sender]) -> int:
    """People whose answer sits at the same place in the responses' physical order as their mark does in theirs."""
    marks = sorted(marks, key=lambda row: row["position"])
    ordered = sorted(responses, key=lambda row: row["position"])
    return sum(_owner(mark, senders) == _marker(row["answers"]) for mark, row in zip(marks, ordered, strict=False))


def _linked_by_xmin(
    marks: list[dict[str, Any]], responses: list[dict[str, Any]], senders: list[Sender]
) -> tuple[int, int, int]:
    """(rows sharing an xmin with a mark, people singled out by the nearest xmin, smallest set of candidates)."""
    shared = sum(1 for mark in marks for row in responses if row["xmin"] == mark["xmin"])
    singled_out, smallest = 0, len(responses)
    for mark in marks:
        distance = min(abs(int(row["xmin"]) - int(mark["xmin"])) for row in responses)
        candidates = [row for row in responses if abs(int(row["xmin"]) - int(mark["xmin"])) == distance]
        smallest = min(smallest, len(candidates))
        if len(candidates) == 1 and _marker(candidates[0]["answers"]) == _owner(mark, senders):
            singled_out += 1
    return shared, singled_out, smallest


def _assert_nothing_links(db: Any, survey: Survey, senders: list[Sender]) -> None:
    responses = _rows(db, "survey_responses", "id, answers, respondent_id, invitation_id", survey.id)
    participations = _rows(db, "survey_participations", "user_id, invitation_id, completed_on", survey.id)
    invitations = _rows(db, "survey_invitations", "id", survey.id, "AND used_on IS NOT NULL")
    assert len(responses) == len(participations) == len(senders)
    assert len(invitations) == sum(1 for s in senders if s.invitation_id is not None)
    assert sorted(_marker(row["answers"]) for row in responses) == sorted(s.marker for s in senders)
    assert all(row["respondent_id"] is None and row["invitation_id"] is None for row in responses)
    assert db.session.scalar(select(func.count()).select_from(SurveyPendingResponse)) == 0

    # Row order: the n-th participation and the n-th response belong to different people. In an invitation-only
    # survey the used invitations are in the order they were used, so they are tried the same way.
    assert _linked_by_order(participations, responses, senders) == 0
    if len(invitations) == len(senders):
        assert _linked_by_order(invitations, responses, senders) == 0
    # Timestamps: only days are kept on either side.
    assert {str(row["completed_on"]) for row in participations} == {str(_the_one_day(db, survey.id))}

    if database_backend() != "postgresql":
        return
    # xmin: no response was written by the transaction that wrote a mark, and the nearest transaction that wrote
    # responses wrote a whole batch, so it narrows nobody down to fewer than five answers.
    for marks in (participations, invitations):
        shared, singled_out, smallest = _linked_by_xmin(marks, responses, senders)
        assert shared == 0
        assert singled_out == 0
        assert smallest >= BATCH
    batch_sizes: dict[str, int] = {}
    for row in responses:
        batch_sizes[row["xmin"]] = batch_sizes.get(row["xmin"], 0) + 1
    assert min(batch_sizes.values()) >= BATCH, batch_sizes


def test_no_system_column_or_row_order_links_an_anonymous_answer_to_its_sender(
    db: Any, make_user: Callable[..., Any], batches_of_five: None
) -> None:
    """12 signed-in people and 3 invited ones (as in the report) answer an anonymous survey."""
    survey = build_survey(ONE_QUESTION, title="Parks", anonymous=True)
    senders = _senders(db, survey, make_user, 15, invited=lambda n: n % 5 == 4)
    builder.close_survey(survey.id, None)  # releases the last batch
    _assert_nothing_links(db, survey, senders)


def test_nothing_links_an_invitation_to_its_anonymous_answer(
    db: Any, make_user: Callable[..., Any], batches_of_five: None
) -> None:
    survey = build_survey(ONE_QUESTION, title="Parks", anonymous=True, audience="invite")
    senders = _senders(db, survey, make_user, 10, invited=lambda n: True)
    builder.close_survey(survey.id, None)
    _assert_nothing_links(db, survey, senders)


def _the_one_day(db: Any, survey_id: int) -> Any:
    """The one day every response was submitted on."""
    days = set(db.session.scalars(select(SurveyResponse.submitted_on).where(SurveyResponse.survey_id == survey_id)))
    assert len(days) == 1
    return days.pop()


def test_answers_are_stored_when_acknowledged_and_shown_in_batches_of_at_least_five(
    db: Any, make_user: Callable[..., Any], batches_of_five: None
) -> None:
    survey = build_survey(ONE_QUESTION, title="Parks", anonymous=True)
    shown = []
    for n in range(12):
        reference = _answer(survey, Respondent(), f"marker-{n:02d}")
        stored = {row.id[:8].upper() for row in db.session.scalars(select(SurveyPendingResponse))} | {
            row.id[:8].upper() for row in db.session.scalars(select(SurveyResponse))
        }
        assert reference in stored, "an acknowledged answer is stored before the respondent is told"
        assert builder.response_count(survey.id) == n + 1, "staff see how many answers came in"
        shown.append(release.released_count(survey.id))
    # Nothing shows until ten are in; then five at a time, always keeping five back for the last batch.
    assert shown == [0] * 9 + [5, 5, 5]
    assert release.pending_count(survey.id) == 7
    builder.close_survey(survey.id, None)
    assert release.released_count(survey.id) == 12 and release.pending_count(survey.id) == 0


def test_a_survey_past_its_closing_date_releases_the_rest_when_its_results_are_read(
    db: Any, batches_of_five: None
) -> None:
    from datetime import timedelta

    from portal.clock import london_today
    from portal.surveys import results

    survey = build_survey(ONE_QUESTION, title="Parks", anonymous=True)
    for n in range(6):
        _answer(survey, Respondent(), f"marker-{n:02d}")
    assert results.load_answers(survey.id) == []
    survey.closes_on = london_today() - timedelta(days=1)
    db.session.commit()
    assert len(results.load_answers(survey.id)) == 6


def test_identified_surveys_and_batches_of_one_show_answers_at_once(db: Any, make_user: Callable[..., Any]) -> None:
    survey = build_survey(ONE_QUESTION, title="Parks", anonymous=False)
    user = make_user(Role.PUBLIC)
    _answer(survey, Respondent(user_id=user.id), "marker-00")
    assert db.session.scalar(select(SurveyResponse.respondent_id)) == user.id


def test_an_interrupted_send_is_finished_once_by_sending_again(
    db: Any, make_user: Callable[..., Any], batches_of_five: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The participation mark was written, then the database went away before the answers were: sending again
    stores the answers once (nobody is locked out, and nothing is stored twice)."""
    survey = build_survey(ONE_QUESTION, title="Parks", anonymous=True)
    user = make_user(Role.PUBLIC)
    who = Respondent(user_id=user.id)
    question = survey.questions[0]
    assert answering.save_section(survey.id, who, 1, MultiDict({f"q{question.id}": "marker-00"})).ok

    real_add = release.add_pending

    def database_gone(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(release, "add_pending", database_gone)
    with pytest.raises(ConnectionError):
        answering.submit(survey.id, who)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SurveyParticipation)) == 1
    assert builder.response_count(survey.id) == 0

    monkeypatch.setattr(release, "add_pending", real_add)
    assert answering.submit(survey.id, who)
    assert builder.response_count(survey.id) == 1
    with pytest.raises(AnswerRefused) as again:
        answering.submit(survey.id, who)
    assert again.value.refusal is Refusal.ALREADY_ANSWERED
    assert builder.response_count(survey.id) == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyParticipation)) == 1
