"""Classes (kelas/angkatan): a course run for a group, with its members, quotas and waiting list,
sessions and attendance, funding and costs, and the participants' evaluation.

A class belongs to a partner institution, or to BKPSDM itself when it has none. Its members follow
the class's course through an Enrollment that points at the class (learning.Enrollment.cohort_id),
so the course's own requirements and the class's attendance together make its completion.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db

MONEY = Numeric(14, 2)


class ClassMode(enum.StrEnum):
    CLASSICAL = "classical"
    ONLINE = "online"  # synchronous, with a meeting link
    BLENDED = "blended"


class JoinMode(enum.StrEnum):
    #: Admins nominate the participants.
    NOMINATED = "nominated"
    #: ASN register themselves, within their unit's quota; a waiting list beyond it.
    OPEN = "open"


class Cohort(db.Model):
    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    #: The partner that runs it; None for a class BKPSDM runs itself.
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[ClassMode] = mapped_column(enum_column(ClassMode, 20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    venue: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    #: Seats in all; the quotas per unit share these.
    capacity: Mapped[int]
    join_mode: Mapped[JoinMode] = mapped_column(enum_column(JoinMode, 20))
    #: Share of the sessions a participant must attend to complete, in percent.
    attendance_threshold: Mapped[int] = mapped_column(default=80)
    #: Hours credited on completion (by default the course's).
    jp: Mapped[int]
    #: The certificate given on completion (default: the course's), and whether it is issued
    #: by itself then.
    certificate_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_template.id", ondelete="SET NULL")
    )
    auto_certificate: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    course = relationship("Course", lazy="joined")
    institution = relationship("Institution", lazy="joined")
    sessions: Mapped[list["ClassSession"]] = relationship(
        back_populates="cohort", order_by="ClassSession.starts_at", viewonly=True
    )
    quotas: Mapped[list["UnitQuota"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    funding: Mapped[list["Funding"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="Funding.id"
    )
    cost_items: Mapped[list["CostItem"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="CostItem.id"
    )


class UnitQuota(db.Model):
    """Seats of an open class set aside for one unit (OPD)."""

    __tablename__ = "unit_quota"
    __table_args__ = (UniqueConstraint("cohort_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    seats: Mapped[int]

    cohort: Mapped[Cohort] = relationship(back_populates="quotas")
    unit = relationship("Unit", lazy="joined")


class MemberState(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITING = "waiting"
    WITHDRAWN = "withdrawn"


class Member(db.Model):
    """A person in a class, or on its waiting list."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The person's unit when they joined: the quota they count against.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    state: Mapped[MemberState] = mapped_column(enum_column(MemberState, 20), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When they joined the waiting list; the list moves up in this order.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Recorded once, when attendance and the course's requirements were first met.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    user = relationship("User", foreign_keys=[user_id], lazy="joined")


class ClassSession(db.Model):
    """One meeting of a class; times are stored in UTC and shown in WITA."""

    __tablename__ = "class_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(String(300))
    #: The instructors' names, one per line.
    instructors: Mapped[str] = mapped_column(Text, default="")
    #: The short code shown in the room for self check-in.
    checkin_code: Mapped[str] = mapped_column(String(12))

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")

    @property
    def instructor_names(self) -> list[str]:
        return [n.strip() for n in self.instructors.splitlines() if n.strip()]


class AttendanceMethod(enum.StrEnum):
    ROSTER = "roster"
    SELF = "self"


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_session.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool]
    method: Mapped[AttendanceMethod] = mapped_column(enum_column(AttendanceMethod, 10))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class FundingSource(enum.StrEnum):
    APBD = "apbd"  # the city budget
    PARTNER = "partner"  # the partner institution
    GRANT = "grant"  # hibah
    CSR = "csr"
    SELF = "self"  # self-funded by the participants
    OTHER = "other"


class Funding(db.Model):
    """Money a source puts into a class."""

    __tablename__ = "funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    source: Mapped[FundingSource] = mapped_column(enum_column(FundingSource, 20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(String(300), default="")

    cohort: Mapped[Cohort] = relationship(back_populates="funding")


class CostItem(db.Model):
    """What a class spends: honoraria, venue, consumption, modules..."""

    __tablename__ = "cost_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    cohort: Mapped[Cohort] = relationship(back_populates="cost_items")


class EvaluationReceipt(db.Model):
    """That a participant has evaluated a class (so they do it once); not what they said."""

    __tablename__ = "evaluation_receipt"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    submitted_on: Mapped[date]


class EvaluationResponse(db.Model):
    """What a participant said, with nothing that leads back to them: no user, no time, and a
    random key instead of a sequence (a sequence would pair it with its receipt)."""

    __tablename__ = "evaluation_response"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    #: The organisation of the class, 1 (poor) to 5 (excellent).
    organisation: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")

    ratings: Mapped[list["InstructorRating"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class InstructorRating(db.Model):
    __tablename__ = "instructor_rating"

    #: Random, as the response's key is.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("evaluation_response.id", ondelete="CASCADE"), index=True
    )
    instructor: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[EvaluationResponse] = relationship(back_populates="ratings")
