"""Partner institutions and their cooperation agreements: plain arguments in, flushed changes
out; the view commits, then removes the stored files a change let go of."""

import enum
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from lms.auth.models import User
from lms.core import audit
from lms.core.db import taken
from lms.core.storage import storage
from lms.core.uploads import CheckedUpload
from lms.extensions import db
from lms.partners.models import Agreement, Institution


class PartnerError(ValueError):
    """A change that cannot be made; the message says why."""


InstitutionError = PartnerError


# Institutions -----------------------------------------------------------------------------


def save_institution(
    inst: Institution,
    data: dict,
    *,
    actor: User,
    now: datetime,
    ip: str = "",
    logo: CheckedUpload | None = None,
    remove_logo: bool = False,
) -> str | None:
    """Create or update an institution, refusing a duplicate name.

    Returns the storage key of a logo that was replaced or removed, to delete after the commit.
    """
    creating = inst.id is None
    name = data["name"].strip()
    if taken(Institution.name, name, other_than=inst):
        raise PartnerError(_l("An institution with this name already exists."))
    before = None if creating else _audit(inst)
    inst.name, inst.type, inst.active = name, data["type"], data.get("active", True)
    for key in ("contact_name", "contact_email", "contact_phone", "address", "website"):
        setattr(inst, key, (data.get(key) or "").strip())
    inst.contact_email = inst.contact_email.lower()
    old_logo = None
    if logo is not None or remove_logo:
        old_logo, inst.logo_key, inst.logo_type = inst.logo_key, None, ""
    if logo is not None:
        inst.logo_key, inst.logo_type = storage().save(logo.stream).key, logo.content_type
    if creating:
        db.session.add(inst)
    db.session.flush()
    audit.record_save("institution", inst, before, _audit(inst), now=now, actor=actor, ip=ip)
    return old_logo


def _audit(inst: Institution) -> dict:
    return {
        "name": inst.name,
        "type": str(inst.type),
        "active": inst.active,
        "contact_name": inst.contact_name or "",
        "contact_email": inst.contact_email or "",
        "contact_phone": inst.contact_phone or "",
        "address": inst.address or "",
        "website": inst.website or "",
        "logo_key": inst.logo_key,
    }


# Agreements -------------------------------------------------------------------------------


class AgreementStatus(enum.StrEnum):
    UPCOMING = "upcoming"
    IN_FORCE = "in_force"
    #: In force, and ending within the notice period.
    ENDING = "ending"
    EXPIRED = "expired"


def status(agreement: Agreement, today: date, notice_days: int) -> AgreementStatus:
    if today < agreement.starts_on:
        return AgreementStatus.UPCOMING
    if today > agreement.ends_on:
        return AgreementStatus.EXPIRED
    if agreement.ends_on <= today + timedelta(days=notice_days):
        return AgreementStatus.ENDING
    return AgreementStatus.IN_FORCE


def agreement_in_force(institution_id: int, today: date) -> bool:
    """Whether the institution has an agreement in force today; without one it opens no class."""
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


def institutions_in_force(today: date) -> set[int]:
    """The ids of the institutions with an agreement in force today."""
    return set(
        db.session.scalars(
            select(Agreement.institution_id)
            .where(Agreement.starts_on <= today, Agreement.ends_on >= today)
            .distinct()
        )
    )


def agreements(status_filter: str, today: date, notice_days: int) -> Select:
    """Agreements, filtered by status ("" = all): those still to end soonest ending first, the
    others latest ending first."""
    stmt = select(Agreement).join(Agreement.institution)
    soon = today + timedelta(days=notice_days)
    if status_filter == AgreementStatus.ENDING:
        stmt = stmt.where(Agreement.starts_on <= today, Agreement.ends_on.between(today, soon))
    elif status_filter == AgreementStatus.IN_FORCE:
        stmt = stmt.where(Agreement.starts_on <= today, Agreement.ends_on >= today)
    elif status_filter == AgreementStatus.EXPIRED:
        stmt = stmt.where(Agreement.ends_on < today)
    elif status_filter == AgreementStatus.UPCOMING:
        stmt = stmt.where(Agreement.starts_on > today)
    if status_filter in ("", AgreementStatus.EXPIRED):
        return stmt.order_by(Agreement.ends_on.desc(), Agreement.id)
    return stmt.order_by(Agreement.ends_on, Agreement.id)


def count_ending(today: date, notice_days: int) -> int:
    """How many agreements in force end within the notice period."""
    sub = agreements(AgreementStatus.ENDING, today, notice_days).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


def save_agreement(
    agreement: Agreement,
    institution: Institution,
    data: dict,
    *,
    actor: User,
    now: datetime,
    ip: str = "",
    document: CheckedUpload | None = None,
) -> str | None:
    """Create or update an agreement; return the storage key of a replaced document."""
    creating = agreement.id is None
    number = data["number"].strip()
    if not number:
        raise PartnerError(_l("Enter the agreement's number."))
    if data["ends_on"] < data["starts_on"]:
        raise PartnerError(_l("The last day cannot come before the first."))
    clash = select(Agreement.id).where(
        Agreement.institution_id == institution.id,
        func.lower(Agreement.number) == number.lower(),
    )
    if agreement.id is not None:
        clash = clash.where(Agreement.id != agreement.id)
    if db.session.scalar(clash) is not None:
        raise PartnerError(_l("This institution already has an agreement with this number."))
    before = None if creating else _agreement_audit(agreement)
    agreement.kind, agreement.number = data["kind"], number
    agreement.title = data["title"].strip()
    agreement.scope = (data.get("scope") or "").strip()
    agreement.starts_on, agreement.ends_on = data["starts_on"], data["ends_on"]
    old_document = None
    if document is not None:
        stored = storage().save(document.stream)
        old_document = agreement.document_key
        agreement.document_key, agreement.document_size = stored.key, stored.size
        agreement.document_name = document.original_name
    if creating:
        agreement.institution_id = institution.id
        agreement.created_by_id, agreement.created_at = actor.id, now
        db.session.add(agreement)
    db.session.flush()
    audit.record_save(
        "agreement", agreement, before, _agreement_audit(agreement), now=now, actor=actor, ip=ip
    )
    return old_document


def delete_agreement(
    agreement: Agreement, *, actor: User, now: datetime, today: date, ip: str = ""
) -> str | None:
    """Delete an agreement entered by mistake; one that has come into force stays on record.

    Returns the storage key of its document, to delete after the commit.
    """
    if agreement.starts_on <= today:
        raise PartnerError(
            _l(
                "An agreement that has come into force stays on record; correct it instead, "
                "or let it end."
            )
        )
    key = agreement.document_key
    audit.record(
        "agreement.delete",
        now=now,
        actor=actor,
        target=f"agreement:{agreement.id}",
        before=_agreement_audit(agreement),
        ip=ip,
    )
    db.session.delete(agreement)
    db.session.flush()
    return key


def _agreement_audit(agreement: Agreement) -> dict:
    return {
        "institution_id": agreement.institution_id,
        "kind": str(agreement.kind),
        "number": agreement.number,
        "title": agreement.title,
        "scope": agreement.scope,
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(),
        "document": agreement.document_name or None,
        "document_key": agreement.document_key,
    }
