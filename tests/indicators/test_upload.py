"""Analysts' web upload: the same checks as the CLI, a row-numbered report, nothing committed on failure; large files
in the background with progress polled over HTMX."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal.models import DataImport, Indicator, IndicatorValue, Role
from tests.helpers import run_rq_worker

DATA = Path(__file__).resolve().parents[2] / "data"
SUICIDE = DATA / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"
GENERIC_HEADER = "indicator_id,indicator_name,area_code,period,value\n"


@pytest.fixture
def areas(app):
    """Reference areas only (England, regions, authorities, Wolverhampton's wards and LSOAs)."""
    from portal.indicators.reference_data import seed_reference_areas

    seed_reference_areas()


@pytest.fixture
def analyst(login_as, areas):
    return login_as(Role.ANALYST)


def value_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue))


def post_file(client_request, content: bytes, name: str, fmt: str = "") -> str:
    """Upload a file through the form; returns the status page URL it redirects to."""
    response = client_request.post(
        "/indicators/upload",
        {"file": (io.BytesIO(content), name), "format": fmt},
        content_type="multipart/form-data",
    )
    return response.headers["Location"]


def problems_on(page: BeautifulSoup) -> list[tuple[str, str, str]]:
    """The (row, column, problem) rows of the report table."""
    return [
        tuple(cell.get_text(" ", strip=True) for cell in row.find_all("td"))
        for row in page.select("table.govuk-table tbody tr")
    ]


def wait_until_finished(client_request, url: str, timeout: float = 30) -> BeautifulSoup:
    """Poll the status fragment the way the page's HTMX does, until it stops asking to be polled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fragment = client_request.get(url, htmx=True)
        if not fragment.select("[hx-trigger]"):
            return client_request.get(url)
        time.sleep(0.1)
    raise AssertionError(f"{url} did not finish within {timeout} s")


def test_the_upload_page_offers_every_format(client_request, analyst) -> None:
    page = client_request.get("/indicators/upload")
    form = page.select_one("form[enctype='multipart/form-data']")
    assert form["action"] == "/indicators/upload"
    assert form.select_one("input[type=file][name=file]")
    formats = [radio["value"] for radio in page.select("input[name=format]")]
    assert formats[0] == "" and {"fingertips", "generic", "dfe-cla", "mye"} <= set(formats)


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.STAKEHOLDER, Role.STEERING, Role.COMMISSIONER])
def test_only_analysts_and_admins_may_upload(client_request, login_as, role, db) -> None:
    login_as(role)
    client_request.get("/indicators/upload", expected_status=403)
    client_request.post(
        "/indicators/upload",
        {"file": (io.BytesIO(SUICIDE.read_bytes()), SUICIDE.name)},
        expected_status=403,
        content_type="multipart/form-data",
    )
    assert value_count(db) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client_request) -> None:
    response = client_request.response("/indicators/upload")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_valid_fingertips_export_is_imported(client_request, analyst, db) -> None:
    status_url = post_file(client_request, SUICIDE.read_bytes(), SUICIDE.name)

    page = client_request.get(status_url)
    assert "Import complete" in page.select_one(".govuk-panel").get_text()
    assert value_count(db) == 80
    record = db.session.scalars(select(DataImport)).one()
    assert (record.status, record.format, record.row_count) == ("complete", "fingertips", 80)
    assert record.imported_by_id == analyst.id
    assert record.file_name == SUICIDE.name
    assert record.checksum_sha256 in page.get_text()
    assert not page.select("[hx-trigger]")  # finished: nothing polls
    upload_dir = Path(client_request.client.application.config["UPLOAD_DIR"])
    assert not [path for path in upload_dir.iterdir() if path.is_file()]  # the stored upload is deleted


def test_the_upload_page_lists_recent_imports(client_request, analyst) -> None:
    status_url = post_file(client_request, SUICIDE.read_bytes(), SUICIDE.name)
    page = client_request.get("/indicators/upload")
    link = page.find("a", string=SUICIDE.name)
    assert link is not None and link["href"] == status_url


def test_no_file_chosen_gives_an_error(client_request, analyst) -> None:
    response = client_request.post("/indicators/upload", {"format": ""}, expected_status=200)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Select a data file" in page.select_one(".govuk-error-summary").get_text()
    assert page.title.get_text().startswith("Error:")


BAD_INPUTS = {
    "wrong headers (autodetect)": (b"Area,Score\nE08000031,1\n", "scores.csv", "", [("Whole file", "", "header row")]),
    "wrong headers (Fingertips chosen)": (
        b"Area,Score\nE08000031,1\n",
        "scores.csv",
        "fingertips",
        [("Whole file", "", "missing columns: Indicator ID")],
    ),
    "text in Value": (
        (GENERIC_HEADER + "local-x,X,E08000031,2023,12\nlocal-x,X,E05001321,2023,twelve\n").encode(),
        "local.csv",
        "",
        [("3", "value", "Value must be a number, not 'twelve'")],
    ),
    "an empty file": (b"", "empty.csv", "", [("Whole file", "", "The file is empty")]),
    "duplicate keys": (
        (GENERIC_HEADER + "local-x,X,E08000031,2023,12\nlocal-x,X,E08000031,2023,13\n").encode(),
        "dupes.csv",
        "generic",
        [("2", "", "Duplicate row"), ("3", "", "Duplicate row")],
    ),
    "an unknown area code": (
        (GENERIC_HEADER + "local-x,X,E08000031,2023,12\nlocal-x,X,E09999999,2023,13\n").encode(),
        "unknown.csv",
        "",
        [("3", "area_code", "'E09999999' is not a known area")],
    ),
    "binary content": (bytes(range(256)) * 64, "data.csv", "", [("Whole file", "", "binary data")]),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_gets_a_row_numbered_report_and_nothing_is_saved(client_request, analyst, db, case) -> None:
    content, name, fmt, expected = case
    post_file(client_request, SUICIDE.read_bytes(), SUICIDE.name)  # something already there
    before = (value_count(db), db.session.scalar(select(func.count()).select_from(Indicator)))

    page = client_request.get(post_file(client_request, content, name, fmt))

    assert "The file was not imported" in page.select_one(".govuk-error-summary").get_text()
    problems = problems_on(page)
    assert len(problems) == len(expected)
    for (row, column, message), (want_row, want_column, want_text) in zip(problems, expected, strict=True):
        assert (row, column) == (want_row, want_column)
        assert want_text in message
    assert (value_count(db), db.session.scalar(select(func.count()).select_from(Indicator))) == before
    failed = db.session.scalars(select(DataImport).order_by(DataImport.id.desc())).first()
    assert failed.status == "failed" and failed.file_name == name


def test_a_csv_saved_in_cp1252_imports_correctly(client_request, analyst, db) -> None:
    rows = [
        f"local-cafe,Café visits – £ spent,{code},2023,{value}\n"
        for code, value in (("E08000031", 12.5), ("E05001321", 3))
    ]
    text = GENERIC_HEADER + "".join(rows)
    page = client_request.get(post_file(client_request, text.encode("cp1252"), "cafes.csv"))

    assert "Import complete" in page.get_text()
    assert db.session.get(Indicator, "local-cafe").name == "Café visits – £ spent"
    assert value_count(db) == 2


def test_a_workbook_is_read_as_a_workbook(client_request, analyst, db) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Contents"
    buffer = io.BytesIO()
    workbook.save(buffer)

    page = client_request.get(post_file(client_request, buffer.getvalue(), "population.xlsx", "mye"))

    assert problems_on(page) == [("Whole file", "", "The workbook has no MYEB1 sheet.")]
    assert value_count(db) == 0


def test_the_report_counts_each_kind_of_problem_and_lists_its_first_20_rows(client_request, analyst, db) -> None:
    bad_values = "".join(f"local-x,X,E08000031,{2000 + n},bad{n}\n" for n in range(25))
    unknown_areas = "".join(f"local-x,X,E09999999,{2000 + n},1\n" for n in range(3))
    page = client_request.get(
        post_file(client_request, (GENERIC_HEADER + bad_values + unknown_areas).encode(), "many.csv")
    )

    summary = page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "28 problems were found, of 2 kinds" in summary
    kinds = [link.get_text(" ", strip=True) for link in page.select(".govuk-error-summary__list a")]
    assert kinds == ["Value is not a number: 25", "Unknown area code: 3"]
    tables = page.select("table.govuk-table")
    value_rows = [row.find("td").get_text(strip=True) for row in tables[0].select("tbody tr")]
    assert value_rows == [str(n) for n in range(2, 22)]  # spreadsheet rows 2-21: the first 20 of 25
    assert "And 5 more problems of this kind not shown." in page.get_text()
    assert [row.find("td").get_text(strip=True) for row in tables[1].select("tbody tr")] == ["27", "28", "29"]
    assert value_count(db) == 0


def test_a_large_file_is_processed_in_the_background_with_progress(client_request, analyst, db, app) -> None:
    app.config["IMPORT_BACKGROUND_BYTES"] = 1024  # the 22 KB export counts as large
    try:
        status_url = post_file(client_request, SUICIDE.read_bytes(), SUICIDE.name)
        first = client_request.get(status_url)
        page = wait_until_finished(client_request, status_url)
    finally:
        del app.config["IMPORT_BACKGROUND_BYTES"]

    if first.select("[hx-trigger]"):  # caught while running: a real link that HTMX polls
        refresh = first.select_one("a[hx-trigger='every 1s']")
        assert refresh["href"] == refresh["hx-get"] == status_url
    assert "Import complete" in page.get_text()
    db.session.expire_all()
    assert value_count(db) == 80
    assert db.session.scalars(select(DataImport)).one().status == "complete"


def test_a_10_mb_random_binary_is_refused_in_the_background(client_request, analyst, db) -> None:
    content = os.urandom(10 * 1024 * 1024)
    page = wait_until_finished(client_request, post_file(client_request, content, "random.csv"))

    assert problems_on(page) == [("Whole file", "", "The file is not a CSV text file (it contains binary data).")]
    assert value_count(db) == 0


def test_an_unknown_import_is_not_found(client_request, analyst) -> None:
    client_request.get("/indicators/imports/999", expected_status=404)


def test_the_status_page_shows_a_running_import_with_a_polling_refresh_link(client_request, analyst, db) -> None:
    record = DataImport(
        source_key="big.csv", format="fingertips", file_name="big.csv", checksum_sha256="0" * 64,
        status="reading", progress_done=250, progress_total=1000,
    )  # fmt: skip
    db.session.add(record)
    db.session.commit()
    url = f"/indicators/imports/{record.id}"

    page = client_request.get(url)
    fragment = client_request.get(url, htmx=True)

    assert page.select_one("#upload-status progress")["value"] == "25"
    refresh = page.select_one("#upload-status a[hx-get]")
    assert refresh["href"] == url and refresh["hx-trigger"] == "every 1s" and refresh["hx-target"] == "#upload-status"
    assert fragment.select_one("a[hx-trigger]") is not None
    assert fragment.find("h1") is None  # just the fragment, for HTMX to swap in


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set: no Redis server for RQ")
def test_with_redis_configured_a_large_upload_waits_for_and_runs_on_an_rq_worker(
    client_request, analyst, db, app
) -> None:
    from redis import Redis
    from rq import Queue

    from portal.indicators.jobs import QUEUE_NAME

    redis_url = os.environ["TEST_REDIS_URL"]
    Redis.from_url(redis_url).flushdb()
    app.config.update(REDIS_URL=redis_url, IMPORT_BACKGROUND_BYTES=1024)
    try:
        status_url = post_file(client_request, SUICIDE.read_bytes(), SUICIDE.name)
    finally:
        app.config.update(REDIS_URL=None)
        del app.config["IMPORT_BACKGROUND_BYTES"]

    # The web request only queued the job: nothing is imported until a worker takes it.
    assert Queue(QUEUE_NAME, connection=Redis.from_url(redis_url)).count == 1
    assert value_count(db) == 0
    # End this test's read transaction, as every request's teardown does: on PostgreSQL the import swaps the source's
    # partition, which waits for transactions still reading indicator_values.
    db.session.rollback()

    # A real worker.py process, which builds its own app from the environment as in production.
    run_rq_worker(redis_url, QUEUE_NAME, app.config["SQLALCHEMY_DATABASE_URI"])

    page = wait_until_finished(client_request, status_url)
    assert "Import complete" in page.get_text()
    db.session.expire_all()
    assert value_count(db) == 80
