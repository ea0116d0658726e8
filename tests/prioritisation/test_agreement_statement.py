"""The results page's agreement sentence: the test used, and no claim when the panel is too small (issue 16)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from portal.prioritisation import results
from portal.prioritisation.export import significance_test_label
from portal.stats.prioritisation import kendalls_w
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.prioritisation.conftest import RoundSetup, score_all

# values[member][proposal][criterion]: three members who agree on the order A, C, D, B.
AGREEING = [
    [[5, 4, 4, 3, 5, 4, 3, 4], [2, 2, 3, 2, 2, 3, 2, 2], [4, 4, 5, 4, 3, 4, 4, 5], [3, 3, 2, 3, 3, 2, 3, 3]],
    [[4, 5, 4, 4, 4, 5, 4, 4], [1, 2, 2, 1, 2, 2, 1, 1], [4, 4, 4, 4, 4, 4, 4, 4], [2, 3, 3, 2, 3, 3, 2, 2]],
    [[5, 5, 5, 4, 4, 4, 5, 5], [1, 2, 1, 2, 1, 2, 1, 1], [5, 4, 4, 5, 5, 4, 4, 4], [4, 3, 3, 3, 3, 4, 3, 3]],
]


def _statement(client: FlaskClient, client_request: ClientRequest, setup: RoundSetup) -> str:
    sign_in(client, setup.chair.email)  # while the round is open, results are the chair's alone
    page = client_request.get(f"/prioritisation/rounds/{setup.round.id}/results")
    paragraph = page.select_one("#agreement-statement")
    assert paragraph is not None
    return paragraph.get_text(" ", strip=True)


def test_two_topics_are_too_few_to_test(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    """Every member ranks the two topics the same way (W = 1), yet nothing is claimed beyond that."""
    setup = round_setup(members=3, proposals=2)
    score_all(setup, [member[:2] for member in AGREEING])
    text = _statement(client, client_request, setup)
    assert "the panel is too small to test whether members agree more than they would by chance" in text
    assert "p =" not in text and "p <" not in text and "Chi-squared" not in text


def test_four_topics_get_the_exact_test_and_its_verdict(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    """Three members, four topics: the exact permutation p is stated with the verdict it supports."""
    setup = round_setup(members=3, proposals=4)
    score_all(setup, AGREEING)
    text = _statement(client, client_request, setup)
    expected = results.compute_round_results(setup.round, names_shown=True).stats.kendall
    assert expected == kendalls_w(results.compute_round_results(setup.round, names_shown=True).stats.member_scores)
    assert expected.method == "exact" and expected.can_test
    assert "An exact test, counting every way the members could have ranked the topics at random" in text
    assert f"p = {expected.p_value:.3f}" in text
    assert ("members agree more than they would by chance" in text) == (expected.p_value < 0.05)


def test_the_export_names_the_test_behind_the_p_value_and_does_not_call_two_topics_tested() -> None:
    two_topics = kendalls_w([[3.0, 1.0], [3.0, 1.0], [2.0, 1.0]])
    assert two_topics.method == "exact" and not two_topics.can_test
    assert significance_test_label(two_topics) == (
        "Exact (every arrangement of the members' ranks counted); "
        "not a test of agreement: fewer than 3 topics scored in common"
    )
    nine_topics = kendalls_w([[float(9 - j) for j in range(9)], [float(j % 4) for j in range(9)]])
    assert significance_test_label(nine_topics) == "Chi-squared approximation"
