"""Attachment checks and storage: the file's content decides what it is, never its name.

Accepted: PDF, Word (DOCX), Excel (XLSX) and CSV. A file is refused when it is empty, too large, not one of those
by content (an HTML page renamed ``.pdf``, an SVG image, a macro-enabled workbook…), or when its name tries to
reach another folder. Accepted files are stored under random names; the original name is kept, cleaned, only to
name the download.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "docx": "Word document (DOCX)",
    "xlsx": "Excel spreadsheet (XLSX)",
    "csv": "CSV",
}
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
# The main part's content type in [Content_Types].xml: macro-enabled variants (.docm, .xlsm) have others.
OOXML_MAIN_PARTS: dict[str, tuple[str, str]] = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
# Limits that keep a zip bomb from being believed: the archive is listed, never extracted.
MAX_ZIP_ENTRIES = 5000
MAX_CONTENT_TYPES_XML_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 120
WRONG_TYPE_MESSAGE = "The selected file must be a PDF, DOCX, XLSX or CSV"


class AttachmentError(ValueError):
    """A file that cannot be accepted; the message is written for the person uploading it."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check."""

    kind: str
    data: bytes
    download_name: str
    sha256: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def human_size(size_bytes: int) -> str:
    """Describe a size the GOV.UK way: 120KB, 2.5MB."""
    if size_bytes < 1024:
        return f"{size_bytes} bytes"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.0f}KB"
    megabytes = size_bytes / (1024 * 1024)
    return f"{megabytes:.0f}MB" if megabytes.is_integer() or megabytes >= 10 else f"{megabytes:.1f}MB"


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` + 1 bytes, so an oversize file is noticed without reading all of it."""
    return stream.read(max_bytes + 1)


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def _ooxml_kind(data: bytes) -> str | None:
    """``docx`` or ``xlsx`` for a real Office Open XML package, otherwise None."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names:
                return None
            content_types_info = archive.getinfo("[Content_Types].xml")
            if content_types_info.file_size > MAX_CONTENT_TYPES_XML_BYTES:
                return None
            content_types = archive.read(content_types_info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, OSError, KeyError):
        return None
    for kind, (main_part, main_type) in OOXML_MAIN_PARTS.items():
        folder = main_part.split("/")[0] + "/"
        if main_part in names and any(name.startswith(folder) for name in names) and main_type in content_types:
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros: refused even if the main part claims to be plain
            return kind
    return None


MARKUP_PATTERN = re.compile(rb"<\s*(?:!doctype|html|svg|script|\?xml|body|head|iframe|object)", re.IGNORECASE)


def _decode_text(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _is_csv(data: bytes) -> bool:
    """True for plain comma-, semicolon- or tab-separated text: no NULs, no markup, parseable as CSV."""
    starts_with_markup = data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")
    if b"\x00" in data or starts_with_markup or MARKUP_PATTERN.search(data[:4096]):
        return False  # markup (HTML, SVG, XML) is never a data file, even when it parses as one column
    text = _decode_text(data)
    if text is None or not text.strip():
        return False
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
        return False  # control characters mean a binary file, whatever its name says
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # one column has no delimiter to find; the reader below still has to parse it
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), dialect, strict=True) if row]
    except csv.Error:
        return False
    return bool(rows)


def detect_kind(data: bytes) -> str | None:
    """What the content is: ``pdf``, ``docx``, ``xlsx``, ``csv`` or None for anything else."""
    if _is_pdf(data):
        return "pdf"
    if data.startswith(b"PK"):
        return _ooxml_kind(data)
    if _is_csv(data):
        return "csv"
    return None


def check_file_name(name: str) -> str:
    """Refuse names that reach into folders; return the name itself."""
    name = (name or "").strip()
    if not name:
        raise AttachmentError("Select a file")
    if "/" in name or "\\" in name or ".." in name or any(ord(ch) < 32 for ch in name):
        raise AttachmentError("The file name must not contain ‘/’, ‘\\’, ‘..’ or control characters")
    return name


def download_name(name: str, kind: str) -> str:
    """A clean download name with the extension the content earned (``report.pdf``)."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = unicodedata.normalize("NFKC", stem)
    stem = re.sub(r"[^\w\- ()]+", " ", stem, flags=re.UNICODE)
    stem = re.sub(r"\s+", " ", stem).strip(" .-_")[:MAX_NAME_LENGTH].strip() or "attachment"
    return f"{stem}.{kind}"


def check_upload(name: str, data: bytes, max_bytes: int) -> CheckedFile:
    """Check a file's name, size and content; raise AttachmentError with a GOV.UK message when it fails."""
    original = check_file_name(name)
    if not data:
        raise AttachmentError("The selected file is empty")
    if len(data) > max_bytes:
        raise AttachmentError(f"The selected file must be smaller than {human_size(max_bytes)}")
    kind = detect_kind(data)
    if kind is None:
        raise AttachmentError(WRONG_TYPE_MESSAGE)
    return CheckedFile(
        kind=kind, data=data, download_name=download_name(original, kind), sha256=hashlib.sha256(data).hexdigest()
    )


def new_stored_name() -> str:
    """A random name: nothing about the upload reaches the file system."""
    return secrets.token_hex(16)


def store(directory: Path, stored_name: str, data: bytes) -> Path:
    """Write the file durably (temporary file, fsync, rename) and return its path."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise ValueError("stored names are generated, never taken from input")
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / stored_name
    temporary = directory / f".{stored_name}.part"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return final


def stored_path(directory: Path, stored_name: str) -> Path | None:
    """The path of a stored file, or None when the name is not one we generate or the file is missing."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        return None
    path = directory / stored_name
    return path if path.is_file() else None


def remove(directory: Path, stored_name: str) -> None:
    """Delete a stored file if it exists."""
    path = stored_path(directory, stored_name)
    if path is not None:
        path.unlink(missing_ok=True)
