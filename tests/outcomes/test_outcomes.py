"""We asked, you said, we did: drafting from a closed survey or round, themes with checked quotes, publishing,
the public list and feed, and telling the people who asked and the topics' proposers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ActionKind, Decision, Outcome, OutcomeSubscription, OutcomeTheme, Role, Survey, User
from portal.models.base import utcnow
from portal.outcomes import services
from portal.outcomes.services import OutcomeError
from portal.prioritisation.services import close_round, record_decision
from tests.helpers import ClientRequest, email_body, error_summary_texts, links_in
from tests.prioritisation.conftest import RoundSetup
from tests.proposals.test_manage_link import manage_path

ATOM = "{http://www.w3.org/2005/Atom}"


def test_you_said_is_drafted_from_the_results_with_small_numbers_pooled_or_left_out(
    closed_survey: Survey, make_user: Callable[..., User]
) -> None:
    staff = make_user(Role.ANALYST)
    outcome = services.start_survey_outcome(closed_survey.id, staff.id)

    assert outcome.we_asked == "We wanted to know how people use stop smoking services."
    assert outcome.you_said == (
        "11 people responded.\n\n"
        "Responses by stakeholder sector:\n"
        "- Voluntary and community sector: 6\n"
        "- Other sectors together: 5\n\n"  # NHS 3 and no sector 2: each under 5, pooled
        "- Question 1, “Do you smoke?”: the most common answer was “No” (64% of the 11 people who answered).\n"
        "- Question 2, “Which services have you used?”: the most common answer was “GP” and “Pharmacy” "
        "(73% of the 11 people who answered)."
    )
    assert "clinic" not in outcome.you_said, "a question 2 people answered is left out"


def test_a_survey_with_fewer_than_5_responses_gives_no_breakdown(app: Any, make_user: Callable[..., User]) -> None:
    from tests.outcomes.conftest import SMOKE, add_responses
    from tests.surveys.conftest import build_survey

    survey = build_survey([("Questions", [SMOKE])], status="closed")
    add_responses(survey, [("vcs", {0: "No"})] * 4)
    outcome = services.start_survey_outcome(survey.id, make_user(Role.ANALYST).id)
    assert outcome.you_said == "Fewer than 5 people responded, so we do not publish a breakdown of the answers."


def test_an_open_survey_has_no_outcome_yet(app: Any, make_user: Callable[..., User]) -> None:
    from tests.surveys.conftest import build_survey

    survey = build_survey(status="open")
    with pytest.raises(OutcomeError, match="after it closes"):
        services.start_survey_outcome(survey.id, make_user(Role.ANALYST).id)


def test_a_quote_with_an_email_address_or_phone_number_is_blocked(
    closed_survey: Survey,
    client_request: ClientRequest,
    login_as: Callable[..., User],
) -> None:
    analyst = login_as(Role.ANALYST)
    outcome = services.start_survey_outcome(closed_survey.id, analyst.id)
    url = f"/outcomes/manage/{outcome.id}/themes"

    for quote in ("Contact me: sam@example.org", "Phone 07700 900 123 for more"):
        response = client_request.post(
            url, {"theme": "Transport", "answer_count": "4", "quotes": f"Buses are rare.\n\n{quote}"}, 200
        )
        errors = error_summary_texts(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
        assert errors and errors[0].startswith("Remove ")
        with pytest.raises(OutcomeError):
            services.add_theme(outcome.id, "Transport", 4, [quote], analyst.id)
    assert db.session.scalar(select(func.count()).select_from(OutcomeTheme)) == 0

    client_request.post(url, {"theme": "Transport", "answer_count": "4", "quotes": "Buses are rare.\n\nIt is far."})
    theme = db.session.scalar(select(OutcomeTheme))
    assert (theme.title, theme.answer_count, theme.quotes) == ("Transport", 4, ["Buses are rare.", "It is far."])

    # A quote stored before the check (or edited in the database) still stops publication.
    theme.quotes = [*theme.quotes, "ring 01902 551155"]
    db.session.commit()
    assert "Remove a phone number" in services.publish_problems(outcome)[-1]


def test_the_whole_loop_publishes_the_page_lists_it_in_the_feed_and_tells_people(
    closed_survey: Survey,
    client: FlaskClient,
    client_request: ClientRequest,
    login_as: Callable[..., User],
    mailbox: Any,
) -> None:
    # A participant asks to hear the outcome from the confirmation page's link.
    page = client_request.get(f"/outcomes/hear/survey/{closed_survey.id}")
    assert page.select_one("input[name=email]") is not None
    client_request.post(f"/outcomes/hear/survey/{closed_survey.id}", {"email": "Participant@Example.org"}, 200)
    client_request.post(f"/outcomes/hear/survey/{closed_survey.id}", {"email": "participant@example.org"}, 200)
    assert db.session.scalar(select(func.count()).select_from(OutcomeSubscription)) == 1

    login_as(Role.ANALYST)
    manage = client_request.get("/outcomes/manage")
    assert closed_survey.title in manage.select_one("#surveys-waiting").get_text()
    started = client_request.post(f"/outcomes/manage/survey/{closed_survey.id}", {})
    outcome_id = int(started.headers["Location"].rsplit("/", 1)[1])
    edit_url = f"/outcomes/manage/{outcome_id}"
    assert "Add at least one thing we did" in client_request.get(edit_url).select_one("#publish-problems").get_text()
    client_request.post(f"/outcomes/manage/{outcome_id}/publish", {})
    assert db.session.get(Outcome, outcome_id).published_at is None, "nothing is published before we did is written"
    assert client.get(f"/outcomes/{outcome_id}").status_code == 200, "analysts preview the draft"

    client_request.post(
        edit_url,
        {
            "title": "Stop smoking services",
            "we_asked": "How do you use them?",
            "you_said": "Most use the GP.\n\n- A\n- B",
        },
    )
    client_request.post(
        f"/outcomes/manage/{outcome_id}/themes",
        {"theme": "Getting there", "answer_count": "3", "quotes": "The bus only runs twice a day."},
    )
    client_request.post(
        f"/outcomes/manage/{outcome_id}/actions",
        {
            "kind": "chapter",
            "label": "The smoking in pregnancy chapter",
            "url": "/chapters/smoking-in-pregnancy",
            "sentence": "The chapter recommends a clinic in each family hub.",
        },
    )
    client_request.post(f"/outcomes/manage/{outcome_id}/publish", {})
    assert db.session.get(Outcome, outcome_id).published_at is not None

    client_request.post("/sign-out", {})
    assert client.get(f"/outcomes/{outcome_id}").status_code == 200
    detail = client_request.get(f"/outcomes/{outcome_id}")
    assert [h.get_text(strip=True) for h in detail.select("h2.govuk-heading-l")] == ["We asked", "You said", "We did"]
    assert [li.get_text() for li in detail.select("#you-said ~ ul.govuk-list--bullet li")][:2] == ["A", "B"]
    assert "“The bus only runs twice a day.”" in detail.get_text()
    assert detail.select_one("a[href='/chapters/smoking-in-pregnancy']") is not None
    listed = client_request.get("/outcomes")
    assert listed.select_one("#outcomes a").get_text(strip=True) == "Stop smoking services"

    feed = client.get("/outcomes/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    entries = ET.fromstring(feed.data).findall(f"{ATOM}entry")  # noqa: S314 (the app's own feed)
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Stop smoking services"]

    told = mailbox.last_to("participant@example.org")
    assert f"/outcomes/{outcome_id}" in email_body(told)
    proposer = email_body(mailbox.last_to("proposer@example.org"))
    assert "JSNA-2026-0900" in proposer and f"/outcomes/{outcome_id}" in proposer and "/topics/manage/" in proposer
    assert db.session.scalar(select(OutcomeSubscription.notified_at)) is not None

    # The proposer's follow link, opened with no account, and the public topic page both lead to the outcome.
    followed = client_request.get(manage_path(links_in(mailbox.last_to("proposer@example.org"))))
    came_of_it = followed.find("h2", string="What came of it").find_next_sibling("ul")
    assert came_of_it.select_one(f"a[href='/outcomes/{outcome_id}']") is not None
    topic = client_request.get("/topics/JSNA-2026-0900")
    assert topic.select_one(f"a[href='/outcomes/{outcome_id}']") is not None


def test_drafts_are_not_public_and_the_list_is_newest_first(
    closed_survey: Survey, client: FlaskClient, client_request: ClientRequest, make_user: Callable[..., User]
) -> None:
    from tests.surveys.conftest import build_survey

    staff = make_user(Role.ANALYST)
    older = services.start_survey_outcome(closed_survey.id, staff.id)
    newer = services.start_survey_outcome(build_survey(title="Second", status="closed").id, staff.id)
    draft = services.start_survey_outcome(build_survey(title="Third", status="closed").id, staff.id)
    older.title, older.published_at = "Older", utcnow() - timedelta(days=3)
    newer.title, newer.published_at = "Newer", utcnow() - timedelta(days=1)
    db.session.commit()

    assert client.get(f"/outcomes/{draft.id}").status_code == 404
    titles = [a.get_text(strip=True) for a in client_request.get("/outcomes").select("#outcomes h2 a")]
    assert titles == ["Newer", "Older"]
    entries = ET.fromstring(client.get("/outcomes/feed.atom").data).findall(f"{ATOM}entry")  # noqa: S314
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newer", "Older"]
    assert client.get("/outcomes/manage").status_code in (302, 303, 401, 403)


def test_a_rounds_outcome_says_what_was_decided_and_tells_each_topics_proposer(
    round_setup: Callable[..., RoundSetup], mailbox: Any
) -> None:
    setup = round_setup(proposals=3)
    for n, topic in enumerate(setup.proposals):
        topic.proposer_email, topic.contact_consent = f"proposer{n}@example.org", n != 1
    db.session.commit()
    close_round(setup.round.id, setup.chair.id)
    record_decision(setup.round.id, setup.proposals[0].id, Decision.PRIORITISED, "Largest need.", setup.chair.id)
    record_decision(setup.round.id, setup.proposals[1].id, Decision.DEFERRED, "Next year.", setup.chair.id)

    outcome = services.start_round_outcome(setup.round.id, setup.chair.id)
    assert outcome.you_said.startswith("The steering group considered 3 topics.")
    assert f"{setup.proposals[0].reference} {setup.proposals[0].title}: rank " in outcome.you_said
    assert "Steering group: prioritised (Largest need.)" in outcome.you_said
    assert "Steering group: deferred (Next year.)" in outcome.you_said

    services.add_action(outcome.id, ActionKind.DECISION, "Board minutes", "https://example.org/m", "Agreed.", 1)
    services.publish(outcome.id, setup.chair.id)
    from portal.outcomes.notifications import notify_published

    mailbox.clear()
    assert notify_published(outcome) == (0, 2)
    assert "Recommended by the steering group" in email_body(mailbox.last_to("proposer0@example.org"))
    assert mailbox.to("proposer1@example.org") == [], "no email without consent"


def test_you_said_says_how_many_responses_staff_entered_from_other_channels(
    closed_survey: Survey, make_user: Callable[..., User]
) -> None:
    from portal.models import SurveyResponse

    rows = list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == closed_survey.id)))
    rows[0].channel, rows[1].channel, rows[2].channel = "paper", "paper", "phone"
    db.session.commit()
    outcome = services.start_survey_outcome(closed_survey.id, make_user(Role.ANALYST).id)
    assert outcome.you_said.startswith(
        "11 people responded. Staff entered some of the responses for people who answered another way "
        "(paper form: 2; phone call: 1)."
    )
