from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.core import audit
from lms.extensions import db
from lms.partners.models import Institution


class InstitutionError(ValueError):
    pass


def save_institution(inst: Institution, data: dict, *, actor, now: datetime, ip: str = "") -> None:
    """Create or update an institution, refusing a duplicate name."""
    creating = inst.id is None
    name = data["name"].strip()
    q = select(Institution.id).where(func.lower(Institution.name) == name.lower())
    if not creating:
        q = q.where(Institution.id != inst.id)
    if db.session.scalar(q) is not None:
        raise InstitutionError(_l("An institution with this name already exists."))
    before = {} if creating else _audit(inst)
    inst.name, inst.type, inst.active = name, data["type"], data.get("active", True)
    if creating:
        db.session.add(inst)
    db.session.flush()
    old, new = audit.changes(before, _audit(inst))
    audit.record(
        "institution.create" if creating else "institution.update",
        now=now,
        actor=actor,
        target=f"institution:{inst.id}",
        before=old or None,
        after=new,
        ip=ip,
    )


def _audit(inst: Institution) -> dict:
    return {"name": inst.name, "type": str(inst.type), "active": inst.active}
