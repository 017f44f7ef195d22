"""Figures for the unit and city dashboards, computed with a few GROUP BY queries.

Nothing here runs a query per person: the city dashboard must stay fast with 20,000 people.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, or_, select

from lms.auth.models import Unit, User
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.records.models import YEARLY_TARGET_JP, LedgerEntry
from lms.records.services import in_year


@dataclass
class UnitStats:
    """A unit's (or the city's) figures for one year."""

    people: int = 0
    reached: int = 0
    jp: int = 0
    overdue: int = 0

    @property
    def below(self) -> int:
        return self.people - self.reached

    @property
    def percent(self) -> float:
        """Share of people at or above the target, in percent, one decimal."""
        return round(100 * self.reached / self.people, 1) if self.people else 0.0

    @property
    def average(self) -> float:
        """Average JP per person, one decimal."""
        return round(self.jp / self.people, 1) if self.people else 0.0

    def __add__(self, other: "UnitStats") -> "UnitStats":
        return UnitStats(
            self.people + other.people,
            self.reached + other.reached,
            self.jp + other.jp,
            self.overdue + other.overdue,
        )


def overdue_condition(today: date):
    """An assigned course not completed by its due date (a Makassar date)."""
    return (
        Enrollment.completed_at.is_(None),
        Enrollment.due_date.is_not(None),
        Enrollment.due_date < today,
    )


def _jp_per_person(year: int, unit_id: int | None = None):
    """A subquery: user_id and the JP that count in `year`, for people with any entry."""
    stmt = (
        select(LedgerEntry.user_id.label("user_id"), func.sum(LedgerEntry.jp).label("jp"))
        .where(in_year(year))
        .group_by(LedgerEntry.user_id)
    )
    if unit_id is not None:
        stmt = stmt.where(LedgerEntry.user_id.in_(select(User.id).where(User.unit_id == unit_id)))
    return stmt.subquery()


def unit_stats(year: int, today: date, unit_id: int | None = None) -> dict[int, UnitStats]:
    """Figures per unit id (of active people), in three grouped queries."""
    stats: dict[int, UnitStats] = {}

    def scoped(stmt: Select) -> Select:
        stmt = stmt.where(User.active.is_(True), User.unit_id.is_not(None))
        return stmt.where(User.unit_id == unit_id) if unit_id is not None else stmt

    people = scoped(select(User.unit_id, func.count(User.id))).group_by(User.unit_id)
    for uid, n in db.session.execute(people):
        stats.setdefault(uid, UnitStats()).people = n

    jp = _jp_per_person(year, unit_id)
    reached = scoped(
        select(
            User.unit_id,
            func.sum(case((jp.c.jp >= YEARLY_TARGET_JP, 1), else_=0)),
            func.sum(jp.c.jp),
        ).join(jp, jp.c.user_id == User.id)
    ).group_by(User.unit_id)
    for uid, n, total in db.session.execute(reached):
        s = stats.setdefault(uid, UnitStats())
        s.reached, s.jp = int(n or 0), int(total or 0)

    overdue = scoped(
        select(User.unit_id, func.count(Enrollment.id))
        .join(User, Enrollment.user_id == User.id)
        .where(*overdue_condition(today))
    ).group_by(User.unit_id)
    for uid, n in db.session.execute(overdue):
        stats.setdefault(uid, UnitStats()).overdue = n
    return stats


def city(year: int, today: date) -> tuple[list[tuple[Unit, UnitStats]], UnitStats]:
    """Every unit, including those with nobody, with its figures, and the city's total."""
    stats = unit_stats(year, today)
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    rows = [(u, stats.get(u.id, UnitStats())) for u in units]
    total = sum((s for _, s in rows), UnitStats())
    return rows, total


def unit_people(unit: Unit, year: int, *, q: str = "", below: bool = False) -> Select:
    """The unit's active people (a statement to paginate), optionally only those below target."""
    stmt = (
        select(User)
        .where(User.unit_id == unit.id, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    digits = "".join(q.split())
    if digits.isdigit():
        # A NIP prefix: a range on the unique index (":" sorts after "9").
        stmt = stmt.where(User.nip >= digits, User.nip < digits + ":")
    elif q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.position.ilike(like)))
    if below:
        jp = _jp_per_person(year, unit.id)
        stmt = stmt.where(User.id.not_in(select(jp.c.user_id).where(jp.c.jp >= YEARLY_TARGET_JP)))
    return stmt


def jp_of(user_ids: list[int], year: int) -> dict[int, int]:
    """The JP of `year` for each of these people (absent: none)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(LedgerEntry.user_id, func.sum(LedgerEntry.jp))
        .where(LedgerEntry.user_id.in_(user_ids), in_year(year))
        .group_by(LedgerEntry.user_id)
    )
    return {uid: int(total) for uid, total in rows}


def overdue_of(user_ids: list[int], today: date) -> dict[int, list[Enrollment]]:
    """Each person's overdue assigned courses, soonest due first."""
    if not user_ids:
        return {}
    found: dict[int, list[Enrollment]] = {}
    rows = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.user_id.in_(user_ids), *overdue_condition(today))
        .order_by(Enrollment.due_date, Enrollment.id)
    )
    for e in rows:
        found.setdefault(e.user_id, []).append(e)
    return found
