"""Essay grading for an exam's owners (a blind queue), a learner's objection to a grade, and
regrading finished attempts after the bank's key changed."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.access import role_required
from lms.core.clock import utcnow
from lms.courses.access import AUTHORS
from lms.exams import grading, marking
from lms.exams.forms import ConfirmForm
from lms.exams.image_views import send_image
from lms.exams.marking_forms import GradeForm
from lms.exams.views import bp, get_attempt_or_404, get_exam_for_edit_or_404
from lms.extensions import db, htmx

#: How many waiting essays the queue page lists (it says how many more there are).
QUEUE_PAGE = 100


def _secret():
    return current_app.config["SECRET_KEY"]


@bp.get("/ujian/<int:exam_id>/penilaian")
@role_required(*AUTHORS)
def grading_queue(exam_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    items = marking.queue(exam, current_user, secret=_secret())
    first = next((x for x in items if x.blocked is None), None)
    return render_template(
        "exams/grading.html",
        exam=exam,
        items=items[:QUEUE_PAGE],
        total=len(items),
        objections=sum(1 for x in items if x.objection),
        first=first,
    )


def _item(exam, answer, form, *, error: str = "", done: str = "") -> dict:
    """What the grading fragment shows of one essay: nothing that says whose it is."""
    if answer is None:
        return {"exam": exam, "answer": None, "done": done}
    item = answer.attempt_question
    points = format_decimal(float(item.snapshot["points"]))
    form.score.description = _(
        "From 0 to %(max)s points; decimals allowed, such as 2,5.", max=points
    )
    return {
        "exam": exam,
        "answer": answer,
        "snapshot": item.snapshot,
        "text": grading.typed_text(answer.value),
        "code": marking.anonymous_code(answer.id, _secret()),
        "points": points,
        "blocked": marking.why_not_grade(answer, current_user),
        "form": form,
        "error": error,
        "done": done,
    }


def _render(context: dict, status: int = 200):
    fragment = htmx and not htmx.boosted
    template = "exams/_grading_item.html" if fragment else "exams/grading_answer.html"
    return render_template(template, **context), status


@bp.route("/ujian/<int:exam_id>/penilaian/<int:answer_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def grade_answer(exam_id: int, answer_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    answer = marking.get_essay(exam, answer_id)
    if answer is None:
        abort(404)
    form = GradeForm()
    if request.method == "GET":
        return _render(_item(exam, answer, form))
    if not form.validate_on_submit():
        return _render(_item(exam, answer, form, error=_("The form has expired; try again.")), 400)
    try:
        score = marking.grade_essay(
            answer, form.score.data, form.comment.data, grader=current_user, now=utcnow()
        )
    except marking.MarkingError as e:
        db.session.rollback()
        answer = marking.get_essay(exam, answer_id)
        if isinstance(e, marking.ScoreError):
            form.score.errors = [str(e)]
            return _render(_item(exam, answer, form), e.status)
        return _render(_item(exam, answer, form, error=str(e)), e.status)
    code = marking.anonymous_code(answer_id, _secret())
    db.session.commit()
    done = _("Answer #%(code)s graded: %(score)s points.", code=code, score=format_decimal(score))
    following = marking.next_for(exam, current_user, secret=_secret())
    where = (
        url_for("exams.grade_answer", exam_id=exam.id, answer_id=following.answer.id)
        if following
        else url_for("exams.grading_queue", exam_id=exam.id)
    )
    if htmx and not htmx.boosted:
        html, status = _render(
            _item(
                exam, following.answer if following else None, GradeForm(formdata=None), done=done
            )
        )
        return html, status, {"HX-Push-Url": where}
    flash(done, "success")
    return redirect(where)


@bp.get("/ujian/<int:exam_id>/penilaian/<int:answer_id>/gambar")
@role_required(*AUTHORS)
def grading_image(exam_id: int, answer_id: int):
    """The essay question's picture as the attempt froze it, under the answer's (blind) address."""
    exam = get_exam_for_edit_or_404(exam_id)
    answer = marking.get_essay(exam, answer_id)
    if answer is None:
        abort(404)
    snapshot = answer.attempt_question.snapshot
    return send_image(snapshot.get("image_key", ""), snapshot.get("image_type", ""))


@bp.post("/ujian/percobaan/<int:attempt_id>/keberatan/<int:position>")
@login_required
def object_to_grade(attempt_id: int, position: int):
    attempt = get_attempt_or_404(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        marking.file_objection(
            attempt, position, request.form.get("reason", ""), learner=current_user, now=utcnow()
        )
    except marking.MarkingError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("Objection sent. Another grader will grade this answer again."), "success")
    return redirect(url_for("exams.result", attempt_id=attempt.id, _anchor=f"essay-{position}"))


@bp.route("/ujian/<int:exam_id>/nilai-ulang", methods=["GET", "POST"])
@role_required(*AUTHORS)
def regrade(exam_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        count = marking.regrade(exam, actor=current_user, now=utcnow())
        db.session.commit()
        flash(_("%(n)s attempts regraded with the bank's key.", n=count), "success")
        return redirect(url_for("exams.regrade", exam_id=exam.id))
    return render_template(
        "exams/grading_regrade.html", exam=exam, plan=marking.plan_regrade(exam), form=form
    )
