"""Loading the small areas, ward profile figures, and segmentation runs with their history."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from portal.models import LsoaWard, Segment, SegmentationRun, SegmentMember, SmallAreaFact, SmallAreaLoad
from portal.small_areas.facts import ward_profile_facts
from portal.small_areas.loading import CENSUS_MEASURES, current_frames, load_small_areas
from portal.small_areas.segmenting import get_segment, latest_run, list_runs, run_segmentation
from portal.stats.small_areas import AGE_BANDS
from tests.small_areas.conftest import QUICK

WARDS = [f"E0500{n}" for n in range(1321, 1341)]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_loading_twice_writes_once_and_round_trips(db, loaded) -> None:
    facts = _count(db, SmallAreaFact)
    assert _count(db, LsoaWard) == 158 + 161
    _, changed = load_small_areas(loaded)
    assert not changed and _count(db, SmallAreaLoad) == 1 and _count(db, SmallAreaFact) == facts
    frames = current_frames()
    assert frames is not None and frames.checksum == loaded.checksum
    pd.testing.assert_frame_equal(
        frames.lsoa2021[CENSUS_MEASURES], loaded.lsoa2021[CENSUS_MEASURES].astype(float), check_names=False
    )
    assert frames.lsoa2011["house_price"].isna().sum() == 6
    _, forced = load_small_areas(loaded, force=True)
    assert forced and _count(db, SmallAreaLoad) == 2 and _count(db, SmallAreaFact) == facts


def test_nothing_to_show_before_loading(app) -> None:
    assert ward_profile_facts(WARDS[0]) is None
    assert run_segmentation(**QUICK) == (None, False)


def test_every_ward_profile_has_at_least_twelve_figures_with_city_and_england(loaded) -> None:
    for ward in WARDS:
        facts = ward_profile_facts(ward)
        assert facts is not None and facts.ward_code == ward
        complete = [f for f in facts.figures if None not in (f.ward, f.city, f.england)]
        assert len(complete) >= 12, ward
        keys = {f.key for f in facts.figures}
        for expected in (
            "population",
            "age_65_plus",
            "tenure_owned",
            "tenure_social_rented",
            "tenure_private_rented",
            "house_price",
        ):
            assert expected in keys
        assert len({k for k in keys if k.startswith("imd_")}) == 16  # the index and seven domains, at 10% and 20%
        assert all(f.period for f in facts.figures)
        assert "Not stated" in next(f for f in facts.figures if f.key == "house_price").period
        assert [b.band for b in facts.age_bands] == AGE_BANDS
        assert sum(b.ward for b in facts.age_bands) == pytest.approx(100)
        assert facts.lsoas_2021 >= 5 and facts.sections()[0][0] == "Population"


def test_ward_figures_add_up_to_the_city(loaded) -> None:
    people = [ward_profile_facts(w).figures[0].ward for w in WARDS]
    assert sum(people) == loaded.lsoa2021["total"].sum()
    city = ward_profile_facts(WARDS[0]).figures[0].city
    assert city == loaded.city_census["total"]
    assert abs(sum(people) - city) / city < 0.0001
    england = next(f for f in ward_profile_facts(WARDS[0]).figures if f.key == "imd_imd_10")
    assert england.england == pytest.approx(10, abs=0.01)
    assert england.show(12.345) == "12.3%"


def test_ward_profiles_are_worked_out_once_per_load(loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each ward page and each of its chart CSVs needs a profile; working out all 20 each time took 60 ms a request.
    from portal.stats import small_areas

    worked_out: list[str] = []
    real = small_areas.profile_from_lsoas
    monkeypatch.setattr(small_areas, "profile_from_lsoas", lambda code, *a: worked_out.append(code) or real(code, *a))
    first = [ward_profile_facts(ward) for ward in WARDS[:3]]
    assert sorted(worked_out) == WARDS  # each ward once, for all three pages
    load_small_areas(loaded, force=True)  # a new load: its own frames and profiles
    again = [ward_profile_facts(ward) for ward in WARDS[:3]]
    assert sorted(worked_out) == sorted(WARDS * 2)
    assert again == first


def test_an_unknown_ward_has_no_profile(loaded) -> None:
    assert ward_profile_facts("E05000001") is None


def test_segmentation_runs_are_kept_as_history(db, loaded) -> None:
    first, added = run_segmentation(**QUICK)
    assert added and first is not None
    again, added_again = run_segmentation(**QUICK)
    assert not added_again and again.id == first.id
    assert _count(db, SegmentMember) == 161
    old_segment_ids = [s.id for s in first.segments]

    second, added = run_segmentation(**QUICK, seed=7)
    assert added and second.id != first.id and latest_run().id == second.id
    assert [r.id for r in list_runs()] == [second.id, first.id]
    # The earlier run and its segments are still there.
    assert _count(db, SegmentationRun) == 2 and _count(db, SegmentMember) == 2 * 161
    assert all(get_segment(i) is not None and get_segment(i).run_id == first.id for i in old_segment_ids)
    forced, added = run_segmentation(**QUICK, seed=7, force=True)
    assert added and forced.id not in {first.id, second.id}


def test_a_run_stores_what_the_pages_need(segmented) -> None:
    assert 3 <= segmented.k <= 7 == max(c["k"] for c in segmented.candidates)
    chosen = next(c for c in segmented.candidates if c["k"] == segmented.k)
    assert chosen["silhouette"] == max(c["silhouette"] for c in segmented.candidates)
    assert sum(s.lsoa_count for s in segmented.segments) == 161 == segmented.lsoa_count
    assert sum(s.population for s in segmented.segments) == pytest.approx(segmented.population)
    assert len(segmented.filled) == 6
    for segment in segmented.segments:
        assert isinstance(segment, Segment) and segment.description
        assert len(segment.members) == segment.lsoa_count
        distances = [m.distance for m in segment.members]
        assert distances == sorted(distances)
