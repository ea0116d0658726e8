"""Survey results: per-question tables and charts, filters and comparisons by stakeholder sector with small
groups suppressed, free-text answers, and the published (public) view.

Small numbers (issue 16): a sector with 1–4 responses is hidden, and complementary suppression
(``portal.stats.survey_results.suppressed_groups``) hides further sectors until everyone minus the sectors shown
gives only the combined answers of at least 5 responses from at least 2 sectors. The same rule then runs on each
question's answer counts, so a question is not shown for a sector when fewer than 5 of it answered, or when showing
it would let such a number be worked out. The public results show a question only when 5 or more answered it, and
the response exports of anonymous surveys do not name a hidden sector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
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
    is_suppressed,
    likert_summary,
    matrix_summary,
    multiple_choice_summary,
    net_agreement,
    number_summary,
    ranking_summary,
    single_choice_summary,
    suppressed_groups,
    text_answers,
    total_hidden,
)
from portal.surveys.conditions import question_numbers
from portal.surveys.release import pools_answers, release_if_closed
from portal.surveys.state import SurveyState, survey_state

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


def load_answers_by_sector(survey_id: int) -> dict[str, list[dict[str, Any]]]:
    """The answers of every response, grouped by sector filter value."""
    groups: dict[str, list[dict[str, Any]]] = {}
    query = select(SurveyResponse.sector, SurveyResponse.answers).where(SurveyResponse.survey_id == survey_id)
    for sector, answers in db.session.execute(query):
        groups.setdefault(sector or NO_SECTOR, []).append(answers or {})
    return groups


@dataclass
class Segments:
    """Every sector's answers, and which sectors are hidden, once for a page."""

    answers: dict[str, list[dict[str, Any]]]
    hidden: set[str]

    def hidden_for(self, question: SurveyQuestion) -> set[str]:
        """Sectors whose results for this question are not shown: the hidden sectors, plus complementary suppression
        on the question's own answer counts (a hidden sector may have nobody answering it)."""
        bases = {sector: question_result(question, 0, answers).base for sector, answers in self.answers.items()}
        return suppressed_groups(bases, hidden=self.hidden, known_non_empty=False)


def segments(survey_id: int) -> Segments:
    """Load every sector's answers and the sectors hidden for their size."""
    answers = load_answers_by_sector(survey_id)
    return Segments(answers, suppressed_groups({sector: len(rows) for sector, rows in answers.items()}))


def question_hidden(survey: Survey, question: SurveyQuestion, sector: str) -> bool:
    """Whether one sector's results for one question are withheld (never for everyone, which analysts see in full)."""
    if sector == ALL:
        return False
    return sector in segments(survey.id).hidden_for(question)


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
    suppressed: bool = False

    @property
    def chartable(self) -> bool:
        return self.question.kind in CHART_KINDS and self.base > 0 and not self.suppressed


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


def _withheld(question: SurveyQuestion, number: int) -> QuestionResult:
    """A question's result that is not shown: no counts, not even how many answered."""
    return QuestionResult(question, number, 0, suppressed=True)


def results_for(survey: Survey, sector: str = ALL) -> ResultsView:
    """Every question's results for analysts, for everyone or one sector (suppressed when that group is small).

    For one sector, a question is withheld when complementary suppression on its answer counts hides the sector.
    """
    numbers = question_numbers(survey)
    if sector == ALL:
        answers = load_answers(survey.id)
        questions = [question_result(q, numbers[q.id], answers) for q in survey.questions]
        return ResultsView(survey, len(answers), sector, questions=questions)
    found = segments(survey.id)
    answers = found.answers.get(sector, [])
    if sector in found.hidden:
        return ResultsView(survey, len(answers), sector, suppressed=True)
    questions = [
        _withheld(q, numbers[q.id]) if sector in found.hidden_for(q) else question_result(q, numbers[q.id], answers)
        for q in survey.questions
    ]
    return ResultsView(survey, len(answers), sector, questions=questions)


def results_public(survey: Survey, today: date | None = None) -> bool:
    """True when the public may see this survey's published results: once it has closed, or while it is open when
    its analysts chose so and its answers are released in shuffled batches (anonymous surveys). Answers of an
    identified survey reach the results one by one, so watching them while it is open would show each person's.
    """
    if not survey.results_published:
        return False
    if survey_state(survey, today) is SurveyState.CLOSED:
        return True
    return survey.results_while_open and pools_answers(survey)


def published_results(survey: Survey) -> ResultsView:
    """The public view: only the questions chosen for publication, and nothing when fewer than 5 responded.

    A chosen question that 1 to 4 people answered is withheld too. Nothing while results are private
    (:func:`results_public`).
    """
    if not results_public(survey):
        return ResultsView(survey, 0, suppressed=True)
    answers = load_answers(survey.id)
    if len(answers) < SUPPRESSION_THRESHOLD:
        return ResultsView(survey, len(answers), suppressed=True)
    numbers = question_numbers(survey)
    chosen = [q for q in survey.questions if q.result_public and q.kind in CHART_KINDS]
    shown = []
    for question in chosen:
        result = question_result(question, numbers[question.id], answers)
        shown.append(_withheld(question, result.number) if is_suppressed(result.base) else result)
    return ResultsView(survey, len(answers), questions=shown)


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

    Returns the groups as (value, label, responses, suppressed) and the comparisons. Within a question, a sector's
    column also says "Not shown" when complementary suppression on that question's answer counts hides it.
    """
    found = segments(survey.id)
    groups = [(value, label, count, value in found.hidden) for value, label, count in segment_choices(survey.id)]
    all_answers = [answers for rows in found.answers.values() for answers in rows]
    by_group = found.answers
    numbers = question_numbers(survey)
    # Five sectors of 1 each, all hidden: a shown total would pin each at 1 (issue 16).
    every_total_hidden = total_hidden({value: len(rows) for value, rows in by_group.items()})
    comparisons = []
    for question in survey.questions:
        if question.kind not in CHART_KINDS:
            continue
        labels, note = _row_labels(question)
        hidden = found.hidden_for(question)
        everyone = "not shown" if every_total_hidden else f"{len(all_answers):,}"
        columns: list[Any] = ["Answer", {"text": f"Everyone ({everyone})", "numeric": True}]
        cells = [_group_column(question, all_answers)]
        for value, label, count, suppressed in groups:
            columns.append({"text": f"{label} ({'not shown' if suppressed else f'{count:,}'})", "numeric": True})
            cells.append(["Not shown"] * len(labels) if value in hidden else _group_column(question, by_group[value]))
        rows = [[label, *[column[i] for column in cells]] for i, label in enumerate(labels)]
        comparisons.append(Comparison(question, numbers[question.id], ResultTable(columns, rows), note))
    return groups, comparisons
