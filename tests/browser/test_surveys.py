"""Complete a survey with display conditions in real Chromium, checking every page with axe; then look at the
results as an analyst, with charts drawn and the sector filter swapped in by HTMX."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from portal.models import Role, SurveyResponse, User
from portal.surveys import examples
from tests.conftest import TEST_PASSWORD
from tests.surveys.conftest import build_survey

SECTIONS = [
    (
        "About you",
        [
            {"kind": "single", "title": "Do you smoke?", "options": ["Yes", "No"]},
            {
                "kind": "number",
                "title": "How many cigarettes a day?",
                "min_value": 1,
                "max_value": 100,
                "whole_number": True,
                "condition": (0, ["Yes"]),
            },
            {"kind": "short_text", "title": "Which GP practice are you registered with?", "required": False},
        ],
    ),
    (
        "Stopping smoking",
        [
            {
                "kind": "likert",
                "title": "I know where to get help to stop",
                "scale": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
                "condition": (0, ["Yes"]),
            }
        ],
    ),
    (
        "Services",
        [
            {"kind": "multiple", "title": "Which services have you used?", "options": ["GP", "Pharmacy", "Dentist"]},
            {"kind": "ranking", "title": "Put these in order of importance", "options": ["Housing", "Jobs", "Health"]},
            {
                "kind": "matrix",
                "title": "How easy was it to get an appointment?",
                "options": ["GP", "Dentist"],
                "scale": ["Difficult", "Neither", "Easy"],
            },
            {"kind": "long_text", "title": "Anything else?", "required": False},
        ],
    ),
]


def test_complete_a_survey_with_conditions(page: Any, assert_accessible: Callable[[Any], None], db: Any) -> None:
    survey = build_survey(SECTIONS, title="Smoking and local services")

    page.goto("/surveys")
    assert_accessible(page)
    page.get_by_role("link", name="Smoking and local services").click()
    page.get_by_text("This survey is anonymous").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    page.get_by_role("heading", name="About you").wait_for()
    assert page.locator("#survey-progress").inner_text() == "Section 1 of 3"
    conditional = page.get_by_label("2. How many cigarettes a day?")
    conditional.wait_for(state="hidden")  # hidden by surveys.js until question 1 is answered Yes
    assert_accessible(page)
    page.get_by_label("Yes").check()
    conditional.wait_for(state="visible")
    page.get_by_label("No").check()
    conditional.wait_for(state="hidden")
    page.get_by_label("Yes").check()
    conditional.fill("500")
    page.get_by_role("button", name="Save and continue").click()

    # Validation errors: summary, field message, and the answer typed kept.
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert "Question 2 must be between 1 and 100" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("2. How many cigarettes a day?").input_value() == "500"
    assert_accessible(page)
    page.locator(".govuk-error-summary a").first.click()
    page.get_by_label("2. How many cigarettes a day?").fill("10")
    page.get_by_label("3. Which GP practice are you registered with? (optional)").fill("Penn Manor")
    page.get_by_role("button", name="Save and continue").click()

    # Page 2 is shown because question 1 was Yes.
    page.get_by_role("heading", name="Stopping smoking").wait_for()
    assert page.locator("#survey-progress").inner_text() == "Section 2 of 3"
    assert_accessible(page)
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Services").wait_for()
    assert_accessible(page)
    page.get_by_label("GP", exact=True).first.check()
    page.get_by_label("Dentist", exact=True).first.check()
    page.get_by_label("Housing").select_option("2")
    page.get_by_label("Jobs").select_option("3")
    page.get_by_label("Health").select_option("1")
    page.get_by_role("group", name="GP").get_by_label("Easy").check()
    page.get_by_role("group", name="Dentist").get_by_label("Difficult").check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Check your answers before sending them").wait_for()
    assert "1. Health" in page.locator("main").inner_text()
    assert_accessible(page)

    # Change question 1 to No: the stopping-smoking page is skipped and its answer dropped.
    page.get_by_role("link", name="Change your answer to question 1").click()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Check your answers before sending them").wait_for()
    text = page.locator("main").inner_text()
    assert "Stopping smoking" not in text and "cigarettes" not in text
    page.get_by_role("button", name="Send answers").click()

    page.get_by_role("heading", name="Answers sent").wait_for()
    assert_accessible(page)
    response = db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    assert response.respondent_id is None
    assert set(response.answers) == {str(q.id) for q in survey.questions} - {
        str(survey.questions[1].id),
        str(survey.questions[3].id),
        str(survey.questions[7].id),
    }


def test_analyst_sees_charts_and_filters_by_sector(
    page: Any, assert_accessible: Callable[[Any], None], make_user: Callable[..., User], db: Any
) -> None:
    examples.seed()
    analyst = make_user(Role.ANALYST, email="survey.analyst@example.org")
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(analyst.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")

    page.goto("/surveys/manage")
    assert_accessible(page)
    page.get_by_role("link", name="Results of Stakeholder views on health and wellbeing priorities").click()
    page.locator("[data-bokeh-json]").first.scroll_into_view_if_needed()  # charts are drawn as they near the screen
    page.locator("[data-bokeh-state=rendered]").first.wait_for()
    assert_accessible(page)

    page.evaluate("window.__notReloaded = true")
    with page.expect_response(
        lambda r: "sector=nhs_provider" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.get_by_label("Show results from").select_option("nhs_provider")
    page.locator("#survey-results").get_by_text("Results from NHS provider").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    page.locator("#survey-results [data-bokeh-json]").first.scroll_into_view_if_needed()
    page.locator("#survey-results [data-bokeh-state=rendered]").first.wait_for()
    assert_accessible(page)

    page.get_by_label("Show results from").select_option("police")
    page.locator("#survey-results").get_by_text("not shown because it has fewer than 5 responses").wait_for()
    assert_accessible(page)

    page.goto("/surveys/organisations")
    assert_accessible(page)
