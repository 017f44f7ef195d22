"""An exam's statistics from its attempts, for its owners: the page's figures and the XLSX.

The figures are computed by statistics.py over the graded attempts; an attempt whose essay still
waits for a grader is counted apart and left out, since its score is not known yet.
"""

import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import Numeric, cast, func, select

from lms.exams import formats, statistics
from lms.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptState,
    Exam,
    Question,
    QuestionCategory,
    question_type_labels,
)
from lms.extensions import db
from lms.records.export import _defuse as defuse_formula

#: Why a question is doubtful, as its owners read it.
FLAG_LABELS = {
    "too_hard": _l(
        "Very hard: learners earn under %(n)s%% of its points.", n=int(statistics.TOO_HARD * 100)
    ),
    "too_easy": _l(
        "Very easy: learners earn over %(n)s%% of its points.", n=int(statistics.TOO_EASY * 100)
    ),
    "low_discrimination": _l(
        "Discrimination under %(n)s: stronger learners do not do better on it than weaker ones. "
        "Check the key and the wording.",
        n=int(statistics.LOW_DISCRIMINATION),
    ),
}


@dataclass(frozen=True)
class QuestionRow:
    number: int
    question: Question
    item: statistics.ItemStatistics

    @property
    def excerpt(self) -> str:
        return formats.short_title(self.question.text, 14)

    @property
    def reasons(self) -> list[str]:
        return [str(FLAG_LABELS[f]) for f in self.item.flags]


@dataclass(frozen=True)
class ExamReport:
    exam: Exam
    stats: statistics.ExamStatistics
    #: Submitted attempts whose essays wait for a grader, and attempts still running.
    pending: int
    in_progress: int
    #: The maximum score when every graded attempt has the same one (else None).
    max_score: float | None
    questions: list[QuestionRow]

    @property
    def graded(self) -> int:
        return self.stats.count


def exam_report(exam: Exam) -> ExamReport:
    """Summary, histogram and item statistics of the exam's graded attempts."""
    states = dict(
        db.session.execute(
            select(Attempt.state, func.count())
            .where(Attempt.exam_id == exam.id)
            .group_by(Attempt.state)
        ).all()
    )
    totals = db.session.execute(
        select(Attempt.id, Attempt.score, Attempt.max_score)
        .where(Attempt.exam_id == exam.id, Attempt.state == AttemptState.GRADED)
        .order_by(Attempt.id)
    ).all()
    # One row per question of each graded attempt: its points then, and what it earned (a
    # question left blank has no answer and earned nothing).
    points = cast(AttemptQuestion.snapshot["points"].as_string(), Numeric(8, 2))
    marks = db.session.execute(
        select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, points, Answer.score)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .outerjoin(Answer, Answer.attempt_question_id == AttemptQuestion.id)
        .where(Attempt.exam_id == exam.id, Attempt.state == AttemptState.GRADED)
    ).all()
    items: dict[int, dict[int, Decimal]] = {attempt_id: {} for attempt_id, _s, _m in totals}
    max_points: dict[int, Decimal] = {}
    for attempt_id, question_id, most, earned in marks:
        items[attempt_id][question_id] = earned or Decimal(0)
        # Points edited in the bank between attempts: the largest counts as the maximum.
        max_points[question_id] = max(max_points.get(question_id, Decimal(0)), most or 0)
    questions = list(
        db.session.scalars(
            select(Question)
            .join(QuestionCategory, QuestionCategory.id == Question.category_id)
            .where(Question.id.in_(max_points))
            .order_by(func.lower(QuestionCategory.name), Question.id)
        )
    )
    ordered = {q.id: max_points[q.id] for q in questions}
    stats = statistics.exam_statistics(
        [
            statistics.AttemptScores(score or Decimal(0), most, items[attempt_id])
            for attempt_id, score, most in totals
        ],
        ordered,
        exam.pass_mark,
    )
    by_key = {i.key: i for i in stats.items}
    maxima = {float(most) for _id, _s, most in totals}
    return ExamReport(
        exam=exam,
        stats=stats,
        pending=states.get(AttemptState.SUBMITTED, 0),
        in_progress=states.get(AttemptState.IN_PROGRESS, 0),
        max_score=maxima.pop() if len(maxima) == 1 else None,
        questions=[QuestionRow(n, q, by_key[q.id]) for n, q in enumerate(questions, start=1)],
    )


def histogram_description(bins: list[statistics.HistogramBin]) -> str:
    """The histogram in words, for a screen reader."""
    return "; ".join(
        _("%(low)s–%(high)s%%: %(n)s", low=b.low, high=b.high, n=b.count) for b in bins
    )


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def to_xlsx(report: ExamReport) -> bytes:
    """The summary, the score distribution and the question table as a workbook."""
    s = report.stats
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    summary = wb.create_sheet(_("Summary")[:31])
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 50
    summary.append([_text(report.exam.title)])
    for label, value in (
        (_("Graded attempts"), report.graded),
        (_("Waiting for essay grading"), report.pending),
        (_("In progress"), report.in_progress),
        (_("Maximum score"), report.max_score),
        (_("Mean score"), _round(s.mean, 2)),
        (_("Median score"), _round(s.median, 2)),
        (_("Mean (%)"), _round(s.mean_percent)),
        (_("Median (%)"), _round(s.median_percent)),
        (_("Pass mark (%)"), float(report.exam.pass_mark)),
        (_("Pass rate (%)"), _percent(s.pass_rate)),
    ):
        summary.append([label, value])
    summary.append([])
    summary.append([_("Score (%)"), _("Attempts")])
    for b in s.histogram:
        summary.append([f"{b.low}–{b.high}", b.count])

    sheet = wb.create_sheet(_("Questions")[:31])
    header = (
        _("No."),
        _("Question ID"),
        _("Title"),
        _("Question"),
        _("Type"),
        _("Points"),
        _("Attempts"),
        _("Mean score"),
        _("Facility index (%)"),
        _("Standard deviation"),
        _("Discrimination index"),
        _("Discriminative efficiency"),
        _("Doubtful because"),
    )
    for i, width in enumerate((6, 10, 24, 60, 16, 8, 10, 10, 12, 12, 12, 12, 60)):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, h, bold) for h in header])
    labels = question_type_labels()
    for row in report.questions:
        q, item = row.question, row.item
        sheet.append(
            [
                row.number,
                q.id,
                _text(q.title),
                _text(row.excerpt),
                str(labels[q.type]),
                item.max_points,
                item.attempts,
                _round(item.mean, 2),
                _percent(item.facility),
                _round(item.sd, 2),
                _round(item.discrimination),
                _round(item.discriminative_efficiency),
                _text(" ".join(row.reasons)),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value: str) -> str:
    """Text written by people, kept from running as a formula in a spreadsheet."""
    return defuse_formula(value or "")


def _bold(sheet, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell
