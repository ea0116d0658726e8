"""What happened after each recommendation: baselines fixed by the first answer, the latest value, the change and
its verdict by the portal's comparison method; the tracker's table; and /chapters/impact on the example data."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from portal.chapters import outcomes, services
from portal.chapters.impact import impact_summary
from portal.clock import london_today
from portal.extensions import db
from portal.indicators import summaries
from portal.models import (
    Area,
    Chapter,
    Indicator,
    IndicatorSummaryRecord,
    IndicatorValue,
    Proposal,
    Recommendation,
    Role,
    User,
)
from portal.models.base import utcnow
from portal.stats.comparison import Comparison, compare_to_benchmark
from tests.chapters.conftest import HOME, Setup, london_days_ago
from tests.helpers import ClientRequest
from tests.test_performance_queries import counted_queries

RATE = "test-rate-low-is-good"
COUNT = "test-count-no-interval"


def _answer() -> services.ResponseInput:
    return services.ResponseInput("accept", "Agreed.", "Act.", "Lead", london_today() + timedelta(days=300))


def _value(indicator_id: str, year: int, value: float, lower: float | None = None, upper: float | None = None) -> None:
    db.session.add(
        IndicatorValue(
            indicator_id=indicator_id,
            area_code=HOME,
            period=str(year),
            period_sortable=year * 10000,
            value=value,
            lower_ci95=lower,
            upper_ci95=upper,
        )
    )
    db.session.commit()


@pytest.fixture
def measured(app: Flask) -> None:
    """Two indicators for the home area: a rate where low is good, with 95% intervals, and a count without any."""
    if db.session.get(Area, HOME) is None:
        db.session.add(Area(code=HOME, name="Wolverhampton", area_type="county_ua"))
    db.session.add_all(
        [
            Indicator(id=RATE, name="A test rate", unit="per 100,000", value_type="dsr", polarity="low_is_good"),
            Indicator(id=COUNT, name="A test count", unit="children", value_type="count", polarity="no_judgement"),
        ]
    )
    db.session.commit()
    _value(RATE, 2020, 50.0, 45.0, 55.0)
    _value(COUNT, 2020, 400.0)


def _published_with_indicators(make_chapter: Callable[..., Setup]) -> tuple[Setup, Recommendation]:
    """A published chapter whose first recommendation (to the ICB and the provider) names both test indicators."""
    setup = make_chapter("draft")
    first = setup.recommendations[0]
    services.update_recommendation(
        first.id,
        services.RecommendationInput(
            first.text,
            first.priority,
            organisation_ids=[setup.icb.id, setup.provider.id],
            person_ids=[setup.commissioner.id],
            indicator_ids=[RATE, COUNT],
        ),
        setup.analyst.id,
    )
    services.submit_for_review(setup.chapter.id, setup.analyst.id)
    services.publish(setup.chapter.id, setup.reviewer.id)
    db.session.refresh(first)
    return setup, first


def _outcomes(recommendation: Recommendation) -> dict[str, outcomes.Outcome]:
    db.session.refresh(recommendation)
    return {change.indicator_id: change.outcome for change in outcomes.indicator_changes(recommendation)}


def test_a_recommendation_names_only_real_indicators_and_at_most_five(
    make_chapter: Callable[..., Setup], measured: None
) -> None:
    setup = make_chapter("draft")
    data = {"text": "Do it.", "priority": "low", "organisation_ids": [setup.icb.id]}
    with pytest.raises(services.ChapterError, match="There is no indicator with the id not-an-indicator"):
        services.add_recommendation(
            setup.chapter.id, services.RecommendationInput(**data, indicator_ids=[RATE, "not-an-indicator"]), None
        )
    with pytest.raises(services.ChapterError, match="Name 5 indicators or fewer"):
        services.add_recommendation(
            setup.chapter.id, services.RecommendationInput(**data, indicator_ids=[f"x{i}" for i in range(6)]), None
        )
    named = services.add_recommendation(
        setup.chapter.id, services.RecommendationInput(**data, indicator_ids=[COUNT, RATE, COUNT]), None
    )
    assert [link.indicator_id for link in named.indicator_links] == [COUNT, RATE]


def test_the_first_answer_fixes_the_baseline_and_later_data_is_judged_against_it(
    make_chapter: Callable[..., Setup], make_user: Callable[..., User], measured: None
) -> None:
    setup, first = _published_with_indicators(make_chapter)
    assert _outcomes(first) == {RATE: outcomes.Outcome.NOT_ANSWERED, COUNT: outcomes.Outcome.NOT_ANSWERED}

    services.respond(first.id, setup.commissioner, _answer())
    db.session.refresh(first)
    rate_link = first.indicator_links[0]
    assert (rate_link.baseline_period, rate_link.baseline_value, rate_link.baseline_text) == (
        "2020",
        50.0,
        "50.0 per 100,000",
    )
    # The data has not moved on since the answer.
    assert _outcomes(first) == {RATE: outcomes.Outcome.TOO_EARLY, COUNT: outcomes.Outcome.TOO_EARLY}

    # A second organisation answering later does not move the starting point.
    provider_commissioner = make_user(Role.COMMISSIONER, email="trust.buyer@example.org", organisation=setup.provider)
    _value(RATE, 2021, 49.0, 44.0, 54.0)  # its interval still holds 50: no significant change
    _value(COUNT, 2021, 380.0)  # no interval to test a count's change
    services.respond(first.id, provider_commissioner, _answer())
    db.session.refresh(first)
    assert first.indicator_links[0].baseline_period == "2020"
    assert _outcomes(first) == {RATE: outcomes.Outcome.NO_SIGNIFICANT_CHANGE, COUNT: outcomes.Outcome.UNTESTED}

    _value(RATE, 2022, 40.0, 36.0, 44.0)  # the whole interval is below 50, and low is good
    assert compare_to_benchmark(40.0, 36.0, 44.0, 50.0, "low_is_good") is Comparison.BETTER
    assert _outcomes(first)[RATE] is outcomes.Outcome.IMPROVED
    _value(RATE, 2023, 61.0, 56.0, 66.0)
    assert _outcomes(first)[RATE] is outcomes.Outcome.WORSENED
    change = outcomes.indicator_changes(first)[0]
    assert (change.baseline_text, change.latest_period, change.latest_text, change.change_text) == (
        "50.0 per 100,000",
        "2023",
        "61.0 per 100,000",
        "+11.0 per 100,000",
    )


def test_the_public_tracker_shows_each_indicator_then_and_now_and_flags_overdue_and_stale_replies(
    client_request: ClientRequest,
    make_chapter: Callable[..., Setup],
    measured: None,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup, first = _published_with_indicators(make_chapter)
    services.respond(first.id, setup.commissioner, _answer())
    _value(RATE, 2021, 40.0, 36.0, 44.0)

    page = client_request.get(f"/chapters/{setup.chapter.slug}/recommendations")
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in page.select(f"#indicator-changes-{first.id} tbody tr")
    ]
    assert rows == [
        [
            "A test rate",
            "2020: 50.0 per 100,000",
            "2021: 40.0 per 100,000",
            "−10.0 per 100,000",
            "Significantly better",
        ],
        ["A test count", "2020: 400 children", "2020: 400 children", "–", "Too early to tell"],
    ]

    # The ICB answered; the provider and the council did not, and the response period has passed.
    setup.chapter.published_at = london_days_ago(61)
    db.session.commit()
    text = client_request.get(f"/chapters/{setup.chapter.slug}/recommendations").get_text(" ", strip=True)
    assert f"{setup.provider.name} has not responded yet" in text and "No response due" in text
    assert "2 overdue" in text
    # An unfinished action with no progress update for the progress period is flagged too.
    monkeypatch.setitem(app.config, "CHAPTER_PROGRESS_STALE_DAYS", 0)
    response = first.response_for(setup.icb.id)
    assert response is not None
    response.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    text = client_request.get(f"/chapters/{setup.chapter.slug}/recommendations").get_text(" ", strip=True)
    assert "No recent progress update" in text and "3 overdue" in text


# /chapters/impact on the example data ---------------------------------------------------------------------------------


@pytest.fixture
def example_chapter(seeded_indicators: object, make_prioritised: Callable[..., Proposal], mailbox: object) -> Chapter:
    """The example chapter ``flask seed`` makes, on the real key dataset the tests load."""
    proposal = make_prioritised("Food insecurity in families with young children")
    proposal.is_example = True
    db.session.commit()
    assert services.seed().startswith("Example chapter added")
    return db.session.query(Chapter).one()


def _table(page: object, key: str) -> list[list[str]]:
    rows = page.select(f"#impact-{key}-table tbody tr")  # type: ignore[attr-defined]
    return [[cell.get_text(strip=True) for cell in row.select("th, td")] for row in rows]


def test_impact_counts_equal_the_hand_counted_example(client_request: ClientRequest, example_chapter: Chapter) -> None:
    # The example, by hand (portal/chapters/examples.py):
    # 1. Healthy Start, to the ICB (accepted, on track) and the provider (no response); names the children looked
    #    after rate (children in need is not in the test data), valued three published years before the latest;
    # 2. food insecurity survey, to the council (partly accepted, at risk); names no indicator;
    # 3. free school meals, to the council (not accepted, so no action); names the looked-after rate, valued at
    #    the latest year as a real answer records it;
    # 4. holiday activities, to the ICB (no response); names the looked-after rate.
    cla = [
        (row.period, row.value, row.lower_ci95)
        for row in db.session.query(IndicatorValue)
        .filter_by(indicator_id="dfe-cla-rate-per-10k", area_code=HOME, category_type="")
        .order_by(IndicatorValue.period_sortable)
    ]
    assert cla[-4][:2] == ("2022", 83.0) and cla[-1][:2] == ("2025", 73.0)
    assert all(lower is None for _, _, lower in cla)  # no interval: a change cannot be tested
    # So the indicators: 1 changed but untested (83.0 → 73.0), 1 too early (3), 1 not answered (4).

    page = client_request.get("/chapters/impact")
    assert "these figures are from the example chapter" in page.get_text()
    assert _table(page, "responses") == [
        ["Accepted", "1", "20%"],
        ["Partially accepted", "1", "20%"],
        ["Not accepted", "1", "20%"],
        ["No response", "2", "40%"],
    ]
    assert _table(page, "progress") == [
        ["Not started", "0", "0%"],
        ["On track", "1", "33%"],
        ["At risk", "1", "33%"],
        ["Done", "0", "0%"],
        ["No action planned (not accepted)", "1", "33%"],
    ]
    assert _table(page, "indicators") == [
        ["Significantly better", "0", "0%"],
        ["No significant change", "0", "0%"],
        ["Significantly worse", "0", "0%"],
        ["Significantly changed (higher or lower is neither better nor worse)", "0", "0%"],
        ["Changed, but the data has no interval to test it", "1", "33%"],
        ["Too early to tell", "1", "33%"],
        ["Not answered yet, so nothing to measure from", "1", "33%"],
    ]
    every = page.select_one("#impact-recommendations").get_text(" ", strip=True)
    assert "Children looked after at 31 March, rate per 10,000 children aged under 18: changed" in every
    assert "(−10.0" in every

    for key in ("responses", "progress", "indicators"):
        download = client_request.response(f"/chapters/impact/{key}.csv")
        assert download.headers["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
        assert rows[1:] == _table(page, key), "the CSV holds exactly the rows of the table"
        chart = client_request.response(f"/chapters/impact/{key}.json")
        assert chart.status_code == 200 and chart.mimetype == "application/json"
    client_request.get("/chapters/impact/everything.json", expected_status=404)


def test_once_a_real_chapter_is_published_the_example_is_left_out(
    example_chapter: Chapter, make_chapter: Callable[..., Setup]
) -> None:
    setup = make_chapter("published")
    services.respond(setup.recommendations[1].id, setup.other_commissioner, _answer())
    summary = impact_summary()
    assert not summary.examples_only and [c.id for c in summary.chapters] == [setup.chapter.id]
    assert dict(summary.breakdowns["responses"].counts) == {
        "Accepted": 1,
        "Partially accepted": 0,
        "Not accepted": 0,
        "No response": 2,  # the ICB and the provider, for the first recommendation
    }


def _forbid_summary_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a summary was computed during the request")

    monkeypatch.setattr(summaries, "summarise", forbidden)


def test_the_impact_and_tracker_pages_read_the_stored_summaries_in_one_query(
    client: FlaskClient, client_request: ClientRequest, example_chapter: Chapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = ["/chapters/impact", f"/chapters/{example_chapter.slug}/recommendations"]
    computed = {url: client_request.get(url).select_one("main").get_text(" ", strip=True) for url in urls}
    assert "73.0" in computed[urls[1]]  # the looked-after rate's latest value, named by three recommendations
    _forbid_summary_statistics(monkeypatch)
    for url in urls:
        with counted_queries() as statements:
            page = client_request.get(url)
        assert page.select_one("main").get_text(" ", strip=True) == computed[url]
        assert len([s for s in statements if "indicator_summaries" in s]) == 1  # however many it names
        assert not [s for s in statements if "indicator_values" in s]
    # Without stored summaries the pages have to compute them (so the patch above would have caught it).
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    for url in urls:
        with pytest.raises(AssertionError, match="a summary was computed"):
            client.get(url)
