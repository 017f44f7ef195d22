"""The sessions (meetings) of a class: their times, topics and instructors, and check-in codes."""

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.classes.models import Attendance, ClassSession, Cohort
from lms.core import audit
from lms.extensions import db

#: Letters and digits that cannot be mistaken for one another on a projector or a phone:
#: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "3479ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6
MAX_TOPIC = 300
MAX_INSTRUCTORS = 20
MAX_INSTRUCTOR_NAME = 200
#: A session longer than this is a typing mistake (a day is the longest training day).
MAX_DURATION = timedelta(hours=16)


class SessionError(ValueError):
    """A session that cannot be saved or deleted; the message is for the user."""


class Phase(enum.StrEnum):
    UPCOMING = "upcoming"
    NOW = "now"
    PAST = "past"


def new_code(taken: set[str] = frozenset()) -> str:
    """A random check-in code, different from the class's other codes."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def normalise_code(value: str | None) -> str:
    """A code as typed: spaces and dashes dropped, upper case (people type it as they can)."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def early_margin() -> timedelta:
    return timedelta(minutes=current_app.config["CLASS_CHECKIN_EARLY_MINUTES"])


@dataclass(frozen=True)
class Window:
    """When participants may check in to a session: from a margin before it starts to its end."""

    opens: datetime
    closes: datetime

    def open_at(self, now: datetime) -> bool:
        return self.opens <= now <= self.closes


def checkin_window(session: ClassSession) -> Window:
    return Window(session.starts_at - early_margin(), session.ends_at)


def phase(session: ClassSession, now: datetime) -> Phase:
    if now < session.starts_at:
        return Phase.UPCOMING
    return Phase.NOW if now <= session.ends_at else Phase.PAST


def sessions_of(cohort: Cohort) -> list[ClassSession]:
    return list(
        db.session.scalars(
            select(ClassSession)
            .where(ClassSession.cohort_id == cohort.id)
            .order_by(ClassSession.starts_at, ClassSession.id)
        )
    )


def instructors_of(cohort: Cohort) -> list[str]:
    """The distinct instructors of the class's sessions, in the order they first teach."""
    names: dict[str, None] = {}
    for session in sessions_of(cohort):
        for name in session.instructor_names:
            names.setdefault(name, None)
    return list(names)


def has_attendance(session: ClassSession) -> bool:
    return (
        db.session.scalar(select(Attendance.id).where(Attendance.session_id == session.id).limit(1))
        is not None
    )


def _audit(session: ClassSession) -> dict:
    return {
        "cohort_id": session.cohort_id,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "topic": session.topic,
        "instructors": session.instructor_names,
    }


def _clean(data: dict) -> tuple[datetime, datetime, str, str]:
    starts, ends = data["starts_at"], data["ends_at"]
    if starts is None or ends is None:
        raise SessionError(_l("Enter when the session starts and ends."))
    if ends <= starts:
        raise SessionError(_l("The session must end after it starts."))
    if ends - starts > MAX_DURATION:
        raise SessionError(_l("A session cannot last more than 16 hours."))
    topic = " ".join((data.get("topic") or "").split())
    if not topic:
        raise SessionError(_l("Enter the topic of the session."))
    if len(topic) > MAX_TOPIC:
        raise SessionError(_l("The topic is too long."))
    names = [" ".join(n.split()) for n in (data.get("instructors") or "").splitlines()]
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) > MAX_INSTRUCTORS or any(len(n) > MAX_INSTRUCTOR_NAME for n in names):
        raise SessionError(
            _l("Enter at most %(n)s instructors, one short name per line.", n=MAX_INSTRUCTORS)
        )
    return starts, ends, topic, "\n".join(names)


def save_session(
    session: ClassSession, data: dict, *, actor, now: datetime, ip: str = ""
) -> ClassSession:
    """Create (session.id is None) or change a session.

    `data` holds starts_at and ends_at (UTC, timezone-aware), topic, and instructors (one per
    line). Nothing is changed when anything is wrong.
    """
    starts, ends, topic, instructors = _clean(data)
    creating = session.id is None
    before = None if creating else _audit(session)
    session.starts_at, session.ends_at = starts, ends
    session.topic, session.instructors = topic, instructors
    if creating:
        session.checkin_code = new_code(_codes_of(session.cohort_id))
        db.session.add(session)
    db.session.flush()
    audit.record_save(
        "class_session", session, before, _audit(session), now=now, actor=actor, ip=ip
    )
    return session


def _codes_of(cohort_id: int, other_than: ClassSession | None = None) -> set[str]:
    stmt = select(ClassSession.checkin_code).where(ClassSession.cohort_id == cohort_id)
    if other_than is not None:
        stmt = stmt.where(ClassSession.id != other_than.id)
    return set(db.session.scalars(stmt))


def regenerate_code(session: ClassSession, *, actor, now: datetime, ip: str = "") -> str:
    """Give the session a new check-in code (the old one, if it leaked, stops working)."""
    session.checkin_code = new_code(_codes_of(session.cohort_id) | {session.checkin_code})
    db.session.flush()
    audit.record(
        "class_session.new_code", now=now, actor=actor, target=f"class_session:{session.id}", ip=ip
    )
    return session.checkin_code


def delete_session(session: ClassSession, *, actor, now: datetime, ip: str = "") -> None:
    """Delete a session that nobody's attendance has been recorded for.

    Fewer sessions may let members reach the class's attendance threshold, so completion is
    checked again for each of them.
    """
    from lms.classes.completion import recheck_class

    if has_attendance(session):
        raise SessionError(
            _l("Attendance has been recorded for this session, so it cannot be deleted.")
        )
    cohort = session.cohort
    audit.record(
        "class_session.delete",
        now=now,
        actor=actor,
        target=f"class_session:{session.id}",
        before=_audit(session),
        ip=ip,
    )
    db.session.delete(session)
    db.session.flush()
    recheck_class(cohort, now)
