"""Every Fingertips export layout, every area type and the vocabulary, read by autodetection.

Fixtures are cut from the real files (tests/importers/fixtures/README.md); rows no shipped file has (NHS areas, wards,
Sex "Not applicable") are written here in the 2024-26 layout.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from portal.importers import detect_format, unrecognised_header_message
from portal.importers.base import RowError, group_problems, problem_report
from portal.importers.fingertips import read_fingertips
from portal.importers.fingertips_areas import fingertips_area_type
from tests.importers import CAMPYLOBACTER, CERVICAL_SCREENING, CHD_EXPORT_TABLE, SUICIDE, WOLVERHAMPTON, write_csv

FIXTURES = Path(__file__).parent / "fixtures"
API_2024 = FIXTURES / "fingertips_2024_api_all_area_types.csv"
EXPORT_TABLE = FIXTURES / "fingertips_web_export_table.csv"
HEADER_2024 = API_2024.read_bytes().split(b"\r\n", 1)[0].decode().split(",")


def fingertipsr_copy(tmp_path: Path) -> Path:
    """The 2024 fixture as fingertipsR's data frame saved with write.csv would have it: names without spaces."""
    header, rest = API_2024.read_bytes().split(b"\r\n", 1)
    renamed = b",".join(name.replace(b" ", b"") for name in header.split(b","))
    path = tmp_path / "fingertipsR.csv"
    path.write_bytes(renamed + b"\r\n" + rest)
    return path


def row_2024(**cells: str) -> list[str]:
    """A row in the 2024-26 layout (the columns of HEADER_2024): a GP practice value unless overridden."""
    row = dict.fromkeys(HEADER_2024, "")
    row.update(
        {
            "Indicator ID": "93560",
            "Indicator Name": "Cancer screening coverage: cervical cancer (aged 25 to 49 years old)",
            "Area Code": "M92001",
            "Area Name": "Example practice",
            "Area Type": "GPs",
            "Sex": "Female",
            "Age": "25-49 yrs",
            "Time period": "2024",
            "Value": "70.1",
            "Time period Sortable": "20240000",
            "Time period range": "1y",
        }
    )
    row.update(cells)
    return [row[name] for name in HEADER_2024]


@pytest.mark.parametrize(
    ("path", "variant"),
    [
        (CAMPYLOBACTER, "Fingertips data export, pre-2020 layout (26 columns)"),
        (SUICIDE, "Fingertips export with underscore headers"),
        (CERVICAL_SCREENING, "Fingertips API export, 2024\u201326 layout (27 columns)"),
        (CHD_EXPORT_TABLE, "Fingertips web site \u201cExport table\u201d CSV"),
        (API_2024, "Fingertips API export, 2024\u201326 layout (27 columns)"),
        (EXPORT_TABLE, "Fingertips web site \u201cExport table\u201d CSV"),
    ],
)
def test_every_layout_is_detected_read_and_named(path: Path, variant: str) -> None:
    assert detect_format(path) == "fingertips"
    result = read_fingertips(path)
    assert result.ok, result.errors[:5]
    assert result.variant == variant


def test_the_fingertipsr_spelling_reads_the_same_values(tmp_path: Path) -> None:
    path = fingertipsr_copy(tmp_path)
    assert detect_format(path) == "fingertips"
    result = read_fingertips(path)
    assert result.ok, result.errors[:5]
    assert result.variant == "fingertipsR data frame saved as CSV"
    pd.testing.assert_frame_equal(result.values, read_fingertips(API_2024).values)


def test_the_2024_layout_keeps_every_area_type_with_fingertips_label() -> None:
    result = read_fingertips(API_2024)
    areas = result.areas.set_index("code")
    assert areas.loc[WOLVERHAMPTON, ["area_type", "area_type_label", "parent_code"]].tolist() == [
        "county_ua",
        "UA",
        "E92000001",
    ]
    by_label = dict(zip(areas["area_type_label"], areas["area_type"], strict=True))
    assert by_label == {
        "England": "country",
        "Regions (statistical)": "region",
        "Combined authorities": "combined_auth",
        "County": "county_ua",
        "UA": "county_ua",
        "District": "district",
        "ONS 2011 group": "ons_group",
        "ONS 2011 subgroup": "ons_group",
        "PHE Centre": "phe_centre",
    }
    assert areas.loc["E47000011", "name"] == "CA-North of Tyne"
    # "Column not used" sits where the region comparison was: nothing is read from it.
    assert set(result.values["source_compared_to_region"]) == {""}
    wolverhampton = result.values[result.values["area_code"] == WOLVERHAMPTON].set_index("period")
    assert wolverhampton.loc["2023", ["value", "count", "denominator"]].tolist() == [60.84528, 32680.0, 53710.0]
    assert wolverhampton.loc["2023", "source_compared_to_england"] == "Worse"


def test_category_types_and_ages_are_kept_as_written() -> None:
    values = read_fingertips(API_2024).values
    deciles = values[values["category_type"] != ""]
    assert set(deciles["category_type"]) == {"County & UA deprivation deciles in England (IMD2019, 4/21 geography)"}
    assert sorted(deciles["category"]) == ["Least deprived decile (IMD2019)", "Most deprived decile (IMD2019)"]
    assert set(values["age"]) == {"25-49 yrs"}


def test_the_web_export_table_quirks() -> None:
    raw = EXPORT_TABLE.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b'"AreaName"' in raw and b'"1,480"' in raw  # the fixture is real
    result = read_fingertips(EXPORT_TABLE)
    assert result.ok, result.errors
    values = result.values.set_index("area_code")
    assert values.loc["E08000008", "count"] == 1480.0  # thousands separator
    assert values.loc["E09000012", "value_note"] == "* Value for Hackney and City of London combined"  # HTML dropped
    assert pd.isna(values.loc["E06000036", "value"]) and pd.isna(values.loc["E06000036", "count"])  # no-data cell
    assert values.loc[WOLVERHAMPTON, ["value", "source_compared_to_england", "source_recent_trend"]].tolist() == [
        327.6587,
        "Better",
        "Decreasing and getting better",
    ]
    # "Compared to parent" is England's verdict here (every parent is England), not a region's.
    assert set(values["source_compared_to_region"]) == {""}
    assert result.areas.set_index("code").loc[WOLVERHAMPTON, "area_type_label"] == (
        "Upper tier local authorities (post 4/23)"
    )


def test_a_parent_comparison_counts_as_the_regions_when_the_parent_is_a_region(tmp_path: Path) -> None:
    header = [name if name != "Column not used" else "Compared to parent value or percentiles" for name in HEADER_2024]
    rows = [
        row_2024(**{"Area Code": WOLVERHAMPTON, "Area Name": "Wolverhampton", "Area Type": "UA",
                    "Parent Code": "E12000005", "Parent Name": "West Midlands region",
                    "Compared to England value or percentiles": "Worse", "Column not used": "Similar"}),
    ]  # fmt: skip
    result = read_fingertips(write_csv(tmp_path / "parent.csv", header, rows))
    assert result.ok, result.errors
    assert result.values.loc[0, "source_compared_to_region"] == "Similar"


@pytest.mark.parametrize(
    ("label", "code", "expected"),
    [
        ("ICBs", "E54000062", "icb"),
        ("Sub-ICBs, former CCGs", "E38000236", "sub_icb"),
        ("CCGs (from Apr 2021)", "E38000236", "ccg"),
        ("PCNs (v. 29/10/24)", "U12345", "pcn"),
        ("GPs", "M92001", "gp"),
        ("MSOA", "E02002129", "msoa"),
        ("Ward", "E05001321", "ward"),
        ("NHS regions", "E40000011", "nhs_region"),
        ("UKHSA regions", "E45000010", "phe_centre"),
        ("County & UA (4/21-3/23)", "E10000028", "county_ua"),
        ("Districts & UAs (from Apr 2023)", "E08000031", "county_ua"),  # a UA in a district list stays upper tier
        ("Lower tier local authorities (post 4/23)", "E07000196", "district"),
        ("", "U12345", "pcn"),
        ("", "M92001", "gp"),
        ("", "E54000062", "icb"),
    ],
)
def test_every_fingertips_area_type_is_accepted(label: str, code: str, expected: str) -> None:
    assert fingertips_area_type(label, code) == expected


def test_nhs_areas_and_wards_are_learnt_with_their_parents(tmp_path: Path) -> None:
    # Written here: no shipped file has GP practices, PCNs, MSOAs or wards.
    rows = [
        row_2024(**{"Parent Code": "U12345", "Parent Name": "Example PCN"}),
        row_2024(**{"Area Code": "E54000062", "Area Name": "NHS Black Country ICB", "Area Type": "ICBs"}),
        row_2024(**{"Area Code": "E02002129", "Area Name": "Wolverhampton 001", "Area Type": "MSOA",
                    "Parent Code": WOLVERHAMPTON, "Parent Name": "Wolverhampton"}),
        row_2024(**{"Area Code": "E05001321", "Area Name": "Bilston East", "Area Type": "Ward",
                    "Parent Code": WOLVERHAMPTON, "Parent Name": "Wolverhampton"}),
    ]  # fmt: skip
    result = read_fingertips(write_csv(tmp_path / "nhs.csv", HEADER_2024, rows))
    assert result.ok, result.errors
    areas = result.areas.set_index("code")
    assert areas.loc["M92001", ["name", "area_type", "area_type_label", "parent_code"]].tolist() == [
        "Example practice",
        "gp",
        "GPs",
        "U12345",
    ]
    assert areas.loc["U12345", ["name", "area_type"]].tolist() == ["Example PCN", "pcn"]  # the parent, learnt too
    assert areas.loc["E54000062", "area_type"] == "icb"
    assert areas.loc["E02002129", ["area_type", "parent_code"]].tolist() == ["msoa", WOLVERHAMPTON]
    assert areas.loc[WOLVERHAMPTON, ["name", "area_type"]].tolist() == ["Wolverhampton", "county_ua"]
    assert areas.loc["E05001321", "area_type"] == "ward"


def test_sex_may_be_not_applicable(tmp_path: Path) -> None:
    rows = [row_2024(**{"Sex": "Not applicable", "Age": "Not applicable"})]
    result = read_fingertips(write_csv(tmp_path / "households.csv", HEADER_2024, rows))
    assert result.ok, result.errors
    assert result.values.loc[0, ["sex", "age"]].tolist() == ["Not applicable", "Not applicable"]


def test_an_unknown_sex_and_an_over_long_period_are_row_errors(tmp_path: Path) -> None:
    long_period = "Year ending September 2019 to Year ending September 2021 (3 year pooled)"  # 72 characters
    rows = [row_2024(), row_2024(**{"Sex": "Other", "Time period": "2023"}), row_2024(**{"Time period": long_period})]
    result = read_fingertips(write_csv(tmp_path / "bad.csv", HEADER_2024, rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Sex"), (4, "Time period")]
    assert result.errors[0].message == "Sex must be Persons, Male, Female or Not applicable, not 'Other'"
    assert result.errors[1].message.startswith("Too long: 72 characters where at most 64 fit")


def test_a_damaged_header_is_reported_with_every_row_problem(tmp_path: Path) -> None:
    header = [name for name in HEADER_2024 if name != "Area Name"]
    rows = [row_2024(), row_2024(**{"Value": "seventy", "Time period": "2023"}), row_2024(**{"Sex": "Other"})]
    for row in rows:
        del row[HEADER_2024.index("Area Name")]
    result = read_fingertips(write_csv(tmp_path / "damaged.csv", header, rows))
    assert [(e.row, e.column) for e in result.errors] == [(0, None), (3, "Value"), (4, "Sex")]
    assert "missing columns: Area Name" in result.errors[0].message


def test_a_header_that_is_not_fingertips_at_all_reports_only_the_header(tmp_path: Path) -> None:
    result = read_fingertips(write_csv(tmp_path / "other.csv", ["Area", "Score"], [["E08000031", "1"]]))
    assert len(result.errors) == 1 and "missing columns: Indicator ID" in result.errors[0].message


def test_the_report_counts_every_kind_and_lists_the_first_20_rows_of_each(tmp_path: Path) -> None:
    rows = [row_2024(**{"Time period": str(1990 + n), "Value": f"bad{n}"}) for n in range(25)]
    rows += [row_2024(**{"Time period": str(2030 + n), "Sex": "Other"}) for n in range(2)]
    errors = read_fingertips(write_csv(tmp_path / "many.csv", HEADER_2024, rows)).errors
    groups = group_problems(errors)
    assert [(g.kind, g.count, len(g.examples)) for g in groups] == [
        ("Value is not a number", 25, 20),
        ("Unknown sex", 2, 2),
    ]
    assert [e.row for e in groups[0].examples] == list(range(2, 22))
    report = problem_report(errors)
    assert report["total"] == 27
    assert report["groups"][1]["problems"][0] == {
        "row": 27,
        "column": "Sex",
        "message": "Sex must be Persons, Male, Female or Not applicable, not 'Other'",
    }


def test_a_problem_without_a_kind_is_grouped_by_its_wording() -> None:
    errors = [
        RowError(2, "Value", "Value must be a number, not 'x'"),
        RowError(3, "Value", "Value must be a number, not 'y'"),
    ]
    assert [(g.kind, g.count) for g in group_problems(errors)] == [("Value: Value must be a number, not …", 2)]
    assert group_problems([RowError(0, None, "The file is empty.")])[0].kind == "Problems with the whole file"


def test_an_unrecognised_header_names_the_formats_and_the_columns_that_match_none() -> None:
    message = unrecognised_header_message(["AreaCode", "Colour", "Weight", "IndicatorID"])
    assert "Fingertips data export" in message and "Generic long CSV" in message and "ONS subnational" in message
    assert "Columns that match no format: Colour, Weight." in message
    assert "The closest is Fingertips data export" in message and "Area Name" in message
