"""Small numbers in survey results (issue 16): complementary suppression on the pages, per question, in the public
results and in the response exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

from portal.models import Role, Survey, User
from portal.stats.survey_results import hidden_groups_safe
from portal.surveys import results
from tests.helpers import ClientRequest
from tests.surveys.conftest import q
from tests.surveys.test_results import add_responses


def _table(page: Any, index: int = 0) -> tuple[list[str], list[list[str]]]:
    table = page.select("table.portal-compare-table")[index]
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    return headers, rows


def test_two_small_sectors_no_longer_give_themselves_away(
    db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    """Police 1 and housing 2 hid each other, but everyone − NHS − VCS gave their 3 answers: a third group goes."""
    survey = make_survey()
    add_responses(db, survey, "nhs_provider", 10, q1="Yes")
    add_responses(db, survey, "vcs", 10, q1="No")
    add_responses(db, survey, "police", 1, q1="Yes")
    add_responses(db, survey, "housing", 2, q1="No")
    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/manage/{survey.id}/results?view=compare")
    headers, _ = _table(page)
    hidden = [h for h in headers if h.endswith("(not shown)")]
    assert len(hidden) == 3 and any(h.startswith("Police") for h in hidden) and any("Housing" in h for h in hidden)
    shown = [h for h in headers[2:] if not h.endswith("(not shown)")]
    assert len(shown) == 1
    # What the page lets anyone work out: everyone minus the shown group, at least 5 responses from 2+ groups.
    sizes = results.sector_sizes(survey.id)
    assert hidden_groups_safe(sizes, results.hidden_sectors(survey.id))
    assert sum(sizes[s] for s in results.hidden_sectors(survey.id)) >= 5
    text = page.get_text(" ", strip=True)
    assert "cannot be worked out from the total" not in text
    assert "never one small group’s" in text


def test_a_question_few_in_the_hidden_sectors_answered_is_withheld_for_the_shown_sector_too(
    db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    """NHS 12 and VCS 6 skip question 4; 3 police answer it. Showing NHS's question 4 would give everyone − NHS =
    the 3 police answers, so NHS's question 4 is withheld: on the filter page, its chart, its CSV and the comparison.
    """
    survey = make_survey()
    add_responses(db, survey, "nhs_provider", 12, q1="Yes", q4=4)
    add_responses(db, survey, "vcs", 6, q1="No")
    add_responses(db, survey, "police", 3, q1="No", q4=1)
    login_as(Role.ANALYST)
    url = f"/surveys/manage/{survey.id}/results"
    fragment = client_request.get(f"{url}?sector=nhs_provider", htmx=True)
    text = fragment.get_text(" ", strip=True)
    assert "12 responses" in text
    assert fragment.select_one(f"#table-q{q(survey, 1).id}") is not None
    assert fragment.select_one(f"#table-q{q(survey, 4).id}") is None
    assert "Not shown: fewer than 5 people in this group answered this question" in text
    client_request.get(f"{url}/{q(survey, 4).id}/chart.json?sector=nhs_provider", expected_status=404)
    client_request.get(f"{url}/{q(survey, 4).id}/data.csv?sector=nhs_provider", expected_status=404)
    assert client_request.response(f"{url}/{q(survey, 1).id}/chart.json?sector=nhs_provider").status_code == 200

    compare = client_request.get(f"{url}?view=compare")
    numbers = [t.select_one("caption").get_text(" ", strip=True) for t in compare.select("table.portal-compare-table")]
    likert = next(i for i, caption in enumerate(numbers) if caption.startswith("Question 4:"))
    headers, rows = _table(compare, likert)
    nhs = next(i for i, h in enumerate(headers) if h.startswith("NHS provider"))
    assert headers[nhs] == "NHS provider (12)"
    assert {row[nhs] for row in rows} == {"Not shown"}
    # The everyone column still shows the question (analysts can see every response).
    assert any(row[1] not in ("", "Not shown") for row in rows)


def test_public_results_withhold_a_question_fewer_than_five_answered(
    app: Any, db: Any, client_request: ClientRequest, make_survey: Callable[..., Any]
) -> None:
    survey = make_survey(results_published=True, status="closed")  # private while open
    q(survey, 1).result_public = True
    q(survey, 4).result_public = True
    db.session.commit()
    add_responses(db, survey, "", 8, q1="Yes")
    add_responses(db, survey, "", 3, q1="No", q4=2)
    page = client_request.get(f"/surveys/{survey.id}/results")
    assert [c["data-bokeh-json"] for c in page.select("[data-bokeh-json]")] == [
        f"/surveys/{survey.id}/results/{q(survey, 1).id}/chart.json"
    ]
    assert "Not shown: fewer than 5 people answered this question" in page.get_text(" ", strip=True)
    client_request.get(f"/surveys/{survey.id}/results/{q(survey, 4).id}/chart.json", expected_status=404)
    client_request.get(f"/surveys/{survey.id}/results/{q(survey, 4).id}/data.csv", expected_status=404)
    add_responses(db, survey, "", 2, q4=5)
    assert len(client_request.get(f"/surveys/{survey.id}/results").select("[data-bokeh-json]")) == 2


def test_exports_of_an_anonymous_survey_do_not_name_a_hidden_sector(
    db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    """CSV and XLSX follow the results pages: police (3) and VCS (6, hidden to protect police) are not named."""
    survey: Survey = make_survey()
    add_responses(db, survey, "nhs_provider", 12, q1="Yes")
    add_responses(db, survey, "vcs", 6, q1="No")
    add_responses(db, survey, "police", 3, q1="No")
    login_as(Role.ANALYST)
    body = client_request.response(f"/surveys/manage/{survey.id}/export.csv").get_data(as_text=True)
    sectors = [row[2] for row in list(csv.reader(io.StringIO(body)))[1:]]
    assert sorted(set(sectors)) == ["NHS provider", "Not shown (small group)"]
    assert sectors.count("Not shown (small group)") == 9
    sheet = load_workbook(io.BytesIO(client_request.response(f"/surveys/manage/{survey.id}/export.xlsx").data)).active
    column = [sheet.cell(row=r, column=3).value for r in range(2, sheet.max_row + 1)]
    assert sorted(column) == sorted(sectors)


def test_five_sectors_of_one_hide_the_everyone_count_too(
    db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    """Five listed sectors of 1 each: hiding them all still leaves "Everyone (5)" pinning each at 1."""
    survey = make_survey()
    for sector in ("nhs_provider", "vcs", "police", "housing", "council"):
        add_responses(db, survey, sector, 1, q1="Yes")
    login_as(Role.ANALYST)
    headers, _ = _table(client_request.get(f"/surveys/manage/{survey.id}/results?view=compare"))
    assert headers[1] == "Everyone (not shown)"
    assert len(headers) == 2 + 5 and all(h.endswith("(not shown)") for h in headers[2:])
