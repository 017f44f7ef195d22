"""Demo sessions of the demo class, called by lms.classes.demo: three held (Ahmad Fauzi present
at all three, Nurul Hidayah at two), three to come. Session 1 is the first one held."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from lms.auth.models import Role, User, UserRole
from lms.classes import attendance, sessions
from lms.classes.models import ClassSession, Cohort, Member, MemberState
from lms.core.clock import CITY_TZ, local_date
from lms.extensions import db

AHMAD, NURUL = "199001012015031001", "199202022016032002"
ANDI, AISYAH, BAHAR = (
    "Dr. Andi Rahman, M.Si.",
    "Nur Aisyah, S.Sos., M.AP.",
    "Drs. Baharuddin Tahir",
)
#: (days from today, start hour WITA, hours, topic, instructors)
SCHEDULE = (
    (-14, 8, 4, "Pembukaan kelas: data untuk kebijakan publik", (ANDI,)),
    (-7, 8, 4, "Mengumpulkan dan membersihkan data layanan", (ANDI, AISYAH)),
    (-3, 13, 3, "Statistik deskriptif dengan lembar kerja", (AISYAH,)),
    (4, 8, 4, "Visualisasi data untuk pimpinan", (BAHAR,)),
    (11, 8, 4, "Studi kasus: data layanan kelurahan", (AISYAH, BAHAR)),
    (18, 9, 3, "Presentasi rencana aksi dan penutupan", (ANDI,)),
)
#: Who was present at the sessions held (by their position in SCHEDULE).
PRESENT = {AHMAD: (0, 1, 2), NURUL: (0, 2)}


def _staff(cohort: Cohort) -> User | None:
    """Someone who takes attendance: the institution's staff, else an admin."""
    stmt = select(User).join(UserRole).order_by(User.id)
    if cohort.institution_id is not None:
        found = db.session.scalars(
            stmt.where(UserRole.role == Role.PARTNER, User.institution_id == cohort.institution_id)
        ).first()
        if found is not None:
            return found
    return db.session.scalars(stmt.where(UserRole.role == Role.ADMIN)).first()


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CITY_TZ).astimezone(UTC)


def add_sessions(cohort: Cohort, now: datetime) -> list[str]:
    """Give the class its demo sessions and attendance, unless it has sessions already."""
    if db.session.scalar(select(ClassSession.id).where(ClassSession.cohort_id == cohort.id)):
        return []
    staff = _staff(cohort)
    today = local_date(now)
    held = []
    for days, hour, hours, topic, instructors in SCHEDULE:
        starts = _at(today + timedelta(days=days), hour)
        session = sessions.save_session(
            ClassSession(cohort_id=cohort.id),
            {
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=hours),
                "topic": topic,
                "instructors": "\n".join(instructors),
            },
            actor=staff,
            now=min(now, starts - timedelta(days=7)),
        )
        if session.ends_at < now:
            held.append(session)
    members = db.session.scalars(
        select(Member)
        .join(User, User.id == Member.user_id)
        .where(
            Member.cohort_id == cohort.id,
            Member.state == MemberState.ENROLLED,
            User.nip.in_(PRESENT),
        )
    ).all()
    for member in members:
        for i, session in enumerate(held):
            at = session.starts_at + timedelta(minutes=5 + i)
            if i == len(held) - 1 and member.user.nip == AHMAD:
                # The last one by the code shown in the room, as participants do.
                attendance.check_in(cohort, member.user, session.checkin_code, now=at)
            else:
                present = i in PRESENT[member.user.nip]
                attendance.mark(session, member, present, actor=staff, now=at)
    return [
        f"  {cohort.name}: {len(SCHEDULE)} sessions, {len(held)} held, "
        f"attendance of {len(members)} participants"
    ]
