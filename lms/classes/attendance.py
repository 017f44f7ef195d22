"""Attendance at class sessions: taken by the class's staff from the roster, or by participants
checking in themselves with the code shown in the room."""

import enum
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.auth.models import User
from lms.classes.completion import check_member
from lms.classes.models import (
    Attendance,
    AttendanceMethod,
    ClassSession,
    Cohort,
    Member,
    MemberState,
)
from lms.classes.sessions import checkin_window, early_margin, normalise_code, sessions_of
from lms.core import audit
from lms.core.i18n import wita
from lms.extensions import db


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _record(
    session: ClassSession,
    user_id: int,
    present: bool,
    method: AttendanceMethod,
    *,
    by: User | None,
    now: datetime,
) -> bool:
    """Upsert the person's attendance at the session; True when it changed.

    One statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE the value differs), so a double
    tap, a replayed request or a check-in and a roster tap at once leave one row, and a row
    that already says the same thing keeps who recorded it first and when.
    """
    insert = _insert()
    statement = insert(Attendance).values(
        session_id=session.id,
        user_id=user_id,
        present=present,
        method=method,
        recorded_at=now,
        recorded_by_id=by.id if by else None,
    )
    new = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[Attendance.session_id, Attendance.user_id],
        set_={
            "present": new.present,
            "method": new.method,
            "recorded_at": new.recorded_at,
            "recorded_by_id": new.recorded_by_id,
        },
        where=Attendance.present != new.present,
    ).returning(Attendance.id)
    return db.session.execute(statement).first() is not None


# The roster (the class's staff) ------------------------------------------------------------


def enrolled_members(cohort: Cohort) -> list[Member]:
    """The class's participants (not its waiting list), by name."""
    return list(
        db.session.scalars(
            select(Member)
            .join(User, User.id == Member.user_id)
            .where(Member.cohort_id == cohort.id, Member.state == MemberState.ENROLLED)
            .order_by(User.name, User.id)
        )
    )


def attendance_at(session: ClassSession) -> dict[int, Attendance]:
    """The session's attendance rows by user id."""
    rows = db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    return {a.user_id: a for a in rows}


def present_count(session: ClassSession, members: list[Member]) -> int:
    ids = [m.user_id for m in members]
    if not ids:
        return 0
    return db.session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.session_id == session.id,
            Attendance.present.is_(True),
            Attendance.user_id.in_(ids),
        )
    )


class AttendanceError(ValueError):
    """Attendance that cannot be recorded; the message is for the user."""


def mark(
    session: ClassSession,
    member: Member,
    present: bool,
    *,
    actor: User,
    now: datetime,
    ip: str = "",
) -> bool:
    """Record from the roster whether a participant was at the session; True when it changed.

    Marking present may complete the class for the participant; marking absent afterwards
    does not undo a completion.
    """
    if member.cohort_id != session.cohort_id or member.state is not MemberState.ENROLLED:
        raise AttendanceError(_l("This person is not a participant of the class."))
    changed = _record(session, member.user_id, present, AttendanceMethod.ROSTER, by=actor, now=now)
    if changed:
        audit.record(
            "attendance.update",
            now=now,
            actor=actor,
            target=f"class_session:{session.id}",
            after={"user_id": member.user_id, "present": present},
            ip=ip,
        )
        check_member(member, now)
    return changed


# Self check-in (participants) --------------------------------------------------------------


class Refusal(enum.StrEnum):
    NOT_MEMBER = "not_member"
    WAITING = "waiting"
    WRONG_CODE = "wrong_code"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"


def refusal_text(refusal: Refusal, session: ClassSession | None = None) -> str:
    """What a participant reads when a check-in is refused."""
    if refusal is Refusal.NOT_MEMBER:
        return _("You are not a participant of this class, so you cannot check in.")
    if refusal is Refusal.WAITING:
        return _(
            "You are on the waiting list of this class; you can check in once you have a seat."
        )
    if refusal is Refusal.WRONG_CODE:
        return _("That code is not right. Check the code shown in the room.")
    if refusal is Refusal.CLOSED:
        return _("This session has ended; check-in is closed. Ask the class's staff.")
    minutes = int(early_margin().total_seconds() // 60)
    opens = checkin_window(session).opens if session else None
    return _(
        "Check-in for this session opens at %(time)s, %(minutes)s minutes before it starts.",
        time=wita(opens, "EEE d MMM, HH:mm") if opens else "—",
        minutes=minutes,
    )


@dataclass(frozen=True)
class CheckIn:
    """The outcome of a check-in: the session when accepted, else why it was refused."""

    session: ClassSession | None = None
    refusal: Refusal | None = None
    #: The session the code belongs to, when the refusal is about its time.
    matched: ClassSession | None = None
    #: False when the person was already recorded present.
    new: bool = False


def eligibility(cohort: Cohort, user: User) -> Refusal | None:
    """Why the person may not check in to the class at all, or None."""
    state = db.session.scalar(
        select(Member.state).where(Member.cohort_id == cohort.id, Member.user_id == user.id)
    )
    if state is MemberState.ENROLLED:
        return None
    return Refusal.WAITING if state is MemberState.WAITING else Refusal.NOT_MEMBER


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def check_in(cohort: Cohort, user: User, code: str, *, now: datetime) -> CheckIn:
    """Record the person present at the session of the class whose code they typed.

    The code identifies the session among the class's sessions; it is accepted only in that
    session's window (from CLASS_CHECKIN_EARLY_MINUTES before the start to the end), by the
    server's clock. Every code of the class is compared, in constant time, so the time taken
    says nothing about how close a guess was. Checking in twice leaves one record.
    """
    refusal = eligibility(cohort, user)
    if refusal is not None:
        return CheckIn(refusal=refusal)
    typed = normalise_code(code)
    matches = [s for s in sessions_of(cohort) if _same(typed, s.checkin_code)]
    if not matches:
        return CheckIn(refusal=Refusal.WRONG_CODE)
    open_now = [s for s in matches if checkin_window(s).open_at(now)]
    if not open_now:
        # Codes are unique within a class; should two ever match, speak of the nearest.
        session = min(matches, key=lambda s: abs(s.starts_at - now))
        early = now < checkin_window(session).opens
        return CheckIn(refusal=Refusal.NOT_OPEN_YET if early else Refusal.CLOSED, matched=session)
    session = open_now[0]
    new = _record(session, user.id, True, AttendanceMethod.SELF, by=user, now=now)
    if new:
        member = db.session.scalar(
            select(Member).where(Member.cohort_id == cohort.id, Member.user_id == user.id)
        )
        check_member(member, now)
    return CheckIn(session=session, new=new)


# Summaries ---------------------------------------------------------------------------------


def own_attendance(cohort: Cohort, user: User) -> dict[int, bool]:
    """The person's attendance at the class's sessions, by session id."""
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.present)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.cohort_id == cohort.id, Attendance.user_id == user.id)
    ).all()
    return dict(rows)
