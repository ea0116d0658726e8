"""Demo content: two example surveys with example responses, for ``flask seed``."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select

from portal.clock import london_today
from portal.extensions import db
from portal.models import (
    DEFAULT_LIKERT_LABELS,
    Audience,
    QuestionKind,
    Sector,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
)
from portal.surveys.questions import visible_answers

EXAMPLE_PRIORITIES_TITLE = "Stakeholder views on health and wellbeing priorities"
EXAMPLE_SERVICES_TITLE = "Your experience of local health and care services"
# Made-up free-text answers for the examples (shown with the "Example" tag, never as real views).
EXAMPLE_COMMENTS = [
    "Evening and weekend appointments would help people who work shifts.",
    "More information in languages other than English.",
    "Better links between housing officers and health visitors.",
    "Support for carers, who often put their own health last.",
    "Clearer information about what is available locally.",
]


def _add_questions(survey: Survey, section: SurveySection, *questions: SurveyQuestion) -> None:
    for position, question in enumerate(questions, start=len(section.questions)):
        question.survey_id = survey.id
        question.position = position
        section.questions.append(question)
    db.session.flush()


def _new_example_survey(title: str, summary: str, audience: Audience, today: date, sections: Sequence[str]) -> Survey:
    survey = Survey(
        title=title,
        summary=summary,
        status=SurveyStatus.OPEN.value,
        audience=audience.value,
        anonymous=True,
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=60),
        is_example=True,
    )
    survey.sections = [SurveySection(title=t, position=n, description="") for n, t in enumerate(sections)]
    db.session.add(survey)
    db.session.flush()
    return survey


def _build_priorities_survey(today: date) -> Survey:
    survey = _new_example_survey(
        EXAMPLE_PRIORITIES_TITLE,
        "Tell us which health and wellbeing needs in Wolverhampton matter most to the people your organisation "
        "works with. Your answers help the Health and Wellbeing Board choose the next JSNA topics.",
        Audience.STAKEHOLDERS,
        today,
        ["Your organisation’s work", "Priorities"],
    )
    about, priorities = survey.sections
    _add_questions(
        survey,
        about,
        SurveyQuestion(
            kind=QuestionKind.MULTIPLE.value,
            title="Which groups does your organisation mainly work with?",
            options=["Children and young people", "Working-age adults", "Older people", "Carers", "Whole population"],
        ),
        SurveyQuestion(
            kind=QuestionKind.NUMBER.value,
            title="Roughly how many Wolverhampton residents did your organisation support last year (in thousands)?",
            help_text="An estimate is fine.",
            min_value=0,
            max_value=300,
            whole_number=True,
            required=False,
        ),
    )
    _add_questions(
        survey,
        priorities,
        SurveyQuestion(
            kind=QuestionKind.LIKERT.value,
            title="The JSNA gives us the information we need to plan services",
            scale=list(DEFAULT_LIKERT_LABELS),
            result_public=True,
        ),
        SurveyQuestion(
            kind=QuestionKind.RANKING.value,
            title="Put these possible topics in order of priority",
            options=[
                "Mental health of young people",
                "Healthy weight",
                "Loneliness in later life",
                "Housing and health",
            ],
            result_public=True,
        ),
        SurveyQuestion(
            kind=QuestionKind.LONG_TEXT.value, title="Is there anything else the JSNA should look at?", required=False
        ),
    )
    survey.results_published = True
    # Still open: its analysts chose to show results meanwhile (it is anonymous, so answers arrive in batches).
    survey.results_while_open = True
    return survey


def _build_services_survey(today: date) -> Survey:
    survey = _new_example_survey(
        EXAMPLE_SERVICES_TITLE,
        "A short survey for residents about using GP, pharmacy, dental and mental health services in the city.",
        Audience.PUBLIC,
        today,
        ["Using services", "Mental health support"],
    )
    use, mental = survey.sections
    used = SurveyQuestion(
        kind=QuestionKind.SINGLE.value,
        title="Have you used a mental health service in the last year?",
        options=["Yes", "No"],
    )
    _add_questions(
        survey,
        use,
        SurveyQuestion(
            kind=QuestionKind.MATRIX.value,
            title="How easy was it to get an appointment?",
            options=["GP practice", "Pharmacy", "Dentist"],
            scale=["Very difficult", "Difficult", "Neither", "Easy", "Very easy"],
            required=False,
        ),
        used,
    )
    _add_questions(
        survey,
        mental,
        SurveyQuestion(
            kind=QuestionKind.LIKERT.value,
            title="I was treated with dignity and respect",
            scale=list(DEFAULT_LIKERT_LABELS),
            condition_question_id=used.id,
            condition_values=["Yes"],
        ),
        SurveyQuestion(
            kind=QuestionKind.SHORT_TEXT.value, title="What one thing would have made it better?", required=False
        ),
    )
    return survey


def _example_answers(survey: Survey, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in survey.questions:
        kind = QuestionKind(question.kind)
        key = str(question.id)
        if kind is QuestionKind.SINGLE:
            answers[key] = rng.choice(question.options)
        elif kind is QuestionKind.MULTIPLE:
            answers[key] = [o for o in question.options if rng.random() < 0.4] or [question.options[0]]
        elif kind is QuestionKind.LIKERT:
            answers[key] = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 3, 5, 3])[0]
        elif kind is QuestionKind.NUMBER:
            answers[key] = int(max(0, min(300, rng.gauss(40, 25))))
        elif kind is QuestionKind.RANKING:
            answers[key] = rng.sample(question.options, len(question.options))
        elif kind is QuestionKind.MATRIX:
            answers[key] = {row: rng.choice(question.scale) for row in question.options}
        elif rng.random() < 0.3:
            answers[key] = rng.choice(EXAMPLE_COMMENTS)
    return visible_answers(survey.questions, answers)


def _add_example_responses(survey: Survey, count: int, sectors: Sequence[str], seed: int, today: date) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        db.session.add(
            SurveyResponse(
                id=uuid.uuid4().hex,
                survey_id=survey.id,
                sector=rng.choice(sectors),
                submitted_on=today - timedelta(days=rng.randint(0, 13)),
                answers=_example_answers(survey, rng),
                is_example=True,
            )
        )


def seed() -> str:
    """Add two example surveys with example responses, unless they exist already."""
    today = london_today()
    existing = set(db.session.scalars(select(Survey.title).where(Survey.is_example.is_(True))))
    created = 0
    if EXAMPLE_PRIORITIES_TITLE not in existing:
        survey = _build_priorities_survey(today)
        sectors = [str(Sector.NHS_PROVIDER)] * 3 + [str(Sector.VCS)] * 4 + [str(Sector.COUNCIL)] * 2
        sectors += [str(Sector.HOUSING), str(Sector.POLICE)]
        _add_example_responses(survey, 46, sectors, seed=6, today=today)
        created += 1
    if EXAMPLE_SERVICES_TITLE not in existing:
        survey = _build_services_survey(today)
        _add_example_responses(survey, 38, [""], seed=66, today=today)
        created += 1
    db.session.commit()
    if not created:
        return "example surveys already present"
    return f"added {created} example surveys with example responses"
