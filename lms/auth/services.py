"""Account operations: plain arguments in, flushed changes out; the caller commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms.auth.models import Role, Unit, User, find_by_login
from lms.auth.passwords import (
    check_new_password,
    dummy_hash,
    hash_one_time_password,
    hash_password,
    needs_rehash,
    new_one_time_password,
    verify_password,
)
from lms.core import audit
from lms.core.db import taken
from lms.extensions import db


class AccountError(ValueError):
    """An account change that cannot be made; the message is for the user."""


def authenticate(identifier: str, password: str, *, now: datetime, ip: str = "") -> User | None:
    """Return the person if the password matches an active account; log the attempt either way."""
    user = find_by_login(identifier)
    ok = verify_password(user.password_hash if user else dummy_hash(), password)
    if not (user and ok and user.active):
        audit.record(
            "auth.login_failed",
            now=now,
            actor=user,
            target=f"login:{identifier.strip().lower()[:100]}",
            ip=ip,
        )
        db.session.flush()
        return None
    if not user.must_change_password and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record("auth.login", now=now, actor=user, target=f"user:{user.id}", ip=ip)
    db.session.flush()
    return user


def change_password(user: User, new_password: str, *, now: datetime, ip: str = "") -> None:
    """Set the person's own password and end every other session of theirs."""
    check_new_password(new_password, context=(user.nip or "", user.email or "", user.name))
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.end_sessions()
    audit.record("auth.password_changed", now=now, actor=user, target=f"user:{user.id}", ip=ip)
    db.session.flush()


def logout(user: User, *, now: datetime, ip: str = "") -> None:
    """End every session of the person."""
    user.end_sessions()
    audit.record("auth.logout", now=now, actor=user, target=f"user:{user.id}", ip=ip)
    db.session.flush()


def issue_one_time_password(user: User) -> str:
    """Give the person a new one-time password; they must choose their own at the next login."""
    password = new_one_time_password()
    user.password_hash = hash_one_time_password(password)
    user.must_change_password = True
    user.end_sessions()
    return password


def save_person(
    user: User,
    data: dict,
    *,
    actor: User,
    now: datetime,
    ip: str = "",
) -> str | None:
    """Create or update a person from form data; return a one-time password for a new account.

    `data` holds name, nip, email, position, rank, unit, institution, roles (a set of Role).
    """
    creating = user.id is None
    if taken(User.nip, data.get("nip"), other_than=user):
        raise AccountError(_l("Another person already has this NIP."))
    if taken(User.email, data.get("email"), other_than=user):
        raise AccountError(_l("Another person already has this e-mail address."))
    roles: set[Role] = set(data["roles"])
    if not data.get("nip") and not data.get("email"):
        raise AccountError(_l("Give a NIP or an e-mail address to log in with."))
    if Role.PARTNER in roles and data.get("institution") is None:
        raise AccountError(_l("Partner staff must belong to a partner institution."))
    if roles & {Role.ASN, Role.SUPERVISOR} and data.get("unit") is None:
        raise AccountError(_l("ASN and supervisors must belong to a unit."))
    if Role.ASN in roles and not data.get("nip"):
        raise AccountError(_l("An ASN needs a NIP."))
    if actor.id == user.id and Role.ADMIN not in roles:
        raise AccountError(_l("You cannot remove your own admin role."))

    before = None if creating else user.as_audit()
    user.name = data["name"].strip()
    user.nip = data.get("nip") or None
    user.email = (data.get("email") or "").strip().lower() or None
    user.position = (data.get("position") or "").strip()
    user.rank = (data.get("rank") or "").strip()
    user.unit = data.get("unit")
    user.institution = data.get("institution")
    user.set_roles(roles)
    password = None
    if creating:
        user.created_at = now
        password = issue_one_time_password(user)
        db.session.add(user)
    db.session.flush()
    audit.record_save("user", user, before, user.as_audit(), now=now, actor=actor, ip=ip)
    return password


def set_active(user: User, active: bool, *, actor: User, now: datetime, ip: str = "") -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if actor.id == user.id and not active:
        raise AccountError(_l("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        user.end_sessions()
    audit.record(
        "user.activate" if active else "user.deactivate",
        now=now,
        actor=actor,
        target=f"user:{user.id}",
        before={"active": not active},
        after={"active": active},
        ip=ip,
    )
    db.session.flush()


def reset_password(user: User, *, actor: User, now: datetime, ip: str = "") -> str:
    """Give the person a one-time password (returned once, never logged)."""
    password = issue_one_time_password(user)
    audit.record("user.reset_password", now=now, actor=actor, target=f"user:{user.id}", ip=ip)
    db.session.flush()
    return password


def save_unit(unit: Unit, data: dict, *, actor: User, now: datetime, ip: str = "") -> None:
    """Create or update a unit; refuse a parent that would make a loop."""
    creating = unit.id is None
    parent = data.get("parent")
    if not creating and not unit.can_have_parent(parent):
        raise AccountError(_l("A unit cannot be placed under itself or one of its sub-units."))
    name = data["name"].strip()
    if taken(Unit.name, name, other_than=unit):
        raise AccountError(_l("A unit with this name already exists."))
    code = (data.get("code") or "").strip() or None
    if taken(Unit.code, code, other_than=unit):
        raise AccountError(_l("A unit with this code already exists."))
    before = None if creating else unit_audit(unit)
    unit.name, unit.code, unit.kind, unit.parent = name, code, data["kind"], parent
    unit.active = data.get("active", True)
    if creating:
        db.session.add(unit)
    db.session.flush()
    audit.record_save("unit", unit, before, unit_audit(unit), now=now, actor=actor, ip=ip)


def unit_audit(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "code": unit.code,
        "kind": str(unit.kind),
        "parent_id": unit.parent.id if unit.parent else None,
        "active": unit.active,
    }
