"""Quorum: a topic is ranked only when enough members scored it fully (by default a majority of the panel)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import PrioritisationRound, Proposal, Role, User
from portal.prioritisation import published, results, services
from portal.prioritisation.services import PrioritisationError, ScoreEntry
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.prioritisation.conftest import RoundSetup


def _full(setup: RoundSetup, member: int, proposal: int, value: int) -> None:
    entries = {c.id: ScoreEntry(value) for c in setup.criteria}
    services.save_scores(setup.round.id, setup.proposals[proposal].id, setup.members[member].id, entries)


@pytest.fixture
def thin(round_setup: Callable[..., RoundSetup]) -> RoundSetup:
    """Five members (a majority is 3). Topic A: 3 full scorings; topic B: 2 full and 1 partial; topic C: 3 full."""
    setup = round_setup(members=5, proposals=3, top_k=1)
    for member in range(3):
        _full(setup, member, 0, 4)
        _full(setup, member, 2, 2)
    _full(setup, 0, 1, 5)
    _full(setup, 1, 1, 5)
    partial = {c.id: ScoreEntry(5) for c in setup.criteria[:3]}
    services.save_scores(setup.round.id, setup.proposals[1].id, setup.members[2].id, partial)
    return setup


def test_the_default_quorum_is_a_majority_of_the_panel(thin: RoundSetup) -> None:
    assert thin.round.quorum is None and thin.round.effective_quorum == 3


def test_a_topic_below_the_quorum_is_never_ranked_however_high_its_scores(thin: RoundSetup) -> None:
    computed = results.compute_round_results(thin.round, names_shown=True)
    rows = {row.entry.proposal_id: row for row in computed.rows}
    a, b, c = (rows[p.id] for p in thin.proposals)
    assert (a.quorate, b.quorate, c.quorate) == (True, False, True)
    assert b.scorers == 2, "the partial scoring does not count"
    assert math.isnan(b.rank) and b.mean_score is None and b.p_top_k is None
    assert (a.rank, c.rank) == (1.0, 2.0), "B's 5s would have put it first"
    assert a.p_top_k is not None and c.p_top_k is not None
    assert [row.entry.proposal_id for row in computed.rows][-1] == thin.proposals[1].id
    assert all(v is None for v in b.criterion_means), "no means for a topic below the quorum"
    trial = results.what_if(results.load_arrays(thin.round), [1.0] * len(thin.criteria))
    assert [row.entry.proposal_id for row in trial if row.score is not None] == [
        thin.proposals[0].id,
        thin.proposals[2].id,
    ]

    public = {row.entry.proposal_id: row for row in published.public_rows(thin.round)}
    assert not public[thin.proposals[1].id].quorate and public[thin.proposals[1].id].score is None
    assert math.isnan(public[thin.proposals[1].id].rank)


def test_a_round_can_set_its_own_quorum_within_the_panel(
    round_setup: Callable[..., RoundSetup], make_user: Callable[..., User], make_proposal: Callable[..., Proposal]
) -> None:
    setup = round_setup(members=3, proposals=2)
    data = services.RoundInput(
        title=setup.round.title,
        description="",
        deadline=setup.round.deadline,
        chair_id=setup.chair.id,
        member_ids=[m.id for m in setup.members],
        proposal_ids=[p.id for p in setup.proposals],
        top_k=1,
        quorum=4,
    )
    analyst = make_user(Role.ANALYST)
    with pytest.raises(PrioritisationError, match="between 1 and 3"):
        services.update_round(setup.round.id, data, analyst.id)
    services.update_round(setup.round.id, services.RoundInput(**{**data.__dict__, "quorum": 1}), analyst.id)
    _full(setup, 0, 0, 3)
    db.session.expire_all()
    round_ = db.session.get(PrioritisationRound, setup.round.id)
    assert round_.effective_quorum == 1
    row = next(r for r in results.compute_round_results(round_, names_shown=True).rows if r.quorate)
    assert row.entry.proposal_id == setup.proposals[0].id and row.rank == 1.0


def test_the_results_page_says_not_enough_scores_and_gives_no_chance_of_the_top_k(
    client: FlaskClient, client_request: ClientRequest, thin: RoundSetup
) -> None:
    sign_in(client, thin.chair.email)
    page = client_request.get(f"/prioritisation/rounds/{thin.round.id}/results")
    cells = {
        row.select_one("th span").get_text(strip=True): [td.get_text(" ", strip=True) for td in row.select("td")]
        for row in page.select("#ranking-table tbody tr")
    }
    below = cells[thin.proposals[1].reference]
    assert below[0] == "Not enough scores" and below[2] == "2 of 3 needed"
    assert below[5] == "", "no chance of being in the top k below the quorum"
    assert cells[thin.proposals[0].reference][0] == "1" and cells[thin.proposals[0].reference][5].endswith("%")
    assert "ranked only when at least 3 members have scored it fully" in page.get_text(" ", strip=True)

    services.close_round(thin.round.id, thin.chair.id)
    services.publish_summary(thin.round.id, thin.chair.id)
    summary = client_request.get(f"/prioritisation/rounds/{thin.round.id}/summary")
    ranks = [row.select_one("td").get_text(strip=True) for row in summary.select("tbody tr")]
    assert ranks == ["1", "2", "Not enough scores"]


def test_submitting_part_of_a_topic_says_which_criteria_are_missing(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    member = setup.members[1]
    sign_in(client, member.email)
    url = f"/prioritisation/rounds/{setup.round.id}/proposals/{setup.proposals[0].id}/score"
    data = {f"score_{c.id}": "3" for c in setup.criteria[2:]}

    response = client_request.post(url, data)

    assert response.headers["Location"].endswith(url), "stays on the topic rather than moving on"
    text = client_request.get(url).get_text(" ", strip=True)
    missing = f"{setup.criteria[0].name.lower()} and {setup.criteria[1].name.lower()}"
    assert f"you have not scored {missing}" in text
    saved = services.member_scores(setup.round.id, setup.proposals[0].id, member.id)
    assert sorted(saved) == sorted(c.id for c in setup.criteria[2:]), "what was given is saved"


def test_the_analyst_sets_the_quorum_on_the_round_form(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_user: Callable[..., User],
    make_proposal: Callable[..., Proposal],
) -> None:
    services.create_default_criteria(None)
    people = [make_user(Role.STEERING, display_name=f"Member {i}") for i in range(4)]
    topics = [make_proposal(f"Topic {i}") for i in range(2)]
    login_as(Role.ANALYST)
    form = client_request.get("/prioritisation/rounds/new")
    assert form.select_one("input[name=quorum]") is not None
    deadline = date.today() + timedelta(days=7)
    client_request.post(
        "/prioritisation/rounds/new",
        {
            "title": "Quorum round",
            "deadline": [str(deadline.day), str(deadline.month), str(deadline.year)],
            "chair_id": str(people[0].id),
            "member_ids": [str(p.id) for p in people],
            "proposal_ids": [str(t.id) for t in topics],
            "top_k": "1",
            "quorum": "4",
        },
    )
    round_ = db.session.scalar(db.select(PrioritisationRound).where(PrioritisationRound.title == "Quorum round"))
    assert round_ is not None and round_.quorum == 4
