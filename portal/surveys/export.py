"""Export every response of a survey as CSV or XLSX, one row per response, with formula injection neutralised."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from portal.charts.tables import FORMULA_PREFIXES, to_csv
from portal.extensions import db
from portal.models import QuestionKind, Survey, SurveyResponse, channel_label
from portal.surveys.conditions import question_numbers
from portal.surveys.questions import flat_answer
from portal.surveys.release import release_if_closed
from portal.surveys.results import NO_SECTOR, hidden_sectors, sector_label

Cell = str | int | float | None
HIDDEN_SECTOR = "Not shown (small group)"


def neutralise(cell: Cell) -> Cell:
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers are left as numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def export_table(survey: Survey) -> tuple[list[str], list[list[Cell]]]:
    """The header and one row per response (oldest first). Identified surveys include who answered. "How it reached
    us" says whether a response came online or was entered by staff from paper, a phone call or an event (never which
    member of staff entered it).

    In an anonymous survey the sector of a response in a sector the results hide (too small, or hidden to protect
    one that is) is "Not shown (small group)", the same rule as the results pages. Identified surveys name the
    person and organisation, so hiding their sector would protect nothing.
    """
    release_if_closed(survey.id)
    hidden = hidden_sectors(survey.id) if survey.anonymous else set()
    numbers = question_numbers(survey)
    header = ["Reference", "Date submitted", "Sector", "How it reached us", "Example response"]
    if not survey.anonymous:
        header += ["Name", "Email address", "Organisation"]
    columns: list[tuple[Any, Any]] = []
    for question in survey.questions:
        label = f"Q{numbers[question.id]} {question.title}"
        if question.kind == QuestionKind.MATRIX:
            for statement in question.options:
                header.append(f"{label}: {statement}")
                columns.append((question, ("row", statement)))
        elif question.kind == QuestionKind.RANKING:
            for option in question.options:
                header.append(f"{label}: position of {option}")
                columns.append((question, ("rank", option)))
        else:
            header.append(label + (" (1 to 5)" if question.kind == QuestionKind.LIKERT else ""))
            columns.append((question, None))
    responses = db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.submitted_on, SurveyResponse.id)
    )
    rows: list[list[Cell]] = []
    for response in responses:
        row: list[Cell] = [
            response.reference,
            response.submitted_on.isoformat(),
            HIDDEN_SECTOR if (response.sector or NO_SECTOR) in hidden else sector_label(response.sector),
            channel_label(response.channel),
            "Yes" if response.is_example else "No",
        ]
        if not survey.anonymous:
            person = response.respondent
            row += [
                person.display_name if person else "",
                person.email if person else "",
                person.organisation.name if person and person.organisation else "",
            ]
        answers = response.answers or {}
        for question, part in columns:
            value = answers.get(str(question.id))
            if part is None:
                row.append(flat_answer(question, value))
            elif part[0] == "row":
                row.append(value.get(part[1]) if isinstance(value, dict) else None)
            else:
                row.append(value.index(part[1]) + 1 if isinstance(value, list) and part[1] in value else None)
        rows.append(row)
    return header, rows


def to_csv_text(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """CSV with every cell made formula-safe (the shared chart-table writer)."""
    return to_csv(header, rows)


def to_xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """An XLSX workbook: text cells neutralised and stripped of characters XLSX cannot hold; numbers stay numbers."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Responses"

    def clean(cell: Cell) -> Cell:
        if isinstance(cell, str):
            cell = ILLEGAL_CHARACTERS_RE.sub("", cell)
        return neutralise(cell)

    sheet.append([clean(c) for c in header])
    for row in rows:
        sheet.append([clean(c) for c in row])
    sheet.freeze_panes = "A2"
    workbook.properties.title = title[:200]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
