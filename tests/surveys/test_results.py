"""Results: charts with tables, sector filters (HTMX) with small groups suppressed, comparisons, free text,
exports with the injection guard, publishing, and the example seed."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.models import Role, Survey, SurveyResponse, User
from portal.surveys import examples, results
from portal.surveys.export import neutralise
from tests.helpers import ClientRequest
from tests.surveys.conftest import q

INJECTIONS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def add_responses(db: Any, survey: Survey, sector: str, count: int, **answers_by_number: Any) -> None:
    for n in range(count):
        answers = {}
        for key, value in answers_by_number.items():
            number = int(key[1:])
            answers[str(q(survey, number).id)] = value(n) if callable(value) else value
        db.session.add(
            SurveyResponse(
                id=uuid.uuid4().hex,
                survey_id=survey.id,
                sector=sector,
                submitted_on=date(2026, 11, 20),
                answers=answers,
            )
        )
    db.session.commit()


@pytest.fixture
def answered(db: Any, make_survey: Callable[..., Any]) -> Survey:
    """The standard survey with 12 NHS, 6 VCS and 3 police responses (police is too small to show)."""
    survey = make_survey()
    add_responses(
        db,
        survey,
        "nhs_provider",
        12,
        q1="Yes",
        q3=lambda n: 20 + n,
        q4=lambda n: 1 + n % 5,
        q5=["GP"],
        q6=["Jobs", "Health", "Housing"],
        q7={"GP": "Easy", "Dentist": "Difficult"},
        q8=lambda n: f"NHS comment {n}",
    )
    add_responses(db, survey, "vcs", 6, q1="No", q3=70, q5=["Dentist", "GP"], q6=["Health", "Jobs", "Housing"])
    add_responses(db, survey, "police", 3, q1="No", q3=40, q8="Police comment")
    return survey


def test_analysis_page_has_a_chart_and_table_per_question_and_free_text(
    client_request: ClientRequest, login_as: Callable[..., User], answered: Survey
) -> None:
    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/manage/{answered.id}/results")
    assert "21 responses" in page.get_text()
    charts = page.select("[data-bokeh-json]")
    assert len(charts) == 6  # every question but the two free-text ones
    table = page.select_one(f"#table-q{q(answered, 1).id}")
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    assert rows == [["Yes", "12", "57%"], ["No", "9", "43%"]]
    assert "NHS comment 3" in page.get_text() and "Police comment" in page.get_text()
    for chart in charts:
        body = client_request.response(chart["data-bokeh-json"])
        assert body.status_code == 200 and body.mimetype == "application/json"
        assert "doc" in json.loads(body.data)
    csv_link = page.find("a", href=f"/surveys/manage/{answered.id}/results/{q(answered, 1).id}/data.csv")
    lines = client_request.response(csv_link["href"]).get_data(as_text=True).splitlines()
    assert lines == ["Answer,People,Percentage", "Yes,12,57%", "No,9,43%"]


def test_sector_filter_swaps_results_with_htmx_and_suppresses_small_groups(
    client_request: ClientRequest, login_as: Callable[..., User], answered: Survey
) -> None:
    login_as(Role.ANALYST)
    url = f"/surveys/manage/{answered.id}/results"
    page = client_request.get(url)
    form = page.select_one("form[hx-get]")
    assert form["action"] == url and form["hx-target"] == "#survey-results"
    options = {o["value"]: o.get_text(strip=True) for o in page.select("#sector option")}
    assert options["police"] == "Police (not shown)"
    assert options["nhs_provider"] == "NHS provider (12)"

    fragment = client_request.get(f"{url}?sector=nhs_provider", htmx=True)
    assert fragment.find("html") is None
    assert "12 responses" in fragment.get_text()
    assert "Police comment" not in fragment.get_text()
    assert (
        client_request.response(f"{url}?sector=nhs_provider", headers={"HX-Request": "true"}).vary.find("HX-Request")
        >= 0
    )

    # Police (3) is below 5; VCS (6) is hidden too, or police could be worked out as everyone − NHS − VCS.
    for sector in ("police", "vcs"):
        fragment = client_request.get(f"{url}?sector={sector}", htmx=True)
        text = fragment.get_text()
        assert "not shown because it has fewer than 5 responses" in text
        assert "Police comment" not in text and not fragment.select("[data-bokeh-json]")
        client_request.get(
            f"/surveys/manage/{answered.id}/results/{q(answered, 1).id}/chart.json?sector={sector}", expected_status=404
        )


def test_compare_view_hides_small_sectors(
    client_request: ClientRequest, login_as: Callable[..., User], answered: Survey
) -> None:
    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/manage/{answered.id}/results?view=compare")
    table = page.select("table.portal-compare-table")[0]
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headers == [
        "Answer",
        "Everyone (21)",
        "NHS provider (12)",
        "Voluntary and community sector (not shown)",
        "Police (not shown)",
    ]
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    assert rows[0] == ["Yes", "57%", "100%", "Not shown", "Not shown"]
    sizes = {value: count for value, _, count in results.segment_choices(answered.id)}
    assert sizes == {"nhs_provider": 12, "vcs": 6, "police": 3}


def test_export_csv_neutralises_formulas(
    db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    survey = make_survey()
    for text in INJECTIONS:
        add_responses(db, survey, "", 1, q1="Yes", q2=text, q3=-5 if text == "-2+3" else 30)
    login_as(Role.ANALYST)
    response = client_request.response(f"/surveys/manage/{survey.id}/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = rows[0]
    gp_column = header.index(f"Q2 {q(survey, 2).title}")
    cells = sorted(row[gp_column] for row in rows[1:])
    assert cells == sorted("'" + t for t in INJECTIONS)
    age = [row[header.index(f"Q3 {q(survey, 3).title}")] for row in rows[1:]]
    assert "-5" in age, "a real negative number stays a number"
    assert header[:5] == ["Reference", "Date submitted", "Sector", "How it reached us", "Example response"]
    assert f"Q6 {q(survey, 6).title}: position of Housing" in header


def test_export_xlsx_neutralises_formulas(
    db: Any, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    survey = make_survey()
    for text in INJECTIONS:
        add_responses(db, survey, "", 1, q1="Yes", q2=text, q3=30)
    login_as(Role.ANALYST)
    response = client_request.response(f"/surveys/manage/{survey.id}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    column = header.index(f"Q2 {q(survey, 2).title}") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert all(c.data_type == "s" for c in cells), "no cell is stored as a formula"
    # XML turns a stored CR into LF when the file is read back; the leading quote is what matters.
    assert sorted(c.value for c in cells) == sorted("'" + t.replace("\r", "\n") for t in INJECTIONS)
    ages = [sheet.cell(row=r, column=header.index(f"Q3 {q(survey, 3).title}") + 1).value for r in range(2, 8)]
    assert ages == [30] * 6, "numbers stay numbers"


def test_identified_export_says_who_answered(
    db: Any,
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    make_user: Callable[..., User],
) -> None:
    survey = make_survey(anonymous=False)
    person = make_user(Role.PUBLIC, email="named@example.org")
    db.session.add(
        SurveyResponse(
            id=uuid.uuid4().hex,
            survey_id=survey.id,
            respondent_id=person.id,
            submitted_on=date(2026, 11, 1),
            answers={},
        )
    )
    db.session.commit()
    login_as(Role.ANALYST)
    rows = list(
        csv.reader(
            io.StringIO(client_request.response(f"/surveys/manage/{survey.id}/export.csv").get_data(as_text=True))
        )
    )
    assert rows[0][5:8] == ["Name", "Email address", "Organisation"]
    assert rows[1][6] == "named@example.org"


@pytest.mark.parametrize("cell", ["=1", "+1", "-x", "@x", "\tx", "\rx"])
def test_neutralise(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise(-3) == -3 and neutralise("plain") == "plain"


def test_publish_chosen_charts_on_the_survey_page(
    app: Any, client_request: ClientRequest, login_as: Callable[..., User], answered: Survey, db: Any
) -> None:
    answered.status = "closed"  # results stay private while a survey is open (see test_results_privacy)
    db.session.commit()
    public = ClientRequest(app.test_client())
    chart_url = f"/surveys/{answered.id}/results/{q(answered, 1).id}/chart.json"
    public.get(chart_url, expected_status=404)

    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/manage/{answered.id}/publish")
    assert page.select_one("legend").get_text(strip=True) == "Which charts should the public see?"
    labels = [label.get_text(strip=True) for label in page.select(".govuk-checkboxes__label")]
    assert not any("GP practice" in label for label in labels), "free-text questions cannot be published"
    client_request.post(f"/surveys/manage/{answered.id}/publish", {"questions": [str(q(answered, 1).id)]})

    page = public.get(f"/surveys/{answered.id}")
    assert [c["data-bokeh-json"] for c in page.select("[data-bokeh-json]")] == [chart_url]
    assert page.select_one(f"#table-q{q(answered, 1).id}")
    assert "NHS comment" not in page.get_text()
    assert public.response(chart_url).status_code == 200
    public.get(f"/surveys/{answered.id}/results/{q(answered, 3).id}/chart.json", expected_status=404)
    assert public.get(f"/surveys/{answered.id}/results").select("[data-bokeh-json]")

    client_request.post(f"/surveys/manage/{answered.id}/publish", {})
    public.get(chart_url, expected_status=404)
    public.get(f"/surveys/{answered.id}/results", expected_status=404)


def test_published_results_wait_for_five_responses(
    app: Any, db: Any, client_request: ClientRequest, make_survey: Callable[..., Any]
) -> None:
    survey = make_survey(results_published=True, status="closed")
    q(survey, 1).result_public = True
    db.session.commit()
    add_responses(db, survey, "", 4, q1="Yes")
    page = client_request.get(f"/surveys/{survey.id}")
    assert "Results will be shown when at least 5 people have answered" in page.get_text()
    assert not page.select("[data-bokeh-json]")
    client_request.get(f"/surveys/{survey.id}/results/{q(survey, 1).id}/chart.json", expected_status=404)
    add_responses(db, survey, "", 1, q1="No")
    assert client_request.get(f"/surveys/{survey.id}").select("[data-bokeh-json]")


def test_seed_adds_example_surveys_once(
    app: Any, db: Any, client_request: ClientRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As deployed: anonymous answers are released in batches, so the open example may show its results.
    monkeypatch.setitem(app.config, "SURVEY_RELEASE_BATCH", 5)
    assert examples.seed().startswith("added 2 example surveys")
    assert examples.seed() == "example surveys already present"
    surveys = list(db.session.scalars(select(Survey)))
    assert len(surveys) == 2 and all(s.is_example for s in surveys)
    assert (
        db.session.scalar(select(func.count()).select_from(SurveyResponse).where(SurveyResponse.is_example.is_(False)))
        == 0
    )
    page = client_request.get("/surveys")
    assert len(page.select(".portal-example-tag")) == 2
    stakeholder_survey = next(s for s in surveys if s.audience == "stakeholders")
    page = client_request.get(f"/surveys/{stakeholder_survey.id}")
    assert page.select("[data-bokeh-json]"), "the example has published charts"
    for chart in page.select("[data-bokeh-json]"):
        assert client_request.response(chart["data-bokeh-json"]).status_code == 200
