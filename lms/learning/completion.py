"""What completing a course requires, how far a learner is, and recording completion once.

The rule is a list that other features extend: each entry of REQUIREMENTS takes a course and
returns the requirements it sets for that course (lessons here; "every required exam passed" from
the exam feature, with `@requirement`). Requirements that depend on how a learner follows the
course, such as a class's attendance, come from ENROLLMENT_REQUIREMENTS (`@enrollment_requirement`).
What else must happen on completion (a class recording it on its member) registers with
`@on_completion`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from lms.courses.models import Course, Lesson, LessonKind
from lms.extensions import db
from lms.learning.models import Enrollment


@dataclass(frozen=True)
class Requirement:
    """One condition for completing a course, shown to learners by its label."""

    label: str
    met: Callable[[Enrollment], bool]
    #: (parts done, parts needed), for the progress bar; a plain requirement is one part.
    parts: Callable[[Enrollment], tuple[int, int]] | None = None

    def progress(self, enrollment: Enrollment) -> tuple[int, int]:
        if self.parts is not None:
            return self.parts(enrollment)
        return int(self.met(enrollment)), 1


#: Each function gives the requirements a course sets; register more with @requirement.
REQUIREMENTS: list[Callable[[Course], list[Requirement]]] = []


def requirement(func: Callable[[Course], list[Requirement]]):
    """Register a source of completion requirements."""
    REQUIREMENTS.append(func)
    return func


#: Each function gives the requirements an enrollment adds to its course's (a class's attendance).
ENROLLMENT_REQUIREMENTS: list[Callable[[Enrollment], list[Requirement]]] = []

#: Called with (enrollment, now) once, when an enrollment is completed, before the JP are credited.
COMPLETION_HOOKS: list[Callable[[Enrollment, datetime], None]] = []


def enrollment_requirement(func: Callable[[Enrollment], list[Requirement]]):
    """Register a source of requirements that depend on the enrollment."""
    ENROLLMENT_REQUIREMENTS.append(func)
    return func


def on_completion(func: Callable[[Enrollment, datetime], None]):
    """Register something to do when an enrollment is completed."""
    COMPLETION_HOOKS.append(func)
    return func


def requirements_of(course: Course, enrollment: Enrollment | None = None) -> list[Requirement]:
    """What completing the course requires; with an enrollment, also what it adds."""
    reqs = [r for source in REQUIREMENTS for r in source(course)]
    if enrollment is not None:
        reqs += [r for source in ENROLLMENT_REQUIREMENTS for r in source(enrollment)]
    return reqs


def done_lesson_ids(enrollment: Enrollment) -> set[int]:
    return {p.lesson_id for p in enrollment.progress}


def required_lessons(course: Course) -> list[Lesson]:
    """Lessons a learner must do; exam lessons are the exam feature's requirement."""
    return [x for x in course.lessons if x.required and x.kind is not LessonKind.EXAM]


@requirement
def every_required_lesson(course: Course) -> list[Requirement]:
    lesson_ids = [lesson.id for lesson in required_lessons(course)]
    if not lesson_ids:
        return []

    def parts(enrollment: Enrollment) -> tuple[int, int]:
        done = done_lesson_ids(enrollment)
        return sum(1 for i in lesson_ids if i in done), len(lesson_ids)

    def met(enrollment: Enrollment) -> bool:
        done, needed = parts(enrollment)
        return done >= needed

    label = _l("Complete every required lesson (%(n)s)", n=len(lesson_ids))
    return [Requirement(label=label, met=met, parts=parts)]


@dataclass(frozen=True)
class Progress:
    done: int
    needed: int

    @property
    def percent(self) -> int:
        """Share done, rounded down so that 100 means everything is done."""
        return 100 * self.done // self.needed if self.needed else 0


def progress(enrollment: Enrollment) -> Progress:
    """How many parts of every requirement the learner has done."""
    done = needed = 0
    for req in requirements_of(enrollment.course, enrollment):
        d, n = req.progress(enrollment)
        done, needed = done + min(d, n), needed + n
    return Progress(done, needed)


def all_met(enrollment: Enrollment) -> bool:
    """Whether every requirement is met; a course that requires nothing is never completed."""
    reqs = requirements_of(enrollment.course, enrollment)
    return bool(reqs) and all(r.met(enrollment) for r in reqs)


def check_completion(enrollment: Enrollment, now: datetime) -> bool:
    """Record the completion and credit the JP the first time every requirement is met.

    Return True only when this call completed the enrollment. A completed enrollment stays
    completed whatever later happens to the course.
    """
    from lms.records.services import credit_completion

    if enrollment.completed_at is not None or not all_met(enrollment):
        return False
    # A conditional update, so that two requests finishing at once complete it only once.
    done = db.session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.completed_at.is_(None))
        .values(completed_at=now)
    )
    if done.rowcount != 1:
        db.session.refresh(enrollment)
        return False
    for hook in COMPLETION_HOOKS:
        hook(enrollment, now)
    credit_completion(enrollment, now)
    return True
