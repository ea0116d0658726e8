"""Survey results: per-question tables and charts, filters and comparisons by stakeholder sector with small
groups suppressed, free-text answers, and the published (public) view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bokeh.plotting import figure
from sqlalchemy import func, select

from portal.charts.surveys import choice_bars, diverging_bars, number_histogram, ranking_bars
from portal.charts.tables import format_number
from portal.extensions import db
from portal.models import SECTOR_LABELS, QuestionKind, Sector, Survey, SurveyQuestion, SurveyResponse
from portal.stats.survey_results import (
    SUPPRESSION_THRESHOLD,
    CountSummary,
    likert_summary,
    matrix_summary,
    multiple_choice_summary,
    net_agreement,
    number_summary,
    ranking_summary,
    single_choice_summary,
    suppressed_groups,
    text_answers,
)
from portal.surveys.builder import question_numbers
from portal.surveys.release import release_if_closed

ALL = "all"
NO_SECTOR = "none"
NO_SECTOR_LABEL = "No verified organisation (including the public)"
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT.value, QuestionKind.LONG_TEXT.value})
CHART_KINDS = frozenset(k.value for k in QuestionKind) - TEXT_KINDS


def sector_label(value: str) -> str:
    """A stored sector ("" for none) or filter value in words."""
    if value in ("", NO_SECTOR):
        return NO_SECTOR_LABEL
    try:
        return SECTOR_LABELS[Sector(value)]
    except ValueError:
        return value


def _stored_sector(filter_value: str) -> str:
    return "" if filter_value == NO_SECTOR else filter_value


def sector_sizes(survey_id: int) -> dict[str, int]:
    """Responses per sector filter value (NO_SECTOR for responses without a verified organisation's sector)."""
    release_if_closed(survey_id)
    rows = db.session.execute(
        select(SurveyResponse.sector, func.count())
        .where(SurveyResponse.survey_id == survey_id)
        .group_by(SurveyResponse.sector)
    )
    return {(sector or NO_SECTOR): count for sector, count in rows}


def hidden_sectors(survey_id: int) -> set[str]:
    """Sector filter values whose results are suppressed (fewer than 5 responses, or to protect one that is)."""
    return suppressed_groups(sector_sizes(survey_id))


def load_answers(survey_id: int, sector: str = ALL) -> list[dict[str, Any]]:
    """The answers of every response (or one sector's), as dicts keyed by question id."""
    release_if_closed(survey_id)
    query = select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey_id)
    if sector != ALL:
        query = query.where(SurveyResponse.sector == _stored_sector(sector))
    return [answers or {} for answers in db.session.scalars(query)]


def data_version(survey: Survey) -> str:
    """Changes whenever the data behind a survey's charts does (responses are never edited, only added)."""
    release_if_closed(survey.id)
    count = db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    return f"{count}:{survey.updated_at.timestamp()}"


@dataclass
class ResultTable:
    """A table of results: columns (text, or dicts with "numeric") and rows of formatted cells."""

    columns: list[Any]
    rows: list[list[str]]

    def plain_columns(self) -> list[str]:
        return [c["text"] if isinstance(c, dict) else c for c in self.columns]


@dataclass
class QuestionResult:
    """One question's results."""

    question: SurveyQuestion
    number: int
    base: int
    table: ResultTable | None = None
    texts: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def chartable(self) -> bool:
        return self.question.kind in CHART_KINDS and self.base > 0


def _percent(value: float | None) -> str:
    return f"{format_number(value, 0)}%" if value is not None else ""


def _counts_table(summary: CountSummary, first: str = "Answer") -> ResultTable:
    return ResultTable(
        [first, {"text": "People", "numeric": True}, {"text": "Percentage", "numeric": True}],
        [[row.label, f"{row.count:,}", _percent(row.percent)] for row in summary.rows],
    )


def question_result(question: SurveyQuestion, number: int, answers: Sequence[dict[str, Any]]) -> QuestionResult:
    """Summarise one question's answers as a table (and a one-line summary)."""
    values = [a.get(str(question.id)) for a in answers]
    kind = QuestionKind(question.kind)
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        texts = text_answers(values)
        return QuestionResult(question, number, len(texts), texts=texts)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.LIKERT):
        if kind is QuestionKind.SINGLE:
            summary = single_choice_summary(values, question.options)
        elif kind is QuestionKind.MULTIPLE:
            summary = multiple_choice_summary(values, question.options)
        else:
            summary = likert_summary(values, question.scale)
        text = ""
        if kind is QuestionKind.LIKERT and summary.base:
            net = net_agreement(summary)
            text = f"Net score {'+' if net and net > 0 else ''}{format_number(net, 0)} (percentage on the upper "
            text += "half of the scale minus the percentage on the lower half)"
        if kind is QuestionKind.MULTIPLE:
            text = "People could choose more than one answer, so percentages can add up to more than 100."
        return QuestionResult(question, number, summary.base, table=_counts_table(summary), summary=text)
    if kind is QuestionKind.NUMBER:
        stats = number_summary(values, question.whole_number)
        rows = []
        for low, high, count in zip(stats.bin_edges[:-1], stats.bin_edges[1:], stats.bin_counts, strict=True):
            if question.whole_number:
                first, last = round(low + 0.5), round(high - 0.5)
                label = f"{first:,}" if first == last else f"{first:,} to {last:,}"
            else:
                label = f"{format_number(low, 1)} to {format_number(high, 1)}"
            rows.append([label, f"{count:,}"])
        text = ""
        if stats.base:
            text = (
                f"Average (mean) {format_number(stats.mean, 1)}, median {format_number(stats.median, 1)}, "
                f"lowest {format_number(stats.minimum, 1)}, highest {format_number(stats.maximum, 1)}."
            )
        table = ResultTable(["Answer", {"text": "People", "numeric": True}], rows)
        return QuestionResult(question, number, stats.base, table=table, summary=text)
    if kind is QuestionKind.RANKING:
        ranking = ranking_summary(values, question.options)
        table = ResultTable(
            ["Option", {"text": "Average position", "numeric": True}, {"text": "Times ranked first", "numeric": True}],
            [[row.label, format_number(row.mean_rank, 1), f"{row.first_count:,}"] for row in ranking.rows],
        )
        return QuestionResult(
            question, number, ranking.base, table=table, summary="Options in order of average position (1 is the top)."
        )
    matrix = matrix_summary(values, question.options, question.scale)
    base = sum(1 for v in values if isinstance(v, dict) and v)
    columns: list[Any] = ["Row"] + [{"text": point, "numeric": True} for point in question.scale]
    rows = [
        [row, *[f"{r.count:,} ({_percent(r.percent)})" if r.count else "0" for r in summary.rows]]
        for row, summary in matrix.rows
    ]
    return QuestionResult(question, number, base, table=ResultTable(columns, rows))


def build_figure(question: SurveyQuestion, number: int, answers: Sequence[dict[str, Any]]) -> figure:
    """The chart for one question's answers: bars, diverging bars, a histogram or average ranks."""
    values = [a.get(str(question.id)) for a in answers]
    kind = QuestionKind(question.kind)
    title = f"Question {number}: {question.title}"
    if len(title) > 90:
        title = title[:89].rstrip() + "…"
    if kind is QuestionKind.SINGLE:
        summary = single_choice_summary(values, question.options)
        return choice_bars(title, summary.labels, summary.counts, [r.percent for r in summary.rows])
    if kind is QuestionKind.MULTIPLE:
        summary = multiple_choice_summary(values, question.options)
        return choice_bars(title, summary.labels, summary.counts, [r.percent for r in summary.rows])
    if kind is QuestionKind.LIKERT:
        summary = likert_summary(values, question.scale)
        return diverging_bars(title, ["All answers"], summary.labels, [summary.counts])
    if kind is QuestionKind.NUMBER:
        stats = number_summary(values, question.whole_number)
        return number_histogram(title, stats.bin_edges, stats.bin_counts)
    if kind is QuestionKind.RANKING:
        ranking = ranking_summary(values, question.options)
        return ranking_bars(title, [r.label for r in ranking.rows], [r.mean_rank for r in ranking.rows])
    if kind is QuestionKind.MATRIX:
        matrix = matrix_summary(values, question.options, question.scale)
        return diverging_bars(
            title, [row for row, _ in matrix.rows], list(question.scale), [s.counts for _, s in matrix.rows]
        )
    raise ValueError(f"{kind} questions have no chart")


@dataclass
class ResultsView:
    """Results for a whole survey (or one sector of it)."""

    survey: Survey
    total: int
    sector: str = ALL
    suppressed: bool = False
    questions: list[QuestionResult] = field(default_factory=list)


def results_for(survey: Survey, sector: str = ALL) -> ResultsView:
    """Every question's results for analysts, for everyone or one sector (suppressed when that group is small)."""
    if sector != ALL and sector in hidden_sectors(survey.id):
        count = sector_sizes(survey.id).get(sector, 0)
        return ResultsView(survey, count, sector, suppressed=True)
    answers = load_answers(survey.id, sector)
    numbers = question_numbers(survey)
    return ResultsView(
        survey,
        len(answers),
        sector,
        questions=[question_result(q, numbers[q.id], answers) for q in survey.questions],
    )


def published_results(survey: Survey) -> ResultsView:
    """The public view: only the questions chosen for publication, and nothing when fewer than 5 responded."""
    if not survey.results_published:
        return ResultsView(survey, 0, suppressed=True)
    answers = load_answers(survey.id)
    if len(answers) < SUPPRESSION_THRESHOLD:
        return ResultsView(survey, len(answers), suppressed=True)
    numbers = question_numbers(survey)
    chosen = [q for q in survey.questions if q.result_public and q.kind in CHART_KINDS]
    return ResultsView(survey, len(answers), questions=[question_result(q, numbers[q.id], answers) for q in chosen])


def segment_choices(survey_id: int) -> list[tuple[str, str, int]]:
    """The sector filter's options: (value, label, responses), sectors with responses only."""
    sizes = sector_sizes(survey_id)
    order = [str(s) for s in Sector] + [NO_SECTOR]
    return [(value, sector_label(value), sizes[value]) for value in order if sizes.get(value)]


@dataclass
class Comparison:
    """One question compared across sectors: a table whose columns are groups."""

    question: SurveyQuestion
    number: int
    table: ResultTable | None
    note: str = ""


def _group_column(question: SurveyQuestion, answers: Sequence[dict[str, Any]]) -> list[str]:
    """One group's cells for a comparison table (in the same row order for every group)."""
    values = [a.get(str(question.id)) for a in answers]
    kind = QuestionKind(question.kind)
    if kind is QuestionKind.SINGLE:
        summary = single_choice_summary(values, question.options)
    elif kind is QuestionKind.MULTIPLE:
        summary = multiple_choice_summary(values, question.options)
    elif kind is QuestionKind.LIKERT:
        summary = likert_summary(values, question.scale)
        return [_percent(r.percent) for r in summary.rows] + [format_number(net_agreement(summary), 0)]
    elif kind is QuestionKind.NUMBER:
        stats = number_summary(values, question.whole_number)
        return [f"{stats.base:,}", format_number(stats.mean, 1), format_number(stats.median, 1)]
    elif kind is QuestionKind.RANKING:
        ranking = ranking_summary(values, question.options)
        by_label = {r.label: r.mean_rank for r in ranking.rows}
        return [format_number(by_label.get(option), 1) for option in question.options]
    else:
        matrix = matrix_summary(values, question.options, question.scale)
        return [format_number(net_agreement(s), 0) for _, s in matrix.rows]
    return [_percent(r.percent) for r in summary.rows]


def _row_labels(question: SurveyQuestion) -> tuple[list[str], str]:
    kind = QuestionKind(question.kind)
    if kind is QuestionKind.LIKERT:
        return [*question.scale, "Net score"], "Percentage of each group who gave each answer, and the net score."
    if kind is QuestionKind.NUMBER:
        return ["People who answered", "Average (mean)", "Median"], ""
    if kind is QuestionKind.RANKING:
        return list(question.options), "Average position of each option (1 is the top)."
    if kind is QuestionKind.MATRIX:
        return list(question.options), "Net score for each row (upper half of the scale minus the lower half)."
    return list(question.options), "Percentage of each group who chose each answer."


def compare_by_sector(survey: Survey) -> tuple[list[tuple[str, str, int, bool]], list[Comparison]]:
    """Each chartable question with one column for everyone and one per sector; small groups are suppressed.

    Returns the groups as (value, label, responses, suppressed) and the comparisons.
    """
    sizes = sector_sizes(survey.id)
    hidden = suppressed_groups(sizes)
    groups = [(value, label, count, value in hidden) for value, label, count in segment_choices(survey.id)]
    all_answers = load_answers(survey.id)
    by_group = {value: load_answers(survey.id, value) for value, _, _, suppressed in groups if not suppressed}
    numbers = question_numbers(survey)
    comparisons = []
    for question in survey.questions:
        if question.kind not in CHART_KINDS:
            continue
        labels, note = _row_labels(question)
        columns: list[Any] = ["Answer", {"text": f"Everyone ({len(all_answers):,})", "numeric": True}]
        cells = [_group_column(question, all_answers)]
        for value, label, count, suppressed in groups:
            columns.append({"text": f"{label} ({'not shown' if suppressed else f'{count:,}'})", "numeric": True})
            cells.append(["Not shown"] * len(labels) if suppressed else _group_column(question, by_group[value]))
        rows = [[label, *[column[i] for column in cells]] for i, label in enumerate(labels)]
        comparisons.append(Comparison(question, numbers[question.id], ResultTable(columns, rows), note))
    return groups, comparisons
