"""Builders for the class-session tests: a class, its members and sessions, straight in the
database (the class feature's own forms are tested in its own tests)."""

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.classes import sessions as session_service
from lms.classes.models import (
    Attendance,
    ClassMode,
    ClassSession,
    Cohort,
    JoinMode,
    Member,
    MemberState,
)
from lms.core.clock import local_date, utcnow
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource

HX = {"HX-Request": "true"}


def new_class(course, institution=None, *, threshold=80, jp=12, name=None, **kw) -> Cohort:
    today = local_date(utcnow())
    cohort = Cohort(
        course_id=course.id,
        institution_id=institution.id if institution else None,
        name=name or f"{course.title} Angkatan I",
        mode=ClassMode.CLASSICAL,
        starts_on=kw.pop("starts_on", today - timedelta(days=30)),
        ends_on=kw.pop("ends_on", today + timedelta(days=30)),
        capacity=30,
        join_mode=JoinMode.NOMINATED,
        attendance_threshold=threshold,
        jp=jp,
        created_at=utcnow(),
        **kw,
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


def join(cohort, user, state=MemberState.ENROLLED) -> Member:
    """Put the person in the class; an enrolled one follows its course through the class."""
    now = utcnow()
    member = Member(
        cohort_id=cohort.id,
        user_id=user.id,
        unit_id=user.unit_id,
        state=state,
        joined_at=now,
        waiting_since=now if state is MemberState.WAITING else None,
    )
    db.session.add(member)
    if state is MemberState.ENROLLED:
        db.session.add(
            Enrollment(
                course_id=cohort.course_id,
                user_id=user.id,
                cohort_id=cohort.id,
                source=EnrollmentSource.ASSIGNED,
                enrolled_at=now - timedelta(days=40),
            )
        )
    db.session.commit()
    return member


def add_session(
    cohort, starts: datetime, *, hours: float = 2, topic="Sesi", instructors=""
) -> ClassSession:
    session = ClassSession(
        cohort_id=cohort.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        topic=topic,
        instructors=instructors,
        checkin_code=session_service.new_code(),
    )
    db.session.add(session)
    db.session.commit()
    return session


def attendance_rows(session=None, user=None) -> list[Attendance]:
    stmt = select(Attendance)
    if session is not None:
        stmt = stmt.where(Attendance.session_id == session.id)
    if user is not None:
        stmt = stmt.where(Attendance.user_id == user.id)
    return list(db.session.scalars(stmt))


def enrollment_of(cohort, user) -> Enrollment:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.cohort_id == cohort.id, Enrollment.user_id == user.id)
    )
