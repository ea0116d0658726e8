"""Hostile input never gets a 5xx: ids beyond 32 bits, NUL bytes, absurd dates, invisible and bidi characters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Rule

from portal.forms import GovDateField
from portal.models import Role, User
from tests.conftest import sign_in
from tests.helpers import ClientRequest

TOO_BIG = ("2147483648", "99999999999999999999")
EVERY_ROLE = tuple(Role)


def _int_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())
    ]


def _url(rule: Rule, big: str, which: str) -> str:
    """The rule's URL with ``which`` set to ``big``, other numbers 1 and other parts plain words."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = big if name == which else ("1" if isinstance(converter, IntegerConverter) else "x")
        path = path.replace(f"<{_spec(rule, name)}>", value)
    return path


def _spec(rule: Rule, name: str) -> str:
    for converter, _, variable in _parse(rule.rule):
        if variable == name:
            return f"{converter}:{name}" if converter else name
    raise AssertionError(name)


def _parse(path: str) -> Iterator[tuple[str | None, None, str]]:
    import re

    for match in re.finditer(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", path):
        yield match.group(1), None, match.group(2)


@pytest.fixture
def everyone(client: FlaskClient, make_user: Callable[..., User]) -> FlaskClient:
    """Signed in with every role, so no access rule stops a request before the view reads its ids."""
    user = make_user(*EVERY_ROLE)
    sign_in(client, user.email)
    return client


def test_ids_beyond_32_bits_are_not_found_on_every_route(app: Flask, everyone: FlaskClient) -> None:
    rules = _int_rules(app)
    assert len(rules) > 40
    token = ClientRequest(everyone).csrf_token()
    failures = []
    for rule in rules:
        for name, converter in rule._converters.items():
            if not isinstance(converter, IntegerConverter):
                continue
            for big in TOO_BIG:
                url = _url(rule, big, name)
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    try:
                        status = everyone.open(url, method=method, data={"csrf_token": token}).status_code
                    except Exception as error:  # the test app raises what production would answer with a 500
                        status = f"500 ({type(error).__name__})"
                    if status != 404:
                        failures.append(f"{method} {url}: {status}")
    assert not failures, "\n".join(failures)


def test_query_parameters_with_nul_bytes_and_huge_numbers_never_give_a_server_error(
    app: Flask, everyone: FlaskClient
) -> None:
    hostile = "q=a%00b&page=99999999999999999999&sort=%00&area=%00&year=%00"
    failures = []
    for rule in app.url_map.iter_rules():
        if rule._converters or "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        try:
            status = everyone.get(f"{rule.rule}?{hostile}").status_code
        except Exception as error:  # the test app raises what production would answer with a 500
            status = 500
            failures.append(f"GET {rule.rule}?{hostile}: {type(error).__name__}")
        if status >= 500:
            failures.append(f"GET {rule.rule}?{hostile}: {status}")
    assert not failures, "\n".join(failures)


def test_a_nul_byte_in_a_path_is_not_found(everyone: FlaskClient) -> None:
    assert everyone.get("/topics/a%00b").status_code == 404


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("99999999999999999999", "1", "2027", "Deadline must be a real date"),
        ("1", "99999999999999999999", "2027", "Deadline must be a real date"),
        ("1", "1", "99999999999999999999", "Year must include 4 numbers"),
        ("1", "1", "0001", "Deadline must be the same as or after 1 January 1900"),
        ("٣", "1", "2027", "Deadline must be a real date"),
        ("31", "2", "2027", "Deadline must be a real date"),
    ],
)
def test_the_shared_date_field_refuses_absurd_dates_with_a_message(
    app: Flask, day: str, month: str, year: str, message: str
) -> None:
    from wtforms import Form

    class DeadlineForm(Form):
        deadline = GovDateField("Deadline", name_in_messages="Deadline")

    form = DeadlineForm(MultiDict([("deadline", day), ("deadline", month), ("deadline", year)]))
    assert not form.validate()
    assert form.deadline.errors == [message]


def test_the_shared_date_field_accepts_a_real_date(app: Flask) -> None:
    from wtforms import Form

    class DeadlineForm(Form):
        deadline = GovDateField("Deadline", name_in_messages="Deadline")

    form = DeadlineForm(MultiDict([("deadline", "7"), ("deadline", "03"), ("deadline", "2027")]))
    assert form.validate()
    assert form.deadline.data == date(2027, 3, 7)


BIDI_AND_INVISIBLE = "\u202eexe.\u202c\u2066x\u2069\u200b\u200c\u200d\u2060\ufeff"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Smoking\u202e in pregnancy", "Smoking in pregnancy"),
        ("Bilston\u200b East\u2060", "Bilston East"),
        ("a\x00b\x07c", "abc"),
        ("Line one\r\nLine two\ttab", "Line one\r\nLine two\ttab"),
        ("Ysgol Gymraeg – café 😀 شكرا", "Ysgol Gymraeg – café 😀 شكرا"),
    ],
)
def test_clean_text_removes_bidi_overrides_zero_width_and_control_characters(raw: str, cleaned: str) -> None:
    from portal.forms import clean_text

    assert clean_text(raw, name=True) == cleaned


def test_bidi_overrides_and_zero_width_characters_never_reach_a_stored_name(
    app: Flask, client_request: ClientRequest, db: Any, mailbox: Any
) -> None:
    client_request.post(
        "/register",
        {
            "display_name": "Ann\u202e\u200b Smith",
            "email": "ann@example.org",
            "password": "a long enough password",
            "password_confirm": "a long enough password",
            "account_type": "stakeholder",
            "organisation_name": "Penn\u2066 Surgery\u200d",
            "sector": "nhs_provider",
        },
    )
    from sqlalchemy import select

    user = db.session.scalar(select(User).where(User.email == "ann@example.org"))
    assert user.display_name == "Ann Smith"
    assert user.organisation.name == "Penn Surgery"


def test_passwords_are_kept_exactly_as_typed(app: Flask, client: FlaskClient, db: Any, mailbox: Any) -> None:
    from portal.auth.passwords import verify_password

    password = "zero\u200bwidth\u202e password"
    ClientRequest(client).post(
        "/register",
        {
            "email": "zw@example.org",
            "password": password,
            "password_confirm": password,
            "account_type": "public",
        },
    )
    from sqlalchemy import select

    user = db.session.scalar(select(User).where(User.email == "zw@example.org"))
    assert verify_password(user.password_hash, password)


@pytest.mark.parametrize("values", [["%00"], ["1", "2", "2026", "extra"], []])
def test_the_shared_date_field_redisplays_a_tampered_submission(app: Flask, values: list[str]) -> None:
    """Found by the hostile corpus: one value instead of three crashed the widget (a 500 on /surveys/manage/new)."""
    from flask_wtf import FlaskForm

    class DeadlineForm(FlaskForm):
        class Meta:
            csrf = False

        deadline = GovDateField("Deadline", name_in_messages="Deadline")

    with app.test_request_context():
        form = DeadlineForm(MultiDict([("deadline", value) for value in values]))
        form.validate()
        html = str(form.deadline())
    assert html.count('name="deadline"') == 3
