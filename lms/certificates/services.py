"""Certificate templates: plain arguments in, flushed changes out; the view commits, then removes
the stored pictures a change let go of."""

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.auth.models import User
from lms.certificates.models import MAX_SIGNATORIES, CertificateTemplate, TemplateSignatory
from lms.certificates.render import unknown_placeholders
from lms.core import audit
from lms.core.db import taken
from lms.core.storage import storage
from lms.core.uploads import CheckedUpload
from lms.extensions import db

#: What a certificate number may be made of: a running number, the year and the month.
NUMBER_PARTS = ("seq", "year", "month")


class TemplateError(ValueError):
    """A template that cannot be saved; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field


@dataclass
class SignatoryInput:
    """One signatory as sent: blank name and position mean "no signatory here"."""

    name: str = ""
    nip: str = ""
    title: str = ""
    signature: CheckedUpload | None = None
    remove_signature: bool = False

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.nip.strip() or self.title.strip())


def check_text(field: str, text: str) -> None:
    """Refuse text naming a placeholder the system does not know."""
    unknown = unknown_placeholders(text)
    if unknown:
        raise TemplateError(
            field,
            _l(
                "Unknown placeholder %(names)s.",
                names=", ".join("{" + name + "}" for name in unknown),
            ),
        )


def check_number_pattern(pattern: str) -> None:
    parts = re.findall(r"\{([^{}]*)\}", pattern)
    if "seq" not in parts:
        raise TemplateError("number_pattern", _l("The number must contain {seq}."))
    wrong = [p for p in parts if p not in NUMBER_PARTS]
    if wrong:
        raise TemplateError(
            "number_pattern",
            _l("Unknown placeholder %(names)s.", names=", ".join("{" + p + "}" for p in wrong)),
        )


def save_template(
    template: CertificateTemplate,
    data: dict,
    signatories: list[SignatoryInput],
    *,
    actor: User,
    now: datetime,
    ip: str = "",
    logo: CheckedUpload | None = None,
    remove_logo: bool = False,
    background: CheckedUpload | None = None,
    remove_background: bool = False,
) -> list[str]:
    """Create or update a template and its signatories (the non-blank rows, in order).

    Returns the storage keys of pictures that were replaced or removed, to delete after the
    commit. Raises TemplateError, having stored nothing, when the template is not valid.
    """
    creating = template.id is None
    name = data["name"].strip()
    if taken(CertificateTemplate.name, name, other_than=template):
        raise TemplateError("name", _l("A template with this name already exists."))
    check_text("title", data["title"])
    check_text("body", data["body"])
    check_number_pattern(data["number_pattern"].strip())
    wanted = [(i, s) for i, s in enumerate(signatories) if not s.blank]
    if not 1 <= len(wanted) <= MAX_SIGNATORIES:
        raise TemplateError("signatories", _l("Give one to %(n)d signatories.", n=MAX_SIGNATORIES))
    for _i, s in wanted:
        if not s.name.strip() or not s.title.strip():
            raise TemplateError("signatories", _l("Give each signatory's name and position."))

    before = None if creating else _audit(template)
    template.name, template.layout = name, data["layout"]
    template.title, template.body = data["title"].strip(), data["body"].strip()
    template.place = data["place"].strip()
    template.number_pattern = data["number_pattern"].strip()
    template.active = data.get("active", True)
    template.updated_at = now
    if creating:
        template.created_at = now
    old: list[str] = []
    if logo is not None or remove_logo:
        old.append(template.logo_key)
        template.logo_key, template.logo_type = None, ""
    if logo is not None:
        template.logo_key, template.logo_type = storage().save(logo.stream).key, logo.content_type
    if background is not None or remove_background:
        old.append(template.background_key)
        template.background_key, template.background_type = None, ""
    if background is not None:
        stored = storage().save(background.stream)
        template.background_key, template.background_type = stored.key, background.content_type
    old += _save_signatories(template, signatories)
    if creating:
        db.session.add(template)
    db.session.flush()
    audit.record_save(
        "certificate_template", template, before, _audit(template), now=now, actor=actor, ip=ip
    )
    return [key for key in old if key]


def _save_signatories(template: CertificateTemplate, rows: list[SignatoryInput]) -> list[str]:
    """Match the signatories to the rows sent, slot by slot; the keys of pictures let go."""
    current = {s.position: s for s in template.signatories}
    old: list[str] = []
    kept: list[TemplateSignatory] = []
    for slot, row in enumerate(rows[:MAX_SIGNATORIES], 1):
        existing = current.pop(slot, None)
        if row.blank:
            if existing is not None:
                old.append(existing.signature_key)
            continue
        s = existing or TemplateSignatory(position=slot)
        s.name, s.nip, s.title = row.name.strip(), row.nip.strip(), row.title.strip()
        if row.signature is not None or row.remove_signature:
            old.append(s.signature_key)
            s.signature_key, s.signature_type = None, ""
        if row.signature is not None:
            s.signature_key = storage().save(row.signature.stream).key
            s.signature_type = row.signature.content_type
        kept.append(s)
    old += [s.signature_key for s in current.values()]
    template.signatories = kept
    return old


def offered_templates(keep: int | None = None) -> list[CertificateTemplate]:
    """Templates one may choose, by name: the active ones, and `keep` (the one already chosen,
    even if it was deactivated since)."""
    offered = CertificateTemplate.active.is_(True)
    if keep is not None:
        offered = offered | (CertificateTemplate.id == keep)
    stmt = select(CertificateTemplate).where(offered).order_by(CertificateTemplate.name)
    return list(db.session.scalars(stmt))


def deactivate(template: CertificateTemplate, *, actor: User, now: datetime, ip: str = "") -> None:
    """Stop offering the template for new certificates (issued ones keep theirs)."""
    if not template.active:
        return
    before = _audit(template)
    template.active, template.updated_at = False, now
    db.session.flush()
    audit.record_save(
        "certificate_template", template, before, _audit(template), now=now, actor=actor, ip=ip
    )


def _audit(t: CertificateTemplate) -> dict:
    return {
        "name": t.name,
        "layout": str(t.layout),
        "title": t.title,
        "body": t.body,
        "place": t.place,
        "number_pattern": t.number_pattern,
        "active": t.active,
        "logo_key": t.logo_key,
        "background_key": t.background_key,
        "signatories": [
            {"name": s.name, "nip": s.nip, "title": s.title, "signature_key": s.signature_key}
            for s in t.signatories
        ],
    }
