"""BKPSDM's review of the lesson files partner staff upload: approve (learners then see it) or
return with a reason (the uploader reads it on the lesson's page)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.core import scan
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.courses import services as courses
from lms.courses.forms import ConfirmForm, ReturnForm
from lms.courses.models import Lesson, LessonFile
from lms.extensions import db
from lms.partners.views import bp

#: The queue shows the longest waiting first; more than this is a backlog, not a page.
QUEUE_SHOWN = 50


@bp.get("/tinjauan-materi")
@role_required(Role.ADMIN)
def material_queue():
    stmt = courses.files_to_review()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return render_template(
        "partners/material_queue.html",
        rows=db.session.execute(stmt.limit(QUEUE_SHOWN)).all(),
        total=total,
        confirm=ConfirmForm(formdata=None),
        scanned=scan.configured(),
    )


def _version_or_404(version_id: int) -> tuple[LessonFile, Lesson]:
    version = db.get_or_404(LessonFile, version_id)
    return version, db.get_or_404(Lesson, version.lesson_id)


def _review_page(version: LessonFile, lesson: Lesson, form: ReturnForm, status: int = 200):
    uploader = db.session.get(User, version.uploaded_by_id) if version.uploaded_by_id else None
    return render_template(
        "partners/material.html",
        version=version,
        lesson=lesson,
        course=lesson.module.course,
        uploader=uploader,
        form=form,
        confirm=ConfirmForm(formdata=None),
        scanned=scan.configured(),
    ), status


@bp.get("/tinjauan-materi/<int:version_id>")
@role_required(Role.ADMIN)
def material(version_id: int):
    version, lesson = _version_or_404(version_id)
    return _review_page(version, lesson, ReturnForm(formdata=None))


@bp.post("/tinjauan-materi/<int:version_id>/setujui")
@role_required(Role.ADMIN)
def approve_material(version_id: int):
    version, _lesson = _version_or_404(version_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        courses.approve_file(version, actor=current_user, now=utcnow(), ip=client_ip())
    except courses.CourseError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("Approved: learners now get %(name)s.", name=version.original_name), "success")
    return redirect(url_for("partners.material_queue"))


@bp.post("/tinjauan-materi/<int:version_id>/kembalikan")
@role_required(Role.ADMIN)
def return_material(version_id: int):
    version, lesson = _version_or_404(version_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            courses.return_file(
                version, form.reason.data, actor=current_user, now=utcnow(), ip=client_ip()
            )
        except courses.CourseError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Returned to the uploader with your reason."), "success")
        return redirect(url_for("partners.material_queue"))
    return _review_page(version, lesson, form, 422)
