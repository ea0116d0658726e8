"""What a file implies about an indicator the portal does not know: value type and unit, and polarity."""

from __future__ import annotations

import pytest

from portal.importers.fingertips import read_fingertips
from portal.importers.inference import infer_measure, infer_metadata, infer_polarity
from tests.importers import CAMPYLOBACTER, CERVICAL_SCREENING, CHD_EXPORT_TABLE, CYP_MENTAL_HEALTH, SUICIDE


def rows_of(path, indicator_id: str):
    values = read_fingertips(path).values
    return values[values["indicator_id"] == indicator_id]


@pytest.mark.parametrize(
    ("path", "indicator_id", "value_type", "unit", "multiplier"),
    [
        (CERVICAL_SCREENING, "93560", "proportion", "%", 100.0),  # count ÷ denominator × 100 on every row
        (CAMPYLOBACTER, "93356", "crude_rate", "per 100,000", 100_000.0),
        (CHD_EXPORT_TABLE, "90988", "dsr", "per 100,000", 100_000.0),  # directly age-standardised
        (SUICIDE, "41001", "dsr", "per 100,000", 100_000.0),  # suicide rate: age-standardised
    ],
)
def test_value_type_and_unit_from_value_count_and_denominator(path, indicator_id, value_type, unit, multiplier):
    found_type, found_unit, found_multiplier, note = infer_measure(rows_of(path, indicator_id))
    assert (found_type, found_unit, found_multiplier) == (value_type, unit, multiplier)
    assert note.startswith("Inferred")
    if value_type == "dsr":
        assert "does not follow from count" in note and "age-standardised" in note


def test_no_count_means_no_value_type() -> None:
    rows = rows_of(SUICIDE, "91404")  # years of life lost: no denominator in the export
    assert infer_measure(rows)[:3] == ("", "", None)


@pytest.mark.parametrize(
    ("path", "indicator_id", "polarity"),
    [
        (CERVICAL_SCREENING, "93560", "high_is_good"),  # every "Better" is above England
        (CHD_EXPORT_TABLE, "90988", "low_is_good"),  # every "Better" is below England
        (CAMPYLOBACTER, "93356", "low_is_good"),
        (SUICIDE, "41001", "no_judgement"),  # Fingertips says Higher/Lower
        (CYP_MENTAL_HEALTH, "91141", ""),  # only Similar / Not compared: not known
    ],
)
def test_polarity_from_the_files_own_verdicts(path, indicator_id, polarity) -> None:
    found, note = infer_polarity(rows_of(path, indicator_id))
    assert found == polarity
    assert ("Choose the polarity" in note) == (polarity == "")


def test_conflicting_verdicts_leave_the_polarity_not_known() -> None:
    rows = rows_of(CHD_EXPORT_TABLE, "90988").copy()
    better = rows.index[rows["source_compared_to_england"] == "Better"]
    rows.loc[better[:3], "source_compared_to_england"] = "Worse"  # three "Worse" rows below England: a conflict
    polarity, note = infer_polarity(rows)
    assert polarity == ""
    assert note.startswith("Not known: the publisher's verdicts conflict")


def test_infer_metadata_says_what_it_inferred_for_each_indicator() -> None:
    inferred = infer_metadata(read_fingertips(CERVICAL_SCREENING).values)
    assert list(inferred) == ["93560"]
    assert inferred["93560"].value_type == "proportion" and inferred["93560"].polarity == "high_is_good"
    assert "percentage" in inferred["93560"].note and "Better" in inferred["93560"].note
