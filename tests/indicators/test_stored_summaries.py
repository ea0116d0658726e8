"""Indicator summaries are computed when data is imported, stored in the import's transaction and read by the pages
with one indexed query (issue 17)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.indicators import file_import, loader, pages, reference_data, summaries, summary_cache
from portal.indicators.catalogue import TOPIC_LABELS, list_indicators
from portal.indicators.file_import import import_file
from portal.indicators.review import publish_indicator, review_of
from portal.indicators.stored_summaries import from_json, refresh_summaries, stored_overview, stored_summary, to_json
from portal.models import Indicator, IndicatorSummaryRecord
from portal.stats.comparison import Comparison
from tests.helpers import ClientRequest
from tests.indicators.conftest import DATA_DIR, SeededIndicators
from tests.test_performance_queries import _add_indicators, counted_queries, queries_for

SUICIDE = DATA_DIR / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"
CHD = DATA_DIR / "fingertips" / "fingertips_ui_compare_areas_chd_admissions_90988.csv"


def computed(indicator_id: str) -> summaries.IndicatorSummary:
    """The headline summary worked out now from the stored values, as the overview shows it (no inequality gap)."""
    summary = summaries.indicator_summary(indicator_id)
    assert summary is not None
    return replace(summary, inequality_gap=None)


def headline_count() -> int:
    query = select(func.count()).select_from(IndicatorSummaryRecord).where(IndicatorSummaryRecord.breakdown == "")
    return db.session.scalar(query) or 0


def suicide_file_with_home_values_doubled(folder: Path) -> Path:
    """The suicide export again, under its own name (so it replaces the first import), with Wolverhampton's latest
    values and intervals doubled."""
    frame = pd.read_csv(SUICIDE, dtype=str, keep_default_na=False)
    home = frame["AreaCode"] == "E08000031"
    latest = home & (frame["Time_period_Sortable"] == frame.loc[home, "Time_period_Sortable"].max())
    for column in ("Value", "Lower_CI_95.0_limit", "Upper_CI_95.0_limit"):
        frame.loc[latest, column] = [str(float(v) * 2) if v else v for v in frame.loc[latest, column]]
    path = folder / SUICIDE.name
    frame.to_csv(path, index=False)
    return path


def test_the_stored_overview_is_the_computed_one_for_every_filter(seeded_indicators: SeededIndicators) -> None:
    assert headline_count() == len(list_indicators(include_drafts=True)) > 10
    assert stored_overview() == summaries.overview() != []
    for topic in [None, *TOPIC_LABELS]:
        for significance in [None, *(c.value for c in Comparison)]:
            expected = summaries.overview(topic, significance)
            assert stored_overview(topic, significance) == expected
            assert summary_cache.overview(topic, significance) == expected
    for indicator in list_indicators():
        assert stored_summary(indicator.id) == computed(indicator.id)
        with_its_gap = summaries.indicator_summary(indicator.id)
        assert with_its_gap is not None and from_json(to_json(with_its_gap)) == with_its_gap


def test_each_sex_and_age_the_page_offers_is_stored_as_the_page_would_compute_it(
    seeded_indicators: SeededIndicators,
) -> None:
    keys = db.session.scalars(
        select(IndicatorSummaryRecord.breakdown).where(IndicatorSummaryRecord.indicator_id == "93356")
    ).all()
    pairs = [tuple(key.split("|")) for key in keys if key]
    assert pairs and "" in keys
    stored = {pair: stored_summary("93356", pair=pair) for pair in pairs}
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    for (sex, age), summary in stored.items():
        page = pages.indicator_page("93356", sex=sex, age=age)
        assert page is not None and page.selection is not None and page.selection.chosen
        assert summary == replace(page.summary, inequality_gap=None)
        assert (summary.sex, summary.age) == (sex, age)


def test_a_successful_import_changes_the_affected_summary(seeded_indicators: SeededIndicators, tmp_path: Path) -> None:
    before = stored_summary("41001")
    untouched = stored_summary("93356")
    assert before is not None and before.value is not None
    outcome = import_file(suicide_file_with_home_values_doubled(tmp_path), "fingertips")
    assert outcome.ok, outcome.errors[:3]
    after = stored_summary("41001")
    assert after is not None and after.value == pytest.approx(2 * before.value)
    assert after == computed("41001")
    assert stored_summary("93356") == untouched


def test_an_import_failing_validation_leaves_the_old_summaries(
    seeded_indicators: SeededIndicators, tmp_path: Path
) -> None:
    before = stored_overview()
    path = suicide_file_with_home_values_doubled(tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "Value"] = "not a number"
    frame.to_csv(path, index=False)
    outcome = import_file(path, "fingertips")
    assert not outcome.ok
    assert stored_overview() == before


def test_a_failure_after_the_summaries_are_written_rolls_them_back(
    seeded_indicators: SeededIndicators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stored_summary("41001")
    written: list[int] = []

    def refresh_then_fail(ids: Any = None) -> int:
        written.append(refresh_summaries(ids))
        raise RuntimeError("the disk filled up before the commit")

    monkeypatch.setattr(loader, "refresh_summaries", refresh_then_fail)
    with pytest.raises(RuntimeError):
        import_file(suicide_file_with_home_values_doubled(tmp_path), "fingertips")
    assert written and written[0] > 0  # the new summaries were written in the import's transaction...
    assert stored_summary("41001") == before == computed("41001")  # ...and rolled back with its values


def test_editing_the_polarity_updates_the_stored_summary(seeded_indicators: SeededIndicators) -> None:
    indicator = db.session.get(Indicator, "41001")
    assert indicator is not None
    before = stored_summary("41001")
    review = review_of(indicator)
    flipped = "high_is_good" if review.polarity == "low_is_good" else "low_is_good"
    publish_indicator("41001", replace(review, polarity=flipped))
    after = stored_summary("41001")
    assert before is not None and after is not None
    assert str(after.polarity) == flipped != str(before.polarity)
    assert after == computed("41001")
    assert stored_overview() == summaries.overview()


def test_publishing_a_draft_puts_its_stored_summary_in_the_overview(
    seeded_indicators: SeededIndicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = file_import.indicator_metadata
    monkeypatch.setattr(
        file_import, "indicator_metadata", lambda: real().query("indicator_id != '90988'").reset_index(drop=True)
    )
    assert import_file(CHD, "fingertips").ok
    draft = db.session.get(Indicator, "90988")
    assert draft is not None and draft.status == "draft"
    ids = [s.indicator_id for _, items in stored_overview() for s in items]
    assert "90988" not in ids
    review = replace(
        review_of(draft), polarity="low_is_good", publisher="OHID", source="Fingertips", licence="OGL v3.0"
    )
    publish_indicator("90988", review)
    ids = [s.indicator_id for _, items in stored_overview() for s in items]
    assert "90988" in ids
    assert stored_overview() == summaries.overview()
    assert stored_summary("90988") == computed("90988")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/indicators", "Suicide"),
        ("/indicators?view=spine", "Suicide"),
        ("/indicators?significance=Similar", "Similar"),
        ("/indicators/41001", "Suicide"),
        ("/indicators/93356?sex=Persons&age=0-9+yrs", "0-9"),
        ("/indicators/themes/childrens-social-care", "looked after"),
    ],
)
def test_pages_do_no_summary_statistics_per_request(
    seeded_indicators: SeededIndicators,
    client_request: ClientRequest,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    shown: str,
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a summary was computed during the request")

    monkeypatch.setattr(summaries, "summarise", forbidden)
    monkeypatch.setattr(pages, "summarise", forbidden)
    page = client_request.get(url)
    assert shown in page.get_text()
    # Without stored summaries the same page has to compute them (so the patch above would have caught it).
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    with pytest.raises(AssertionError, match="a summary was computed"):
        client_request.client.get(url)


def test_without_stored_summaries_the_pages_compute_them(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    db.session.execute(delete(IndicatorSummaryRecord).where(IndicatorSummaryRecord.indicator_id == "41001"))
    db.session.commit()
    assert stored_summary("41001") is None
    assert stored_overview() == summaries.overview()
    assert "Suicide" in client_request.get("/indicators/41001").get_text()


def test_the_overview_reads_no_values_and_a_constant_number_of_queries(client: FlaskClient) -> None:
    _add_indicators(1, 0)
    at_small = queries_for(client, "/indicators")
    _add_indicators(2, 1)
    at_large = queries_for(client, "/indicators")
    assert at_large == at_small
    with counted_queries() as statements:
        assert client.get("/indicators").status_code == 200
    assert [s for s in statements if "indicator_summaries" in s]
    assert not [s for s in statements if "indicator_values" in s]


def test_changing_the_statistical_neighbours_updates_every_stored_summary(
    seeded_indicators: SeededIndicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stored_summary("41001")
    assert before is not None and before.neighbours_count > 2
    real = reference_data.comparator_groups

    def two_neighbours() -> list[dict[str, Any]]:
        groups = real()
        for group in groups:
            if group["slug"] == "statistical-neighbours":
                group["members"] = group["members"][:2]
        return groups

    monkeypatch.setattr(reference_data, "comparator_groups", two_neighbours)
    assert reference_data.seed_comparator_groups()["changed"] == 1
    after = stored_summary("41001")
    assert after is not None and after.neighbours_count == 2
    assert after == computed("41001")
    assert stored_overview() == summaries.overview()
