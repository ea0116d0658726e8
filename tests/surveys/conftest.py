"""Survey fixtures: surveys built straight in the database, in the shapes the tests need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from portal.extensions import db as _db
from portal.models import DEFAULT_LIKERT_LABELS, Area, Survey, SurveyQuestion, SurveySection

# Question specs: dicts of SurveyQuestion fields, plus "condition": (index of an earlier question, [values]).
SMOKING = {"kind": "single", "title": "Do you smoke?", "options": ["Yes", "No"]}
GP = {"kind": "short_text", "title": "Which GP practice are you registered with?", "required": False}
SUPPORT = {
    "kind": "likert",
    "title": "I know where to get help to stop smoking",
    "scale": list(DEFAULT_LIKERT_LABELS),
    "condition": (0, ["Yes"]),
}
AGE = {"kind": "number", "title": "How old are you?", "min_value": 16, "max_value": 120, "whole_number": True}
SERVICES = {"kind": "multiple", "title": "Which services have you used?", "options": ["GP", "Pharmacy", "Dentist"]}
PRIORITIES = {"kind": "ranking", "title": "Put these in order", "options": ["Housing", "Jobs", "Health"]}
EASE = {
    "kind": "matrix",
    "title": "How easy was it to get an appointment?",
    "options": ["GP", "Dentist"],
    "scale": ["Difficult", "Neither", "Easy"],
}
COMMENTS = {"kind": "long_text", "title": "Anything else?", "required": False}

STANDARD_SECTIONS: list[tuple[str, list[dict[str, Any]]]] = [
    ("About you", [SMOKING, GP, AGE]),
    ("Stopping smoking", [SUPPORT]),
    ("Services", [SERVICES, PRIORITIES, EASE, COMMENTS]),
]


def build_survey(
    sections: list[tuple[str, list[dict[str, Any]]]] | None = None,
    *,
    title: str = "Smoking and local services",
    audience: str = "public",
    anonymous: bool = True,
    status: str = "open",
    opens_on: date | None = None,
    closes_on: date | None = None,
    results_published: bool = False,
) -> Survey:
    """Create and commit a survey; questions are numbered in order across sections."""
    survey = Survey(
        title=title,
        summary="A test survey.",
        audience=audience,
        anonymous=anonymous,
        status=status,
        opens_on=opens_on,
        closes_on=closes_on,
        results_published=results_published,
    )
    survey.sections = [
        SurveySection(title=t, position=n, description="") for n, (t, _) in enumerate(sections or STANDARD_SECTIONS)
    ]
    _db.session.add(survey)
    _db.session.flush()
    made: list[SurveyQuestion] = []
    for section, (_, specs) in zip(survey.sections, sections or STANDARD_SECTIONS, strict=True):
        for position, spec in enumerate(specs):
            fields = {k: v for k, v in spec.items() if k != "condition"}
            question = SurveyQuestion(survey_id=survey.id, position=position, **fields)
            if "condition" in spec:
                index, values = spec["condition"]
                question.condition_question_id = made[index].id
                question.condition_values = list(values)
            section.questions.append(question)
            _db.session.flush()
            made.append(question)
    _db.session.commit()
    return survey


@pytest.fixture
def make_survey(db: Any) -> Callable[..., Survey]:
    """Build a survey (the standard three-section one unless ``sections`` is given)."""
    return build_survey


@pytest.fixture
def request_ctx(app: Any) -> Iterator[None]:
    """A request context, for services that build links (url_for) when called directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def wards(db: Any) -> list[Area]:
    """Three wards, as the indicators seed would load them."""
    areas = [
        Area(code="E05001325", name="Bilston East", area_type="ward"),
        Area(code="E05001326", name="Bilston North", area_type="ward"),
        Area(code="E05001337", name="St Peter's", area_type="ward"),
    ]
    _db.session.add_all(areas)
    _db.session.commit()
    return areas


def q(survey: Survey, number: int) -> SurveyQuestion:
    """The survey's question with this number (1-based, in order)."""
    return survey.questions[number - 1]


def answer_form(survey: Survey, answers: dict[int, Any]) -> dict[str, Any]:
    """Form data for answers keyed by question number: lists for checkboxes, dicts for ranking/matrix fields."""
    data: dict[str, Any] = {}
    for number, value in answers.items():
        question = q(survey, number)
        if isinstance(value, dict):
            for suffix, item in value.items():
                data[f"q{question.id}-{suffix}"] = item
        else:
            data[f"q{question.id}"] = value
    return data
