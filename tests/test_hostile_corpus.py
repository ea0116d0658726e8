"""At least 200 hostile values through every form field and query parameter of every GET and POST route, as an
anonymous visitor and as staff: no 5xx, and no HTML payload reflected raw. Each route's query parameters and each POST
form get a rotating slice of the corpus, so every value is used: 2 values per target in the suite, 8 in ``make verify``
(HOSTILE_INPUTS=verify: over 10,000 inputs, i.e. field values sent), which prints the counts."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import limiter
from portal.models import Role, User
from tests.conftest import sign_in
from tests.hostile_corpus import Tally, corpus, run

pytestmark = pytest.mark.slow
VERIFY = os.environ.get("HOSTILE_INPUTS") == "verify"


def test_the_corpus_is_large_and_hostile() -> None:
    values = corpus()
    assert len(values) >= 200
    assert any("\x00" in v for v in values) and any("\u202e" in v for v in values)
    assert any(len(v) > 100_000 for v in values) and any("<script>" in v for v in values)


def test_hostile_inputs_get_no_5xx_and_no_raw_reflection(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rate limits would answer 429 before the forms ever saw most values.
    monkeypatch.setattr(limiter, "enabled", False)
    per_target = 8 if VERIFY else 2
    anonymous, staff = Tally(), Tally()
    run(app, client, anonymous, per_target)
    user = make_user(Role.ANALYST, Role.STEERING, Role.ADMIN)
    sign_in(client, user.email)
    run(app, client, staff, per_target)
    print(f"\nhostile inputs, anonymous: {anonymous.summary()}")
    print(f"hostile inputs, staff: {staff.summary()}")
    assert anonymous.requests > 100 and staff.requests > anonymous.requests
    if VERIFY:
        assert anonymous.inputs + staff.inputs >= 10_000
    print(*anonymous.server_errors, *staff.server_errors, *anonymous.reflections, *staff.reflections, sep="\n")
    assert anonymous.server_errors + staff.server_errors == []
    assert anonymous.reflections + staff.reflections == []
