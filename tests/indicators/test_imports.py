"""Loading indicator data: atomic, versioned imports; reference areas, comparator groups and the seed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from portal.importers.base import ImportResult, RowError
from portal.importers.fingertips import read_fingertips
from portal.indicators import bulk_insert, examples, loader, reference_data
from portal.indicators.loader import ImportRejected, file_checksum, load_import_result, value_count
from portal.models import Area, ComparatorGroup, DataImport, Indicator, IndicatorValue, Role

DATA = Path(__file__).resolve().parents[2] / "data"
SUICIDE = DATA / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"
CAMPYLOBACTER = DATA / "fingertips" / "fingertips_campylobacter_93356_countyua_2015-2017.csv"


def _load(path: Path, **kw: object) -> DataImport:
    return load_import_result(
        read_fingertips(path), source_key=path.name, file_name=path.name, checksum=file_checksum(path), **kw
    )


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def areas(app):
    """Reference areas and comparator groups only."""
    reference_data.seed_reference_areas()
    reference_data.seed_comparator_groups()


def test_a_fingertips_export_loads_with_its_import_record(db, areas, make_user) -> None:
    analyst = make_user(Role.ANALYST)
    record = _load(SUICIDE, imported_by_id=analyst.id)

    assert record.status == "complete"
    assert record.imported_by_id == analyst.id
    assert record.file_name == SUICIDE.name
    assert record.checksum_sha256 == file_checksum(SUICIDE) and len(record.checksum_sha256) == 64
    assert record.row_count == 80 == value_count()
    assert record.started_at is not None and record.finished_at is not None
    wolverhampton = db.session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.area_code == "E08000031", IndicatorValue.period == "2015 - 17", IndicatorValue.sex == "Male"
        )
    ).one()
    # Row 14 of the export: 41001, Male, 10+ yrs, 2015 - 17, 16.6836130135781 (12.49-21.82), 54 / 328965.
    assert wolverhampton.indicator_id == "41001"
    assert wolverhampton.value == pytest.approx(16.6836130135781)
    assert (wolverhampton.lower_ci95, wolverhampton.upper_ci95) == pytest.approx((12.4945026300865, 21.8153424493795))
    assert wolverhampton.lower_ci998 is None
    assert (wolverhampton.count, wolverhampton.denominator) == (54, 328965)
    assert wolverhampton.age == "10+ yrs"
    assert wolverhampton.source_compared_to_england == "Similar"
    assert wolverhampton.data_import_id == record.id
    assert db.session.get(Indicator, "41001").name == "Suicide rate"


def test_blank_cells_are_stored_as_null_not_zero_or_nan(db, areas) -> None:
    _load(SUICIDE)
    blank_counts = db.session.scalar(
        select(func.count()).select_from(IndicatorValue).where(IndicatorValue.lower_ci998.is_(None))
    )
    frame = read_fingertips(SUICIDE).values
    assert blank_counts == int(frame["lower_ci998"].isna().sum())


def test_reimporting_a_source_replaces_its_rows(db, areas) -> None:
    first = _load(SUICIDE)
    second = _load(SUICIDE)

    assert value_count() == 80  # not 160
    assert {v.data_import_id for v in db.session.scalars(select(IndicatorValue))} == {second.id}
    db.session.refresh(first)
    assert first.status == "replaced"
    assert second.status == "complete"


def test_a_result_with_errors_commits_nothing(db, areas) -> None:
    _load(SUICIDE)
    bad = read_fingertips(CAMPYLOBACTER)
    bad.errors = [RowError(7, "Value", "Value must be a number, not 'abc'")]

    with pytest.raises(ImportRejected) as raised:
        load_import_result(bad, source_key="campy", file_name="campy.csv", checksum="0" * 64)

    assert raised.value.errors[0].row == 7
    assert value_count() == 80
    assert _count(db, DataImport) == 1
    assert db.session.get(Indicator, "93356") is None


def test_a_failure_part_way_through_loading_rolls_everything_back(db, areas, monkeypatch) -> None:
    original = _load(CAMPYLOBACTER)
    before = value_count()
    monkeypatch.setattr(bulk_insert, "CHUNK_ROWS", 100)
    seen = []

    def fail_after_first_chunk(stage: str, done: int, total: int) -> None:
        seen.append(done)
        if stage == "loading" and done >= 200:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _load(CAMPYLOBACTER, progress=fail_after_first_chunk)

    assert 100 in seen  # rows had been inserted (and the old ones deleted) inside the transaction
    db.session.expire_all()
    assert value_count() == before  # the previous import's rows are all still there
    assert {v.data_import_id for v in db.session.scalars(select(IndicatorValue))} == {original.id}
    assert [r.status for r in db.session.scalars(select(DataImport))] == ["complete"]


def test_rows_already_held_by_another_source_are_refused(db, areas) -> None:
    _load(SUICIDE)
    result = read_fingertips(SUICIDE)

    with pytest.raises(ImportRejected) as raised:
        load_import_result(result, source_key="copy-of-suicide.csv", file_name="copy.csv", checksum="1" * 64)

    assert "already loaded from fingertips_suicide_west_midlands_countyua.csv" in raised.value.errors[0].message
    assert value_count() == 80


def test_no_other_import_can_write_between_the_clash_check_and_the_commit(db, areas, monkeypatch) -> None:
    # The unique key includes the source (PostgreSQL partitions by it), so that a key belongs to one source only is
    # the clash check's job: it must run where no other import can commit rows meanwhile. On SQLite that is the
    # write lock the import holds from its first write; on PostgreSQL an advisory lock (test_partition_swap.py,
    # test_imports_wait_for_each_other).
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL imports wait on the import lock instead")
    _load(SUICIDE)
    attempts = []
    original = loader._check_clashes

    def check_then_try_to_write(values, own_import_ids) -> None:
        original(values, own_import_ids)
        other = sqlite3.connect(db.engine.url.database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            attempts.append("another writer got in")
        except sqlite3.OperationalError as exc:
            attempts.append(str(exc))
        finally:
            other.close()

    monkeypatch.setattr(loader, "_check_clashes", check_then_try_to_write)
    _load(CAMPYLOBACTER)

    assert attempts == ["database is locked"]


def test_values_for_unknown_areas_are_refused(db, areas) -> None:
    result = read_fingertips(SUICIDE)
    result.areas = result.areas.iloc[0:0]
    result.values.loc[0, "area_code"] = "E99999999"

    with pytest.raises(ImportRejected) as raised:
        load_import_result(result, source_key="x", file_name="x.csv", checksum="2" * 64)

    assert "'E99999999' is not a known area" in raised.value.errors[0].message
    assert value_count() == 0


def test_existing_area_names_and_indicator_metadata_are_not_blanked(db, areas) -> None:
    db.session.add(Indicator(id="41001", name="Suicide rate", definition="Age-standardised rate", unit="per 100,000"))
    db.session.commit()
    result = read_fingertips(SUICIDE)
    result.areas.loc[result.areas["code"] == "E08000031", "name"] = ""
    result.areas.loc[len(result.areas)] = {"code": "E06099999", "name": "", "area_type": "", "parent_code": ""}

    load_import_result(result, source_key="s", file_name="s.csv", checksum="3" * 64)

    assert db.session.get(Area, "E08000031").name == "Wolverhampton"
    new_area = db.session.get(Area, "E06099999")
    assert (new_area.name, new_area.area_type) == ("E06099999", "county_ua")
    indicator = db.session.get(Indicator, "41001")
    assert (indicator.definition, indicator.unit) == ("Age-standardised rate", "per 100,000")


def test_an_empty_result_records_an_import_of_zero_rows(db, areas) -> None:
    empty = read_fingertips(SUICIDE)
    empty = ImportResult(empty.format, empty.indicators.iloc[0:0], empty.values.iloc[0:0], empty.areas.iloc[0:0])
    record = load_import_result(empty, source_key="e", file_name="e.csv", checksum="4" * 64)
    assert (record.status, record.row_count) == ("complete", 0)


# ---------------------------------------------------------------------------------------------------------------
# Reference areas and comparator groups


def test_reference_areas_cover_england_regions_authorities_wards_and_lsoas(db, areas) -> None:
    by_type = dict(db.session.execute(select(Area.area_type, func.count()).group_by(Area.area_type)).all())
    assert by_type["country"] == 1
    assert by_type["region"] == 9
    assert by_type["ward"] == 20
    assert by_type["lsoa"] == 158
    assert by_type["county_ua"] + by_type["district"] > 300
    wolverhampton = db.session.get(Area, "E08000031")
    assert (wolverhampton.area_type, wolverhampton.parent_code) == ("county_ua", "E12000005")
    # mySociety's register puts Derbyshire in the West Midlands; DfE's region is used instead.
    assert db.session.get(Area, "E10000007").parent_code == "E12000004"
    # A district's parent is its county.
    assert db.session.get(Area, "E07000192").parent_code == "E10000028"
    wards = db.session.scalars(select(Area).where(Area.area_type == "ward").order_by(Area.code)).all()
    assert [w.code for w in wards] == [f"E0500{n}" for n in range(1321, 1341)]
    assert all(w.parent_code == "E08000031" and w.boundary and len(w.boundary[0]) > 3 for w in wards)
    lsoas = db.session.scalars(select(Area).where(Area.area_type == "lsoa")).all()
    assert {lsoa.parent_code for lsoa in lsoas} <= {w.code for w in wards}
    assert len({lsoa.parent_code for lsoa in lsoas}) == 20


def test_comparator_groups_for_wolverhampton(db, areas) -> None:
    groups = {g.slug: g for g in db.session.scalars(select(ComparatorGroup))}
    assert set(groups) == {"england", "region", "statistical-neighbours", "region-authorities"}
    assert [m.area_code for m in groups["england"].members] == ["E92000001"]
    assert [m.area_code for m in groups["region"].members] == ["E12000005"]
    neighbours = groups["statistical-neighbours"]
    assert neighbours.name == "Statistical neighbours (DfE children's services model, 2025)"
    assert "Department for Education" in neighbours.source
    # DfE 2025 neighbours of LA 336: 333 Sandwell, 861 Stoke-on-Trent, 335 Walsall, 810 Hull, 354 Rochdale,
    # 331 Coventry, 371 Doncaster, 831 Derby, 806 Middlesbrough, 812 North East Lincolnshire.
    assert [m.area.name for m in neighbours.members] == [
        "Sandwell", "Stoke-on-Trent", "Walsall", "Kingston upon Hull", "Rochdale", "Coventry", "Doncaster", "Derby",
        "Middlesbrough", "North East Lincolnshire",
    ]  # fmt: skip
    region_authorities = [m.area_code for m in groups["region-authorities"].members]
    assert len(region_authorities) == 14 and "E08000031" in region_authorities
    assert "E10000007" not in region_authorities  # Derbyshire is East Midlands


def test_reference_seeding_is_idempotent(db, areas) -> None:
    count = _count(db, Area)
    assert reference_data.seed_reference_areas() == {"added": 0, "updated": 0, "total": count}
    assert reference_data.seed_comparator_groups()["changed"] == 0


def test_seed_loads_the_shipped_files_once(db, monkeypatch) -> None:
    monkeypatch.setattr(
        examples,
        "SHIPPED_SOURCES",
        [
            ("fingertips/fingertips_suicide_west_midlands_countyua.csv", "fingertips", {}),
            ("childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv", "dfe-cla", {}),
        ],
    )
    first = examples.seed()
    counts = (value_count(), _count(db, Area), _count(db, DataImport), _count(db, Indicator))
    second = examples.seed()

    assert first.startswith("updated") and "2 loaded" in first
    assert second.startswith("unchanged") and "0 loaded, 2 unchanged" in second
    assert (value_count(), _count(db, Area), _count(db, DataImport), _count(db, Indicator)) == counts
    assert counts[0] == 80 + 825


def test_the_fixture_loads_the_real_dataset(seeded_indicators, db) -> None:
    assert set(seeded_indicators.imports) >= {SUICIDE.name, CAMPYLOBACTER.name}
    assert seeded_indicators.value_count == value_count() > 1000
    suppressed = db.session.scalars(select(IndicatorValue).where(IndicatorValue.suppressed.is_(True))).all()
    assert suppressed and all(v.value is None for v in suppressed)
    assert pd.notna(seeded_indicators.imports[SUICIDE.name].finished_at)


def test_import_file_hashes_the_file_it_reads_refused_or_not(db, areas, tmp_path: Path) -> None:
    # The checksum is computed beside the reading: it must still be the whole file's sha256, on success and on
    # refusal, and a file that cannot be read at all still raises.
    import hashlib

    from portal.indicators.file_import import import_file

    loaded = import_file(SUICIDE, "fingertips")
    assert loaded.ok and loaded.data_import is not None
    assert loaded.checksum == loaded.data_import.checksum_sha256 == hashlib.sha256(SUICIDE.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(SUICIDE.read_bytes().replace(b"E08000031", b"E08000031\x00", 1))
    refused = import_file(bad, "fingertips")
    assert not refused.ok and refused.checksum == hashlib.sha256(bad.read_bytes()).hexdigest()
    with pytest.raises(FileNotFoundError):
        import_file(tmp_path / "missing.csv", "fingertips")
