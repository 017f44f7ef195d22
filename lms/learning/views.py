"""Following courses: enrolling, lessons, progress, downloads, "my learning", assignments."""

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.access import require_role
from lms.auth.models import Role, Unit
from lms.core.audit import client_ip
from lms.core.clock import local_date, utcnow
from lms.core.storage import storage
from lms.courses.access import can_edit, can_see, get_visible_course_or_404
from lms.courses.models import Course, CourseState, Lesson, LessonFile, LessonKind
from lms.extensions import db, htmx
from lms.learning import completion, services
from lms.learning.forms import AssignForm
from lms.learning.models import Enrollment

bp = Blueprint("learning", __name__)


# What the course page (another feature's) asks of this one, as Jinja globals.


def my_enrollment(course: Course) -> Enrollment | None:
    """The current person's enrollment in `course`, looked up once per request."""
    cache = g.setdefault("_my_enrollments", {})
    if course.id not in cache:
        cache[course.id] = services.get_enrollment(course, current_user)
    return cache[course.id]


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals.update(
        my_enrollment=my_enrollment,
        course_requirements=completion.requirements_of,
        course_progress=completion.progress,
        learning_can_enroll=lambda course: services.may_self_enroll(course, current_user),
        learning_can_edit=lambda course: can_edit(current_user, course),
        learning_today=_today,
    )


def _today():
    return local_date(utcnow())


def _learner_enrollment(course: Course) -> Enrollment | None:
    """The person's enrollment, if they follow this course as a learner now."""
    if course.state is not CourseState.PUBLISHED:
        return None
    return my_enrollment(course)


def _lesson_or_404(course: Course, lesson_id: int) -> Lesson:
    lesson = services.lesson_of(course, lesson_id)
    if lesson is None:
        abort(404)
    return lesson


def _follow_or_403(course: Course) -> Enrollment | None:
    """The learner's enrollment; None for an editor's preview; 403 for anyone else."""
    enrollment = _learner_enrollment(course)
    if enrollment is None and not can_edit(current_user, course):
        abort(403)
    return enrollment


# Enrolling and resuming -------------------------------------------------------------------


@bp.post("/kursus/<slug>/daftar")
def enroll(slug: str):
    require_role(Role.ASN)
    course = get_visible_course_or_404(slug)
    try:
        services.enroll(course, current_user, now=utcnow())
    except services.EnrollmentClosed:
        abort(403)
    db.session.commit()
    first = course.lessons[0] if course.lessons else None
    if first is None:
        return redirect(url_for("courses.show", slug=course.slug))
    return redirect(url_for("learning.lesson", slug=course.slug, lesson_id=first.id))


@bp.get("/kursus/<slug>/belajar")
@login_required
def resume(slug: str):
    course = get_visible_course_or_404(slug)
    enrollment = _learner_enrollment(course)
    if enrollment is None and not can_edit(current_user, course):
        return redirect(url_for("courses.show", slug=course.slug))
    lesson = services.resume_lesson(enrollment, course)
    if lesson is None:
        return redirect(url_for("courses.show", slug=course.slug))
    return redirect(url_for("learning.lesson", slug=course.slug, lesson_id=lesson.id))


# Lessons ----------------------------------------------------------------------------------


@bp.get("/kursus/<slug>/pelajaran/<int:lesson_id>")
@login_required
def lesson(slug: str, lesson_id: int):
    course = get_visible_course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    enrollment = _follow_or_403(course)
    if enrollment is not None:
        services.open_lesson(enrollment, lesson, now=utcnow())
        db.session.commit()
    previous, following = services.neighbours(course, lesson)
    return render_template(
        "learning/lesson.html",
        course=course,
        lesson=lesson,
        enrollment=enrollment,
        done=completion.done_lesson_ids(enrollment) if enrollment else set(),
        previous=previous,
        following=following,
        **_progress_context(enrollment, lesson),
    )


def _progress_context(enrollment: Enrollment | None, lesson: Lesson) -> dict:
    return {
        "progress": completion.progress(enrollment) if enrollment else None,
        "lesson_done": bool(enrollment) and lesson.id in completion.done_lesson_ids(enrollment),
        "can_mark": services.can_mark_done(lesson),
    }


@bp.post("/kursus/<slug>/pelajaran/<int:lesson_id>/selesai")
@login_required
def mark_done(slug: str, lesson_id: int):
    course = get_visible_course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    enrollment = _follow_or_403(course)
    if enrollment is None:  # an editor's preview records nothing
        return redirect(url_for("learning.lesson", slug=slug, lesson_id=lesson.id))
    if not services.can_mark_done(lesson):
        abort(400)
    was_completed = enrollment.completed_at is not None
    services.mark_done(enrollment, lesson, now=utcnow())
    db.session.commit()
    just_completed = not was_completed and enrollment.completed_at is not None
    following = services.neighbours(course, lesson)[1]
    if htmx.target == "progress":
        return render_template(
            "learning/_progress.html",
            course=course,
            lesson=lesson,
            enrollment=enrollment,
            following=following,
            just_completed=just_completed,
            swapped=True,  # focus moves to the new note, as the button it replaces is gone
            **_progress_context(enrollment, lesson),
        )
    if just_completed:
        flash(_completed_message(course), "success")
    else:
        flash(_("Lesson done."), "success")
    target = following or lesson
    return redirect(url_for("learning.lesson", slug=slug, lesson_id=target.id))


def _completed_message(course: Course) -> str:
    return _("You have completed this course: %(jp)s JP added to your record.", jp=course.jp)


@bp.get("/berkas/<int:file_id>")
@login_required
def download(file_id: int):
    """Send a lesson file: its current version to learners, any version to editors."""
    lesson_file = db.get_or_404(LessonFile, file_id)
    lesson = db.get_or_404(Lesson, lesson_file.lesson_id)
    course = lesson.module.course
    if not can_see(current_user, course):
        abort(404)
    current = lesson.file_id == lesson_file.id
    enrollment = _learner_enrollment(course)
    editor = can_edit(current_user, course)
    if not editor and (enrollment is None or not current):
        abort(403)
    is_file_lesson = lesson.kind is LessonKind.FILE
    if enrollment is not None and current and is_file_lesson and request.method == "GET":
        services.mark_done(enrollment, lesson, now=utcnow(), how="downloaded")
        db.session.commit()
    path = storage().path(lesson_file.storage_key)
    source = path if path is not None else storage().open(lesson_file.storage_key)
    response = send_file(
        source,
        mimetype=lesson_file.content_type,
        as_attachment=True,
        download_name=lesson_file.original_name,
        conditional=True,
        etag=lesson_file.sha256,
        max_age=0,
    )
    if path is None:
        response.content_length = lesson_file.size
    response.cache_control.public = False
    response.cache_control.private = True
    return response


# My learning ------------------------------------------------------------------------------


@bp.get("/pembelajaran")
@login_required
def my_learning():
    groups = services.my_learning(current_user)
    return render_template("learning/my_learning.html", groups=groups, today=_today())


# Assignments ------------------------------------------------------------------------------


def _assign_form() -> AssignForm:
    form = AssignForm()
    courses = db.session.scalars(
        select(Course).where(Course.state == CourseState.PUBLISHED).order_by(Course.title)
    )
    form.course_id.choices = [(None, "—")] + [(c.id, f"{c.title} ({c.jp} JP)") for c in courses]
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name))
    form.unit_id.choices = [(None, "—")] + [(u.id, u.name) for u in units]
    if request.method == "GET":
        form.course_id.data = request.args.get("course", type=int)
        form.due_date.data = _today() + timedelta(days=30)
    return form


@bp.route("/admin/penugasan", methods=["GET", "POST"])
def assign():
    require_role(Role.ADMIN)
    form = _assign_form()
    if form.validate_on_submit():
        course = db.get_or_404(Course, form.course_id.data)
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        chosen = services.choose_people(
            form.target.data,
            nips=form.nips.data,
            unit=unit,
            include_sub_units=form.include_sub_units.data,
            position=form.position.data,
            today=_today(),
        )
        result = services.assign(
            course,
            chosen.people,
            due_date=form.due_date.data,
            actor=current_user,
            now=utcnow(),
            target=chosen.audit,
            not_found=chosen.not_found,
            ip=client_ip(),
        )
        db.session.commit()
        return render_template(
            "learning/assign_result.html",
            course=course,
            result=result,
            due_date=form.due_date.data,
            kind=form.target.data,
            chosen=chosen.label,
        )
    return render_template("learning/assign.html", form=form)
