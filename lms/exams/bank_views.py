"""Pages of a course's question bank, for the people who may edit the course."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from slugify import slugify

from lms.auth.access import role_required
from lms.core import uploads
from lms.core.clock import utcnow
from lms.courses.access import AUTHORS, get_course_for_edit_or_404
from lms.exams import bank, formats
from lms.exams.bank_forms import (
    CategoryForm,
    ConfirmForm,
    ConfirmImportForm,
    ImportForm,
    QuestionForm,
)
from lms.exams.models import Question, QuestionType, question_type_labels
from lms.exams.views import bp
from lms.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get_question_or_404(course, question_id: int) -> Question:
    question = bank.get_question(course, question_id)
    if question is None:
        abort(404)
    return question


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/ujian/bank/<slug>", endpoint="bank")
@role_required(*AUTHORS)
def show_bank(slug: str):
    course = get_course_for_edit_or_404(slug)
    return _render_bank(course, CategoryForm())


def _render_bank(course, category_form, status: int = 200):
    categories = bank.categories(course)
    return (
        render_template(
            "exams/bank.html",
            course=course,
            categories=categories,
            counts=bank.type_counts(course),
            labels=question_type_labels(),
            types=list(QuestionType),
            category_form=category_form,
            confirm=ConfirmForm(),
            short_title=formats.short_title,
        ),
        status,
    )


@bp.post("/ujian/bank/<slug>/kategori")
@role_required(*AUTHORS)
def add_category(slug: str):
    course = get_course_for_edit_or_404(slug)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            bank.add_category(course, form.name.data)
        except bank.BankError as e:
            db.session.rollback()
            form.name.errors.append(str(e))
        else:
            db.session.commit()
            flash(_("Category added."), "success")
            return redirect(url_for("exams.bank", slug=slug))
    return _render_bank(course, form, 422)


@bp.post("/ujian/bank/<slug>/kategori/<int:category_id>")
@role_required(*AUTHORS)
def rename_category(slug: str, category_id: int):
    course = get_course_for_edit_or_404(slug)
    category = bank.get_category(course, category_id)
    if category is None:
        abort(404)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            bank.rename_category(category, form.name.data)
        except bank.BankError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Category renamed."), "success")
    else:
        flash(
            " ".join(map(str, form.name.errors)) or _("The form has expired; try again."), "error"
        )
    return redirect(url_for("exams.bank", slug=slug))


def _checked_image(form: QuestionForm) -> uploads.CheckedUpload | None:
    """The uploaded picture, checked by its content and size; None if none was sent or it is
    refused (then the form says why)."""
    sent = form.image.data
    if not sent or not sent.filename:
        return None
    try:
        return uploads.check(
            sent.stream,
            sent.filename,
            uploads.IMAGE_TYPES,
            max_bytes=current_app.config["QUESTION_IMAGE_MAX_BYTES"],
        )
    except uploads.UploadRejected as e:
        form.image.errors = [*form.image.errors, str(e)]
        return None


def _question_page(course, question: Question | None, qtype: QuestionType):
    form = QuestionForm(image_limit=current_app.config["QUESTION_IMAGE_MAX_BYTES"])
    cats = bank.categories(course)
    form.category_id.choices = [(c.id, c.name) for c in cats]
    if request.method == "GET":
        if question is not None:
            form.fill(question)
        elif request.args.get("kategori", type=int):
            form.category_id.data = request.args.get("kategori", type=int)
    error = ""
    valid = form.validate_on_submit()
    image = _checked_image(form) if form.is_submitted() else None
    if valid and not form.image.errors:
        new_name = (form.new_category.data or "").strip()
        category = bank.get_category(course, form.category_id.data or 0)
        now = utcnow()
        try:
            if new_name:
                category = bank.category_for(course, new_name)
            if category is None:
                raise ValueError(_("Choose a category or name a new one."))
            data = form.to_data(qtype, category.name)
            saved = bank.save_question(question or Question(), course, data, category, now=now)
            unused = bank.set_image(saved, image, bool(form.remove_image.data), now=now)
        except ValueError as e:  # BankError too
            db.session.rollback()
            error = str(e)
        else:
            db.session.commit()
            bank.delete_image_file(unused)
            flash(_("Question saved."), "success")
            anchor = f"q{saved.id}"
            return redirect(url_for("exams.bank", slug=course.slug, _anchor=anchor))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "exams/bank_question.html",
            course=course,
            question=question,
            qtype=qtype,
            labels=question_type_labels(),
            form=form,
            error=error,
            letters=formats.LETTERS,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.route("/ujian/bank/<slug>/soal/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def new_question(slug: str):
    course = get_course_for_edit_or_404(slug)
    try:
        qtype = QuestionType(request.args.get("jenis", "single"))
    except ValueError:
        abort(404)
    return _question_page(course, None, qtype)


@bp.route("/ujian/bank/<slug>/soal/<int:question_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit_question(slug: str, question_id: int):
    course = get_course_for_edit_or_404(slug)
    question = get_question_or_404(course, question_id)
    return _question_page(course, question, question.type)


@bp.post("/ujian/bank/<slug>/soal/<int:question_id>/hapus")
@role_required(*AUTHORS)
def delete_question(slug: str, question_id: int):
    course = get_course_for_edit_or_404(slug)
    question = get_question_or_404(course, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    image_key = question.image_key
    deleted = bank.remove_question(question, now=utcnow(), actor=current_user)
    db.session.commit()
    if deleted:
        bank.delete_image_file(image_key)  # no attempt drew the question, so none shows it
        flash(_("Question deleted."), "success")
    else:
        flash(
            _("Attempts have used this question, so it was retired: kept, but drawn no more."),
            "success",
        )
    return redirect(url_for("exams.bank", slug=slug))


@bp.post("/ujian/bank/<slug>/soal/<int:question_id>/aktifkan")
@role_required(*AUTHORS)
def restore_question(slug: str, question_id: int):
    course = get_course_for_edit_or_404(slug)
    question = get_question_or_404(course, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    bank.restore_question(question, now=utcnow())
    db.session.commit()
    flash(_("Question active again."), "success")
    return redirect(url_for("exams.bank", slug=slug, _anchor=f"q{question.id}"))


# Import and export --------------------------------------------------------------------------


@bp.route("/ujian/bank/<slug>/impor", methods=["GET", "POST"])
@role_required(*AUTHORS)
def import_questions(slug: str):
    course = get_course_for_edit_or_404(slug)
    form = ImportForm()
    if request.method == "GET" and not form.category.data:
        cats = bank.categories(course)
        form.category.data = cats[0].name if cats else _("General")
    if form.validate_on_submit():
        upload = form.file.data
        preview = bank.stage_import(
            upload.stream,
            upload.filename,
            form.format.data,
            form.category.data,
            course=course,
            actor=current_user,
        )
        return render_template(
            "exams/bank_import_preview.html",
            course=course,
            preview=preview,
            form=ConfirmImportForm(token=preview.token),
            labels=question_type_labels(),
        )
    return render_template(
        "exams/bank_import.html", course=course, form=form, columns=formats.column_help()
    )


@bp.post("/ujian/bank/<slug>/impor/simpan")
@role_required(*AUTHORS)
def confirm_import(slug: str):
    course = get_course_for_edit_or_404(slug)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash(_("This import preview is no longer valid; upload the file again."), "error")
        return redirect(url_for("exams.import_questions", slug=slug))
    if form.cancel.data:
        bank.discard_staged(form.token.data, course=course, actor=current_user)
        flash(_("Import cancelled; nothing was added."), "success")
        return redirect(url_for("exams.bank", slug=slug))
    try:
        preview = bank.load_staged(form.token.data, course=course, actor=current_user)
    except bank.BankError as e:
        flash(str(e), "error")
        return redirect(url_for("exams.import_questions", slug=slug))
    count = bank.import_questions(course, preview, now=utcnow(), actor=current_user)
    db.session.commit()
    bank.discard_staged(form.token.data, course=course, actor=current_user)
    flash(_("%(n)s questions imported.", n=count), "success")
    return redirect(url_for("exams.bank", slug=slug))


@bp.get("/ujian/bank/<slug>/templat.xlsx")
@role_required(*AUTHORS)
def bank_template(slug: str):
    get_course_for_edit_or_404(slug)
    return _download(formats.template_xlsx(), XLSX, "templat-bank-soal.xlsx")


@bp.get("/ujian/bank/<slug>/ekspor.gift")
@role_required(*AUTHORS)
def export_gift(slug: str):
    course = get_course_for_edit_or_404(slug)
    body = formats.to_gift(bank.export_data(course))
    name = f"bank-soal-{slugify(course.slug)}.gift.txt"
    return _download(body.encode("utf-8"), "text/plain; charset=utf-8", name)


@bp.get("/ujian/bank/<slug>/ekspor.xlsx")
@role_required(*AUTHORS)
def export_xlsx(slug: str):
    course = get_course_for_edit_or_404(slug)
    body = formats.to_xlsx(bank.export_data(course))
    return _download(body, XLSX, f"bank-soal-{slugify(course.slug)}.xlsx")
