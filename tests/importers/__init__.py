"""Importer tests; this package also holds their shared paths and small file builders."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FINGERTIPS = DATA / "fingertips"
CAMPYLOBACTER = FINGERTIPS / "fingertips_campylobacter_93356_countyua_2015-2017.csv"
CYP_MENTAL_HEALTH = FINGERTIPS / "fingertips_cyp_mental_health_west_midlands_countyua.csv"
SUICIDE = FINGERTIPS / "fingertips_suicide_west_midlands_countyua.csv"
FINGERTIPS_EXPORTS = [CAMPYLOBACTER, CYP_MENTAL_HEALTH, SUICIDE]
# The 2024-26 API export ("for one indicator", every area type) and the web site's "Export table" CSV.
CERVICAL_SCREENING = FINGERTIPS / "fingertips_cervical_screening_93560_25-49_all_areas.csv"
CHD_EXPORT_TABLE = FINGERTIPS / "fingertips_ui_compare_areas_chd_admissions_90988.csv"
NEW_EXPORTS = [CERVICAL_SCREENING, CHD_EXPORT_TABLE]
WOLVERHAMPTON = "E08000031"
WARDS = {f"E0500{n}" for n in range(1321, 1341)}


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], *, newline: str = "\r\n") -> Path:
    """Write a CSV with the given line ending (Fingertips downloads use CRLF), quoting as needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path
