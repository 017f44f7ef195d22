"""Ledger operations: plain arguments in, flushed changes out; the caller commits."""

from datetime import datetime

from sqlalchemy import select

from lms.core.clock import local_date
from lms.extensions import db
from lms.records.models import EntryKind, LedgerEntry


def credit_completion(enrollment, now: datetime) -> LedgerEntry:
    """Credit a completed course's JP to the learner's ledger, once per enrollment."""
    existing = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.enrollment_id == enrollment.id)
    )
    if existing is not None:
        return existing
    course = enrollment.course
    local = local_date(enrollment.completed_at or now)
    start = local_date(enrollment.enrolled_at)
    entry = LedgerEntry(
        user_id=enrollment.user_id,
        kind=EntryKind.COURSE,
        title=course.title,
        organizer=course.owner_name,
        start_date=min(start, local),
        end_date=local,
        jp=course.jp,
        enrollment_id=enrollment.id,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
