"""The catalog, course pages, authoring and review of courses."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import role_required, safe_next
from lms.auth.models import Role, User
from lms.certificates.services import offered_templates
from lms.core import scan, uploads
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.courses import services
from lms.courses.access import (
    AUTHORS,
    can_edit,
    get_course_for_edit_or_404,
    get_visible_course_or_404,
)
from lms.courses.forms import CourseForm, LessonForm, ReturnForm
from lms.courses.models import (
    CompetencyType,
    Course,
    CourseState,
    IllegalTransition,
    LearningMode,
    Lesson,
    LessonKind,
    Module,
    ReviewState,
    competency_labels,
    mode_labels,
    state_labels,
)
from lms.extensions import db, htmx

bp = Blueprint("courses", __name__)

CATALOG_PER_PAGE = 12
MANAGE_PER_PAGE = 25


# Shown on several features' pages ----------------------------------------------------------


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    """A file size in the reader's number format: 980 B, 12,5 KB, 3,4 MB."""
    if size is None:
        return ""
    units = ("B", "KB", "MB", "GB")
    value, i = float(size), 0
    while value >= 1024 and i < len(units) - 1:
        value, i = value / 1024, i + 1
    if i == 0:
        return f"{format_decimal(size)} B"
    return f"{format_decimal(value, format='#,##0.#')} {units[i]}"


@bp.app_template_filter("file_type")
def file_type(content_type: str) -> str:
    """What kind of file it is, as people name it: PDF, PPTX, MP4..."""
    return uploads.LESSON_TYPES.get(content_type, content_type).upper()


@bp.app_template_global()
def lessons_under_review(course: Course) -> set[int]:
    """The ids of the course's lessons whose new file waits for review (for its editors)."""
    return services.lessons_under_review(course)


@bp.app_template_global()
def course_labels() -> dict:
    """Display names of a course's competency type, mode, state and lesson kinds."""
    return {
        "competency": competency_labels(),
        "mode": mode_labels(),
        "state": state_labels(),
        "kind": {
            LessonKind.TEXT: _l("Reading"),
            LessonKind.FILE: _l("File"),
            LessonKind.VIDEO: _l("Video"),
            LessonKind.EXAM: _l("Exam"),
        },
    }


# Catalog and course page ------------------------------------------------------------------


@bp.get("/kursus")
def catalog():
    owner = request.args.get("owner", "").strip()
    filters = {
        "q": request.args.get("q", "").strip()[:100],
        "competency": request.args.get("competency", ""),
        "mode": request.args.get("mode", ""),
        "jp_min": request.args.get("jp_min", type=int),
        "jp_max": request.args.get("jp_max", type=int),
        "owner": owner if owner == "bkpsdm" or owner.isdigit() else "",
    }
    page = db.paginate(
        services.catalog_query(**filters),
        per_page=current_app.config.get("CATALOG_PER_PAGE", CATALOG_PER_PAGE),
        error_out=False,
    )
    fragment = htmx.target == "catalog-list" and not htmx.history_restore_request
    response = make_response(
        render_template(
            "courses/_catalog_list.html" if fragment else "courses/catalog.html",
            page=page,
            filters=filters,
            owners=[] if fragment else services.catalog_owners(),
            competencies=list(CompetencyType),
            modes=list(LearningMode),
        )
    )
    response.vary.add("HX-Target")
    return response


@bp.get("/kursus/<slug>")
def show(slug: str):
    course = get_visible_course_or_404(slug)
    editable = can_edit(current_user, course)
    return render_template("courses/show.html", course=course, editable=editable)


# Authoring --------------------------------------------------------------------------------


@bp.get("/kursus/kelola")
@role_required(*AUTHORS)
def manage():
    state = request.args.get("state", "")
    state = CourseState(state) if state in set(CourseState) else None
    counts = services.count_by_state(services.editable_courses(current_user))
    page = db.paginate(
        services.editable_courses(current_user, state), per_page=MANAGE_PER_PAGE, error_out=False
    )
    return render_template("courses/manage.html", page=page, state=state, counts=counts)


def _course_data(form: CourseForm) -> dict:
    return {
        name: getattr(form, name).data
        for name in (
            "title",
            "code",
            "summary",
            "description",
            "competency_type",
            "mode",
            "jp",
            "open_enrollment",
            "certificate_template_id",
            "auto_certificate",
            "score_bands",
        )
        if name in form
    }


def _certificate_fields(form: CourseForm, course: Course) -> None:
    """Offer admins the active certificate templates (and the course's own, even if inactive);
    partners' staff do not choose BKPSDM's certificate, so their form has no such fields."""
    if not current_user.has_role(Role.ADMIN):
        del form.certificate_template_id
        del form.auto_certificate
        return
    rows = offered_templates(keep=course.certificate_template_id)
    inactive = _("(inactive)")
    form.set_templates([(t.id, t.name if t.active else f"{t.name} {inactive}") for t in rows])


@bp.route("/kursus/baru", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/kursus/<slug>/ubah", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit(slug: str | None):
    if slug:
        course = get_course_for_edit_or_404(slug)
    else:
        if not current_user.has_role(Role.ADMIN) and current_user.institution_id is None:
            abort(403)  # partner staff without an institution have nobody to author for
        course = Course(
            jp=0,
            open_enrollment=True,
            competency_type=CompetencyType.TECHNICAL,
            mode=LearningMode.ELEARNING,
        )
    form = CourseForm(obj=course)
    _certificate_fields(form, course)
    if form.validate_on_submit():
        try:
            services.save_course(course, _course_data(form), actor=current_user, now=utcnow())
        except services.CourseError as e:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(e)]
        else:
            db.session.commit()
            flash(
                _("Course saved.") if slug else _("Course created. Now add modules and lessons."),
                "success",
            )
            return redirect(url_for("courses.edit", slug=course.slug))
    return render_template(
        "courses/edit.html",
        course=course if slug else None,
        form=form,
        return_form=ReturnForm(formdata=None),
    )


def _module_or_404(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


def _lesson_or_404(course: Course, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.module.course_id != course.id:
        abort(404)
    return lesson


def _outline_done(course: Course, message: str | None = None, category: str = "success"):
    """Answer an outline change: the outline fragment to htmx, else back to the edit page."""
    if htmx.target == "outline":
        return render_template(
            "courses/_outline_editor.html", course=course, message=message, category=category
        )
    if message:
        flash(message, category)
    return redirect(url_for("courses.edit", slug=course.slug) + "#outline")


def _outline_change(course: Course, change, done: str | None = None):
    """Run `change()`; commit, or roll back and say why it was refused."""
    try:
        keys = change()
    except services.CourseError as e:
        db.session.rollback()
        return _outline_done(course, str(e), "error")
    db.session.commit()
    if isinstance(keys, list):
        services.remove_stored(keys)
    return _outline_done(course, done)


@bp.post("/kursus/<slug>/modul")
@role_required(*AUTHORS)
def add_module(slug: str):
    course = get_course_for_edit_or_404(slug)
    title = request.form.get("title", "")
    return _outline_change(
        course, lambda: services.add_module(course, title, now=utcnow()), _("Module added.")
    )


@bp.post("/kursus/<slug>/modul/<int:module_id>")
@role_required(*AUTHORS)
def edit_module(slug: str, module_id: int):
    course = get_course_for_edit_or_404(slug)
    module = _module_or_404(course, module_id)
    title = request.form.get("title", "")
    return _outline_change(
        course, lambda: services.rename_module(module, title, now=utcnow()), _("Module renamed.")
    )


@bp.post("/kursus/<slug>/modul/<int:module_id>/hapus")
@role_required(*AUTHORS)
def delete_module(slug: str, module_id: int):
    course = get_course_for_edit_or_404(slug)
    module = _module_or_404(course, module_id)
    return _outline_change(
        course, lambda: services.delete_module(module, now=utcnow()), _("Module deleted.")
    )


@bp.post("/kursus/<slug>/modul/<int:module_id>/geser")
@role_required(*AUTHORS)
def move_module(slug: str, module_id: int):
    course = get_course_for_edit_or_404(slug)
    module = _module_or_404(course, module_id)
    direction = request.form.get("direction", "")
    return _outline_change(course, lambda: services.move_module(module, direction, now=utcnow()))


@bp.post("/kursus/<slug>/pelajaran/<int:lesson_id>/geser")
@role_required(*AUTHORS)
def move_lesson(slug: str, lesson_id: int):
    course = get_course_for_edit_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    direction = request.form.get("direction", "")
    return _outline_change(course, lambda: services.move_lesson(lesson, direction, now=utcnow()))


@bp.post("/kursus/<slug>/pelajaran/<int:lesson_id>/hapus")
@role_required(*AUTHORS)
def delete_lesson(slug: str, lesson_id: int):
    course = get_course_for_edit_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    return _outline_change(
        course, lambda: services.delete_lesson(lesson, now=utcnow()), _("Lesson deleted.")
    )


def _lesson_data(form: LessonForm) -> dict:
    return {
        name: getattr(form, name).data
        for name in ("title", "kind", "body", "video_url", "required")
    }


# No `defaults` on these rules: each builds from its own arguments alone, so url_for picks the
# right one whether given module_id (a new lesson) or lesson_id.
@bp.route("/kursus/<slug>/modul/<int:module_id>/pelajaran/baru", methods=["GET", "POST"])
@bp.route("/kursus/<slug>/pelajaran/<int:lesson_id>/ubah", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit_lesson(slug: str, module_id: int | None = None, lesson_id: int | None = None):
    course = get_course_for_edit_or_404(slug)
    if lesson_id is not None:
        lesson = _lesson_or_404(course, lesson_id)
        module = lesson.module
    else:
        module = _module_or_404(course, module_id)
        lesson = Lesson(kind=LessonKind.TEXT, required=True, body="", video_url="")
    # A file waiting for review counts as the lesson's file: saving the text needs no new upload.
    waiting = lesson_id is not None and any(
        v.review_state is ReviewState.PENDING for v in lesson.versions
    )
    form = LessonForm(obj=lesson, has_file=lesson.file_id is not None or waiting)
    if form.validate_on_submit():
        upload = _checked_upload(form)
        if not form.upload.errors:
            now = utcnow()
            try:
                services.save_lesson(lesson, module, _lesson_data(form), now=now)
                version = None
                if upload is not None:
                    version = services.replace_lesson_file(
                        lesson, upload, current_user, now, ip=client_ip()
                    )
            except services.CourseError as e:
                db.session.rollback()
                flash(str(e), "error")
            else:
                db.session.commit()
                if version is not None and version.review_state is ReviewState.PENDING:
                    flash(
                        _(
                            "Lesson saved. The new file waits for BKPSDM's review; until it is "
                            "approved, learners see the previous approved file, if any."
                        ),
                        "success",
                    )
                else:
                    flash(_("Lesson saved."), "success")
                return redirect(url_for("courses.edit", slug=course.slug) + "#outline")
    return render_template(
        "courses/lesson_form.html",
        course=course,
        module=module,
        lesson=lesson if lesson_id else None,
        form=form,
        max_size=current_app.config["MAX_CONTENT_LENGTH"],
        uploaders=_uploaders(lesson) if lesson_id else {},
    )


def _uploaders(lesson: Lesson) -> dict[int, str]:
    """The names of the people who uploaded or reviewed the lesson's file versions, by id."""
    ids = {v.uploaded_by_id for v in lesson.versions if v.uploaded_by_id}
    ids |= {v.reviewed_by_id for v in lesson.versions if v.reviewed_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _checked_upload(form: LessonForm) -> uploads.CheckedUpload | None:
    """The uploaded file of a file lesson, checked by its content; None if none was sent."""
    sent = form.upload.data
    if form.kind.data is not LessonKind.FILE or not sent:
        return None
    try:
        return scan.check(sent.stream, sent.filename, uploads.LESSON_TYPES)
    except uploads.UploadRejected as e:
        form.upload.errors = [*form.upload.errors, str(e)]
        return None


@bp.get("/kursus/<slug>/pratinjau")
@role_required(*AUTHORS)
def preview(slug: str):
    course = get_course_for_edit_or_404(slug)
    return render_template(
        "courses/preview.html", course=course, return_form=ReturnForm(formdata=None)
    )


# Review -----------------------------------------------------------------------------------


def _state_change(course: Course, change, done: str):
    """Run a state transition; an illegal one changes nothing and says so."""
    try:
        change()
    except IllegalTransition:
        db.session.rollback()
        flash(
            _(
                "This cannot be done while the course is %(state)s.",
                state=str(state_labels()[course.state]).lower(),
            ),
            "error",
        )
    except services.CourseError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(done, "success")
    target = safe_next(request.form.get("next")) or url_for("courses.edit", slug=course.slug)
    return redirect(target)


@bp.post("/kursus/<slug>/ajukan")
@role_required(*AUTHORS)
def submit(slug: str):
    course = get_course_for_edit_or_404(slug)
    return _state_change(
        course,
        lambda: services.submit(course, actor=current_user, now=utcnow()),
        _("Sent to BKPSDM for review."),
    )


@bp.post("/kursus/<slug>/terbitkan")
@role_required(Role.ADMIN)
def publish(slug: str):
    course = get_course_for_edit_or_404(slug)
    return _state_change(
        course,
        lambda: services.publish(course, actor=current_user, now=utcnow()),
        _("Published: the course is in the catalog."),
    )


@bp.post("/kursus/<slug>/kembalikan")
@role_required(Role.ADMIN)
def return_course(slug: str):
    course = get_course_for_edit_or_404(slug)
    form = ReturnForm()
    reason = form.reason.data if form.validate_on_submit() else ""
    return _state_change(
        course,
        lambda: services.return_course(course, reason, actor=current_user, now=utcnow()),
        _("Returned to the authors with your note."),
    )


@bp.post("/kursus/<slug>/arsipkan")
@role_required(*AUTHORS)
def archive(slug: str):
    course = get_course_for_edit_or_404(slug)
    return _state_change(
        course,
        lambda: services.archive(course, actor=current_user, now=utcnow()),
        _("Archived: the course has left the catalog; learners' records stay."),
    )


@bp.get("/kursus/tinjauan")
@role_required(Role.ADMIN)
def review_queue():
    page = db.paginate(services.review_queue(), per_page=MANAGE_PER_PAGE, error_out=False)
    return render_template("courses/review_queue.html", page=page)
