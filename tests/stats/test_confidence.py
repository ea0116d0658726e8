"""Confidence intervals checked against PHEindicatormethods' own test data, row by row."""

import dataclasses
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from portal.stats.confidence import (
    ESP2013,
    ESP2013_AGE_BANDS,
    ValueWithCI,
    byars_interval,
    dsr_with_ci,
    exact_poisson_interval,
    proportion_with_ci,
    rate_interval,
    rate_with_ci,
    wilson_interval,
)

# A byte-for-byte copy of shared/data/reference/pheindicatormethods (UKHSA's published test data) ships with the tests.
REFERENCE_DIR = Path(
    os.environ.get("PHE_REFERENCE_DIR", Path(__file__).resolve().parent.parent / "data" / "pheindicatormethods")
)
# The reference values are R doubles written to Excel; agreement is at floating-point precision, so this is tight.
REL = 1e-9


@pytest.fixture(scope="module")
def reference() -> Path:
    """The directory of PHEindicatormethods reference workbooks."""
    assert REFERENCE_DIR.is_dir(), f"PHEindicatormethods reference data not found at {REFERENCE_DIR}"
    return REFERENCE_DIR


def _confidence(label: str) -> float:
    """Convert the workbook's "95%" / "99.8%" labels to fractions."""
    return {"95%": 0.95, "99.8%": 0.998}[label]


def _close(actual: float, expected: float) -> bool:
    """Equal to REL, treating NaN as equal to NaN (the workbooks use NaN for limits R returns as NA)."""
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == pytest.approx(expected, rel=REL)


def test_byars_and_wilson_match_reference(reference: Path) -> None:
    """Every row of testdata_B_W: Byar's limits on counts and Wilson limits as fractions, at 95% and 99.8%."""
    sheet = pd.read_excel(reference / "testdata_Byars_Wilson.xlsx", sheet_name="testdata_B_W")
    checked = 0
    for row in sheet.itertuples():
        confidence = _confidence(row.confidence)
        if row.method == "Byars":
            lower, upper = byars_interval(row.x, 1.0, confidence)
        else:
            lower, upper = wilson_interval(row.x, row.n, confidence)
        assert _close(lower, row.lowercl), row
        assert _close(upper, row.uppercl), row
        checked += 1
    assert checked == 13


def test_byars_lower_is_nan_where_approximation_goes_negative(reference: Path) -> None:
    """The reference row x=1 at 99.8% has no Byar's lower limit; byars_lower returns NA there."""
    assert math.isnan(byars_interval(1, 1, 0.998)[0])
    assert byars_interval(1, 1, 0.95)[0] == pytest.approx(0.013072132901504, rel=REL)


def _check_rows(sheet: pd.DataFrame, compute, two_levels: bool) -> tuple[int, int]:
    """Check each row with a numerator and denominator; rows missing either must be rejected. Return both counts."""
    checked = rejected = 0
    for row in sheet.itertuples():
        if pd.isna(row.Numerator) or pd.isna(row.Denominator):
            with pytest.raises(ValueError, match="must be a finite number"):
                compute(row.Numerator, row.Denominator, row.multiplier, 0.95)
            rejected += 1
            continue
        result95 = compute(row.Numerator, row.Denominator, row.multiplier, 0.95)
        assert result95.method == row.method, row
        assert _close(result95.value, row.value), row
        if two_levels:
            result998 = compute(row.Numerator, row.Denominator, row.multiplier, 0.998)
            assert _close(result95.lower, row.lower95_0cl), row
            assert _close(result95.upper, row.upper95_0cl), row
            assert _close(result998.lower, row.lower99_8cl), row
            assert _close(result998.upper, row.upper99_8cl), row
            assert result998.method == row.method, row
        else:
            assert row.confidence == "95%"
            assert _close(result95.lower, row.lowercl), row
            assert _close(result95.upper, row.uppercl), row
        checked += 1
    return checked, rejected


def test_proportions_match_reference(reference: Path) -> None:
    """Both proportion sheets: fractions (multiplier 1) and percentages (multiplier 100), Wilson limits."""
    sheets = pd.read_excel(reference / "testdata_Proportion.xlsx", sheet_name=None)
    assert _check_rows(sheets["testdata_Prop"], proportion_with_ci, two_levels=True) == (16, 3)
    assert _check_rows(sheets["testdata_Prop_g"], proportion_with_ci, two_levels=False) == (8, 3)


def test_rates_match_reference(reference: Path) -> None:
    """Both rate sheets: exact limits below 10 events, Byar's from 10, per 100 and per 100,000."""
    sheets = pd.read_excel(reference / "testdata_Rate.xlsx", sheet_name=None)
    assert _check_rows(sheets["testdata_Rate"], rate_with_ci, two_levels=True) == (17, 3)
    assert _check_rows(sheets["testdata_Rate_g"], rate_with_ci, two_levels=False) == (9, 3)


def test_dsrs_match_reference(reference: Path) -> None:
    """testresults_DSR rows for independent events: ESP2013 areas and the ESP1976 example, per 10,000 and 100,000."""
    sheets = pd.read_excel(reference / "testdata_DSR_ISR.xlsx", sheet_name=None)
    areas = sheets["testdata_multiarea"]
    esp1976 = sheets["testdata_1976"]
    checked = 0
    for row in sheets["testresults_DSR"].itertuples():
        if row.method != "Dobson":
            continue  # DSRs adjusted for non-independent events are not implemented
        multiplier = 10000 if row.statistic == "dsr per 10000" else 100000
        if row.area == "testdata_1976":
            counts, pops, std = esp1976["count"], esp1976["pop"], esp1976["esp1976"]
        else:
            area = areas[areas["area"] == row.area]
            counts, pops, std = area["count"], area["pop"], ESP2013
        result95 = dsr_with_ci(counts, pops, std, multiplier, 0.95)
        result998 = dsr_with_ci(counts, pops, std, multiplier, 0.998)
        assert result95.method == "Dobson"
        assert int(pd.Series(counts).sum()) == row.total_count
        assert _close(result95.value, row.value), row
        assert _close(result95.lower, row.lower95_0cl), row
        assert _close(result95.upper, row.upper95_0cl), row
        if row.area == "testdata_1976":
            # The workbook's 99.8% cells for this row are exactly ten times the DSR's scale (e.g. 7659.28 beside a
            # 95% interval of 799-923 per 10,000); PHEindicatormethods' testDSRs.R does not check these cells.
            assert _close(result998.lower * 10, row.lower99_8cl), row
            assert _close(result998.upper * 10, row.upper99_8cl), row
        else:
            assert _close(result998.lower, row.lower99_8cl), row
            assert _close(result998.upper, row.upper99_8cl), row
        checked += 1
    assert checked == 8


def test_dsr_not_published_below_ten_events(reference: Path) -> None:
    """testdata_tiny has 9 events (one band missing, counted as zero): value and limits are NaN, as in phe_dsr."""
    areas = pd.read_excel(reference / "testdata_DSR_ISR.xlsx", sheet_name="testdata_multiarea")
    tiny = areas[areas["area"] == "testdata_tiny"]
    assert tiny["count"].isna().sum() == 1
    result = dsr_with_ci(tiny["count"], tiny["pop"])
    assert math.isnan(result.value) and math.isnan(result.lower) and math.isnan(result.upper)


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ("testdata_err1", "counts must all be zero or more"),
        ("testdata_err3", "populations must all be greater than zero"),
        ("testdata_err4", "standard populations must be zero or more"),
    ],
)
def test_dsr_error_sheets_are_rejected(reference: Path, sheet: str, message: str) -> None:
    """The reference error cases: a negative count, a negative population, a negative standard population."""
    data = pd.read_excel(reference / "testdata_DSR_ISR.xlsx", sheet_name=sheet)
    with pytest.raises(ValueError, match=message):
        dsr_with_ci(data["count"], data["pop"], data["stdpop"])


def test_dsr_zero_population_is_rejected(reference: Path) -> None:
    """testdata_err2 has a zero population in Area1."""
    data = pd.read_excel(reference / "testdata_DSR_ISR.xlsx", sheet_name="testdata_err2")
    area1 = data[data["area"] == "Area1"]
    with pytest.raises(ValueError, match="populations must all be greater than zero"):
        dsr_with_ci(area1["count"], area1["pop"])


def test_esp2013_has_nineteen_bands_summing_to_100000() -> None:
    """The default standard population matches phe_dsr's esp2013."""
    assert len(ESP2013) == len(ESP2013_AGE_BANDS) == 19
    assert sum(ESP2013) == 100000
    assert ESP2013_AGE_BANDS[0] == "0-4" and ESP2013_AGE_BANDS[-1] == "90+"


def test_zero_count_proportion() -> None:
    """0 of n: value 0, lower limit 0, upper limit z^2 / (n + z^2)."""
    z = stats.norm.ppf(0.975)
    result = proportion_with_ci(0, 50)
    assert result == ValueWithCI(0.0, 0.0, pytest.approx(100 * z**2 / (50 + z**2)), 0.95, "Wilson")


def test_zero_count_rate_uses_exact_limits() -> None:
    """0 events: lower 0 and upper -ln(0.025) (the chi-squared 2 df quantile halved) per denominator."""
    result = rate_with_ci(0, 2000, 1000)
    assert result.method == "Exact"
    assert (result.value, result.lower) == (0.0, 0.0)
    assert result.upper == pytest.approx(-math.log(0.025) / 2000 * 1000, rel=REL)
    assert exact_poisson_interval(0) == (0.0, pytest.approx(-math.log(0.025), rel=REL))


def test_rate_method_switches_at_ten() -> None:
    """9 events use exact limits and 10 use Byar's, as phe_rate."""
    assert rate_with_ci(9, 1000).method == "Exact"
    assert rate_with_ci(10, 1000).method == "Byars"
    assert rate_interval(9, 1000, 1000) == pytest.approx(exact_poisson_interval(9, 1000 / 1000))
    assert rate_interval(10, 1000, 1000) == pytest.approx(byars_interval(10, 1000 / 1000))


def test_results_are_immutable() -> None:
    """ValueWithCI is a frozen dataclass."""
    result = rate_with_ci(20, 1000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proportion_with_ci(-1, 10), "count must be zero or more"),
        (lambda: proportion_with_ci(11, 10), r"count \(11\) must not be greater than denominator \(10\)"),
        (lambda: proportion_with_ci(0, 0), "denominator must be greater than zero"),
        (lambda: rate_with_ci(5, 0), "denominator must be greater than zero"),
        (lambda: rate_with_ci(5, -10), "denominator must be greater than zero"),
        (lambda: rate_with_ci(-1, 10), "count must be zero or more"),
        (lambda: rate_with_ci(5, 10, multiplier=0), "multiplier must be greater than zero"),
        (lambda: wilson_interval(float("nan"), 10), "count must be a finite number"),
        (lambda: byars_interval(None, 10), "count must be a number"),  # type: ignore[arg-type]
        (lambda: exact_poisson_interval("3", 10), "count must be a number"),  # type: ignore[arg-type]
        (lambda: rate_with_ci(True, 10), "count must be a number"),
        (lambda: rate_with_ci(5, 10, confidence=95), "confidence must be a fraction"),
        (lambda: rate_with_ci(5, 10, confidence=0.8), "confidence must be a fraction"),
        (lambda: proportion_with_ci(5, 10, confidence=1.0), "confidence must be a fraction"),
        (lambda: dsr_with_ci([10, 20], [100, 100], [1, 2, 3]), "must be the same non-zero length"),
        (lambda: dsr_with_ci([], [], []), "must be the same non-zero length"),
        (lambda: dsr_with_ci([10, 20], [100, None], [1, 2]), r"populations\[1\] is missing"),
        (lambda: dsr_with_ci([10, 20], [100, 100], [0, 0]), "not all zero"),
    ],
)
def test_invalid_input_raises_value_error(call, message: str) -> None:
    """Negative counts, impossible proportions, zero denominators and bad confidence levels are refused clearly."""
    with pytest.raises(ValueError, match=message):
        call()


def test_confidence_is_recorded_on_the_result() -> None:
    """The result carries the confidence it was computed at, for labelling."""
    assert rate_with_ci(20, 1000, confidence=0.998).confidence == 0.998
    assert dsr_with_ci([10] * 19, [1000] * 19, confidence=0.998).confidence == 0.998
