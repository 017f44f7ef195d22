"""The audit log: who changed what, when, with the values before and after."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime
from lms.extensions import db

#: Keys never written to the log, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "password_hash", "token", "one_time_password", "secret"})


def action_labels() -> dict:
    """What each action means, for people reading the log; unknown actions show their code."""
    return {
        "auth.login": _l("Logged in"),
        "auth.login_failed": _l("Failed login"),
        "auth.logout": _l("Logged out"),
        "auth.password_changed": _l("Changed own password"),
        "user.create": _l("Created a person"),
        "user.update": _l("Changed a person"),
        "user.activate": _l("Activated an account"),
        "user.deactivate": _l("Deactivated an account"),
        "user.reset_password": _l("Reset a password"),
        "unit.create": _l("Created a unit"),
        "unit.update": _l("Changed a unit"),
        "institution.create": _l("Created an institution"),
        "institution.update": _l("Changed an institution"),
        "agreement.create": _l("Recorded a cooperation agreement"),
        "agreement.update": _l("Changed a cooperation agreement"),
        "agreement.delete": _l("Deleted a cooperation agreement"),
        "user.coordinator": _l("Changed a partner institution's coordinator"),
        "lesson_file.upload": _l("Uploaded a lesson file"),
        "lesson_file.approve": _l("Approved a lesson file"),
        "lesson_file.return": _l("Returned a lesson file to its uploader"),
        "people.import": _l("Imported people"),
        "people.import_passwords_downloaded": _l("Downloaded one-time passwords"),
        "course.create": _l("Created a course"),
        "course.update": _l("Changed a course"),
        "course.submit": _l("Sent a course for review"),
        "course.publish": _l("Published a course"),
        "course.return": _l("Returned a course to its authors"),
        "course.archive": _l("Archived a course"),
        "course.assign": _l("Assigned a course"),
        "ledger_entry.create": _l("Recorded training in a JP ledger"),
        "ledger_entry.delete": _l("Deleted an entry of a JP ledger"),
        "bank.import": _l("Imported questions"),
        "question.delete": _l("Deleted a question"),
        "question.retire": _l("Retired a question"),
        "exam.create": _l("Created an exam"),
        "exam.update": _l("Changed an exam"),
        "exam_override.create": _l("Gave someone other exam terms"),
        "exam_override.update": _l("Changed someone's exam terms"),
        "exam_override.delete": _l("Removed someone's exam terms"),
        "answer.grade": _l("Graded an essay"),
        "answer.objection": _l("Objected to an essay's grade"),
        "answer.second_grade": _l("Graded an essay again after an objection"),
        "attempt.regrade": _l("Regraded an attempt after a change of the answer key"),
        "class.create": _l("Opened a class"),
        "class.update": _l("Changed a class"),
        "class.nominate": _l("Nominated people for a class"),
        "class.quotas": _l("Changed the quotas of a class"),
        "class_member.register": _l("Registered for a class"),
        "class_member.withdraw": _l("Withdrew from a class"),
        "class_member.remove": _l("Removed someone from a class"),
        "class_funding.create": _l("Recorded funding of a class"),
        "class_funding.update": _l("Changed funding of a class"),
        "class_funding.delete": _l("Deleted funding of a class"),
        "class_cost.create": _l("Recorded a cost of a class"),
        "class_cost.update": _l("Changed a cost of a class"),
        "class_cost.delete": _l("Deleted a cost of a class"),
        "class_session.create": _l("Scheduled a class session"),
        "class_session.update": _l("Changed a class session"),
        "class_session.delete": _l("Deleted a class session"),
        "class_session.new_code": _l("Made a new check-in code for a class session"),
        "attendance.update": _l("Recorded attendance at a class session"),
        "certificate_template.create": _l("Created a certificate template"),
        "certificate_template.update": _l("Changed a certificate template"),
        "certificate.issue": _l("Issued a certificate"),
        "certificate.revoke": _l("Revoked a certificate"),
        "certificate.bulk": _l("Started issuing the certificates of a class"),
    }


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: A dotted verb, e.g. "auth.login_failed", "user.update".
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: What was acted on, e.g. "user:42"; empty when nothing in particular.
    target: Mapped[str] = mapped_column(String(120), default="", index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    #: The client address, when the action came through the web.
    ip: Mapped[str] = mapped_column(String(64), default="")

    actor = relationship("User", lazy="joined")

    @property
    def label(self) -> str:
        return str(action_labels().get(self.action, self.action))


def client_ip() -> str:
    """The address of the request being handled, as the log records it (views only)."""
    from flask import has_request_context, request

    return (request.remote_addr or "") if has_request_context() else ""


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in SECRET_KEYS}


def record(
    action: str,
    *,
    now: datetime,
    actor=None,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEntry:
    """Add an audit entry to the session (the caller commits)."""
    entry = AuditEntry(
        at=now,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target=target,
        before=_clean(before),
        after=_clean(after),
        ip=ip or "",
    )
    db.session.add(entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Keep only the keys whose values differ, for a compact log entry."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_save(
    kind: str,
    obj,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    *,
    now: datetime,
    actor=None,
    ip: str = "",
) -> AuditEntry | None:
    """Log the creation (`before` is None) or the change of `obj`; nothing when nothing changed."""
    if before is None:
        return record(
            f"{kind}.create", now=now, actor=actor, target=f"{kind}:{obj.id}", after=after, ip=ip
        )
    old, new = changes(before, after)
    if not new:
        return None
    return record(
        f"{kind}.update",
        now=now,
        actor=actor,
        target=f"{kind}:{obj.id}",
        before=old,
        after=new,
        ip=ip,
    )
