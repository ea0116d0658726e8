"""``flask indicators import`` and ``flask seed``: what operators run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.indicators import examples, reference_data
from portal.models import DataImport, IndicatorValue, Role

DATA = Path(__file__).resolve().parents[2] / "data"
SUICIDE = DATA / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"


@pytest.fixture
def areas(app):
    reference_data.seed_reference_areas()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def value_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue))


def test_import_loads_a_file_and_prints_the_import_summary(runner, areas, db, make_user) -> None:
    analyst = make_user(Role.ANALYST, email="analyst@example.org")
    result = runner.invoke(args=["indicators", "import", str(SUICIDE), "--by", "analyst@example.org"])

    assert result.exit_code == 0, result.output
    record = db.session.scalars(select(DataImport)).one()
    assert f"Imported 80 rows from {SUICIDE.name} (format fingertips) as import {record.id}" in result.output
    assert record.checksum_sha256 in result.output
    assert record.imported_by_id == analyst.id
    assert value_count(db) == 80


def test_importing_the_same_file_again_replaces_its_rows(runner, areas, db) -> None:
    for _ in range(2):
        assert runner.invoke(args=["indicators", "import", str(SUICIDE)]).exit_code == 0
    assert value_count(db) == 80
    assert [r.status for r in db.session.scalars(select(DataImport).order_by(DataImport.id))] == [
        "replaced",
        "complete",
    ]


def test_a_bad_file_prints_a_row_numbered_report_and_exits_non_zero(runner, areas, db, tmp_path) -> None:
    bad = tmp_path / "local.csv"
    bad.write_text(
        "indicator_id,indicator_name,area_code,period,value\n"
        "local-x,X,E08000031,2023,1\n"
        "local-x,X,E08000031,2024,n/a please\n"
        "local-x,X,E00000000,2024,2\n"
    )
    result = runner.invoke(args=["indicators", "import", str(bad)])

    assert result.exit_code == 1
    assert "local.csv was not imported: 2 problems of 2 kinds. Nothing was saved." in result.output
    assert "Value is not a number: 1 row" in result.output and "Unknown area code: 1 row" in result.output
    assert "Row 3, value: Value must be a number, not 'n/a please'" in result.output
    assert "Row 4, area_code: Area code 'E00000000' is not a known area" in result.output
    assert value_count(db) == 0
    assert db.session.scalar(select(func.count()).select_from(DataImport)) == 0


def test_a_format_can_be_chosen_and_must_be_a_known_one(runner, areas, db, tmp_path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Area,Score\nE08000031,1\n")

    chosen = runner.invoke(args=["indicators", "import", str(wrong), "--format", "fingertips"])
    unknown = runner.invoke(args=["indicators", "import", str(wrong), "--format", "excel"])

    assert chosen.exit_code == 1
    assert "File: The header row is not as expected: missing columns: Indicator ID" in chosen.output
    assert unknown.exit_code == 2 and "Invalid value for '--format'" in unknown.output
    assert value_count(db) == 0


def test_an_unknown_importer_email_is_refused_before_importing(runner, areas, db) -> None:
    result = runner.invoke(args=["indicators", "import", str(SUICIDE), "--by", "nobody@example.org"])
    assert result.exit_code == 1 and "No user has the email address nobody@example.org" in result.output
    assert value_count(db) == 0


def test_seed_twice_loads_once_and_reports_unchanged(runner, db, monkeypatch) -> None:
    monkeypatch.setattr(
        examples, "SHIPPED_SOURCES", [("fingertips/fingertips_suicide_west_midlands_countyua.csv", "fingertips", {})]
    )
    first = runner.invoke(args=["seed"])
    count = value_count(db)
    second = runner.invoke(args=["seed"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "portal.indicators.examples:seed: updated" in first.output
    assert "portal.indicators.examples:seed: unchanged" in second.output and "1 unchanged" in second.output
    assert value_count(db) == count == 80
