"""Backups and restores (SQLite online backup API, pg_dump/pg_restore on PostgreSQL): a restore drill brings back
exactly what was backed up — every table's row count and checksum — after the data has changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, select, text

from portal import backup
from portal.models import AuditEvent, Role, Survey, SurveyResponse, User
from tests.surveys.conftest import build_survey


def _some_data(db: Any, make_user: Callable[..., User]) -> None:
    from portal.audit import record_audit

    for n in range(3):
        make_user(Role.PUBLIC, display_name=f"Person {n} – café")
    survey = build_survey(title="Backed-up survey")
    for n in range(4):
        db.session.add(
            SurveyResponse(
                id=f"{n:032x}",
                survey_id=survey.id,
                sector="",
                submitted_on=survey.created_at.date(),
                answers={"1": "Yes", "2": f"Answer {n}"},
            )
        )
    record_audit(None, "backup_test", "survey", survey.id, "detail")
    db.session.commit()


def _current(db: Any) -> dict[str, backup.TableFingerprint]:
    db.session.commit()
    with db.engine.connect() as connection:
        return backup.table_fingerprints(connection)


def test_restore_drill_brings_back_every_row(
    app: Flask, db: Any, make_user: Callable[..., User], tmp_path: Path
) -> None:
    _some_data(db, make_user)
    before = _current(db)
    assert before["users"].rows == 3 and before["survey_responses"].rows == 4

    path = tmp_path / "portal.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and path.exists()
    manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
    assert manifest["tables"]["users"] == {"rows": 3, "checksum": before["users"].checksum}

    # Everything changes after the backup: people leave, a survey is added, answers are deleted, one is edited.
    db.session.execute(delete(SurveyResponse))
    db.session.delete(db.session.scalars(select(User)).first())
    db.session.add(Survey(title="Made after the backup", summary=""))
    db.session.scalars(select(AuditEvent)).one().detail = "changed"
    db.session.commit()
    assert backup.differences(before, _current(db))

    result = app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "every table's row count and checksum match the backup" in result.output
    after = _current(db)
    assert backup.differences(before, after) == []
    assert after == before
    assert db.session.scalar(select(Survey.title).where(Survey.title == "Made after the backup")) is None


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    app: Flask, db: Any, make_user: Callable[..., User], tmp_path: Path
) -> None:
    _some_data(db, make_user)
    before = _current(db)
    bogus = tmp_path / "not-a-backup.bin"
    bogus.write_bytes(b"this is not a database backup\n" * 100)
    result = app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "not" in result.output.lower()
    assert _current(db) == before


def test_restore_reports_a_backup_that_does_not_match_its_manifest(
    app: Flask, db: Any, make_user: Callable[..., User], tmp_path: Path
) -> None:
    _some_data(db, make_user)
    path = tmp_path / "portal.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    manifest_path = path.with_name(path.name + ".manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["users"]["rows"] = 4
    manifest_path.write_text(json.dumps(manifest))
    result = app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code != 0
    assert "users: 4 rows expected, 3 found" in result.output


def test_restore_brings_back_imported_values_and_their_partitions(app: Flask, db: Any, tmp_path: Path) -> None:
    # On PostgreSQL indicator_values is partitioned by source (an import swaps a partition in); pg_restore --clean
    # could not clear a partitioned table, so the restore clears the schema itself in its one transaction.
    from portal.importers.fingertips import read_fingertips
    from portal.indicators import reference_data
    from portal.indicators.loader import file_checksum, load_import_result
    from portal.models import IndicatorValue

    reference_data.seed_reference_areas()
    data = Path(__file__).resolve().parents[1] / "data" / "fingertips"
    suicide = data / "fingertips_suicide_west_midlands_countyua.csv"
    campylobacter = data / "fingertips_campylobacter_93356_countyua_2015-2017.csv"
    for path in (suicide, campylobacter):
        load_import_result(
            read_fingertips(path), source_key=path.name, file_name=path.name, checksum=file_checksum(path)
        )
    before = _current(db)
    assert before["indicator_values"].rows > 0
    path = tmp_path / "portal.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0

    # After the backup one source is imported again with fewer rows (a new partition on PostgreSQL).
    shorter = read_fingertips(suicide)
    shorter.values = shorter.values.iloc[:-5]
    load_import_result(shorter, source_key=suicide.name, file_name=suicide.name, checksum="changed")
    assert backup.differences(before, _current(db))

    result = app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert backup.differences(before, _current(db)) == []
    counts = dict(
        db.session.execute(select(IndicatorValue.source_key, func.count()).group_by(IndicatorValue.source_key)).all()
    )
    assert counts[suicide.name] == len(read_fingertips(suicide).values)
    if db.engine.dialect.name == "postgresql":
        partitioned = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
                " WHERE c.relname = 'indicator_values'"
            )
        )
        assert partitioned == 1
        assert not db.session.scalar(
            text("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")
        )
