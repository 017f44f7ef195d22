"""A class's part in completing its course: enough attendance, and the completion recorded on
the member too.

The rule: a participant meets the class's attendance requirement when they were present at
no fewer than `attendance_threshold` percent of ALL the class's sessions (held or still to
come), i.e. present >= ceil(threshold x sessions / 100). Counting every session, not only
those held so far, means nobody completes after the first meeting: completion comes once
enough sessions have been held and attended. A class with no sessions cannot be completed.
With the course's own requirements (lessons, exams) it makes the class's completion, which
credits the class's JP once (records.services.credit_completion). A completion stays: a
session added later, or attendance changed later, does not undo it.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from lms.classes.models import Attendance, ClassSession, Cohort, Member, MemberState
from lms.extensions import db
from lms.learning.completion import (
    Requirement,
    check_completion,
    enrollment_requirement,
    on_completion,
)
from lms.learning.models import Enrollment


def sessions_needed(cohort: Cohort, total: int) -> int:
    """Sessions to attend out of `total`: the threshold's share, rounded up (in integers)."""
    return -(-cohort.attendance_threshold * total // 100)


def session_count(cohort: Cohort) -> int:
    return db.session.scalar(
        select(func.count(ClassSession.id)).where(ClassSession.cohort_id == cohort.id)
    )


def present_at(cohort: Cohort, user_id: int) -> int:
    """How many of the class's sessions the person was present at."""
    return db.session.scalar(
        select(func.count(Attendance.id))
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(
            ClassSession.cohort_id == cohort.id,
            Attendance.user_id == user_id,
            Attendance.present.is_(True),
        )
    )


def attendance_progress(cohort: Cohort, user_id: int) -> tuple[int, int]:
    """(sessions present, sessions needed); a class without sessions needs one, so is not met."""
    total = session_count(cohort)
    needed = sessions_needed(cohort, total) if total else 1
    return present_at(cohort, user_id), needed


@enrollment_requirement
def class_attendance(enrollment: Enrollment) -> list[Requirement]:
    if enrollment.cohort_id is None:
        return []
    cohort = enrollment.cohort

    def parts(e: Enrollment) -> tuple[int, int]:
        present, needed = attendance_progress(cohort, e.user_id)
        return min(present, needed), needed

    def met(e: Enrollment) -> bool:
        present, needed = attendance_progress(cohort, e.user_id)
        return present >= needed

    label = _l(
        "Attend at least %(percent)s%% of the sessions of the class %(name)s",
        percent=cohort.attendance_threshold,
        name=cohort.name,
    )
    return [Requirement(label=label, met=met, parts=parts)]


@on_completion
def _member_completed(enrollment: Enrollment, now: datetime) -> None:
    """Record the completion on the membership too, once."""
    if enrollment.cohort_id is None:
        return
    db.session.execute(
        update(Member)
        .where(
            Member.cohort_id == enrollment.cohort_id,
            Member.user_id == enrollment.user_id,
            Member.completed_at.is_(None),
        )
        .values(completed_at=now)
        .execution_options(synchronize_session="fetch")
    )


def enrollment_of(member: Member) -> Enrollment | None:
    """The enrollment through which the member follows the class's course."""
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.cohort_id == member.cohort_id, Enrollment.user_id == member.user_id
        )
    )


def check_member(member: Member | None, now: datetime) -> bool:
    """Complete the class for the member if their attendance now allows; True when it did."""
    if member is None or member.state is not MemberState.ENROLLED:
        return False
    enrollment = enrollment_of(member)
    return enrollment is not None and check_completion(enrollment, now)


def recheck_class(cohort: Cohort, now: datetime) -> int:
    """Check completion for every participant (after the sessions changed); how many completed."""
    members = db.session.scalars(
        select(Member).where(Member.cohort_id == cohort.id, Member.state == MemberState.ENROLLED)
    )
    return sum(check_member(m, now) for m in list(members))
