"""Who follows which course, their progress, and when they completed it."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db


class EnrollmentSource(enum.StrEnum):
    SELF = "self"
    ASSIGNED = "assigned"


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    source: Mapped[EnrollmentSource] = mapped_column(enum_column(EnrollmentSource, 10))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when an admin assigns the course (a later assignment updates it).
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The date an assigned course is due (a date in Makassar, not a moment).
    due_date: Mapped[date | None]
    #: Where "resume" takes the learner.
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    #: The class (cohort) this enrollment belongs to, when the course is followed in one: its
    #: attendance then counts towards completion, and completion credits the class's JP.
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="SET NULL"), index=True
    )
    #: Recorded once, when every requirement was first met.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    course = relationship("Course", lazy="joined")
    cohort = relationship("Cohort")
    user = relationship("User", foreign_keys=[user_id])
    progress: Mapped[list["LessonProgress"]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan"
    )

    @property
    def assigned(self) -> bool:
        return self.assigned_at is not None

    def overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_date is not None and self.due_date < today


class LessonProgress(db.Model):
    """A lesson a learner has done; kept when the course is edited."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: How it was done: "marked" by the learner or "downloaded".
    how: Mapped[str] = mapped_column(String(20), default="marked")

    enrollment: Mapped[Enrollment] = relationship(back_populates="progress")
