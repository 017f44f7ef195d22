"""Classes: opening and changing them, their members, quotas and waiting list, and their money.

Seats. A class has `capacity` seats. When an open class has quotas, each unit (OPD) with a quota
has that many of them: a person counts against the quota of their unit, or of the nearest parent
unit that has one, and people of a unit without a quota wait. Without quotas, or in a class whose
participants are nominated, the capacity alone counts. Whoever finds no seat goes to the waiting
list; when a seat frees up, the longest-waiting person who fits moves up in the same transaction.

Two people taking the last seat at once: every change of membership first locks the class's row
(a no-op UPDATE: a row lock on PostgreSQL, the database's write lock on SQLite) and only then
counts, so the second waits for the first and counts the seat the first took.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, select, update

from lms.auth.models import Role, Unit, User
from lms.certificates.models import CertificateTemplate
from lms.classes.models import (
    Attendance,
    ClassSession,
    Cohort,
    CostItem,
    Funding,
    JoinMode,
    Member,
    MemberState,
    UnitQuota,
)
from lms.core import audit
from lms.core.clock import local_date
from lms.core.db import insert_if_absent
from lms.courses.models import Course, CourseState
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource
from lms.learning.services import get_enrollment
from lms.partners.models import Institution
from lms.partners.services import agreement_in_force

#: The states in which a person holds or waits for a seat.
ACTIVE = (MemberState.ENROLLED, MemberState.WAITING)


class ClassError(ValueError):
    """A change the class's rules do not allow; the message is for the user."""


def status(cohort: Cohort, today: date) -> str:
    """ "upcoming", "running" or "finished", by the class's dates in Makassar."""
    if today < cohort.starts_on:
        return "upcoming"
    return "running" if today <= cohort.ends_on else "finished"


# Who may run a class of what --------------------------------------------------------------


def may_run(actor: User, course: Course, institution_id: int | None) -> bool:
    """Admins run a class of any course for anyone; partner staff only of their institution's
    courses, for their institution."""
    if actor.has_role(Role.ADMIN):
        return True
    own = actor.institution_id
    return (
        actor.has_role(Role.PARTNER)
        and own is not None
        and course.institution_id == own
        and institution_id == own
    )


def courses_for(actor: User, keep: Course | None = None) -> list[Course]:
    """Published courses the person may run a class of (and the class's own, whatever it is)."""
    stmt = select(Course).where(Course.state == CourseState.PUBLISHED).order_by(Course.title)
    if not actor.has_role(Role.ADMIN):
        own = actor.institution_id
        stmt = stmt.where(Course.institution_id == own if own is not None else false())
    courses = list(db.session.scalars(stmt))
    if keep is not None and keep not in courses:
        courses.insert(0, keep)
    return courses


def institutions_for(actor: User) -> list[Institution]:
    """Who may run the person's classes: any active institution for admins, else their own."""
    if actor.has_role(Role.ADMIN):
        stmt = select(Institution).where(Institution.active.is_(True))
        return list(db.session.scalars(stmt.order_by(Institution.name)))
    return [actor.institution] if actor.institution is not None else []


def _audit(cohort: Cohort) -> dict:
    return {
        "name": cohort.name,
        "course_id": cohort.course_id,
        "institution_id": cohort.institution_id,
        "mode": str(cohort.mode),
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "venue": cohort.venue,
        "meeting_url": cohort.meeting_url,
        "capacity": cohort.capacity,
        "join_mode": str(cohort.join_mode),
        "attendance_threshold": cohort.attendance_threshold,
        "jp": cohort.jp,
        "certificate_template_id": cohort.certificate_template_id,
        "auto_certificate": cohort.auto_certificate,
    }


def _check_institution(institution_id: int, today: date) -> None:
    inst = db.session.get(Institution, institution_id)
    if inst is None or not inst.active:
        raise ClassError(_l("This institution is not active, so it cannot run a new class."))
    if not agreement_in_force(institution_id, today):
        raise ClassError(
            _l(
                "%(name)s has no cooperation agreement in force today, so it cannot open a new "
                "class. Record its current agreement first.",
                name=inst.name,
            )
        )


def save_cohort(cohort: Cohort, data: dict, *, actor: User, now: datetime, ip: str = "") -> Cohort:
    """Open (cohort.id is None) or change a class; nothing changes when a rule is broken.

    `data`: name, course_id, institution_id (None: BKPSDM), mode, starts_on, ends_on, venue,
    meeting_url, capacity, join_mode, attendance_threshold, jp (None: the course's); and, when
    an admin sets them, certificate_template_id (None: the course's) and auto_certificate.
    """
    creating = cohort.id is None
    course = db.session.get(Course, data["course_id"])
    institution_id = data["institution_id"]
    if course is None or not may_run(actor, course, institution_id):
        raise ClassError(_l("You may not run a class of this course for this institution."))
    if institution_id is not None and (creating or institution_id != cohort.institution_id):
        _check_institution(institution_id, local_date(now))
    if not creating:
        _lock(cohort)
        seats = seat_count(cohort)
        if course.id != cohort.course_id and _has_members(cohort):
            raise ClassError(_l("The class has participants, so its course cannot change."))
        if data["capacity"] < seats.enrolled:
            raise ClassError(
                _l(
                    "%(n)s people are enrolled already; the capacity cannot be lower.",
                    n=seats.enrolled,
                )
            )
        quota_total = sum(q.seats for q in cohort.quotas)
        if data["join_mode"] is JoinMode.OPEN and data["capacity"] < quota_total:
            raise ClassError(
                _l(
                    "The quotas of the units add up to %(n)s seats; the capacity cannot be lower.",
                    n=quota_total,
                )
            )
    if "certificate_template_id" in data:
        _check_certificate(cohort, course, data)
    before = None if creating else _audit(cohort)
    for key in (
        "name",
        "mode",
        "starts_on",
        "ends_on",
        "venue",
        "meeting_url",
        "capacity",
        "join_mode",
        "attendance_threshold",
    ):
        setattr(cohort, key, data[key])
    cohort.course_id, cohort.institution_id = course.id, institution_id
    cohort.jp = data["jp"] if data["jp"] is not None else course.jp
    if "certificate_template_id" in data:
        cohort.certificate_template_id = data["certificate_template_id"]
        cohort.auto_certificate = bool(data["auto_certificate"])
    if creating:
        cohort.created_by_id, cohort.created_at = actor.id, now
        db.session.add(cohort)
    db.session.flush()
    audit.record_save("class", cohort, before, _audit(cohort), now=now, actor=actor, ip=ip)
    if not creating:
        promote_waiting(cohort, now=now)  # more seats, or no more quotas, may let people in
    return cohort


def _check_certificate(cohort: Cohort, course: Course, data: dict) -> None:
    """A new choice of template must be active; issuing on completion needs some template."""
    template_id = data["certificate_template_id"]
    if template_id is not None and template_id != cohort.certificate_template_id:
        template = db.session.get(CertificateTemplate, template_id)
        if template is None or not template.active:
            raise ClassError(_l("Choose an active certificate template."))
    if data["auto_certificate"] and template_id is None and course.certificate_template_id is None:
        raise ClassError(
            _l(
                "Choose a certificate template for the class (its course has none) to issue "
                "certificates automatically."
            )
        )


def _has_members(cohort: Cohort) -> bool:
    stmt = select(Member.id).where(Member.cohort_id == cohort.id, Member.state.in_(ACTIVE))
    return db.session.scalar(stmt.limit(1)) is not None


# Seats ------------------------------------------------------------------------------------


def _lock(cohort: Cohort) -> None:
    """Lock the class's row until the transaction ends, then forget what was loaded before."""
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort.id)
        .values(capacity=Cohort.capacity)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


@dataclass
class Seats:
    """The seats of a class as they are now, and who takes which."""

    capacity: int
    enrolled: int
    #: Seats per unit with a quota; empty when quotas do not apply.
    quotas: dict[int, int] = field(default_factory=dict)
    #: Enrolled people counted against each quota unit.
    used: dict[int, int] = field(default_factory=dict)
    #: unit id -> parent unit id, to find the quota a sub-unit's people count against.
    parents: dict[int, int | None] = field(default_factory=dict)

    def quota_unit(self, unit_id: int | None) -> int | None:
        """The unit whose quota a person of `unit_id` counts against: theirs or a parent's."""
        seen: set[int] = set()
        while unit_id is not None and unit_id not in seen:
            if unit_id in self.quotas:
                return unit_id
            seen.add(unit_id)
            unit_id = self.parents.get(unit_id)
        return None

    def left_for(self, unit_id: int | None) -> int:
        """How many seats a person of this unit could still take."""
        free = max(self.capacity - self.enrolled, 0)
        if not self.quotas:
            return free
        quota = self.quota_unit(unit_id)
        if quota is None:
            return 0
        return min(free, max(self.quotas[quota] - self.used.get(quota, 0), 0))

    def take(self, unit_id: int | None) -> None:
        self.enrolled += 1
        quota = self.quota_unit(unit_id)
        if quota is not None:
            self.used[quota] = self.used.get(quota, 0) + 1


def seat_count(cohort: Cohort) -> Seats:
    enrolled_units = list(
        db.session.scalars(
            select(Member.unit_id).where(
                Member.cohort_id == cohort.id, Member.state == MemberState.ENROLLED
            )
        )
    )
    seats = Seats(capacity=cohort.capacity, enrolled=len(enrolled_units))
    if cohort.join_mode is JoinMode.OPEN:
        seats.quotas = dict(
            db.session.execute(
                select(UnitQuota.unit_id, UnitQuota.seats).where(UnitQuota.cohort_id == cohort.id)
            ).all()
        )
    if seats.quotas:
        seats.parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
        for unit_id in enrolled_units:
            quota = seats.quota_unit(unit_id)
            if quota is not None:
                seats.used[quota] = seats.used.get(quota, 0) + 1
    return seats


# Members ----------------------------------------------------------------------------------


def _follow_course(cohort: Cohort, user_id: int, *, now: datetime, nominated_by_id=None) -> None:
    """Make the person follow the class's course through an enrollment that points at the class."""
    user = db.session.get(User, user_id)
    enrollment = get_enrollment(cohort.course, user)
    if enrollment is None:
        insert_if_absent(
            Enrollment,
            course_id=cohort.course_id,
            user_id=user_id,
            cohort_id=cohort.id,
            source=EnrollmentSource.ASSIGNED if nominated_by_id else EnrollmentSource.SELF,
            enrolled_at=now,
            assigned_by_id=nominated_by_id,
            assigned_at=now if nominated_by_id else None,
            due_date=cohort.ends_on if nominated_by_id else None,
        )
    elif enrollment.completed_at is None:
        enrollment.cohort_id = cohort.id  # progress made on the course so far is kept


def _unfollow(cohort: Cohort, user_id: int) -> None:
    """The person no longer follows the course in the class: an enrollment made for the class
    and never started goes; one with progress stays, as the person's own, outside the class."""
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.course_id == cohort.course_id,
            Enrollment.user_id == user_id,
            Enrollment.cohort_id == cohort.id,
            Enrollment.completed_at.is_(None),
        )
    )
    if enrollment is None:
        return
    if enrollment.progress:
        enrollment.cohort_id = None
    else:
        db.session.delete(enrollment)


def _place(
    cohort: Cohort,
    user: User,
    seats: Seats,
    *,
    now: datetime,
    member: Member | None = None,
    nominated_by_id: int | None = None,
) -> Member:
    """Enroll the person if a seat is free for them, else put them at the end of the list."""
    enrolled = seats.left_for(user.unit_id) > 0
    values = {
        "unit_id": user.unit_id,
        "state": MemberState.ENROLLED if enrolled else MemberState.WAITING,
        "joined_at": now,
        "waiting_since": None if enrolled else now,
        "nominated_by_id": nominated_by_id,
        "completed_at": None,
    }
    if member is None:
        new_id = insert_if_absent(Member, cohort_id=cohort.id, user_id=user.id, **values)
        member = db.session.get(Member, new_id) if new_id else find_member(cohort, user)
        if new_id is None:  # someone else's request placed them already
            return member
    else:
        for key, value in values.items():
            setattr(member, key, value)
    if enrolled:
        seats.take(user.unit_id)
        _follow_course(cohort, user.id, now=now, nominated_by_id=nominated_by_id)
    db.session.flush()
    return member


def find_member(cohort: Cohort, user: User) -> Member | None:
    return db.session.scalar(
        select(Member).where(Member.cohort_id == cohort.id, Member.user_id == user.id)
    )


def other_class(cohort: Cohort, user: User, today: date) -> Cohort | None:
    """Another class of the same course, not finished, that the person is in or waits for."""
    return db.session.scalar(
        select(Cohort)
        .join(Member, Member.cohort_id == Cohort.id)
        .where(
            Member.user_id == user.id,
            Member.state.in_(ACTIVE),
            Cohort.course_id == cohort.course_id,
            Cohort.id != cohort.id,
            Cohort.ends_on >= today,
        )
        .limit(1)
    )


def register(cohort: Cohort, user: User, *, now: datetime, ip: str = "") -> Member:
    """An ASN registers for an open class: a seat if one is free for their unit, else the
    waiting list. Registering again returns the place they have."""
    if not user.has_role(Role.ASN):
        raise ClassError(_l("Only civil servants (ASN) register for classes."))
    _lock(cohort)
    today = local_date(now)
    if cohort.join_mode is not JoinMode.OPEN:
        raise ClassError(
            _l("This class takes no registrations: BKPSDM nominates its participants.")
        )
    if cohort.ends_on < today:
        raise ClassError(_l("This class has finished."))
    member = find_member(cohort, user)
    if member is not None and member.state in ACTIVE:
        return member
    other = other_class(cohort, user, today)
    if other is not None:
        raise ClassError(
            _l("You are already in another class of this course: %(name)s.", name=other.name)
        )
    member = _place(cohort, user, seat_count(cohort), now=now, member=member)
    audit.record(
        "class_member.register",
        now=now,
        actor=user,
        target=f"class:{cohort.id}",
        after={"member_id": member.id, "state": str(member.state)},
        ip=ip,
    )
    return member


@dataclass
class Nomination:
    enrolled: list[User] = field(default_factory=list)
    waiting: list[User] = field(default_factory=list)
    #: Already enrolled or waiting in this class.
    skipped: list[User] = field(default_factory=list)
    #: (NIP as given, why nobody was nominated).
    not_found: list[tuple[str, str]] = field(default_factory=list)


def nominate(
    cohort: Cohort,
    people: list[User],
    *,
    actor: User,
    now: datetime,
    not_found: list[tuple[str, str]] | None = None,
    ip: str = "",
) -> Nomination:
    """Admins put people in a class; those beyond the free seats go to the waiting list."""
    user_ids = list(dict.fromkeys(p.id for p in people))
    _lock(cohort)
    today = local_date(now)
    if cohort.ends_on < today:
        raise ClassError(_l("This class has finished."))
    result = Nomination(not_found=list(not_found or []))
    seats = seat_count(cohort)
    for user_id in user_ids:
        person = db.session.get(User, user_id)
        member = find_member(cohort, person)
        if member is not None and member.state in ACTIVE:
            result.skipped.append(person)
            continue
        other = other_class(cohort, person, today)
        if other is not None:
            reason = _l(
                "%(person)s is already in another class of this course: %(name)s.",
                person=person.name,
                name=other.name,
            )
            result.not_found.append((person.nip or "", str(reason)))
            continue
        member = _place(cohort, person, seats, now=now, member=member, nominated_by_id=actor.id)
        (result.enrolled if member.state is MemberState.ENROLLED else result.waiting).append(person)
    audit.record(
        "class.nominate",
        now=now,
        actor=actor,
        target=f"class:{cohort.id}",
        after={
            "enrolled": [u.id for u in result.enrolled],
            "waiting": [u.id for u in result.waiting],
            "skipped": len(result.skipped),
            "not_found": len(result.not_found),
        },
        ip=ip,
    )
    return result


def withdraw(member: Member, *, actor: User, now: datetime, ip: str = "") -> list[Member]:
    """Take the person out of the class (themselves, or a manager removing them); the seat goes
    to the waiting list. Return who moved up."""
    cohort = member.cohort
    _lock(cohort)
    member = db.session.get(Member, member.id)
    by_self = member.user_id == actor.id
    if member.state is MemberState.WITHDRAWN:
        return []
    if member.completed_at is not None:
        raise ClassError(_l("%(name)s has completed the class already.", name=member.user.name))
    if by_self and cohort.ends_on < local_date(now):
        raise ClassError(_l("This class has finished."))
    was = member.state
    member.state, member.waiting_since = MemberState.WITHDRAWN, None
    if was is MemberState.ENROLLED:
        _unfollow(cohort, member.user_id)
    db.session.flush()
    promoted = promote_waiting(cohort, now=now) if was is MemberState.ENROLLED else []
    audit.record(
        "class_member.withdraw" if by_self else "class_member.remove",
        now=now,
        actor=actor,
        target=f"class_member:{member.id}",
        before={"state": str(was)},
        after={
            "state": str(member.state),
            "user_id": member.user_id,
            "promoted": [m.user_id for m in promoted],
        },
        ip=ip,
    )
    return promoted


def promote_waiting(cohort: Cohort, *, now: datetime) -> list[Member]:
    """Move people up from the waiting list, longest waiting first, while seats fit them.

    The caller holds the class's lock. A finished class moves nobody up.
    """
    if cohort.ends_on < local_date(now):
        return []
    seats = seat_count(cohort)
    promoted = []
    waiting = db.session.scalars(
        select(Member)
        .where(Member.cohort_id == cohort.id, Member.state == MemberState.WAITING)
        .order_by(Member.waiting_since, Member.id)
    )
    for member in waiting:
        if seats.enrolled >= seats.capacity:
            break
        if seats.left_for(member.unit_id) <= 0:
            continue  # their unit's quota is full; someone of another unit may fit
        member.state, member.waiting_since = MemberState.ENROLLED, None
        seats.take(member.unit_id)
        _follow_course(cohort, member.user_id, now=now, nominated_by_id=member.nominated_by_id)
        promoted.append(member)
    db.session.flush()
    return promoted


def waiting_position(member: Member) -> int | None:
    """1 for the person who has waited longest; None when not waiting."""
    if member.state is not MemberState.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count(Member.id)).where(
            Member.cohort_id == member.cohort_id,
            Member.state == MemberState.WAITING,
            (Member.waiting_since < member.waiting_since)
            | ((Member.waiting_since == member.waiting_since) & (Member.id < member.id)),
        )
    )
    return ahead + 1


def members_of(cohort: Cohort) -> list[Member]:
    """Enrolled first (by name), then the waiting list in its order, then those who left."""
    rank = {MemberState.ENROLLED: 0, MemberState.WAITING: 1, MemberState.WITHDRAWN: 2}

    def order(m: Member) -> tuple:
        if m.state is MemberState.WAITING:
            return (rank[m.state], "", m.waiting_since or m.joined_at, m.id)
        return (rank[m.state], m.user.name.lower(), m.joined_at, m.id)

    members = db.session.scalars(select(Member).where(Member.cohort_id == cohort.id)).all()
    return sorted(members, key=order)


# Quotas -----------------------------------------------------------------------------------


def save_quotas(
    cohort: Cohort, seats_by_unit: dict[int, int], *, actor: User, now: datetime, ip: str = ""
) -> list[Member]:
    """Set the seats of each unit (the complete set; 0 removes a unit's quota); return who moved
    up from the waiting list. People already enrolled keep their seats when a quota shrinks."""
    _lock(cohort)
    if any(n < 0 for n in seats_by_unit.values()):
        raise ClassError(_l("A quota cannot be negative."))
    wanted = {unit_id: n for unit_id, n in seats_by_unit.items() if n > 0}
    total = sum(wanted.values())
    if total > cohort.capacity:
        raise ClassError(
            _l(
                "The quotas add up to %(n)s seats, more than the class's %(capacity)s.",
                n=total,
                capacity=cohort.capacity,
            )
        )
    existing = {q.unit_id: q for q in cohort.quotas}
    before = {str(u): q.seats for u, q in sorted(existing.items())}
    for unit_id, quota in existing.items():
        if unit_id not in wanted:
            cohort.quotas.remove(quota)
    for unit_id, n in wanted.items():
        if unit_id in existing:
            existing[unit_id].seats = n
        else:
            cohort.quotas.append(UnitQuota(unit_id=unit_id, seats=n))
    db.session.flush()
    after = {str(u): n for u, n in sorted(wanted.items())}
    if after != before:
        audit.record(
            "class.quotas",
            now=now,
            actor=actor,
            target=f"class:{cohort.id}",
            before=before,
            after=after,
            ip=ip,
        )
    return promote_waiting(cohort, now=now)


# Attendance and exam results ---------------------------------------------------------------


def attendance_counts(cohort: Cohort, now: datetime) -> tuple[int, dict[int, int]]:
    """The sessions held so far (started by now), and how many of them each person attended."""
    held = select(ClassSession.id).where(
        ClassSession.cohort_id == cohort.id, ClassSession.starts_at <= now
    )
    n_held = db.session.scalar(select(func.count()).select_from(held.subquery()))
    present = dict(
        db.session.execute(
            select(Attendance.user_id, func.count(Attendance.id))
            .where(Attendance.session_id.in_(held), Attendance.present.is_(True))
            .group_by(Attendance.user_id)
        ).all()
    )
    return n_held, present


def rate(present: int, held: int) -> int | None:
    """Attendance in whole percent (rounded down, so 100 means every session); None before any
    session has been held."""
    return 100 * present // held if held else None


def class_exams(cohort: Cohort) -> list:
    from lms.exams.models import Exam

    return list(
        db.session.scalars(
            select(Exam)
            .where(Exam.course_id == cohort.course_id, Exam.published.is_(True))
            .order_by(Exam.id)
        )
    )


@dataclass
class RosterRow:
    member: Member
    present: int
    rate: int | None
    #: The attempt that counts for each of the class's exams (None: no graded attempt).
    results: list


def roster(cohort: Cohort, exams: list, now: datetime) -> tuple[list[RosterRow], int]:
    """Each member with attendance and exam results; and the number of sessions held."""
    from lms.exams.services import counted_attempt

    held, present = attendance_counts(cohort, now)
    rows = []
    for member in members_of(cohort):
        n = present.get(member.user_id, 0)
        enrolled = member.state is MemberState.ENROLLED
        results = [counted_attempt(exam, member.user) for exam in exams] if enrolled else []
        rows.append(RosterRow(member, n, rate(n, held) if enrolled else None, results))
    return rows, held


def essays_waiting(exams: list, user_ids: set[int]) -> dict[int, int]:
    """Per exam, the essays of these people that wait for a grade (as the grading queue has it)."""
    from lms.exams.marking import waiting_essays  # the queue's own definition of "waiting"

    return {
        exam.id: sum(1 for _a, _q, attempt in waiting_essays(exam) if attempt.user_id in user_ids)
        for exam in exams
    }


# Money ------------------------------------------------------------------------------------


def _money_values(row: Funding | CostItem) -> dict:
    values = {"cohort_id": row.cohort_id, "amount": f"{Decimal(row.amount):.2f}"}
    if isinstance(row, Funding):
        return values | {"source": str(row.source), "note": row.note}
    return values | {"name": row.name}


def save_money(row: Funding | CostItem, data: dict, *, actor: User, now: datetime, ip: str = ""):
    """Create or change a funding entry or a cost item of a class (`data`: its columns)."""
    creating = row.id is None
    before = None if creating else _money_values(row)
    if data["amount"] < 0:
        raise ClassError(_l("An amount cannot be negative."))
    for key, value in data.items():
        setattr(row, key, value)
    if creating:
        db.session.add(row)
    db.session.flush()
    kind = "class_funding" if isinstance(row, Funding) else "class_cost"
    audit.record_save(kind, row, before, _money_values(row), now=now, actor=actor, ip=ip)
    return row


def delete_money(row: Funding | CostItem, *, actor: User, now: datetime, ip: str = "") -> None:
    kind = "class_funding" if isinstance(row, Funding) else "class_cost"
    audit.record(
        f"{kind}.delete",
        now=now,
        actor=actor,
        target=f"{kind}:{row.id}",
        before=_money_values(row),
        ip=ip,
    )
    db.session.delete(row)
    db.session.flush()


def money_totals(cohort: Cohort) -> tuple[Decimal, Decimal]:
    """The class's total funding and total costs."""
    funding = db.session.scalar(
        select(func.coalesce(func.sum(Funding.amount), 0)).where(Funding.cohort_id == cohort.id)
    )
    costs = db.session.scalar(
        select(func.coalesce(func.sum(CostItem.amount), 0)).where(CostItem.cohort_id == cohort.id)
    )
    return Decimal(funding), Decimal(costs)
