"""Results as CSV and XLSX. Every text cell is made formula-safe (a leading = + - @ tab or CR gets a quote)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from portal.charts.tables import csv_safe, to_csv
from portal.clock import london_date
from portal.prioritisation.published import MIN_PUBLIC_SCORERS, PublicRow
from portal.prioritisation.results import RoundResults, individual_scores, rank_text, tied_ranks
from portal.stats.concordance import EXACT, PERMUTATION, PERMUTATIONS
from portal.stats.prioritisation import CHI_SQUARE, MIN_TOPICS_TO_TEST, KendallW

Cell = str | int | float | None

RANKING_COLUMNS = [
    "Rank",
    "Reference",
    "Title",
    "Weighted score",
    "Members who scored it",
    "Conflicts of interest declared",
    "Borda points",
    "Borda rank",
    "Rank range low (5th percentile)",
    "Rank range high (95th percentile)",
    "Probability of being in the top k",
    "Decision",
    "Reason for the decision",
]


NOT_ENOUGH_SCORES = "Not enough scores"

# The published ranking: what the public summary page shows, and nothing more (no member's own scores).
PUBLIC_RANKING_COLUMNS = [
    "Rank",
    "Reference",
    "Topic",
    f"Weighted score (blank when fewer than {MIN_PUBLIC_SCORERS} members scored it, or it was not ranked)",
    "Steering group decision",
    "Steering group decision date",
    "Reason for the decision",
    "Health and wellbeing board decision",
    "Board meeting date",
    "Board minute",
]


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def ranking_rows(results: RoundResults) -> list[list[Cell]]:
    """One row per proposal, best rank first."""
    tied = tied_ranks(row.rank for row in results.rows if row.quorate)
    borda_tied = tied_ranks(row.borda_rank for row in results.rows if row.quorate)
    return [
        [
            rank_text(row.rank, tied) if row.quorate else NOT_ENOUGH_SCORES,
            row.proposal.reference,
            row.proposal.title,
            _round(row.mean_score, 3),
            row.scorers,
            len(row.conflicted),
            _round(row.borda_points, 2),
            rank_text(row.borda_rank, borda_tied) if row.quorate else "",
            row.rank_p05 if row.quorate else None,
            row.rank_p95 if row.quorate else None,
            _round(row.p_top_k, 3),
            row.entry.decision_label,
            row.entry.decision_reason,
        ]
        for row in results.rows
    ]


def public_ranking_rows(rows: Sequence[PublicRow]) -> list[list[Cell]]:
    """The public summary's ranking, one row per topic in the page's order, for its CSV download."""
    out: list[list[Cell]] = []
    tied = tied_ranks(row.rank for row in rows if row.quorate)
    for row in rows:
        entry = row.entry
        decided = bool(entry.decision)
        # The board decides only on what the steering group decided on (the page shows the same two steps).
        board = decided and bool(entry.board_decision)
        out.append(
            [
                rank_text(row.rank, tied) if row.quorate else NOT_ENOUGH_SCORES,
                entry.proposal.reference,
                entry.proposal.title,
                _round(row.score, 2),
                entry.decision_label if decided else "Not decided yet",
                london_date(entry.decided_at).isoformat() if decided and entry.decided_at else "",
                entry.decision_reason if decided else "",
                entry.board_decision_label if board else "",
                entry.board_meeting_date.isoformat() if board and entry.board_meeting_date else "",
                entry.board_minute_reference if board else "",
            ]
        )
    return out


def criteria_rows(results: RoundResults) -> list[list[Cell]]:
    """One row per criterion: its weight and the members' disagreement on it."""
    return [
        [
            row.criterion.name,
            row.criterion.weight,
            round(row.weight_share, 4),
            _round(row.mean_sd, 3),
            "Yes" if row.high_disagreement else "No",
        ]
        for row in results.criteria_rows
    ]


def agreement_rows(results: RoundResults) -> list[list[Cell]]:
    """The whole-round statistics."""
    kendall = results.stats.kendall
    return [
        ["Round", results.round.title],
        ["Results", "Final" if results.final else "Provisional (the round is still open)"],
        ["Criteria version", results.round.criteria_set.version],
        ["Kendall's W", _round(_finite(kendall.w), 4)],
        ["Chi-squared", _round(_finite(kendall.chi2), 4)],
        ["Degrees of freedom", kendall.df],
        ["p-value", _round(_finite(kendall.p_value), 6)],
        ["Test", significance_test_label(kendall)],
        ["Members used for W", kendall.m],
        ["Topics used for W", kendall.n],
        [
            "Spearman correlation, weighted score rank against Borda rank",
            _round(_finite(results.stats.spearman_mean_vs_borda), 4),
        ],
        ["Sensitivity draws", results.draws],
        ["Weight perturbation", f"plus or minus {results.spread:.0%}"],
        ["Top k", results.top_k],
    ]


def significance_test_label(kendall: KendallW) -> str:
    """How the p-value was worked out, and whether the panel was large enough to test at all."""
    if kendall.w != kendall.w:
        return "Not tested: too few members or topics scored in common"
    how = {
        EXACT: "Exact (every arrangement of the members' ranks counted)",
        PERMUTATION: f"Permutation ({PERMUTATIONS:,} random arrangements of the members' ranks)",
        CHI_SQUARE: "Chi-squared approximation",
    }.get(kendall.method, kendall.method)
    if not kendall.can_test:
        return f"{how}; not a test of agreement: fewer than {MIN_TOPICS_TO_TEST} topics scored in common"
    return how


def _finite(value: float) -> float | None:
    return None if value != value else float(value)  # NaN → blank


def results_csv(results: RoundResults) -> str:
    """The ranking as CSV."""
    return to_csv(RANKING_COLUMNS, ranking_rows(results))


def _safe(value: Cell) -> Cell:
    if value is None or isinstance(value, int | float):
        return value
    return csv_safe(value)


def _sheet(
    workbook: Workbook, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]], *, first: bool
) -> None:
    sheet = workbook.active if first else workbook.create_sheet()
    if not isinstance(sheet, Worksheet):  # a new workbook's active sheet is always a worksheet
        raise TypeError("expected a worksheet")
    sheet.title = title
    sheet.append([_safe(c) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(c) for c in row])
    sheet.freeze_panes = "A2"


def results_xlsx(results: RoundResults, *, with_individual_scores: bool) -> bytes:
    """The ranking, criteria, agreement and (when the viewer may see them) individual scores as an XLSX workbook."""
    workbook = Workbook()
    _sheet(workbook, "Ranking", RANKING_COLUMNS, ranking_rows(results), first=True)
    _sheet(
        workbook,
        "Criteria",
        ["Criterion", "Weight", "Share of total weight", "Mean spread between members (SD)", "Members disagree most"],
        criteria_rows(results),
        first=False,
    )
    _sheet(workbook, "Agreement", ["Measure", "Value"], agreement_rows(results), first=False)
    if with_individual_scores:
        criteria = results.arrays.criteria
        columns = ["Reference", "Title", "Member", "Conflict declared", "Weighted score"]
        columns += [c.name for c in criteria] + [f"Comment: {c.name}" for c in criteria]
        rows: list[list[Cell]] = []
        for entry, members in individual_scores(results.arrays):
            for member_row in members:
                rows.append(
                    [
                        entry.proposal.reference,
                        entry.proposal.title,
                        member_row.member.name_or_email,
                        "Yes" if member_row.conflict else "No",
                        _round(member_row.weighted, 3),
                        *member_row.values,
                        *member_row.comments,
                    ]
                )
        _sheet(workbook, "Individual scores", columns, rows, first=False)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
