"""Prioritisation pages: who may see and do what, scoring with and without HTMX, results, decisions, exports and the
public summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    CriteriaSet,
    PrioritisationRound,
    Proposal,
    ProposalStatus,
    Role,
    Score,
    ScoreChange,
    User,
)
from portal.prioritisation import services
from portal.prioritisation.services import ScoreEntry
from tests.conftest import sign_in
from tests.helpers import ClientRequest, email_body, error_summary_texts
from tests.prioritisation.conftest import RoundSetup, score_all

VALUES = [
    [[5, 4, 4, 3, 5, 4, 3, 4], [2, 2, 3, 2, 2, 3, 2, 2], [4, 4, 5, 4, 3, 4, 4, 5], [3, 3, 2, 3, 3, 2, 3, 3]],
    [[4, 5, 4, 4, 4, 5, 4, 4], [3, 2, 2, 3, 2, 2, 3, 3], [4, 4, 4, 4, 4, 4, 4, 4], [2, 3, 3, 2, 3, 3, 2, 2]],
    [[5, 5, 5, 4, 4, 4, 5, 5], [1, 2, 1, 2, 1, 2, 1, 1], [5, 4, 4, 5, 5, 4, 4, 4], [4, 4, 4, 4, 4, 4, 4, 4]],
]


def _sign_out(client: FlaskClient) -> None:
    ClientRequest(client).post("/sign-out", {})


def _url(setup: RoundSetup, name: str = "", proposal: int | None = None) -> str:
    base = f"/prioritisation/rounds/{setup.round.id}"
    if proposal is not None:
        base += f"/proposals/{setup.proposals[proposal].id}"
    return f"{base}/{name}" if name else base


def _score(setup: RoundSetup, member: User, proposal: int, criterion: int) -> Score | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Score).where(
            Score.round_id == setup.round.id,
            Score.user_id == member.id,
            Score.proposal_id == setup.proposals[proposal].id,
            Score.criterion_id == setup.criteria[criterion].id,
        )
    )


# --------------------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------------------


def test_rounds_list_shows_members_their_rounds_and_analysts_every_round(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    sign_in(client, setup.members[1].email)
    page = client_request.get("/prioritisation/rounds")
    assert "Topics for next year" in page.get_text()
    assert "0 of 4 proposals scored" in page.get_text()
    assert not page.find("a", string="Open a new round")

    _sign_out(client)
    sign_in(client, setup.outsider.email)
    page = client_request.get("/prioritisation/rounds")
    assert "Topics for next year" not in page.get_text()
    client_request.get(_url(setup), expected_status=403)


def test_only_members_reach_the_scoring_pages(
    client: FlaskClient,
    client_request: ClientRequest,
    round_setup: Callable[..., RoundSetup],
    login_as: Callable[..., User],
) -> None:
    setup = round_setup()
    login_as(Role.ANALYST)  # analysts oversee rounds but do not score them
    client_request.get(_url(setup), expected_status=200)
    client_request.get(_url(setup, "score"), expected_status=403)
    client_request.get(_url(setup, "score", 0), expected_status=403)
    client_request.post(_url(setup, "score", 0), {f"score_{setup.criteria[0].id}": "5"}, expected_status=403)
    assert db.session.scalar(select(Score).limit(1)) is None


def test_a_member_cannot_change_another_members_score_by_posting_their_id(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    owner, other = setup.members[1], setup.members[2]
    criterion = setup.criteria[0]
    services.save_scores(setup.round.id, setup.proposals[0].id, owner.id, {criterion.id: ScoreEntry(2, "Mine")})
    owner_score = _score(setup, owner, 0, 0)

    sign_in(client, other.email)
    forged = {
        f"score_{criterion.id}": "5",
        f"comment_{criterion.id}": "Changed by someone else",
        "member_id": str(owner.id),
        "user_id": str(owner.id),
        "score_id": str(owner_score.id),
    }
    client_request.post(f"{_url(setup, 'criteria', 0)}/{criterion.id}", forged, expected_status=200, htmx=True)
    client_request.post(_url(setup, "score", 0), forged, expected_status=303)

    untouched = _score(setup, owner, 0, 0)
    assert (untouched.value, untouched.comment) == (2, "Mine")
    assert _score(setup, other, 0, 0).value == 5, "the poster only ever changes their own score"
    changes = db.session.scalars(select(ScoreChange).where(ScoreChange.user_id == owner.id)).all()
    assert all(c.changed_by_id == owner.id for c in changes)

    # Someone outside the round gets nothing at all, whatever ids they post.
    _sign_out(client)
    sign_in(client, setup.outsider.email)
    client_request.post(f"{_url(setup, 'criteria', 0)}/{criterion.id}", forged, expected_status=403, htmx=True)
    assert _score(setup, owner, 0, 0).value == 2
    assert db.session.scalar(select(Score).where(Score.user_id == setup.outsider.id)) is None


def test_individual_scores_are_hidden_from_members_while_the_round_is_open(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    score_all(setup, VALUES)
    services.save_scores(
        setup.round.id, setup.proposals[0].id, setup.members[2].id, {setup.criteria[0].id: ScoreEntry(5, "Big issue")}
    )

    sign_in(client, setup.members[1].email)
    client_request.get(_url(setup, "individual-scores"), expected_status=403)
    client_request.get(_url(setup, "history"), expected_status=403)
    client_request.get(_url(setup, "results"), expected_status=403)
    assert client_request.response(_url(setup, "results.xlsx")).status_code == 403

    _sign_out(client)
    sign_in(client, setup.chair.email)
    page = client_request.get(_url(setup, "individual-scores"))
    assert "Big issue" in page.get_text()
    assert setup.members[2].display_name in page.get_text()
    history = client_request.get(_url(setup, "history"))
    assert "Big issue" in history.get_text()
    workbook = load_workbook(io.BytesIO(client_request.response(_url(setup, "results.xlsx")).data))
    assert "Individual scores" in workbook.sheetnames

    services.close_round(setup.round.id, setup.chair.id)
    _sign_out(client)
    sign_in(client, setup.members[1].email)
    client_request.get(_url(setup, "individual-scores"), expected_status=200)


def test_steering_members_cannot_manage_criteria_or_open_rounds(
    client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    login_as(Role.STEERING)
    client_request.get("/prioritisation/criteria", expected_status=403)
    client_request.get("/prioritisation/rounds/new", expected_status=403)
    client_request.get("/prioritisation/rounds", expected_status=200)


# --------------------------------------------------------------------------------------------------------------
# Scoring: the page, autosave with HTMX, and the plain form
# --------------------------------------------------------------------------------------------------------------


def test_the_scoring_page_shows_descriptors_progress_evidence_and_autosave_hooks(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    setup.proposals[0].support_count = 17
    db.session.commit()
    sign_in(client, setup.members[1].email)
    page = client_request.get(_url(setup, "score", 0))
    form = page.select_one("form[data-autosave-form]")
    assert form["action"] == _url(setup, "score", 0) and form["method"] == "post"
    size = setup.criteria[0]
    radios = form.select(f"input[name=score_{size.id}]")
    assert [r["value"] for r in radios] == ["1", "2", "3", "4", "5"]
    labels = [page.select_one(f"label[for={r['id']}]").get_text(strip=True) for r in radios]
    assert labels[0] == "1: Very few people are affected (a small, specific group)"
    group = form.select_one(f"[hx-post$='/criteria/{size.id}']")
    assert group is not None and group.get("hx-target") == "#autosave-status"
    assert form.select_one(f"textarea[name=comment_{size.id}][hx-post]") is not None
    assert page.select_one("#scoring-progress").get_text(" ", strip=True).startswith("0 of 4 proposals scored")
    assert "17 people support this topic" in page.select_one(".portal-evidence").get_text(" ", strip=True)
    assert not page.select("script:not([src]):not([nonce])"), "no inline scripts of our own (CSP)"


def test_htmx_autosave_saves_one_criterion_and_updates_progress(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    member = setup.members[1]
    sign_in(client, member.email)
    for criterion in setup.criteria[:-1]:
        services.save_scores(setup.round.id, setup.proposals[0].id, member.id, {criterion.id: ScoreEntry(3)})
    last = setup.criteria[-1]

    response = client_request.post(
        f"{_url(setup, 'criteria', 0)}/{last.id}",
        {f"score_{last.id}": "4", f"comment_{last.id}": "Residents raise it often"},
        expected_status=200,
        htmx=True,
    )

    body = response.get_data(as_text=True)
    assert "Saved your score for public and stakeholder concern" in body
    progress = BeautifulSoup(body, "html.parser").select_one("#scoring-progress")
    assert progress["hx-swap-oob"] == "true", "the progress on the page is replaced out of band"
    assert "1 of 4 proposals scored" in body
    score = _score(setup, member, 0, len(setup.criteria) - 1)
    assert (score.value, score.comment) == (4, "Residents raise it often")
    reasons = {c.reason for c in db.session.scalars(select(ScoreChange).where(ScoreChange.criterion_id == last.id))}
    assert reasons == {"autosave"}


def test_autosave_without_javascript_returns_to_the_criterion(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    sign_in(client, setup.members[1].email)
    size = setup.criteria[0]
    response = client_request.post(f"{_url(setup, 'criteria', 1)}/{size.id}", {f"score_{size.id}": "2"})
    assert response.headers["Location"].endswith(f"{_url(setup, 'score', 1)}#criterion-{size.id}")
    assert _score(setup, setup.members[1], 1, 0).value == 2
    page = client_request.get(_url(setup, "score", 1))
    assert "Saved your score for size of the problem" in page.get_text()
    assert page.select_one(f"input[name=score_{size.id}][value='2']").has_attr("checked")


def test_the_whole_form_saves_without_javascript_and_moves_to_the_next_topic(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    sign_in(client, setup.members[1].email)
    data = {f"score_{c.id}": str(1 + i % 5) for i, c in enumerate(setup.criteria)}
    data[f"comment_{setup.criteria[2].id}"] = "Gap between wards"

    response = client_request.post(_url(setup, "score", 0), data)

    assert response.headers["Location"].endswith(_url(setup, "score", 1))
    db.session.expire_all()
    saved = services.member_scores(setup.round.id, setup.proposals[0].id, setup.members[1].id)
    assert [saved[c.id].value for c in setup.criteria] == [1 + i % 5 for i in range(8)]
    assert saved[setup.criteria[2].id].comment == "Gap between wards"
    page = client_request.get(_url(setup, "score", 1))
    assert "1 of 4 proposals scored" in page.get_text()
    assert {c.reason for c in db.session.scalars(select(ScoreChange))} == {"form"}


def test_an_invalid_score_is_explained_and_what_was_typed_is_kept(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    sign_in(client, setup.members[1].email)
    size, severity = setup.criteria[0], setup.criteria[1]
    response = client_request.post(
        _url(setup, "score", 0),
        {f"score_{size.id}": "9", f"score_{severity.id}": "4", f"comment_{size.id}": "Typed text"},
        expected_status=200,
    )
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert error_summary_texts(page) == ["Select a score from 1 to 5 for Size of the problem"]
    assert page.title.get_text().startswith("Error: ")
    assert page.select_one(f"textarea[name=comment_{size.id}]").get_text() == "Typed text"
    assert page.select_one(f"input[name=score_{severity.id}][value='4']").has_attr("checked")
    assert db.session.scalar(select(Score).limit(1)) is None

    htmx = client_request.post(
        f"{_url(setup, 'criteria', 0)}/{size.id}", {f"score_{size.id}": "0"}, expected_status=200, htmx=True
    )
    assert "Not saved: Select a score from 1 to 5" in htmx.get_data(as_text=True)


def test_a_conflicted_member_is_refused_by_the_server(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    member = setup.members[1]
    sign_in(client, member.email)
    client_request.post(_url(setup, "conflict", 2), {"note": "My charity delivers this service"})
    page = client_request.get(_url(setup, "score"))
    assert "Conflict of interest declared" in page.get_text()
    assert "0 of 3 proposals scored" in page.get_text()
    scoring = client_request.get(_url(setup, "score", 2))
    assert "cannot score it" in scoring.get_text() and not scoring.select("form[data-autosave-form]")
    size = setup.criteria[0]
    client_request.post(_url(setup, "score", 2), {f"score_{size.id}": "5"}, expected_status=403)
    client_request.post(f"{_url(setup, 'criteria', 2)}/{size.id}", {f"score_{size.id}": "5"}, expected_status=403)
    assert _score(setup, member, 2, 0) is None


def test_scores_cannot_change_after_the_round_closes(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    member, size = setup.members[1], setup.criteria[0]
    services.save_scores(setup.round.id, setup.proposals[0].id, member.id, {size.id: ScoreEntry(3)})
    sign_in(client, setup.chair.email)
    client_request.get(_url(setup, "close"))
    client_request.post(_url(setup, "close"), {})
    db.session.expire_all()
    assert not db.session.get(PrioritisationRound, setup.round.id).is_open

    _sign_out(client)
    sign_in(client, member.email)
    client_request.post(_url(setup, "score", 0), {f"score_{size.id}": "5"})
    response = client_request.post(
        f"{_url(setup, 'criteria', 0)}/{size.id}", {f"score_{size.id}": "5"}, expected_status=200, htmx=True
    )
    assert "Not saved: This round has closed" in response.get_data(as_text=True)
    assert _score(setup, member, 0, 0).value == 3


# --------------------------------------------------------------------------------------------------------------
# Results, the "what if" panel and charts
# --------------------------------------------------------------------------------------------------------------


def test_results_page_ranks_topics_and_reports_agreement(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    score_all(setup, VALUES)
    sign_in(client, setup.chair.email)
    page = client_request.get(_url(setup, "results"))
    assert page.h1.get_text(strip=True) == "Provisional results"
    rows = page.select("#ranking-table tbody tr")
    assert [r.select_one("th").get_text(strip=True) for r in rows] == [
        f"Topic {letter}{setup.proposals[j].reference}" for j, letter in ((0, "A"), (2, "C"), (3, "D"), (1, "B"))
    ]
    assert rows[0].select("td")[0].get_text(strip=True) == "1"
    assert rows[0].select("td")[1].get_text(strip=True) == f"{(32 / 8 + 34 / 8 + 37 / 8) / 3:.2f}"
    text = page.get_text(" ", strip=True)
    assert "Kendall's W" in text and "Chance of being in the top 2" in text
    assert page.select_one("[data-bokeh-json$='/results/ranking.json']") is not None
    assert page.select_one("[data-bokeh-json$='/results/heatmap.json']") is not None
    assert page.select_one("#ranking-chart-table") is not None and page.select_one("#heatmap-chart-table") is not None


def test_what_if_weights_re_rank_with_htmx_and_without(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    score_all(setup, VALUES)
    sign_in(client, setup.chair.email)
    query = "&".join(f"weight-{c.id}={'1' if i == 3 else '0'}" for i, c in enumerate(setup.criteria))

    fragment = client_request.get(f"{_url(setup, 'results')}?{query}", htmx=True)
    assert fragment.h1 is None, "HTMX gets only the panel"
    ranked = [r.select_one("th").get_text(strip=True) for r in fragment.select("#what-if-table tbody tr")]
    assert ranked[0] == f"{setup.proposals[2].reference}: Topic C"  # trend and future need alone put topic C first
    assert "Up 1" in fragment.get_text()

    page = client_request.get(f"{_url(setup, 'results')}?{query}")
    assert page.h1 is not None and page.select("#what-if-table tbody tr")
    assert page.select_one(f"#weight-{setup.criteria[3].id}")["value"] == "1"

    bad = client_request.get(f"{_url(setup, 'results')}?weight-{setup.criteria[0].id}=heavy", htmx=True)
    assert "Weight for Size of the problem must be a number" in bad.get_text()


def test_charts_are_served_as_bokeh_json_to_those_who_may_see_the_round(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    score_all(setup, VALUES)
    sign_in(client, setup.chair.email)
    for chart in ("ranking", "heatmap"):
        response = client_request.response(_url(setup, f"results/{chart}.json"))
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert response.get_json()["doc"]["roots"]
    heatmap = client_request.response(_url(setup, "results/heatmap.csv"))
    assert heatmap.status_code == 200 and "Size of the problem" in heatmap.get_data(as_text=True)
    _sign_out(client)
    sign_in(client, setup.outsider.email)
    assert client_request.response(_url(setup, "results/ranking.json")).status_code == 403


# --------------------------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def hostile(round_setup: Callable[..., RoundSetup]) -> RoundSetup:
    """A scored, closed round whose titles and reasons try to be spreadsheet formulas."""
    setup = round_setup()
    setup.proposals[0].title = '=HYPERLINK("http://evil.example","Click")'
    setup.proposals[1].title = "@SUM(A1:A9)"
    db.session.commit()
    score_all(setup, VALUES)
    services.close_round(setup.round.id, setup.chair.id)
    services.record_decision(
        setup.round.id, setup.proposals[0].id, services.Decision.PRIORITISED, "+1 for this", setup.chair.id
    )
    return setup


def test_csv_export_is_formula_safe(client: FlaskClient, client_request: ClientRequest, hostile: RoundSetup) -> None:
    sign_in(client, hostile.members[1].email)
    response = client_request.response(_url(hostile, "results.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["Rank", "Reference", "Title", "Weighted score"]
    titles = {row[2] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","Click")' in titles and "'@SUM(A1:A9)" in titles
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)
    assert "'+1 for this" in {row[12] for row in rows[1:]}
    assert {row[0] for row in rows[1:]} == {"1", "2", "3", "4"}


def test_xlsx_export_is_formula_safe_and_complete(
    client: FlaskClient, client_request: ClientRequest, hostile: RoundSetup
) -> None:
    sign_in(client, hostile.chair.email)
    response = client_request.response(_url(hostile, "results.xlsx"))
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Ranking", "Criteria", "Agreement", "Individual scores"]
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells), "no cell is a formula"
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not any(t.startswith(("=", "+", "@", "\t", "\r")) for t in texts)
    assert '\'=HYPERLINK("http://evil.example","Click")' in texts
    ranking = workbook["Ranking"]
    assert isinstance(ranking.cell(row=2, column=4).value, float), "scores stay numbers"
    assert workbook["Individual scores"].max_row == 1 + 3 * 4
    agreement = {row[0]: row[1] for row in workbook["Agreement"].iter_rows(values_only=True)}
    # 4 topics: small enough for the exact test, which the p-value beside it comes from.
    assert agreement["Topics used for W"] == 4
    assert agreement["Test"] == "Exact (every arrangement of the members' ranks counted)"


# --------------------------------------------------------------------------------------------------------------
# Decisions and the public summary
# --------------------------------------------------------------------------------------------------------------


def test_the_chair_records_a_decision_which_updates_the_topic_and_emails_the_proposer(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup], mailbox: Any
) -> None:
    setup = round_setup()
    topic = setup.proposals[0]
    topic.proposer_email = "resident@example.org"
    topic.contact_consent = True
    db.session.commit()
    score_all(setup, VALUES)
    sign_in(client, setup.members[1].email)
    client_request.get(_url(setup, "decision", 0), expected_status=403)

    _sign_out(client)
    sign_in(client, setup.chair.email)
    page = client_request.get(_url(setup, "decision", 0))
    assert "Close the round before recording decisions" in page.get_text()
    client_request.post(_url(setup, "close"), {})

    form_page = client_request.get(_url(setup, "decision", 0))
    legend = form_page.select_one("fieldset legend")
    assert legend.get_text(strip=True) == "What has the steering group decided?"
    empty = client_request.post(_url(setup, "decision", 0), {"decision": "prioritised"}, expected_status=200)
    assert "Enter the reason for the decision" in empty.get_data(as_text=True)
    reason = "Ranked first by the steering group: a large need with wide gaps between wards."
    response = client_request.post(_url(setup, "decision", 0), {"decision": "prioritised", "reason": reason})
    assert response.headers["Location"].endswith(f"{_url(setup)}#decisions")

    db.session.expire_all()
    assert db.session.get(Proposal, topic.id).status == ProposalStatus.RECOMMENDED.value
    assert reason in email_body(mailbox.last_to("resident@example.org"))
    detail = client_request.get(_url(setup))
    first_row = detail.select_one("#decisions ~ .portal-table-scroll table tbody tr")
    assert "Prioritised" in first_row.get_text() and reason in first_row.get_text()


def test_public_summary_shows_ranks_and_weighted_scores_but_never_a_members_scores(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    score_all(setup, VALUES)
    services.save_scores(
        setup.round.id,
        setup.proposals[0].id,
        setup.members[1].id,
        {setup.criteria[0].id: ScoreEntry(4, "PRIVATE NOTE")},
    )
    services.close_round(setup.round.id, setup.chair.id)
    client_request.get(_url(setup, "summary"), expected_status=404)

    sign_in(client, setup.chair.email)
    client_request.post(_url(setup, "publish"), {"publish": "1"})
    _sign_out(client)

    page = client_request.get(_url(setup, "summary"))
    text = page.get_text(" ", strip=True)
    assert "3 members of the JSNA steering group scored 4 shortlisted topics against 8 criteria" in text
    headers = [th.get_text(strip=True) for th in page.select("table thead th")]
    assert headers == ["Rank", "Topic", "Weighted score", "Decision"]
    rows = page.select("table tbody tr")
    assert len(rows) == 4
    assert rows[0].select("td")[1].get_text(strip=True) == f"{(32 / 8 + 34 / 8 + 37 / 8) / 3:.2f}"
    for member in setup.members:
        assert member.display_name not in text and member.email not in text
    assert "PRIVATE NOTE" not in text
    # No member's own weighted score for a topic appears anywhere (each differs from every mean shown).
    own = {f"{sum(per_criterion) / 8:.2f}" for per_member in VALUES for per_criterion in per_member}
    shown = {td.get_text(strip=True) for row in rows for td in row.select("td")}
    assert not (own & shown), own & shown
    assert "Individual" not in text
    public_list = client_request.get("/prioritisation/")
    assert public_list.find("a", string="Topics for next year") is not None


# --------------------------------------------------------------------------------------------------------------
# Criteria and rounds through the pages
# --------------------------------------------------------------------------------------------------------------


def test_analyst_sets_up_criteria_and_edits_make_versions(
    client_request: ClientRequest, login_as: Callable[..., User]
) -> None:
    login_as(Role.ANALYST)
    page = client_request.get("/prioritisation/criteria")
    assert page.find("button", string="Use the default criteria")
    client_request.post("/prioritisation/criteria/defaults", {})
    page = client_request.get("/prioritisation/criteria")
    assert "Size of the problem" in page.get_text() and "Current version" in page.get_text()

    criterion = services.current_criteria_set().criteria[0]
    form = client_request.get(f"/prioritisation/criteria/{criterion.id}/edit")
    assert form.select_one("input[name=based_on_version]")["value"] == "1"
    data = {
        "based_on_version": "1",
        "name": "Size of the problem",
        "question": criterion.question,
        **{f"descriptor_{i}": d for i, d in enumerate(criterion.descriptors, start=1)},
        "weight": "2",
        "change_note": "The board asked for size to count double",
    }
    client_request.post(f"/prioritisation/criteria/{criterion.id}/edit", data)
    db.session.expire_all()
    assert services.current_criteria_set().version == 2
    assert services.current_criteria_set().criteria[0].weight == 2.0

    stale = client_request.post(
        f"/prioritisation/criteria/{criterion.id}/edit", {**data, "weight": "3"}, expected_status=200
    )
    assert "Someone else changed the criteria" in stale.get_data(as_text=True)
    missing = client_request.post("/prioritisation/criteria/new", {"based_on_version": "2"}, expected_status=200)
    assert "Enter a name" in missing.get_data(as_text=True)
    assert db.session.scalar(select(CriteriaSet).where(CriteriaSet.version == 3)) is None


def test_analyst_opens_a_round_through_the_form(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_user: Callable[..., User],
    make_proposal: Callable[..., Proposal],
) -> None:
    login_as(Role.ANALYST)
    chair, member = make_user(Role.STEERING, display_name="Chair"), make_user(Role.STEERING)
    topics = [make_proposal(), make_proposal(), make_proposal(status=ProposalStatus.PUBLISHED.value)]
    page = client_request.get("/prioritisation/rounds/new")
    assert "Set up the criteria before opening a round" in page.get_text()
    services.create_default_criteria(None)
    page = client_request.get("/prioritisation/rounds/new")
    legends = [legend.get_text(strip=True) for legend in page.select("fieldset legend")]
    assert legends == ["Deadline for scores", "Members", "Topics to score"]
    offered = {i["value"] for i in page.select("input[name=proposal_ids]")}
    assert offered == {str(topics[0].id), str(topics[1].id)}, "only shortlisted topics are offered"

    deadline = date.today() + timedelta(days=120)
    response = client_request.post(
        "/prioritisation/rounds/new",
        {
            "title": "Topics for 2027",
            "deadline": [str(deadline.day), str(deadline.month), str(deadline.year)],
            "chair_id": str(chair.id),
            "member_ids": [str(member.id)],
            "proposal_ids": [str(topics[0].id), str(topics[1].id)],
            "top_k": "1",
        },
    )
    round_ = db.session.scalar(select(PrioritisationRound))
    assert response.headers["Location"].endswith(f"/prioritisation/rounds/{round_.id}")
    assert round_.deadline == deadline and round_.chair_id == chair.id
    assert {m.user_id for m in round_.members} == {chair.id, member.id}

    empty = client_request.post("/prioritisation/rounds/new", {"title": ""}, expected_status=200)
    errors = error_summary_texts(BeautifulSoup(empty.get_data(as_text=True), "html.parser"))
    assert "Enter a title" in errors and "Select the chair" in errors
