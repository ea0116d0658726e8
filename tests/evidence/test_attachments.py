"""Attachment checks: what a file is comes from its content; bad files are refused with a clear message."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.evidence.attachments import (
    WRONG_TYPE_MESSAGE,
    AttachmentError,
    check_upload,
    detect_kind,
    download_name,
    human_size,
)
from tests.evidence.conftest import CONTENT_TYPES_DOCX, CSV_BYTES, PDF_BYTES, docx_bytes, xlsx_bytes

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF_BYTES, "pdf"),
        (docx_bytes(), "docx"),
        (xlsx_bytes(), "xlsx"),
        (CSV_BYTES, "csv"),
        ("Area;Value\nBilston;1\n".encode("cp1252"), "csv"),
        ("\ufeffName\tNote\nCafé\tÉtude\n".encode(), "csv"),
        (b"Ward\nBilston East\nBlakenhall\n", "csv"),  # one column: nothing for the sniffer to find
        ("Name,Note\nO’Neil,£5\n".encode("cp1252"), "csv"),
    ],
)
def test_real_files_are_recognised_by_content(data: bytes, kind: str) -> None:
    assert detect_kind(data) == kind


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


def _zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML, id="html"),
        pytest.param(b"  <p>hello</p><img src=x onerror=alert(1)>", id="html-fragment"),
        pytest.param(SVG, id="svg"),
        pytest.param(b"<svg><script>alert(1)</script></svg>", id="svg-no-prolog"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="png"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00", id="exe"),
        pytest.param(b"Area,Value\nX,\x001\n", id="csv-with-nul"),
        pytest.param(b"Area,Value\x07\nX,1\n", id="control-characters"),
        pytest.param(b"\x81\x8d\x8f\x90\x9d", id="undecodable"),
        pytest.param(b'a,"b\nc', id="broken-quoting"),
        pytest.param(_zip({"hello.txt": "hi"}), id="plain-zip"),
        pytest.param(_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}), id="zip-claiming-docx"),
        pytest.param(
            _zip(
                {
                    "[Content_Types].xml": CONTENT_TYPES_DOCX,
                    "word/document.xml": "<w/>",
                    "word/vbaProject.bin": b"\x00macro",
                }
            ),
            id="docx-with-macros",
        ),
        pytest.param(b"PK\x03\x04 not really a zip", id="broken-zip"),
    ],
)
def test_other_content_is_not_accepted_whatever_the_name(data: bytes) -> None:
    assert detect_kind(data) is None
    with pytest.raises(AttachmentError) as caught:
        check_upload("report.pdf", data, 10 * MB)
    assert str(caught.value) == WRONG_TYPE_MESSAGE


def test_empty_file_is_refused() -> None:
    with pytest.raises(AttachmentError, match="The selected file is empty"):
        check_upload("report.pdf", b"", 10 * MB)


def test_oversize_file_is_refused_with_the_limit_in_words() -> None:
    with pytest.raises(AttachmentError, match="The selected file must be smaller than 10MB"):
        check_upload("report.pdf", PDF_BYTES + b" " * (10 * MB), 10 * MB)


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "/etc/passwd.pdf", "reports/x.pdf", "..", "a\x00.pdf"],
)
def test_names_that_reach_into_folders_are_refused(name: str) -> None:
    with pytest.raises(AttachmentError, match="must not contain"):
        check_upload(name, PDF_BYTES, 10 * MB)


def test_download_name_is_cleaned_and_takes_the_extension_the_content_earned() -> None:
    assert download_name("Annual report 2025.pdf", "pdf") == "Annual report 2025.pdf"
    assert download_name("data.docx", "pdf") == "data.pdf"  # a PDF named .docx downloads as what it is
    assert download_name('bad"name;<x>.csv', "csv") == "bad name x.csv"
    assert download_name(".pdf", "pdf") == "attachment.pdf"
    checked = check_upload("Results (final).xlsx", xlsx_bytes(), 10 * MB)
    assert (checked.kind, checked.download_name) == ("xlsx", "Results (final).xlsx")
    assert checked.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_human_size() -> None:
    assert human_size(500) == "500 bytes"
    assert human_size(120 * 1024) == "120KB"
    assert human_size(10 * MB) == "10MB"
    assert human_size(int(2.5 * MB)) == "2.5MB"
