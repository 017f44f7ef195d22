from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core import audit
from lms.core.db import taken
from lms.extensions import db
from lms.partners.models import Institution


class InstitutionError(ValueError):
    pass


def save_institution(inst: Institution, data: dict, *, actor, now: datetime, ip: str = "") -> None:
    """Create or update an institution, refusing a duplicate name."""
    creating = inst.id is None
    name = data["name"].strip()
    if taken(Institution.name, name, other_than=inst):
        raise InstitutionError(_l("An institution with this name already exists."))
    before = None if creating else _audit(inst)
    inst.name, inst.type, inst.active = name, data["type"], data.get("active", True)
    if creating:
        db.session.add(inst)
    db.session.flush()
    audit.record_save("institution", inst, before, _audit(inst), now=now, actor=actor, ip=ip)


def _audit(inst: Institution) -> dict:
    return {"name": inst.name, "type": str(inst.type), "active": inst.active}


def agreement_in_force(institution_id: int, today) -> bool:
    """Whether the institution has an agreement in force today; without one it opens no class."""
    from lms.partners.models import Agreement

    return (
        db.session.scalar(
            select(Agreement.id)
            .where(
                Agreement.institution_id == institution_id,
                Agreement.starts_on <= today,
                Agreement.ends_on >= today,
            )
            .limit(1)
        )
        is not None
    )
