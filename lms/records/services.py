"""Ledger operations: plain arguments in, flushed changes out; the caller commits."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.auth.models import Role, Unit, User
from lms.core import audit
from lms.core.clock import local_date
from lms.core.storage import storage
from lms.core.uploads import CheckedUpload
from lms.extensions import db
from lms.records.models import YEARLY_TARGET_JP, EntryKind, LedgerEntry

#: What an admin may record by hand; courses and classes are credited by the system.
MANUAL_KINDS = (
    EntryKind.SEMINAR,
    EntryKind.WORKSHOP,
    EntryKind.TRAINING,
    EntryKind.COACHING,
    EntryKind.MENTORING,
    EntryKind.OTHER,
)
MIN_JP, MAX_JP = 1, 200
#: What add_entry reads from its `data`.
ENTRY_FIELDS = ("kind", "title", "organizer", "start_date", "end_date", "jp", "certificate_number")
#: The organizer of what BKPSDM runs itself.
BKPSDM = "BKPSDM Kota Makassar"
#: The years a ledger may be asked about; anything else falls back to the current year.
FIRST_YEAR = 2000


class LedgerError(ValueError):
    """A ledger change that cannot be made; the message is for the user."""


def credit_completion(enrollment, now: datetime) -> LedgerEntry:
    """Credit a completed course's JP to the learner's ledger, once per enrollment.

    A course followed in a class is credited as the class: its name, who ran it, its JP, from
    the day it started.
    """
    existing = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.enrollment_id == enrollment.id)
    )
    if existing is not None:
        return existing
    course, cohort = enrollment.course, enrollment.cohort
    local = local_date(enrollment.completed_at or now)
    if cohort is not None:
        kind, jp, start = EntryKind.CLASS, cohort.jp, cohort.starts_on
        title = cohort.name if course.title in cohort.name else f"{course.title} — {cohort.name}"
        organizer = cohort.institution.name if cohort.institution else BKPSDM
    else:
        kind, jp, start = EntryKind.COURSE, course.jp, local_date(enrollment.enrolled_at)
        title, organizer = course.title, course.owner_name
    entry = LedgerEntry(
        user_id=enrollment.user_id,
        kind=kind,
        title=title[:200],
        organizer=organizer,
        start_date=min(start, local),
        end_date=local,
        jp=jp,
        enrollment_id=enrollment.id,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


# Years ------------------------------------------------------------------------------------


def current_year(now: datetime) -> int:
    """The year it is now in Makassar."""
    return local_date(now).year


def parse_year(value: str | None, now: datetime) -> int:
    """A year from a query string; the current year when missing or absurd."""
    this_year = current_year(now)
    try:
        year = int(value or "")
    except ValueError:
        return this_year
    return year if FIRST_YEAR <= year <= this_year + 1 else this_year


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of a year: an entry counts in the year of its end date."""
    return date(year, 1, 1), date(year, 12, 31)


def in_year(year: int):
    """A condition on LedgerEntry.end_date that the end_date index can serve."""
    first, last = year_bounds(year)
    return LedgerEntry.end_date.between(first, last)


# One person's ledger ------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A year's total against the yearly target."""

    total: int
    target: int = YEARLY_TARGET_JP

    @property
    def reached(self) -> bool:
        return self.total >= self.target

    @property
    def remaining(self) -> int:
        return max(self.target - self.total, 0)

    @property
    def percent(self) -> int:
        """Share of the target reached, capped at 100 (the bar cannot overflow)."""
        return min(100, round(100 * self.total / self.target)) if self.target else 100


def entries_for(user: User, year: int) -> list[LedgerEntry]:
    """The person's entries that count in `year`, oldest first."""
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user.id, in_year(year))
            .order_by(LedgerEntry.end_date, LedgerEntry.start_date, LedgerEntry.id)
        )
    )


def certificates_of(entries: list[LedgerEntry]) -> dict:
    """The valid certificate of each entry credited by a completion, by enrollment, in one query."""
    # Imported here: the certificates package imports this module (through the completion hooks).
    from lms.certificates.models import Certificate, CertificateState

    ids = [e.enrollment_id for e in entries if e.enrollment_id is not None]
    if not ids:
        return {}
    found = db.session.scalars(
        select(Certificate).where(
            Certificate.enrollment_id.in_(ids), Certificate.state == CertificateState.VALID
        )
    )
    return {c.enrollment_id: c for c in found}


def total_jp(user: User, year: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.jp), 0)).where(
            LedgerEntry.user_id == user.id, in_year(year)
        )
    )


def ledger_years(user: User, now: datetime) -> list[int]:
    """The years in which the person has entries, plus the current year, newest first."""
    ends = db.session.scalars(
        select(LedgerEntry.end_date).where(LedgerEntry.user_id == user.id).distinct()
    )
    return sorted({d.year for d in ends} | {current_year(now)}, reverse=True)


def is_manual(entry: LedgerEntry) -> bool:
    """Whether an admin recorded the entry by hand (and so may delete it)."""
    return entry.enrollment_id is None and entry.kind in MANUAL_KINDS


def entry_audit(entry: LedgerEntry) -> dict:
    return {
        "user_id": entry.user_id,
        "kind": str(entry.kind),
        "title": entry.title,
        "organizer": entry.organizer,
        "start_date": entry.start_date.isoformat(),
        "end_date": entry.end_date.isoformat(),
        "jp": entry.jp,
        "certificate_number": entry.certificate_number,
        "evidence_name": entry.evidence_name,
    }


def add_entry(
    person: User,
    data: dict,
    evidence: CheckedUpload,
    *,
    actor: User,
    now: datetime,
    ip: str = "",
) -> LedgerEntry:
    """Record training done elsewhere, with its evidence file.

    `data` holds kind (a manual EntryKind), title, organizer, start_date, end_date (dates),
    jp (int) and certificate_number. Nothing is stored when anything is wrong.
    """
    kind = data["kind"]
    if kind not in MANUAL_KINDS:
        raise LedgerError(_l("Choose the kind of activity."))
    title = (data.get("title") or "").strip()
    if not title:
        raise LedgerError(_l("Enter the name of the activity."))
    start, end = data["start_date"], data["end_date"]
    if end < start:
        raise LedgerError(_l("The end date cannot be before the start date."))
    if end > local_date(now):
        raise LedgerError(_l("The end date cannot be in the future."))
    jp = data["jp"]
    if not (MIN_JP <= jp <= MAX_JP):
        raise LedgerError(_l("JP must be between %(min)s and %(max)s.", min=MIN_JP, max=MAX_JP))

    stored = storage().save(evidence.stream)
    entry = LedgerEntry(
        user_id=person.id,
        kind=kind,
        title=title,
        organizer=(data.get("organizer") or "").strip(),
        start_date=start,
        end_date=end,
        jp=jp,
        certificate_number=(data.get("certificate_number") or "").strip(),
        evidence_key=stored.key,
        evidence_name=evidence.original_name,
        evidence_type=evidence.content_type,
        evidence_size=stored.size,
        recorded_by_id=actor.id,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    after = entry_audit(entry) | {"evidence_sha256": stored.sha256}
    audit.record_save("ledger_entry", entry, None, after, now=now, actor=actor, ip=ip)
    return entry


def delete_entry(entry: LedgerEntry, *, actor: User, now: datetime, ip: str = "") -> str | None:
    """Delete an entry recorded by hand; return its evidence key for removal after the commit."""
    if not is_manual(entry):
        raise LedgerError(
            _l("This entry was credited from a completed course or class and cannot be deleted.")
        )
    audit.record(
        "ledger_entry.delete",
        now=now,
        actor=actor,
        target=f"ledger_entry:{entry.id}",
        before=entry_audit(entry),
        ip=ip,
    )
    key = entry.evidence_key
    db.session.delete(entry)
    db.session.flush()
    return key


# Who may see whose ledger -----------------------------------------------------------------


def supervises(actor: User, person: User) -> bool:
    """A supervisor sees the people of their own unit (not of its sub-units)."""
    return (
        actor.has_role(Role.SUPERVISOR)
        and actor.unit_id is not None
        and person.unit_id == actor.unit_id
    )


def may_see_ledger_of(actor: User, person: User) -> bool:
    return actor.has_role(Role.ADMIN) or supervises(actor, person)


def may_see_evidence(actor: User, entry: LedgerEntry) -> bool:
    return actor.id == entry.user_id or may_see_ledger_of(actor, entry.user)


def may_see_unit(actor: User, unit: Unit) -> bool:
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.SUPERVISOR) and actor.unit_id == unit.id
