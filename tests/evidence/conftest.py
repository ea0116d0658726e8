"""Fixtures for evidence briefings: a briefing factory and tiny but valid PDF, DOCX, XLSX and CSV files."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.clock import london_today
from portal.evidence import inputs, writing
from portal.extensions import db
from portal.models import EvidenceBriefing, Indicator, Proposal


def briefing_input(**overrides: Any) -> inputs.BriefingInput:
    """A valid BriefingInput; any field can be overridden."""
    today = london_today()
    values: dict[str, Any] = {
        "title": "Smoking in pregnancy: what works",
        "summary": "Stop smoking support for pregnant women.",
        "key_findings": "Financial incentives help\nSupport should be offered at booking",
        "body": "# Background\n\nSome evidence.",
        "evidence_type": "systematic_review",
        "grade": "moderate",
        "published_on": today - timedelta(days=30),
        "review_by": today + timedelta(days=365),
        "topics": ["healthy_lifestyles"],
        "tags": ["smoking"],
        "sources": [("NICE NG209", "https://www.nice.org.uk/guidance/ng209")],
    }
    values.update(overrides)
    return inputs.BriefingInput(**values)


@pytest.fixture
def make_briefing(app: Flask) -> Callable[..., EvidenceBriefing]:
    """Create a briefing through the service; ``published=True`` (the default) publishes it."""

    def make(*, published: bool = True, **overrides: Any) -> EvidenceBriefing:
        briefing = writing.create_briefing(briefing_input(**overrides), author_id=None)
        if published:
            writing.set_published(briefing.id, True, None)
        return briefing

    return make


@pytest.fixture
def make_indicator(app: Flask) -> Callable[..., Indicator]:
    """Create an indicator row (metadata only)."""

    def make(indicator_id: str = "41001", name: str = "Suicide rate") -> Indicator:
        indicator = Indicator(id=indicator_id, name=name)
        db.session.add(indicator)
        db.session.commit()
        return indicator

    return make


@pytest.fixture
def make_proposal(app: Flask) -> Callable[..., Proposal]:
    """Create a proposal row with a status and reference."""
    counter = {"n": 0}

    def make(status: str = "published", title: str = "Young people's mental health", **kw: Any) -> Proposal:
        counter["n"] += 1
        proposal = Proposal(reference=f"JSNA-2026-{counter['n']:04d}", title=title, need="A need", status=status, **kw)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@pytest.fixture(autouse=True)
def upload_dir(app: Flask) -> Path:
    """Where attachment files are stored, emptied before each test (tables are emptied, files would linger)."""
    directory = Path(app.config["UPLOAD_DIR"]) / "evidence"
    assert directory.is_relative_to(tempfile.gettempdir()), "tests only ever empty a temporary folder"
    shutil.rmtree(directory, ignore_errors=True)
    return directory


def stored_files(directory: Path) -> list[Path]:
    """Files in the attachment directory (none when it does not exist yet)."""
    return sorted(p for p in directory.iterdir() if p.is_file()) if directory.exists() else []


# --- tiny valid files -------------------------------------------------------------------------------------------

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)

CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)


def docx_bytes() -> bytes:
    """A minimal Word document, built the way Word packages one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_DOCX)
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document '
            'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            "<w:t>Evidence</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    """A real workbook written by openpyxl."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Area", "Value"])
    sheet.append(["Wolverhampton", 12.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CSV_BYTES = b"Area,Value\nWolverhampton,12.5\nDudley,11.0\n"
