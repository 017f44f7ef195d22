"""An exam's statistics, for the people who may edit its course: a page and an XLSX."""

from flask import Response, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from slugify import slugify

from lms.auth.access import role_required
from lms.courses.access import AUTHORS
from lms.exams import analysis, statistics
from lms.exams.models import question_type_labels
from lms.exams.views import bp, get_exam_for_edit_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/ujian/<int:exam_id>/statistik", endpoint="statistics")
@role_required(*AUTHORS)
def statistics_page(exam_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    report = analysis.exam_report(exam)
    histogram = ""
    if report.graded:
        # statistics.histogram_svg escapes the text it is given and adds no script or style.
        histogram = Markup(
            statistics.histogram_svg(
                report.stats.histogram,
                _("Scores of %(n)s graded attempts, in percent", n=report.graded),
                analysis.histogram_description(report.stats.histogram),
            )
        )
    return render_template(
        "exams/statistics.html",
        exam=exam,
        course=exam.course,
        report=report,
        histogram=histogram,
        labels=question_type_labels(),
    )


@bp.get("/ujian/<int:exam_id>/statistik.xlsx", endpoint="statistics_xlsx")
@role_required(*AUTHORS)
def statistics_xlsx(exam_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    body = analysis.to_xlsx(analysis.exam_report(exam))
    name = f"statistik-ujian-{exam.id}-{slugify(exam.title)[:60]}.xlsx"
    return Response(
        body,
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
