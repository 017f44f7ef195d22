"""The JP ledger: each person's hours of competency development, year by year."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db

#: Every PNS is owed at least this many JP of competency development a year.
YEARLY_TARGET_JP = 20


class EntryKind(enum.StrEnum):
    COURSE = "course"
    CLASS = "class"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TRAINING = "training"
    COACHING = "coaching"
    MENTORING = "mentoring"
    OTHER = "other"


def kind_labels() -> dict:
    return {
        EntryKind.COURSE: _l("Course"),
        EntryKind.CLASS: _l("Class"),
        EntryKind.SEMINAR: _l("Seminar"),
        EntryKind.WORKSHOP: _l("Workshop"),
        EntryKind.TRAINING: _l("Training elsewhere"),
        EntryKind.COACHING: _l("Coaching"),
        EntryKind.MENTORING: _l("Mentoring"),
        EntryKind.OTHER: _l("Other"),
    }


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, 20))
    title: Mapped[str] = mapped_column(String(200))
    #: Who ran it: BKPSDM, a partner institution, or an outside organiser.
    organizer: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date]
    #: The entry counts in the year of its end date.
    end_date: Mapped[date] = mapped_column(index=True)
    jp: Mapped[int]
    #: Set for a completed course: one entry per enrollment, credited once.
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollment.id", ondelete="SET NULL"), unique=True
    )
    certificate_number: Mapped[str] = mapped_column(String(100), default="")
    #: Evidence for training done elsewhere (stored file key, name, type, size).
    evidence_key: Mapped[str | None] = mapped_column(String(64))
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    evidence_type: Mapped[str] = mapped_column(String(120), default="")
    evidence_size: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
