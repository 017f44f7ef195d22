"""Enrolling, assigning, opening and finishing lessons: plain arguments in, flushed changes out."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import Role, Unit, User, UserRole
from lms.auth.nip import NipError, check_nip
from lms.core import audit
from lms.core.db import insert_if_absent
from lms.courses.models import Course, CourseState, Lesson, LessonKind, Module
from lms.extensions import db
from lms.learning.completion import check_completion, done_lesson_ids
from lms.learning.models import Enrollment, EnrollmentSource, LessonProgress


class EnrollmentClosed(ValueError):
    """The course does not take self-enrollment now."""


# Enrollment -------------------------------------------------------------------------------


def get_enrollment(course: Course, user: User) -> Enrollment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.user_id == user.id)
    )


def may_self_enroll(course: Course, user: User) -> bool:
    return (
        course.state is CourseState.PUBLISHED
        and course.open_enrollment
        and user.is_authenticated
        and user.has_role(Role.ASN)
    )


def enroll(course: Course, user: User, *, now: datetime) -> Enrollment:
    """Enroll a learner in an open course; enrolling again returns the enrollment they have."""
    existing = get_enrollment(course, user)
    if existing is not None:
        return existing
    if not may_self_enroll(course, user):
        raise EnrollmentClosed(course.slug)
    insert_if_absent(
        Enrollment,
        course_id=course.id,
        user_id=user.id,
        source=EnrollmentSource.SELF,
        enrolled_at=now,
    )
    return get_enrollment(course, user)


# Lessons and progress ---------------------------------------------------------------------


def lesson_of(course: Course, lesson_id: int) -> Lesson | None:
    """The lesson if it belongs to the course."""
    return next((lesson for lesson in course.lessons if lesson.id == lesson_id), None)


def neighbours(course: Course, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The lessons before and after `lesson` in the course's order."""
    lessons = course.lessons
    i = lessons.index(lesson)
    return (lessons[i - 1] if i > 0 else None, lessons[i + 1] if i + 1 < len(lessons) else None)


def resume_lesson(enrollment: Enrollment | None, course: Course) -> Lesson | None:
    """Where to pick up: the last lesson opened, else the first not done, else the first."""
    lessons = course.lessons
    if not lessons:
        return None
    if enrollment is None:
        return lessons[0]
    if enrollment.last_lesson_id is not None:
        last = lesson_of(course, enrollment.last_lesson_id)
        if last is not None:
            return last
    done = done_lesson_ids(enrollment)
    return next((lesson for lesson in lessons if lesson.id not in done), lessons[0])


def open_lesson(enrollment: Enrollment, lesson: Lesson, *, now: datetime) -> None:
    """Remember the lesson for "continue"; complete the course if a change to it allows."""
    if enrollment.last_lesson_id != lesson.id:
        enrollment.last_lesson_id = lesson.id
    check_completion(enrollment, now)


def can_mark_done(lesson: Lesson) -> bool:
    """Text and video lessons are marked by hand; a file lesson by downloading its file."""
    return lesson.kind in (LessonKind.TEXT, LessonKind.VIDEO) or (
        lesson.kind is LessonKind.FILE and lesson.file_id is None
    )


def mark_done(
    enrollment: Enrollment, lesson: Lesson, *, now: datetime, how: str = "marked"
) -> bool:
    """Record the lesson as done (once) and check completion; True when newly done."""
    new = (
        insert_if_absent(
            LessonProgress, enrollment_id=enrollment.id, lesson_id=lesson.id, done_at=now, how=how
        )
        is not None
    )
    if new:
        db.session.expire(enrollment, ["progress"])
    check_completion(enrollment, now)
    return new


# Assignment -------------------------------------------------------------------------------

#: Separators between pasted NIPs; spaces inside one NIP are allowed.
_NIP_SEPARATORS = re.compile(r"[,;\n\r\t]+")


@dataclass
class AssignmentResult:
    created: list[User] = field(default_factory=list)
    updated: list[User] = field(default_factory=list)
    #: People already assigned with this due date, or who completed the course.
    skipped: list[User] = field(default_factory=list)
    #: (what was given, why nobody was assigned) for NIPs that match no learner.
    not_found: list[tuple[str, str]] = field(default_factory=list)


def _learners():
    """Active people who hold the ASN role."""
    return (
        select(User)
        .where(User.active.is_(True), User.role_rows.any(UserRole.role == Role.ASN))
        .order_by(User.name, User.id)
    )


def people_by_nips(text: str, today: date) -> tuple[list[User], list[tuple[str, str]]]:
    """The learners whose NIPs are listed, and each entry that matches none with the reason."""
    nips: list[str] = []
    problems: list[tuple[str, str]] = []
    for raw in _NIP_SEPARATORS.split(text or ""):
        raw = raw.strip()
        if not raw:
            continue
        try:
            nip = check_nip(raw, today)
        except NipError as e:
            problems.append((raw, str(e)))
            continue
        if nip not in nips:
            nips.append(nip)
    found = {}
    if nips:
        found = {u.nip: u for u in db.session.scalars(select(User).where(User.nip.in_(nips)))}
    people = []
    for nip in nips:
        user = found.get(nip)
        if user is None:
            problems.append((nip, str(_l("Nobody has this NIP."))))
        elif not user.active:
            problems.append((nip, str(_l("%(name)s's account is inactive.", name=user.name))))
        elif not user.has_role(Role.ASN):
            problems.append((nip, str(_l("%(name)s is not an ASN learner.", name=user.name))))
        else:
            people.append(user)
    return people, problems


def people_in_unit(unit: Unit, *, include_sub_units: bool) -> list[User]:
    unit_ids = {unit.id}
    if include_sub_units:
        children: dict[int | None, list[int]] = {}
        for uid, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
            children.setdefault(parent_id, []).append(uid)
        stack = [unit.id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in unit_ids:
                    unit_ids.add(child)
                    stack.append(child)
    return list(db.session.scalars(_learners().where(User.unit_id.in_(unit_ids))))


def people_with_position(position: str) -> list[User]:
    """Learners whose jabatan is exactly `position`, ignoring case and surrounding spaces."""
    wanted = " ".join(position.split()).lower()
    if not wanted:
        return []
    stmt = _learners().where(func.lower(func.trim(User.position)) == wanted)
    return list(db.session.scalars(stmt))


@dataclass
class Chosen:
    """The people an admin chose, and how, for the assignment and its audit entry."""

    people: list[User]
    not_found: list[tuple[str, str]]
    audit: dict
    label: str = ""


def choose_people(
    kind: str,
    *,
    nips: str = "",
    unit: Unit | None = None,
    include_sub_units: bool = False,
    position: str = "",
    today: date,
) -> Chosen:
    """Find the learners of an assignment: by NIP ("people"), "unit", or "position"."""
    if kind == "unit":
        if unit is None:
            return Chosen([], [], {"target": kind})
        return Chosen(
            people_in_unit(unit, include_sub_units=include_sub_units),
            [],
            {"target": kind, "unit_id": unit.id, "include_sub_units": include_sub_units},
            unit.name,
        )
    if kind == "position":
        position = " ".join((position or "").split())
        return Chosen(
            people_with_position(position), [], {"target": kind, "position": position}, position
        )
    people, not_found = people_by_nips(nips, today)
    return Chosen(people, not_found, {"target": "people", "nips": len(people) + len(not_found)})


def assign(
    course: Course,
    people: list[User],
    *,
    due_date: date,
    actor: User,
    now: datetime,
    target: dict,
    not_found: list[tuple[str, str]] | None = None,
    ip: str = "",
) -> AssignmentResult:
    """Assign a published course to people, due on `due_date`; one audit entry for all of them.

    An existing enrollment becomes assigned (its source stays); a completed one is left alone.
    `target` says whom the admin chose (kind and its value), for the audit log.
    """
    if course.state is not CourseState.PUBLISHED:
        raise EnrollmentClosed(course.slug)
    result = AssignmentResult(not_found=list(not_found or []))
    existing = {
        e.user_id: e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.course_id == course.id))
    }
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            continue
        seen.add(person.id)
        enrollment = existing.get(person.id)
        if enrollment is None:
            db.session.add(
                Enrollment(
                    course_id=course.id,
                    user_id=person.id,
                    source=EnrollmentSource.ASSIGNED,
                    enrolled_at=now,
                    assigned_at=now,
                    assigned_by_id=actor.id,
                    due_date=due_date,
                )
            )
            result.created.append(person)
        elif enrollment.completed_at is not None or (
            enrollment.assigned and enrollment.due_date == due_date
        ):
            result.skipped.append(person)
        else:
            enrollment.assigned_at, enrollment.assigned_by_id = now, actor.id
            enrollment.due_date = due_date
            result.updated.append(person)
    db.session.flush()
    audit.record(
        "course.assign",
        now=now,
        actor=actor,
        target=f"course:{course.id}",
        after={
            **target,
            "due_date": due_date.isoformat(),
            "created": len(result.created),
            "updated": len(result.updated),
            "skipped": len(result.skipped),
            "not_found": len(result.not_found),
        },
        ip=ip,
    )
    return result


# A learner's courses ----------------------------------------------------------------------


@dataclass
class MyLearning:
    assigned: list[Enrollment]
    in_progress: list[Enrollment]
    completed: list[Enrollment]


def my_learning(user: User) -> MyLearning:
    """The learner's enrollments: assigned and not done (soonest due first), self-chosen and
    not done (latest first), and completed (latest first)."""
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.user_id == user.id)
        .options(
            selectinload(Enrollment.progress),
            selectinload(Enrollment.course)
            .selectinload(Course.modules)
            .selectinload(Module.lessons),
        )
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    ).all()
    open_ = [e for e in enrollments if e.completed_at is None]
    return MyLearning(
        assigned=sorted(
            (e for e in open_ if e.assigned), key=lambda e: (e.due_date or date.max, e.id)
        ),
        in_progress=[e for e in open_ if not e.assigned],
        completed=sorted(
            (e for e in enrollments if e.completed_at is not None),
            key=lambda e: e.completed_at,
            reverse=True,
        ),
    )
