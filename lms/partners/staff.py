"""A partner institution's staff accounts, managed by admins and by the institution's coordinators.

Accounts are made, switched on and off with the same operations as admins' people pages
(lms.auth.services), so the rules, the one-time password and the audit entries are the same.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.auth import services as accounts
from lms.auth.models import Role, User
from lms.core import audit
from lms.extensions import db
from lms.partners.models import Institution


def staff_of(inst: Institution) -> list[User]:
    """The institution's staff: coordinators first, then by name."""
    stmt = (
        select(User)
        .where(User.institution_id == inst.id, User.role_rows.any(role=Role.PARTNER))
        .order_by(User.coordinator.desc(), User.name, User.id)
    )
    return list(db.session.scalars(stmt))


def invite(
    inst: Institution, data: dict, *, actor: User, now: datetime, ip: str = ""
) -> tuple[User, str]:
    """Make an account for a new member of the institution's staff, who logs in with their
    e-mail; return it with its one-time password (shown once, never stored)."""
    if not inst.active:
        raise accounts.AccountError(_l("This institution is inactive."))
    person = User()
    password = accounts.save_person(
        person,
        {
            "name": data["name"],
            "nip": None,
            "email": data["email"],
            "position": data.get("position") or "",
            "rank": "",
            "unit": None,
            "institution": inst,
            "roles": {Role.PARTNER},
        },
        actor=actor,
        now=now,
        ip=ip,
    )
    return person, password


def set_active(person: User, active: bool, *, actor: User, now: datetime, ip: str = "") -> None:
    """Deactivate (ending their sessions) or reactivate a member of staff."""
    accounts.set_active(person, active, actor=actor, now=now, ip=ip)


def set_coordinator(
    person: User, coordinator: bool, *, actor: User, now: datetime, ip: str = ""
) -> None:
    """Make a member of staff a coordinator of their institution, or no longer one (admins)."""
    if person.coordinator == coordinator:
        return
    person.coordinator = coordinator
    audit.record(
        "user.coordinator",
        now=now,
        actor=actor,
        target=f"user:{person.id}",
        before={"coordinator": not coordinator, "institution_id": person.institution_id},
        after={"coordinator": coordinator, "institution_id": person.institution_id},
        ip=ip,
    )
    db.session.flush()
