"""Exams: settings, the deadline, starting, saving, submitting, finalising and grading.

Every function takes `now`; none reads the request. The deadline is computed in one place
(`compute_deadline`) and stored once on the attempt.
"""

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm.util import identity_key

from lms.core.audit import record, record_save
from lms.core.db import insert_if_absent
from lms.courses.models import Course, Lesson, LessonKind
from lms.exams import grading, saves
from lms.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptState,
    Exam,
    ExamDraw,
    ExamOverride,
    GradingMethod,
    Question,
    QuestionCategory,
    ShowAnswers,
)
from lms.extensions import db
from lms.learning.completion import Requirement, requirement
from lms.learning.models import Enrollment

DEFAULT_GRACE_SECONDS = 15


class ExamError(ValueError):
    """An exam operation the rules do not allow; its message is for the learner."""


class SaveRefused(ExamError):
    """A save that arrived when the attempt no longer takes answers."""


# Settings ---------------------------------------------------------------------------------

EXAM_FIELDS = (
    "title",
    "instructions",
    "duration_minutes",
    "opens_at",
    "closes_at",
    "attempts_allowed",
    "grading_method",
    "pass_mark",
    "shuffle_questions",
    "shuffle_options",
    "one_per_page",
    "show_score",
    "show_answers",
    "access_code",
    "published",
    "lesson_id",
)


def _audit_values(exam: Exam) -> dict:
    values = {}
    for name in EXAM_FIELDS:
        v = getattr(exam, name)
        values[name] = (
            v.isoformat() if isinstance(v, datetime) else (str(v) if isinstance(v, Decimal) else v)
        )
    values["draws"] = {str(d.category_id): d.count for d in exam.draws}
    return values


def categories_of(course: Course) -> list[tuple[QuestionCategory, int]]:
    """The course's bank categories with how many active questions each holds."""
    rows = db.session.execute(
        select(QuestionCategory, func.count(Question.id))
        .outerjoin(
            Question,
            (Question.category_id == QuestionCategory.id) & Question.active.is_(True),
        )
        .where(QuestionCategory.course_id == course.id)
        .group_by(QuestionCategory.id)
        .order_by(QuestionCategory.name)
    ).all()
    return [(c, n) for c, n in rows]


def exam_lessons(course: Course, exam: Exam | None) -> list[Lesson]:
    """Lessons of kind exam that this exam may present (not taken by another exam)."""
    taken = set(
        db.session.scalars(
            select(Exam.lesson_id).where(Exam.course_id == course.id, Exam.lesson_id.is_not(None))
        )
    )
    if exam is not None:
        taken.discard(exam.lesson_id)
    return [x for x in course.lessons if x.kind is LessonKind.EXAM and x.id not in taken]


def save_exam(
    exam: Exam, course: Course, data: dict, draws: dict[int, int], *, actor, now: datetime
) -> Exam:
    """Create or change an exam and its draws (category id -> count); audit-logged."""
    before = _audit_values(exam) if exam.id else None
    counts = dict(categories_of(course))
    by_id = {c.id: n for c, n in counts.items()}
    for category_id, count in draws.items():
        if category_id not in by_id:
            raise ExamError(_("Unknown question category."))
        if count < 0 or count > by_id[category_id]:
            raise ExamError(_("A category has only %(n)s active questions.", n=by_id[category_id]))
    if data.get("lesson_id") and data["lesson_id"] not in {
        x.id for x in exam_lessons(course, exam)
    }:
        raise ExamError(_("That lesson cannot present this exam."))
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if opens and closes and closes <= opens:
        raise ExamError(_("The closing time must be after the opening time."))
    for name in EXAM_FIELDS:
        if name in data:
            setattr(exam, name, data[name])
    exam.course_id = course.id
    exam.updated_at = now
    if exam.id is None:
        exam.created_at = now
        db.session.add(exam)
    existing = {d.category_id: d for d in exam.draws}
    for category_id, count in draws.items():
        if count <= 0:
            if category_id in existing:
                exam.draws.remove(existing[category_id])
        elif category_id in existing:
            existing[category_id].count = count
        else:
            exam.draws.append(ExamDraw(category_id=category_id, count=count))
    db.session.flush()
    record_save("exam", exam, before, _audit_values(exam), now=now, actor=actor)
    return exam


def question_count(exam: Exam) -> int:
    return sum(d.count for d in exam.draws)


def save_override(exam: Exam, user, data: dict, *, actor, now: datetime) -> ExamOverride:
    """Give one person other terms for this exam (one override per person); audit-logged."""
    if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
        raise ExamError(_("The closing time must be after the opening time."))
    override = override_for(exam, user)
    before = None
    if override is None:
        override = ExamOverride(exam=exam, user_id=user.id)
        db.session.add(override)
    else:
        before = _override_values(override)
    for name in ("extra_minutes", "extra_attempts", "opens_at", "closes_at", "reason"):
        setattr(override, name, data.get(name))
    override.extra_minutes = override.extra_minutes or 0
    override.extra_attempts = override.extra_attempts or 0
    override.reason = override.reason or ""
    db.session.flush()
    record_save("exam_override", override, before, _override_values(override), now=now, actor=actor)
    return override


def _override_values(o: ExamOverride) -> dict:
    return {
        "exam_id": o.exam_id,
        "user_id": o.user_id,
        "extra_minutes": o.extra_minutes,
        "extra_attempts": o.extra_attempts,
        "opens_at": o.opens_at.isoformat() if o.opens_at else None,
        "closes_at": o.closes_at.isoformat() if o.closes_at else None,
        "reason": o.reason,
    }


def delete_override(override: ExamOverride, *, actor, now: datetime) -> None:
    record(
        "exam_override.delete",
        now=now,
        actor=actor,
        target=f"exam_override:{override.id}",
        before=_override_values(override),
    )
    db.session.delete(override)
    db.session.flush()


# Terms of one person: window, attempts, deadline -----------------------------------------


def override_for(exam: Exam, user) -> ExamOverride | None:
    return db.session.scalar(
        select(ExamOverride).where(ExamOverride.exam_id == exam.id, ExamOverride.user_id == user.id)
    )


def window(exam: Exam, override: ExamOverride | None) -> tuple[datetime | None, datetime | None]:
    """When the person may start: the override's dates where it sets them, else the exam's."""
    opens = override.opens_at if override and override.opens_at else exam.opens_at
    closes = override.closes_at if override and override.closes_at else exam.closes_at
    return opens, closes


def allowed_attempts(exam: Exam, override: ExamOverride | None) -> int:
    return exam.attempts_allowed + (override.extra_attempts if override else 0)


def compute_deadline(exam: Exam, started_at: datetime, override: ExamOverride | None) -> datetime:
    """min(start + duration (+ extra time), closing time (the override's, if any))."""
    extra = override.extra_minutes if override else 0
    deadline = started_at + timedelta(minutes=exam.duration_minutes + extra)
    _, closes = window(exam, override)
    return min(deadline, closes) if closes else deadline


def grace(config: dict | None = None) -> timedelta:
    seconds = (config or {}).get("EXAM_SAVE_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)
    return timedelta(seconds=int(seconds))


def remaining_seconds(attempt: Attempt, now: datetime) -> int:
    return max(0, int((attempt.deadline - now).total_seconds()))


def attempts_of(exam: Exam, user) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
            .order_by(Attempt.number)
        )
    )


def current_attempt(exam: Exam, user) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(
            Attempt.exam_id == exam.id,
            Attempt.user_id == user.id,
            Attempt.state == AttemptState.IN_PROGRESS,
        )
    )


def is_enrolled(exam: Exam, user) -> bool:
    return (
        db.session.scalar(
            select(Enrollment.id).where(
                Enrollment.course_id == exam.course_id, Enrollment.user_id == user.id
            )
        )
        is not None
    )


def why_not_start(exam: Exam, user, now: datetime) -> str | None:
    """Why this person may not start a new attempt now, or None when they may."""
    if not exam.published:
        return _("This exam is not published.")
    if not is_enrolled(exam, user):
        return _("Enroll in the course first.")
    if not exam.draws:
        return _("This exam has no questions yet.")
    override = override_for(exam, user)
    opens, closes = window(exam, override)
    if opens and now < opens:
        return _("This exam has not opened yet.")
    if closes and now >= closes:
        return _("This exam has closed.")
    used = len(attempts_of(exam, user))
    if used >= allowed_attempts(exam, override):
        return _("You have used every attempt allowed.")
    return None


# Starting ---------------------------------------------------------------------------------


def snapshot_of(question: Question, rng: random.Random, shuffle: bool) -> dict:
    options = [
        {
            "id": o.id,
            "text": o.text,
            "fraction": str(o.fraction),
            "tolerance": str(o.tolerance) if o.tolerance is not None else None,
            "feedback": o.feedback,
        }
        for o in question.options
    ]
    if shuffle and question.type.value in grading.CHOICE_TYPES:
        rng.shuffle(options)
    return {
        "type": question.type.value,
        "title": question.title,
        "text": question.text,
        "points": str(question.points),
        "feedback": question.feedback,
        "options": options,
        # The picture's file is never deleted while a snapshot may name it (see bank.py).
        "image_key": question.image_key or "",
        "image_type": question.image_type or "",
    }


def draw_questions(exam: Exam, rng: random.Random) -> list[Question]:
    """Draw each category's count at random; shuffle the whole set if the exam says so."""
    drawn: list[Question] = []
    for draw in exam.draws:
        pool = list(
            db.session.scalars(
                select(Question)
                .where(Question.category_id == draw.category_id, Question.active.is_(True))
                .order_by(Question.id)
            )
        )
        drawn.extend(rng.sample(pool, min(draw.count, len(pool))))
    if exam.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def start_attempt(
    exam: Exam, user, *, now: datetime, access_code: str = "", rng: random.Random | None = None
) -> Attempt:
    """Start an attempt, or return the one in progress (a double start makes one attempt)."""
    existing = current_attempt(exam, user)
    if existing is not None:
        return existing
    reason = why_not_start(exam, user, now)
    if reason:
        raise ExamError(reason)
    if exam.access_code and access_code.strip() != exam.access_code:
        raise ExamError(_("The access code is not right."))
    override = override_for(exam, user)
    # Numbered after the finished attempts only: two starts racing past the check above pick
    # the same number, so the unique (exam, user, number) lets only one of them in.
    number = (
        db.session.scalar(
            select(func.max(Attempt.number)).where(
                Attempt.exam_id == exam.id,
                Attempt.user_id == user.id,
                Attempt.state != AttemptState.IN_PROGRESS,
            )
        )
        or 0
    ) + 1
    attempt_id = insert_if_absent(
        Attempt,
        exam_id=exam.id,
        user_id=user.id,
        number=number,
        state=AttemptState.IN_PROGRESS,
        started_at=now,
        deadline=compute_deadline(exam, now, override),
        max_score=Decimal(0),
        receipt="",
    )
    if attempt_id is None:
        # Another request started this attempt a moment ago: return that one.
        existing = current_attempt(exam, user)
        if existing is None:
            raise ExamError(_("This attempt was just started elsewhere; open it again."))
        return existing
    attempt = db.session.get(Attempt, attempt_id)
    rng = rng or random.SystemRandom()
    total = Decimal(0)
    for position, question in enumerate(draw_questions(exam, rng), start=1):
        snapshot = snapshot_of(question, rng, exam.shuffle_options)
        total += Decimal(snapshot["points"])
        db.session.add(
            AttemptQuestion(
                attempt_id=attempt.id,
                question_id=question.id,
                position=position,
                snapshot=snapshot,
            )
        )
    attempt.max_score = total
    db.session.flush()
    return attempt


# Saving -----------------------------------------------------------------------------------


#: Why a save was refused; also the save fragment's message.
REFUSED_LATE = _l("Time is up: this answer was not saved. Answers saved before stay.")
REFUSED_SUBMITTED = _l("This attempt has been submitted: this answer was not saved.")
REFUSED_ACCOUNT = _l("This account is not active: this answer was not saved.")


@dataclass(frozen=True)
class SaveResult:
    item: AttemptQuestion
    #: The answer now stored: this save's, or the newer one that made this save stale.
    answer: saves.Stored | None
    #: False when a newer save (or another with the same seq) was already stored, so this one
    #: changed nothing; True also for the same save sent again.
    stored: bool


def question_at(attempt: Attempt, position: int) -> AttemptQuestion | None:
    return db.session.scalar(
        select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == position
        )
    )


def clean_value(snapshot: dict, raw: list[str]) -> dict:
    """The answer as stored, from the submitted form values; unknown options are dropped."""
    return clean_answer(snapshot["type"], [o["id"] for o in snapshot["options"]], raw)


def clean_answer(qtype: str, option_ids, raw: list[str]) -> dict:
    """`clean_value` for a question of this type with these option ids."""
    if qtype in grading.CHOICE_TYPES:
        ids = [int(x) for x in raw if x.isdigit() and int(x) in option_ids]
        ids = sorted(set(ids))
        if qtype != "multiple":
            ids = ids[:1]
        return {"options": ids}
    text = raw[0] if raw else ""
    return {"text": text[:20_000]}


def accepts_saves(attempt: Attempt, now: datetime, config: dict | None = None) -> bool:
    return takes_saves(attempt.state, attempt.deadline, now, config)


def takes_saves(
    state: AttemptState, deadline: datetime, now: datetime, config: dict | None = None
) -> bool:
    """Whether an attempt in `state` with `deadline` still takes answers at `now`."""
    return state is AttemptState.IN_PROGRESS and in_time(deadline, now, config)


def in_time(deadline: datetime, now: datetime, config: dict | None = None) -> bool:
    """Whether `now` is before the deadline and its grace."""
    return now <= deadline + grace(config)


def save_answer(
    attempt: Attempt,
    position: int,
    raw: list[str],
    *,
    seq: int,
    flagged: bool,
    now: datetime,
    config: dict | None = None,
) -> SaveResult:
    """Upsert the answer to one question, unless a save with a higher or equal seq is stored.

    Raises ExamError if the attempt has no such question, SaveRefused once the attempt is
    submitted or past its deadline plus the grace. The write is the statement of
    `saves.write`, in this session's transaction: the lock it takes (SQLite's, or the attempt
    row's) is held until the caller's commit. The exam page's saves go through the same
    statement, committed in groups (views.save_answer).
    """
    item = question_at(attempt, position)
    if item is None:
        raise ExamError(_("No such question."))
    if not accepts_saves(attempt, now, config):
        expire_if_due(attempt, now, config)
        raise SaveRefused(str(REFUSED_LATE))
    db.session.flush()  # the statement below reads what this session holds
    save = saves.Save(
        attempt_id=attempt.id,
        question_id=item.id,
        value=clean_value(item.snapshot, raw),
        seq=seq,
        flagged=flagged,
        saved_at=now,
        user_id=attempt.user_id,
        session_version=attempt.user.session_version,
    )
    written = saves.write(db.session.connection(), save)
    # The session may hold the answer from before this statement; let it read it again.
    if written.answer is not None:
        loaded = db.session.identity_map.get(identity_key(Answer, written.answer.id))
        if loaded is not None:
            db.session.expire(loaded)
    db.session.expire(item, ["answer"])
    if written.refused is saves.Refusal.LOGIN:
        raise SaveRefused(str(REFUSED_ACCOUNT))
    if written.refused:
        db.session.refresh(attempt)
        raise SaveRefused(str(REFUSED_SUBMITTED))
    return SaveResult(item=item, answer=written.answer, stored=written.stored)


def answers_by_position(attempt: Attempt) -> dict[int, Answer]:
    rows = db.session.execute(
        select(AttemptQuestion.position, Answer)
        .join(Answer, Answer.attempt_question_id == AttemptQuestion.id)
        .where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    return {position: answer for position, answer in rows}


@dataclass(frozen=True)
class Summary:
    total: int
    answered: list[int]
    unanswered: list[int]
    flagged: list[int]


def summary(attempt: Attempt) -> Summary:
    answers = answers_by_position(attempt)
    positions = [q.position for q in attempt.questions]
    answered = [p for p in positions if p in answers and grading.is_answered(answers[p].value)]
    return Summary(
        total=len(positions),
        answered=answered,
        unanswered=[p for p in positions if p not in answered],
        flagged=[p for p in positions if p in answers and answers[p].flagged],
    )


# Submitting, finalising, grading ----------------------------------------------------------


def receipt_of(attempt: Attempt) -> str:
    """SHA-256 of the saved answers as canonical JSON, which the learner can keep."""
    answers = answers_by_position(attempt)
    items = [
        {
            "position": q.position,
            "question": q.question_id,
            "value": answers[q.position].value if q.position in answers else None,
        }
        for q in attempt.questions
    ]
    canonical = json.dumps(
        {"attempt": attempt.id, "number": attempt.number, "answers": items},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit_attempt(attempt: Attempt, *, now: datetime, config: dict | None = None) -> bool:
    """Submit the attempt once (compare-and-set); True only for the call that submitted it.

    After the deadline (within the grace) the finish time is the deadline; past the grace the
    attempt is finalised as if the time had run out.
    """
    if attempt.state is not AttemptState.IN_PROGRESS:
        return False
    if now > attempt.deadline + grace(config):
        return finalise(attempt, now=now)
    return _close(attempt, finished_at=min(now, attempt.deadline), now=now)


def finalise(attempt: Attempt, *, now: datetime) -> bool:
    """End an attempt whose time ran out, with what was saved; it finished at its deadline."""
    return _close(attempt, finished_at=attempt.deadline, now=now)


def _close(attempt: Attempt, *, finished_at: datetime, now: datetime) -> bool:
    done = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.SUBMITTED, finished_at=finished_at)
    )
    db.session.refresh(attempt)
    if done.rowcount != 1:
        return False
    attempt.receipt = receipt_of(attempt)
    recompute(attempt, now=now)
    return True


def recompute(attempt: Attempt, *, now: datetime) -> None:
    """Grade the attempt again and, if it passes now, check the course's completion.

    A completion (and its JP credit) once recorded stays, even if a later grade fails the attempt.
    """
    grade(attempt)
    db.session.flush()
    if attempt.passed:
        _check_course_completion(attempt, now)


def essay_points(answer: Answer | None) -> Decimal | None:
    """What an answered essay counts for: a person's grade; None while it waits for its first one.

    While an objection waits for its second grader, the first grade stands (the released result
    does not change until the second grade arrives).
    """
    if answer is None:
        return None
    if answer.graded_at is not None:
        return answer.score
    if answer.objected_at is not None:
        return answer.first_score
    return None


def grade(attempt: Attempt) -> None:
    """Score the objective answers and add the essays' grades; graded unless an essay waits."""
    answers = answers_by_position(attempt)
    total, pending = Decimal(0), False
    for item in attempt.questions:
        answer = answers.get(item.position)
        value = answer.value if answer else None
        points = grading.score(item.snapshot, value)
        if points is None:
            if grading.is_answered(value):
                points = essay_points(answer)
                if points is None:
                    pending = True  # an essay waits for a person
                else:
                    total += points  # a person's grade, kept as they gave it
                continue
            points = Decimal(0)  # an essay left blank earns nothing; no one need grade it
        total += points
        if answer is not None:
            answer.score = points
    if pending:
        attempt.score, attempt.passed = None, None
        attempt.state = AttemptState.SUBMITTED
        return
    attempt.score = total
    attempt.passed = percent(total, attempt.max_score) >= attempt.exam.pass_mark
    attempt.state = AttemptState.GRADED


def percent(score: Decimal | None, max_score: Decimal) -> Decimal:
    if score is None or not max_score:
        return Decimal(0)
    return (score * 100 / max_score).quantize(Decimal("0.1"))


def expire_if_due(attempt: Attempt, now: datetime, config: dict | None = None) -> bool:
    """Finalise the attempt if it is past its deadline plus the grace (on any request)."""
    if attempt.state is AttemptState.IN_PROGRESS and now > attempt.deadline + grace(config):
        return finalise(attempt, now=now)
    return False


def sweep(now: datetime, config: dict | None = None) -> int:
    """Finalise every attempt in progress past its deadline plus the grace; how many."""
    cutoff = now - grace(config)
    ids = list(
        db.session.scalars(
            select(Attempt.id).where(
                Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline < cutoff
            )
        )
    )
    done = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        done += finalise(attempt, now=now)
    return done


# Results ----------------------------------------------------------------------------------


def counted_attempt(exam: Exam, user) -> Attempt | None:
    """The attempt that counts by the exam's grading method (highest or last graded)."""
    graded = [a for a in attempts_of(exam, user) if a.state is AttemptState.GRADED]
    if not graded:
        return None
    if exam.grading_method is GradingMethod.LAST:
        return graded[-1]
    return max(graded, key=lambda a: (a.score or Decimal(0), -a.number))


def has_passed(exam: Exam, user) -> bool:
    counted = counted_attempt(exam, user)
    return bool(counted and counted.passed)


def may_see_score(attempt: Attempt, now: datetime) -> bool:
    return attempt.state is AttemptState.GRADED and (
        attempt.exam.show_score or may_review(attempt, now)
    )


def may_review(attempt: Attempt, now: datetime) -> bool:
    """Whether the exam's review setting shows the right answers and feedback now."""
    if attempt.state is AttemptState.IN_PROGRESS:
        return False
    exam = attempt.exam
    if exam.show_answers is ShowAnswers.AFTER_SUBMIT:
        return True
    if exam.show_answers is ShowAnswers.AFTER_CLOSE:
        _, closes = window(exam, override_for(exam, attempt.user))
        return closes is not None and now >= closes
    return False


def show_answers_labels() -> dict:
    return {
        ShowAnswers.AFTER_CLOSE: _l("After the exam closes"),
        ShowAnswers.AFTER_SUBMIT: _l("Right after submitting"),
        ShowAnswers.NEVER: _l("Never"),
    }


def grading_method_labels() -> dict:
    return {GradingMethod.HIGHEST: _l("Highest attempt"), GradingMethod.LAST: _l("Last attempt")}


# Course completion ------------------------------------------------------------------------


def required_exams(course: Course) -> list[Exam]:
    """Published exams presented by a required exam lesson of the course."""
    lesson_ids = [x.id for x in course.lessons if x.kind is LessonKind.EXAM and x.required]
    if not lesson_ids:
        return []
    return list(
        db.session.scalars(
            select(Exam)
            .where(Exam.lesson_id.in_(lesson_ids), Exam.published.is_(True))
            .order_by(Exam.id)
        )
    )


@requirement
def every_required_exam(course: Course) -> list[Requirement]:
    exams = required_exams(course)
    if not exams:
        return []

    def parts(enrollment: Enrollment) -> tuple[int, int]:
        user = enrollment.user
        return sum(1 for e in exams if has_passed(e, user)), len(exams)

    def met(enrollment: Enrollment) -> bool:
        done, needed = parts(enrollment)
        return done >= needed

    label = _l("Pass every required exam (%(n)s)", n=len(exams))
    return [Requirement(label=label, met=met, parts=parts)]


def _check_course_completion(attempt: Attempt, now: datetime) -> None:
    from lms.learning.completion import check_completion

    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.course_id == attempt.exam.course_id, Enrollment.user_id == attempt.user_id
        )
    )
    if enrollment is not None:
        check_completion(enrollment, now)
