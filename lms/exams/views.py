from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.auth import Identity
from lms.auth.access import role_required
from lms.auth.models import User, find_by_login
from lms.core import errors
from lms.core.clock import utcnow
from lms.courses.access import AUTHORS, can_edit, can_see, get_course_for_edit_or_404
from lms.courses.access import get_visible_course_or_404 as visible_course
from lms.exams import (
    grading,
    models,  # noqa: F401
    saves,
    services,
)
from lms.exams.forms import ConfirmForm, ExamForm, OverrideForm, StartForm, utc_to_wita
from lms.exams.models import (
    Attempt,
    AttemptQuestion,
    AttemptState,
    Exam,
    ExamOverride,
    GradingMethod,
    ShowAnswers,
)
from lms.extensions import db, htmx, limiter, login_manager

bp = Blueprint("exams", __name__)


@bp.app_template_filter("answered")
def answered_filter(answer) -> bool:
    """Whether a stored answer (or None) answers its question."""
    return answer is not None and grading.is_answered(answer.value)


# Access -----------------------------------------------------------------------------------


def option_label(text: str, question_type: str) -> str:
    """An option as a learner reads it: true/false options in their language."""
    if question_type == "truefalse":
        return {"true": _("True"), "false": _("False")}.get(text, text)
    return text


def lesson_exam(lesson) -> Exam | None:
    """The exam a lesson of kind "exam" presents, if one is linked to it."""
    return db.session.scalar(select(Exam).where(Exam.lesson_id == lesson.id))


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.filters["option_label"] = option_label
    state.app.jinja_env.globals["lesson_exam"] = lesson_exam


def get_exam_or_404(exam_id: int, user=None) -> Exam:
    """The exam if the person may see it: published in a visible course, or theirs to edit."""
    user = user or current_user
    exam = db.get_or_404(Exam, exam_id)
    if can_edit(user, exam.course):
        return exam
    if not exam.published or not can_see(user, exam.course):
        abort(404)
    return exam


def get_exam_for_edit_or_404(exam_id: int, user=None) -> Exam:
    user = user or current_user
    exam = db.get_or_404(Exam, exam_id)
    if not can_edit(user, exam.course):
        abort(404 if not (exam.published and can_see(user, exam.course)) else 403)
    return exam


def get_attempt_or_404(attempt_id: int, user=None) -> Attempt:
    """The attempt if it is the person's own; anyone else's is not told to exist."""
    user = user or current_user
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        abort(404)
    return attempt


def _config() -> dict:
    return current_app.config


# Settings (course editors) ----------------------------------------------------------------


@bp.get("/ujian/kursus/<slug>")
@login_required
def course_exams(slug: str):
    course = visible_course(slug)
    editor = can_edit(current_user, course)
    stmt = select(Exam).where(Exam.course_id == course.id).order_by(Exam.id)
    if not editor:
        stmt = stmt.where(Exam.published.is_(True))
    exams = db.session.scalars(stmt).all()
    return render_template("exams/course_exams.html", course=course, exams=exams, editor=editor)


def _exam_form(exam: Exam, course) -> ExamForm:
    form = ExamForm(obj=exam)
    form.grading_method.choices = list(services.grading_method_labels().items())
    form.show_answers.choices = list(services.show_answers_labels().items())
    form.lesson_id.choices = [(None, "—")] + [
        (x.id, f"{x.module.title} · {x.title}") for x in services.exam_lessons(course, exam)
    ]
    if request.method == "GET":
        form.opens_at.data = utc_to_wita(exam.opens_at)
        form.closes_at.data = utc_to_wita(exam.closes_at)
    return form


def _draws_from_request(categories) -> dict[int, int]:
    draws = {}
    for category, _count in categories:
        raw = request.form.get(f"draw-{category.id}", "").strip() or "0"
        draws[category.id] = int(raw) if raw.isdigit() else -1
    return draws


def _edit_page(exam: Exam, course, form: ExamForm, status: int = 200):
    categories = services.categories_of(course)
    draws = {d.category_id: d.count for d in exam.draws}
    if request.method == "POST" and isinstance(form, ExamForm):
        draws = {c.id: request.form.get(f"draw-{c.id}", "") for c, _n in categories}
    overrides = (
        db.session.scalars(select(ExamOverride).where(ExamOverride.exam_id == exam.id)).all()
        if exam.id
        else []
    )
    return (
        render_template(
            "exams/edit.html",
            exam=exam,
            course=course,
            form=form,
            categories=categories,
            draws=draws,
            overrides=overrides,
            override_form=OverrideForm(formdata=None),
            confirm=ConfirmForm(),
        ),
        status,
    )


def _save(exam: Exam, course):
    form = _exam_form(exam, course)
    if form.validate_on_submit():
        categories = services.categories_of(course)
        try:
            services.save_exam(
                exam,
                course,
                form.data_for_service(),
                _draws_from_request(categories),
                actor=current_user,
                now=utcnow(),
            )
        except services.ExamError as e:
            db.session.rollback()
            flash(str(e), "error")
            return _edit_page(exam if exam.id else Exam(), course, form, 422)
        db.session.commit()
        flash(_("Exam saved."), "success")
        return redirect(url_for("exams.edit_exam", exam_id=exam.id))
    return _edit_page(exam, course, form, 422 if request.method == "POST" else 200)


@bp.route("/ujian/kursus/<slug>/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def new_exam(slug: str):
    course = get_course_for_edit_or_404(slug)
    exam = Exam(
        duration_minutes=60,
        attempts_allowed=1,
        grading_method=GradingMethod.HIGHEST,
        pass_mark=70,
        shuffle_questions=True,
        shuffle_options=True,
        one_per_page=False,
        show_score=True,
        show_answers=ShowAnswers.AFTER_CLOSE,
        access_code="",
        published=False,
        instructions="",
    )
    return _save(exam, course)


@bp.route("/ujian/<int:exam_id>/ubah", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit_exam(exam_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    return _save(exam, exam.course)


@bp.post("/ujian/<int:exam_id>/pengecualian")
@role_required(*AUTHORS)
def save_override(exam_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    form = OverrideForm()
    if form.validate_on_submit():
        person = find_by_login(form.identifier.data.strip())
        if person is None:
            flash(_("No one has that NIP or e-mail."), "error")
        else:
            try:
                services.save_override(
                    exam, person, form.data_for_service(), actor=current_user, now=utcnow()
                )
            except services.ExamError as e:
                db.session.rollback()
                flash(str(e), "error")
            else:
                db.session.commit()
                flash(_("Override saved for %(name)s.", name=person.name), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("exams.edit_exam", exam_id=exam.id) + "#overrides")


@bp.post("/ujian/<int:exam_id>/pengecualian/<int:override_id>/hapus")
@role_required(*AUTHORS)
def delete_override(exam_id: int, override_id: int):
    exam = get_exam_for_edit_or_404(exam_id)
    override = db.session.get(ExamOverride, override_id)
    if override is None or override.exam_id != exam.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.delete_override(override, actor=current_user, now=utcnow())
        db.session.commit()
        flash(_("Override removed."), "success")
    return redirect(url_for("exams.edit_exam", exam_id=exam.id) + "#overrides")


# Taking -----------------------------------------------------------------------------------


@bp.get("/ujian/<int:exam_id>")
@login_required
def show(exam_id: int):
    exam = get_exam_or_404(exam_id)
    now = utcnow()
    for attempt in services.attempts_of(exam, current_user):
        services.expire_if_due(attempt, now, _config())
    db.session.commit()
    override = services.override_for(exam, current_user)
    opens, closes = services.window(exam, override)
    return render_template(
        "exams/show.html",
        exam=exam,
        attempts=services.attempts_of(exam, current_user),
        current=services.current_attempt(exam, current_user),
        reason=services.why_not_start(exam, current_user, now),
        opens=opens,
        closes=closes,
        allowed=services.allowed_attempts(exam, override),
        extra_minutes=override.extra_minutes if override else 0,
        questions=services.question_count(exam),
        counted=services.counted_attempt(exam, current_user),
        form=StartForm(),
        editor=can_edit(current_user, exam.course),
        now=now,
        labels=services.grading_method_labels(),
    )


@bp.post("/ujian/<int:exam_id>/mulai")
@login_required
def start(exam_id: int):
    exam = get_exam_or_404(exam_id)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    for old in services.attempts_of(exam, current_user):
        services.expire_if_due(old, now, _config())
    try:
        attempt = services.start_attempt(
            exam, current_user, now=now, access_code=form.access_code.data or ""
        )
        db.session.commit()
    except services.ExamError as e:
        db.session.commit()
        flash(str(e), "error")
        return redirect(url_for("exams.show", exam_id=exam.id))
    except IntegrityError:
        # A start racing this one won on another constraint: show the start page, which
        # offers to continue the attempt that exists.
        db.session.rollback()
        return redirect(url_for("exams.show", exam_id=exam.id))
    return redirect(url_for("exams.attempt", attempt_id=attempt.id))


def _attempt_context(attempt: Attempt, now):
    answers = services.answers_by_position(attempt)
    return {
        "attempt": attempt,
        "exam": attempt.exam,
        "answers": answers,
        "remaining": services.remaining_seconds(attempt, now),
    }


@bp.get("/ujian/percobaan/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = get_attempt_or_404(attempt_id)
    now = utcnow()
    if services.expire_if_due(attempt, now, _config()):
        db.session.commit()
    if attempt.state is not AttemptState.IN_PROGRESS:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    context = _attempt_context(attempt, now)
    items = attempt.questions
    current = None
    if attempt.exam.one_per_page and items:
        position = request.args.get("q", type=int) or 1
        current = next((q for q in items if q.position == position), items[0])
        shown = [current]
    else:
        shown = items
    return render_template(
        "exams/attempt.html",
        items=items,
        shown=shown,
        current=current,
        form=ConfirmForm(),
        **context,
    )


def _stored_text(save: saves.Save, answer) -> str:
    """The stored answer in words, shown when a stale save was ignored."""
    if answer is None:
        return ""
    snapshot = db.session.get(AttemptQuestion, save.question_id).snapshot  # with option texts
    if snapshot["type"] in grading.CHOICE_TYPES:
        ids = grading.chosen_ids(answer.value)
        return "; ".join(o["text"] for o in snapshot["options"] if o["id"] in ids)
    return grading.typed_text(answer.value)


def _of_app(name: str, make):
    """The app's one object of this name, made on first use (by one thread, whichever wins)."""
    found = current_app.extensions.get(name)
    return found if found is not None else current_app.extensions.setdefault(name, make())


def _write(save: saves.Save) -> saves.Written:
    """Write the save and commit it: with the saves waiting alongside, or alone."""
    if not current_app.config["EXAM_SAVE_GROUP_COMMIT"]:
        with db.engine.begin() as conn:
            return saves.write(conn, save)
    writer = _of_app("exam_saves", lambda: saves.GroupCommit(db.engine))
    return writer.write(save)  # a connection is taken only if this save writes the batch


def _save_status(**context) -> str:
    """The status fragment of a save, rendered without the app's context processors (they
    would load the logged-in person, whom a save never needs: auth.SELF_AUTHENTICATED) and
    without the app's template globals, of which it uses only gettext: Template.render would
    copy all of them for each save, at a cost near that of the rest of the fragment.
    (make_module renders the template once, with this context as it is.)"""
    env = current_app.jinja_env
    template = env.get_template("exams/_save_status.html")
    context.update(_=env.globals["_"], gettext=env.globals["gettext"])
    return str(template.make_module(context, shared=True))


def _refused(attempt_id: int, position: int, message: str, now, fragment: bool):
    """Answer a save the attempt no longer takes, after finalising the attempt if it is due."""
    attempt = db.session.get(Attempt, attempt_id)
    if services.expire_if_due(attempt, now, _config()):
        db.session.commit()
    if fragment:
        html = _save_status(
            position=position,
            answer=services.answers_by_position(attempt).get(position),
            refused=message,
            stored=False,
            stored_text="",
            remaining=0,
        )
        return html, 409
    flash(message, "error")
    return redirect(url_for("exams.result", attempt_id=attempt_id))


@bp.post("/ujian/percobaan/<int:attempt_id>/jawab/<int:position>")
# No rate limit may refuse a save: exam.js resends only after a 5xx, and it costs each save
# the limiter's lookups for nothing.
@limiter.exempt
def save_answer(attempt_id: int, position: int):
    # Each save of every examinee comes here, many a minute during an exam: what does not
    # change while an attempt is in progress (owner, deadline, question) is kept by the process
    # (saves.FixedFacts); the rest (the login, see auth.SELF_AUTHENTICATED, and the attempt's
    # state) is checked by the write itself, one statement committed with the saves waiting
    # alongside (lms/exams/saves.py). The ORM is used only on the rare paths.
    identity = Identity.of_session()
    if identity is None:
        return login_manager.unauthorized()
    now = utcnow()
    # A form without a number (an old page, a hand-made request) counts as the oldest save.
    seq = max(request.form.get("seq", default=0, type=int), 0)
    if seq > saves.MAX_SEQ:
        abort(400)
    fragment = htmx and not htmx.boosted
    fixed = _of_app("exam_save_facts", saves.FixedFacts).get(db.engine, attempt_id)
    if fixed is None or fixed.user_id != identity.user_id:
        abort(404)  # not theirs (not told to exist)
    if not services.in_time(fixed.deadline, now, _config()):
        # Rare: check the login before answering with what the attempt holds.
        owner = db.session.get(User, identity.user_id)
        if not identity.accepts(owner.active, owner.session_version):
            return login_manager.unauthorized()
        return _refused(attempt_id, position, str(services.REFUSED_LATE), now, fragment)
    item = fixed.items.get(position)
    if item is None:
        abort(404)  # no question at this position
    save = saves.Save(
        attempt_id=attempt_id,
        question_id=item.id,
        value=services.clean_answer(item.type, item.option_ids, request.form.getlist("answer")),
        seq=seq,
        flagged=request.form.get("flag") == "1",
        saved_at=now,
        user_id=identity.user_id,
        session_version=identity.version,
    )
    try:
        written = _write(save)
    except saves.NotCommitted:
        # Not acknowledged: exam.js keeps the answer on the device and sends it again.
        current_app.logger.exception("answer save to attempt %s not committed", attempt_id)
        return errors.render_error(503)
    if written.refused is saves.Refusal.LOGIN:
        return login_manager.unauthorized()  # logged out elsewhere, or deactivated
    if written.refused:
        return _refused(attempt_id, position, str(services.REFUSED_SUBMITTED), now, fragment)
    if fragment:
        return _save_status(
            position=position,
            answer=written.answer,
            refused=None,
            stored=written.stored,
            stored_text="" if written.stored else _stored_text(save, written.answer),
            remaining=max(0, int((fixed.deadline - now).total_seconds())),
        )
    if not written.stored:
        flash(_("Not saved: a newer answer to this question is already stored."), "error")
    attempt = db.session.get(Attempt, attempt_id)
    positions = [q.position for q in attempt.questions]
    if request.form.get("go") == "next" and attempt.exam.one_per_page:
        following = [p for p in positions if p > position]
        if following:
            return redirect(url_for("exams.attempt", attempt_id=attempt.id, q=following[0]))
        return redirect(url_for("exams.attempt", attempt_id=attempt.id, q=position))
    if attempt.exam.one_per_page:
        return redirect(url_for("exams.attempt", attempt_id=attempt.id, q=position))
    following = [p for p in positions if p > position]
    anchor = f"#q-{following[0]}" if following and request.form.get("go") == "next" else ""
    return redirect(url_for("exams.attempt", attempt_id=attempt.id) + (anchor or f"#q-{position}"))


@bp.post("/ujian/percobaan/<int:attempt_id>/kirim")
@login_required
def submit(attempt_id: int):
    attempt = get_attempt_or_404(attempt_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    if services.expire_if_due(attempt, now, _config()):
        db.session.commit()
    if attempt.state is not AttemptState.IN_PROGRESS:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    if request.form.get("confirm") != "1":
        return render_template(
            "exams/submit.html",
            attempt=attempt,
            exam=attempt.exam,
            summary=services.summary(attempt),
            remaining=services.remaining_seconds(attempt, now),
            form=form,
        )
    services.submit_attempt(attempt, now=now, config=_config())
    db.session.commit()
    return redirect(url_for("exams.result", attempt_id=attempt.id))


@bp.get("/ujian/percobaan/<int:attempt_id>/hasil")
@login_required
def result(attempt_id: int):
    attempt = get_attempt_or_404(attempt_id)
    now = utcnow()
    if services.expire_if_due(attempt, now, _config()):
        db.session.commit()
    if attempt.state is AttemptState.IN_PROGRESS and now <= attempt.deadline:
        return redirect(url_for("exams.attempt", attempt_id=attempt.id))
    return render_template(
        "exams/result.html",
        attempt=attempt,
        exam=attempt.exam,
        answers=services.answers_by_position(attempt),
        show_score=services.may_see_score(attempt, now),
        review=services.may_review(attempt, now),
        percent=services.percent(attempt.score, attempt.max_score),
        grading=grading,
    )


from lms.exams import (  # noqa: E402, F401
    bank_views,
    image_views,
    marking_views,
    stats_views,
)
