"""DfE children's social care files in the explore-education-statistics layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from portal.importers.base import VALUE_COLUMNS, RowError
from portal.importers.dfe import dfe_period, read_dfe_children_in_need, read_dfe_looked_after
from tests.importers import DATA, WOLVERHAMPTON, write_csv

CIN = DATA / "childrens_social_care" / "dfe_b1_children_in_need_2013_to_2025.csv"
CLA = DATA / "childrens_social_care" / "dfe_cla_number_and_rate_per_10k_children.csv"
CLA_HEADER = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "la_name",
    "new_la_code",
    "population_type",
    "population_estimate",
    "children_count",
    "rate_per_10000",
]


def cla_row(**cells: str) -> list[str]:
    """A Wolverhampton at-31-March row of the looked-after children file, overridable by column."""
    row = dict(
        time_period="2025",
        time_identifier="Reporting year",
        geographic_level="Local authority",
        country_code="E92000001",
        country_name="England",
        region_code="E12000005",
        region_name="West Midlands",
        old_la_code="336",
        la_name="Wolverhampton",
        new_la_code=WOLVERHAMPTON,
        population_type="Children looked after on 31 March each year",
        population_estimate="68405",
        children_count="501",
        rate_per_10000="73",
    )
    row.update(cells)
    return [row[c] for c in CLA_HEADER]


def test_children_in_need_counts() -> None:
    result = read_dfe_children_in_need(CIN)
    assert result.ok, result.errors[:5]
    assert list(result.values.columns) == VALUE_COLUMNS
    assert len(result.indicators) == 8
    # 2,132 rows minus 13 years x 11 Inner/Outer London regional rows, times 8 count columns.
    assert len(result.values) == (2132 - 13 * 2) * 8
    at31 = result.values[(result.values["indicator_id"] == "dfe-cin-at-31-march")].set_index(["area_code", "period"])
    assert at31.loc[(WOLVERHAMPTON, "2025"), "value"] == 2917
    assert at31.loc[("E92000001", "2025"), "value"] == 402400
    assert at31.loc[("E12000005", "2025"), "count"] == at31.loc[("E12000005", "2025"), "value"]
    assert (result.values["area_code"] == WOLVERHAMPTON).sum() == 13 * 8


def test_children_in_need_suppression_is_kept_not_zero() -> None:
    values = read_dfe_children_in_need(CIN).values
    raw = pd.read_csv(CIN, dtype=str, keep_default_na=False)
    counts = raw.loc[~raw["region_code"].str.startswith("E13") | (raw["geographic_level"] != "Regional")].iloc[:, 11:]
    markers = int(counts.isin(["c", "x", "z", "u"]).sum().sum())
    suppressed = values[values["suppressed"]]
    assert markers == 118
    assert len(suppressed) == markers
    assert suppressed["value"].isna().all()
    assert set(suppressed["value_note"].str.removeprefix("Suppressed by DfE: ")) == {"c", "x", "u"}


def test_children_in_need_areas_and_parents() -> None:
    areas = read_dfe_children_in_need(CIN).areas.set_index("code")
    assert areas.loc[WOLVERHAMPTON].tolist() == ["Wolverhampton", "county_ua", "E12000005", ""]
    assert areas.loc["E92000001", "area_type"] == "country"
    assert areas.loc["E12000005"].tolist() == ["West Midlands", "region", "E92000001", ""]
    assert not areas.index.str.startswith("E13").any()
    assert areas.loc["E09000001", "parent_code"] == "E12000007"  # City of London: Inner London -> London


def test_looked_after_rate_at_31_march() -> None:
    result = read_dfe_looked_after(CLA)
    assert result.ok, result.errors[:5]
    assert set(result.values["indicator_id"]) == {"dfe-cla-rate-per-10k"}
    assert len(result.values) == 825  # 2,505 rows / 3 population types, less 5 years x 2 Inner/Outer London
    wolverhampton = result.values[result.values["area_code"] == WOLVERHAMPTON].set_index("period")
    assert wolverhampton.loc["2025", ["value", "count", "denominator"]].tolist() == [73, 501, 68405]
    assert sorted(wolverhampton.index) == ["2021", "2022", "2023", "2024", "2025"]
    suppressed = result.values[result.values["suppressed"]]
    assert len(suppressed) > 0 and suppressed["value"].isna().all()
    assert result.indicators.loc[0, "multiplier"] == 10000


def test_rows_with_text_or_markers(tmp_path: Path) -> None:
    rows = [
        cla_row(),
        cla_row(time_period="2024", rate_per_10000="seventy"),
        cla_row(time_period="2023", rate_per_10000="c", children_count="c"),
    ]
    result = read_dfe_looked_after(write_csv(tmp_path / "cla.csv", CLA_HEADER, rows))
    assert result.errors == [RowError(3, "rate_per_10000", "rate_per_10000 must be a number, not 'seventy'")]
    marked = result.values.set_index("period").loc["2023"]
    assert bool(marked["suppressed"]) and pd.isna(marked["value"]) and pd.isna(marked["count"])


def test_wrong_header_empty_and_binary(tmp_path: Path) -> None:
    result = read_dfe_looked_after(write_csv(tmp_path / "bad.csv", ["time_period", "la_name"], [["2025", "x"]]))
    assert result.errors[0].row == 0 and "missing columns" in result.errors[0].message
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read_dfe_children_in_need(empty).errors == [RowError(0, None, "The file is empty.")]
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 100)
    assert read_dfe_children_in_need(binary).errors[0].row == 0


@pytest.mark.parametrize(
    ("period", "identifier", "label", "sortable"),
    [
        ("2025", "Reporting year", "2025", 20250000),
        ("202425", "Academic year", "2024/25", 20240000),
        ("202425", "Financial year", "2024-25", 20240000),
    ],
)
def test_dfe_period(period: str, identifier: str, label: str, sortable: int) -> None:
    labels, sortables = dfe_period(pd.Series([period]), pd.Series([identifier]))
    assert (labels[0], sortables[0]) == (label, sortable)
