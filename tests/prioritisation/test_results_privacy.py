"""While a round is open its results are the chair's only: a member cannot read others' per-criterion means."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from portal.models import Role, User
from portal.prioritisation import services
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.prioritisation.conftest import RoundSetup, score_all

RESULTS = (
    "results",
    "results/heatmap.csv",
    "results.xlsx",
    "results.csv",
    "results/ranking.json",
    "results/heatmap.json",
)
VALUES = [[[4] * 8, [2] * 8], [[5] * 8, [1] * 8], [[3] * 8, [3] * 8]]


def _statuses(client_request: ClientRequest, setup: RoundSetup) -> list[int]:
    base = f"/prioritisation/rounds/{setup.round.id}"
    return [client_request.response(f"{base}/{path}").status_code for path in RESULTS]


def test_a_member_cannot_read_results_while_the_round_is_open(
    client: FlaskClient,
    client_request: ClientRequest,
    round_setup: Callable[..., RoundSetup],
    login_as: Callable[..., User],
) -> None:
    setup = round_setup(members=3, proposals=2)
    score_all(setup, VALUES)

    sign_in(client, setup.members[1].email)
    assert _statuses(client_request, setup) == [403] * len(RESULTS)
    detail = client_request.get(f"/prioritisation/rounds/{setup.round.id}")
    assert not detail.select("a[href*='/results']")
    assert "You can see the results when the round closes" in detail.get_text()
    scoring = client_request.get(f"/prioritisation/rounds/{setup.round.id}/score")
    assert not scoring.select("a[href*='/results']")

    client_request.post("/sign-out", {})
    sign_in(client, setup.chair.email)
    assert _statuses(client_request, setup) == [200] * len(RESULTS)

    client_request.post("/sign-out", {})
    login_as(Role.ANALYST)
    assert _statuses(client_request, setup) == [200] * len(RESULTS)

    services.close_round(setup.round.id, setup.chair.id)
    client_request.post("/sign-out", {})
    sign_in(client, setup.members[1].email)
    assert _statuses(client_request, setup) == [200] * len(RESULTS), "once closed, every member sees the results"
