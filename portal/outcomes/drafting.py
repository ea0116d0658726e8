"""First drafts of an outcome page, for staff to edit: "We asked" from the survey's description or the round's, and
"You said" from the results, under the same small-number rules as the published results.

For a survey: the number of responses, responses by stakeholder sector (sectors of 1 to 4, and any that would let
one be worked out, are pooled as "other sectors"), and the leading answer to each closed question that 5 or more
people answered. Nothing but the total when fewer than 5 responded. For a round: the topics considered, their
published rank, and what was decided and why.
"""

from __future__ import annotations

from portal.charts.tables import format_number
from portal.models import PrioritisationRound, QuestionKind, Survey
from portal.prioritisation.published import public_rows
from portal.prioritisation.results import rank_text, tied_ranks
from portal.stats.small_numbers import THRESHOLD as SUPPRESSION_THRESHOLD
from portal.stats.small_numbers import is_suppressed
from portal.surveys.builder import question_numbers
from portal.surveys.results import load_answers, question_result, sector_label, sector_sizes, suppressed_groups
from portal.surveys.staff_entry import ONLINE, channel_counts

LEADING_KINDS = frozenset({QuestionKind.SINGLE.value, QuestionKind.MULTIPLE.value, QuestionKind.LIKERT.value})


def _people(count: int) -> str:
    return f"{count:,} {'person' if count == 1 else 'people'}"


def draft_survey_we_asked(survey: Survey) -> str:
    """What we asked: the survey's own description, or its title when it has none."""
    return survey.summary.strip() or f"We asked for your views in the survey “{survey.title}”."


def sector_lines(survey: Survey) -> list[str]:
    """Responses by stakeholder sector, with small sectors (and any that would reveal one) pooled."""
    sizes = sector_sizes(survey.id)
    hidden = suppressed_groups(sizes)
    lines = [
        f"{sector_label(sector)}: {count:,}"
        for sector, count in sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
        if sector not in hidden and count
    ]
    pooled = sum(sizes[sector] for sector in hidden)
    if pooled:
        # hidden_groups_safe guarantees a pool of 2+ sectors with 5+ responses between them, or nothing shown.
        lines.append(f"Other sectors together: {pooled:,}")
    return lines


def leading_answer_lines(survey: Survey) -> list[str]:
    """The leading answer (ties included) to each closed question that 5 or more people answered."""
    answers = load_answers(survey.id)
    numbers = question_numbers(survey)
    lines = []
    for question in survey.questions:
        if question.kind not in LEADING_KINDS:
            continue
        result = question_result(question, numbers[question.id], answers)
        if result.base < SUPPRESSION_THRESHOLD or is_suppressed(result.base) or result.table is None:
            continue
        rows = [(row[0], int(row[1].replace(",", ""))) for row in result.table.rows]
        top = max(count for _, count in rows)
        if not top:
            continue
        leaders = [label for label, count in rows if count == top]
        share = format_number(100.0 * top / result.base, 0)
        lines.append(
            f"Question {result.number}, “{question.title}”: the most common answer was "
            f"{' and '.join(f'“{label}”' for label in leaders)} ({share}% of the {_people(result.base)} who answered)."
        )
    return lines


def draft_survey_you_said(survey: Survey) -> str:
    """What people said, drafted from the results under the small-number rules."""
    total = sum(sector_sizes(survey.id).values())
    if total < SUPPRESSION_THRESHOLD:
        return (
            f"Fewer than {SUPPRESSION_THRESHOLD} people responded, so we do not publish a breakdown of the answers."
            if total
            else "Nobody responded to this survey."
        )
    parts = [f"{_people(total).capitalize()} responded."]
    offline = [(label, count) for label, count in channel_counts(survey.id) if label != ONLINE and count]
    if offline:
        given = "; ".join(f"{label.lower()}: {count:,}" for label, count in offline)
        parts[0] += f" Staff entered some of the responses for people who answered another way ({given})."
    sectors = sector_lines(survey)
    if sectors:
        parts.append("Responses by stakeholder sector:\n" + "\n".join(f"- {line}" for line in sectors))
    leading = leading_answer_lines(survey)
    if leading:
        parts.append("\n".join(f"- {line}" for line in leading))
    return "\n\n".join(parts)


def draft_round_we_asked(round_: PrioritisationRound) -> str:
    """What we asked: the round's description, or the topics the steering group scored."""
    return round_.description.strip() or (
        f"We asked the JSNA steering group to score {len(round_.proposals)} shortlisted topics against the "
        "prioritisation criteria."
    )


def draft_round_you_said(round_: PrioritisationRound) -> str:
    """Which topics were considered, their published rank, and what was decided and why."""
    lines = []
    rows = public_rows(round_)
    tied = tied_ranks(row.rank for row in rows if row.quorate)
    for row in rows:
        entry = row.entry
        text = f"- {entry.proposal.reference} {entry.proposal.title}: rank {rank_text(row.rank, tied)}"
        if entry.decision:
            text += f". Steering group: {entry.decision_label.lower()}"
            if entry.decision_reason:
                text += f" ({entry.decision_reason.strip()})"
        if entry.board_decision:
            text += f". Health and wellbeing board: {entry.board_decision_label.lower()}"
        lines.append(text + ".")
    intro = f"The steering group considered {len(lines)} topics."
    return intro + ("\n\n" + "\n".join(lines) if lines else "")
