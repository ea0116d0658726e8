"""Every real Fingertips file imports through ``flask indicators import``; areas are learnt from the file; column
lengths fit the data; ``flask seed`` runs on PostgreSQL (issue 13 item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.importers.base import AREA_TEXT_LIMITS, AREA_TYPE_ORDER, TEXT_LIMITS
from portal.indicators import reference_data
from portal.models import AREA_TYPES, Area, DataImport, IndicatorValue
from tests.conftest import database_backend

DATA = Path(__file__).resolve().parents[2] / "data"
FINGERTIPS_FILES = sorted((DATA / "fingertips").rglob("*.csv"))
FIXTURES = Path(__file__).resolve().parents[1] / "importers" / "fixtures"
HOUSE_PRICES = DATA / "house_prices" / "ons_median_house_price_lsoa_ew.csv"


@pytest.fixture
def areas(app):
    reference_data.seed_reference_areas()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_the_importers_and_the_database_agree_on_lengths_and_area_types() -> None:
    values = IndicatorValue.__table__.c
    assert {name: values[name].type.length for name in TEXT_LIMITS} == TEXT_LIMITS
    assert {name: Area.__table__.c[name].type.length for name in AREA_TEXT_LIMITS} == AREA_TEXT_LIMITS
    assert tuple(AREA_TYPES) == AREA_TYPE_ORDER
    assert max(len(area_type) for area_type in AREA_TYPES) <= Area.__table__.c["area_type"].type.length


def test_there_are_eight_fingertips_files() -> None:
    assert len(FINGERTIPS_FILES) == 8  # 5 exports and 3 processed by Trafford Data Lab, as in the shared folder


@pytest.mark.parametrize("path", FINGERTIPS_FILES, ids=lambda p: p.name)
def test_every_fingertips_file_imports_from_the_command_line(runner, areas, db, path: Path) -> None:
    result = runner.invoke(args=["indicators", "import", str(path)])

    assert result.exit_code == 0, result.output
    record = db.session.scalars(select(DataImport)).one()
    assert record.status == "complete" and record.row_count > 0
    assert f"Imported {record.row_count:,} rows from {path.name}" in result.output
    stored = db.session.scalar(select(func.count()).select_from(IndicatorValue))
    assert stored == record.row_count


def test_areas_are_learnt_from_the_file_without_overwriting_known_ones(runner, areas, db) -> None:
    before = db.session.scalar(select(func.count()).select_from(Area))
    result = runner.invoke(args=["indicators", "import", str(FIXTURES / "fingertips_2024_api_all_area_types.csv")])
    assert result.exit_code == 0, result.output
    assert "Layout:     Fingertips API export, 2024\u201326 layout (27 columns)" in result.output

    combined = db.session.get(Area, "E47000011")
    assert (combined.name, combined.area_type, combined.area_type_label, combined.parent_code) == (
        "CA-North of Tyne",
        "combined_auth",
        "Combined authorities",
        "E92000001",
    )
    group = db.session.get(Area, "Cl_L3_8b2r")
    assert (group.name, group.area_type, group.area_type_label) == ("Expanded Areas", "ons_group", "ONS 2011 subgroup")
    wolverhampton = db.session.get(Area, "E08000031")
    # Known from the reference lookups: the file's parent (England) does not replace its region; its label is kept.
    assert (wolverhampton.area_type, wolverhampton.parent_code, wolverhampton.area_type_label) == (
        "county_ua",
        "E12000005",
        "UA",
    )
    assert db.session.scalar(select(func.count()).select_from(Area)) > before


def test_the_house_price_period_label_is_stored_whole(areas, db) -> None:
    """The house price file's period did not fit indicator_values.period varchar(32) on PostgreSQL."""
    from portal.importers.house_prices import PERIOD
    from portal.indicators.file_import import import_file

    outcome = import_file(HOUSE_PRICES)
    assert outcome.ok, outcome.errors[:3]
    longest = db.session.scalar(select(func.max(func.length(IndicatorValue.period))))
    assert longest == len(PERIOD)


@pytest.mark.skipif(database_backend() != "postgresql", reason="PostgreSQL only: SQLite does not enforce lengths")
def test_flask_seed_runs_on_postgresql(runner, db) -> None:
    result = runner.invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    assert "portal.indicators.examples:seed: updated" in result.output
    failed = db.session.scalar(select(func.count()).select_from(DataImport).where(DataImport.status != "complete"))
    assert failed == 0
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) > 100_000
