"""How the summaries and pages read values: which small areas an indicator is published for, rows read on the
session's connection (still seeing what the session has not yet flushed), and the text columns an import writes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from portal.importers.base import VALUE_COLUMNS
from portal.indicators import bulk_insert
from portal.indicators.catalogue import published_levels, stored_rows
from portal.models import Area, Indicator, IndicatorValue

HOME = "E08000031"


@pytest.fixture
def small_areas(db: Any) -> None:
    """The home area with a ward and its LSOA, and another authority with its own ward and LSOA."""
    db.session.add_all(
        [
            Area(code=HOME, name="Wolverhampton", area_type="county_ua"),
            Area(code="E08000030", name="Walsall", area_type="county_ua"),
            Area(code="E05000001", name="Home ward", area_type="ward", parent_code=HOME),
            Area(code="E01000001", name="Home LSOA", area_type="lsoa", parent_code="E05000001"),
            Area(code="E05000002", name="Walsall ward", area_type="ward", parent_code="E08000030"),
            Area(code="E01000002", name="Walsall LSOA", area_type="lsoa", parent_code="E05000002"),
        ]
    )
    for indicator_id in ("ward-only", "lsoa-only", "both", "elsewhere", "whole"):
        db.session.add(Indicator(id=indicator_id, name=indicator_id))
    db.session.flush()
    for indicator_id, codes in {
        "ward-only": ["E05000001"],
        "lsoa-only": ["E01000001"],
        "both": ["E01000001", "E05000001"],
        "elsewhere": ["E05000002", "E01000002"],
        "whole": [HOME],
    }.items():
        for code in codes:
            value = IndicatorValue(indicator_id=indicator_id, area_code=code, period="2023", period_sortable=2023)
            db.session.add(value)
    db.session.commit()


def test_published_levels_name_the_widest_small_area_of_the_home_area_only(small_areas: None) -> None:
    ids = ["ward-only", "lsoa-only", "both", "elsewhere", "whole"]

    assert published_levels(ids, HOME) == {
        "ward-only": "wards",
        "lsoa-only": "small areas (LSOAs)",
        "both": "wards",  # the widest first
    }
    # Another authority's wards and LSOAs count for it, not for the home area.
    assert published_levels(ids, "E08000030") == {"elsewhere": "wards"}


def test_published_levels_of_an_area_without_wards_are_empty(small_areas: None) -> None:
    assert published_levels(["ward-only", "both"], "E05000001") == {}
    assert published_levels([], HOME) == {}


def test_stored_rows_see_values_the_session_has_not_yet_flushed(db: Any, small_areas: None) -> None:
    db.session.add(IndicatorValue(indicator_id="whole", area_code=HOME, period="2024", period_sortable=2024, value=1.5))

    rows = stored_rows(IndicatorValue.indicator_id == "whole")

    assert [(r.period, r.value) for r in rows] == [("2023", None), ("2024", 1.5)]  # oldest first
    db.session.rollback()
    assert [r.period for r in stored_rows(IndicatorValue.indicator_id == "whole")] == ["2023"]


def test_stored_rows_leave_pending_values_alone_where_the_caller_turned_autoflush_off(
    db: Any, small_areas: None
) -> None:
    db.session.add(IndicatorValue(indicator_id="whole", area_code=HOME, period="2024", period_sortable=2024))

    with db.session.no_autoflush:
        assert [r.period for r in stored_rows(IndicatorValue.indicator_id == "whole")] == ["2023"]
    assert [r.period for r in stored_rows(IndicatorValue.indicator_id == "whole")] == ["2023", "2024"]


def _values(**columns: Any) -> pd.DataFrame:
    rows = len(next(iter(columns.values())))
    base: dict[str, Any] = {
        "indicator_id": ["1"] * rows,
        "area_code": [f"E0{i}" for i in range(rows)],
        "period": ["2023"] * rows,
        "period_sortable": [2023] * rows,
        "sex": ["Persons"] * rows,
        "age": ["All ages"] * rows,
        "category_type": [""] * rows,
        "category": [""] * rows,
        "value_note": [""] * rows,
        "suppressed": [False] * rows,
        "derived": [False] * rows,
        "source_compared_to_england": [""] * rows,
        "source_compared_to_region": [""] * rows,
        "source_recent_trend": [""] * rows,
    }
    for column in ("value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"):
        base[column] = [np.nan] * rows
    base.update(columns)
    return pd.DataFrame(base)[VALUE_COLUMNS]


def test_value_rows_give_missing_text_as_empty_and_other_values_as_text() -> None:
    values = _values(
        value_note=pd.Series(["a note", None, "é"], dtype="str"),
        category=pd.Series(["x", 7, None], dtype=object),
        value=[1.5, np.nan, 2.0],
    )
    before = values.copy()

    rows = [row for chunk in bulk_insert.value_chunks(values, 1, "source", with_source=False) for row in chunk]

    by_column = {name: [row[i] for row in rows] for i, name in enumerate(VALUE_COLUMNS)}
    assert by_column["value_note"] == ["a note", "", "é"]
    assert by_column["category"] == ["x", "7", ""]
    assert by_column["value"] == [1.5, None, 2.0]
    assert all(type(text) is str for text in by_column["value_note"] + by_column["category"])
    pd.testing.assert_frame_equal(values, before)  # the reader's frame is read, never changed
