"""Certificates for many members of a class at once, issued by a background job.

`start()` (in the admin's request) writes a BulkIssue with one item per person and records it;
the view commits, then enqueues `run`. The job issues one certificate per item, each in its own
transaction, so the progress page sees every step and one person's failure stops nobody else:
the item keeps the reason. At the end it puts every PDF issued into one ZIP.

Running the job twice issues nothing twice: an item is claimed by a conditional UPDATE in the
transaction that issues its certificate (a second run, even at the same moment, skips it), and
`issuing.issue()` refuses a second valid certificate for the same completion anyway.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.certificates import issuing
from lms.certificates.issuing import IssueError
from lms.certificates.models import (
    BulkIssue,
    BulkIssueItem,
    BulkState,
    Certificate,
    CertificateState,
    CertificateTemplate,
)
from lms.classes.models import Cohort, Member, MemberState
from lms.core import audit, jobs
from lms.core.clock import utcnow
from lms.core.storage import storage
from lms.extensions import db
from lms.learning.models import Enrollment

log = logging.getLogger(__name__)

#: A ZIP is built in memory up to this size, then in a temporary file.
ZIP_IN_MEMORY = 16 * 1024 * 1024


# -- who may get one ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A participant of the class, how far they are, and the certificate they already hold."""

    member: Member
    enrollment: Enrollment | None
    certificate: Certificate | None

    @property
    def completed(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is not None

    @property
    def eligible(self) -> bool:
        """Completed, and no valid certificate for it yet."""
        return self.completed and self.certificate is None


def eligible(cohort: Cohort) -> list[Row]:
    """Every participant of the class (enrolled members) by name, for the page and for `start`."""
    members = db.session.scalars(
        select(Member)
        .join(User, User.id == Member.user_id)
        .where(Member.cohort_id == cohort.id, Member.state == MemberState.ENROLLED)
        .order_by(User.name, User.id)
    ).all()
    enrollments = {
        e.user_id: e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id))
    }
    held: dict[int, Certificate] = {}
    if enrollments:
        held = {
            c.enrollment_id: c
            for c in db.session.scalars(
                select(Certificate).where(
                    Certificate.enrollment_id.in_([e.id for e in enrollments.values()]),
                    Certificate.state == CertificateState.VALID,
                )
            )
        }
    rows = []
    for member in members:
        enrollment = enrollments.get(member.user_id)
        rows.append(Row(member, enrollment, held.get(enrollment.id) if enrollment else None))
    return rows


def start(
    cohort: Cohort,
    template: CertificateTemplate | None,
    user_ids: list[int] | None,
    *,
    actor: User,
    now: datetime,
    ip: str = "",
) -> BulkIssue:
    """Queue certificates for everyone eligible in the class (`user_ids` None) or for the
    participants chosen (flushed; the view commits, then enqueues `run`).

    Raises IssueError, having written nothing, without an active template or anyone to issue to.
    A participant chosen who has not completed gets an item too: the job records why not.
    """
    if template is None or not template.active:
        raise IssueError(_l("Choose an active certificate template."))
    rows = eligible(cohort)
    if user_ids is None:
        chosen = [r.member.user_id for r in rows if r.eligible]
        if not chosen:
            raise IssueError(
                _l(
                    "Nobody in this class can receive a certificate now: nobody has completed it "
                    "without holding a certificate for it already."
                )
            )
    else:
        wanted = set(user_ids)
        if not wanted:
            raise IssueError(_l("Tick at least one participant."))
        chosen = [r.member.user_id for r in rows if r.member.user_id in wanted]
        if len(chosen) != len(wanted):
            raise IssueError(_l("Only participants of this class can be chosen."))
    bulk = BulkIssue(
        cohort_id=cohort.id,
        template_id=template.id,
        state=BulkState.QUEUED,
        requested_by_id=actor.id,
        created_at=now,
    )
    bulk.items = [BulkIssueItem(user_id=user_id) for user_id in chosen]
    db.session.add(bulk)
    db.session.flush()
    audit.record(
        "certificate.bulk",
        target=f"bulk_issue:{bulk.id}",
        after={
            "cohort": cohort.id,
            "template": template.id,
            "people": len(chosen),
            "everyone_eligible": user_ids is None,
        },
        now=now,
        actor=actor,
        ip=ip,
    )
    return bulk


# -- the job ------------------------------------------------------------------------------------


@jobs.task
def run(bulk_id: int) -> None:
    """Issue the certificate of every item not done yet, one transaction each; then the ZIP."""
    bulk = db.session.get(BulkIssue, bulk_id)
    if bulk is None or bulk.state is BulkState.DONE:
        return
    bulk.state = BulkState.RUNNING
    db.session.commit()
    template = db.session.get(CertificateTemplate, bulk.template_id)
    requester = db.session.get(User, bulk.requested_by_id) if bulk.requested_by_id else None
    waiting = db.session.scalars(
        select(BulkIssueItem.id)
        .where(BulkIssueItem.bulk_id == bulk_id, BulkIssueItem.done.is_(False))
        .order_by(BulkIssueItem.id)
    ).all()
    for item_id in waiting:
        _issue_item(item_id, bulk.cohort_id, template, requester)
    _render_missing(bulk_id)
    bulk = db.session.get(BulkIssue, bulk_id)
    bulk.zip_key = _build_zip(bulk)
    bulk.state, bulk.finished_at = BulkState.DONE, utcnow()
    db.session.commit()


def _issue_item(item_id: int, cohort_id: int, template, requester) -> None:
    """Issue one item's certificate and render its PDF; on failure, record why and go on."""
    claim = db.session.execute(
        update(BulkIssueItem)
        .where(BulkIssueItem.id == item_id, BulkIssueItem.done.is_(False))
        .values(done=True)
        .execution_options(synchronize_session=False)
    )
    if claim.rowcount != 1:  # another run has it
        db.session.rollback()
        return
    item = db.session.get(BulkIssueItem, item_id)
    try:
        enrollment = db.session.scalar(
            select(Enrollment).where(
                Enrollment.cohort_id == cohort_id, Enrollment.user_id == item.user_id
            )
        )
        if enrollment is None:
            raise IssueError(_l("%(name)s does not follow this class.", name=item.user.name))
        certificate = issuing.issue(enrollment, template, now=utcnow(), actor=requester)
        item.certificate_id = certificate.id
        db.session.commit()
    except IssueError as e:
        db.session.rollback()
        _record_error(item_id, str(e), waiting_only=True)
        return
    except Exception:
        db.session.rollback()
        log.exception("bulk issue: the certificate of item %s could not be issued", item_id)
        _record_error(
            item_id,
            _("An unexpected error stopped this certificate; nothing was issued. Try again later."),
            waiting_only=True,
        )
        return
    _render(item_id, certificate)


def _render(item_id: int, certificate: Certificate) -> None:
    """Make the certificate's PDF; if that fails, the item says so (the certificate stays)."""
    try:
        issuing.ensure_pdf(certificate)
    except Exception:
        db.session.rollback()
        log.exception("bulk issue: the PDF of certificate %s could not be made", certificate.id)
        _record_error(
            item_id,
            _(
                "The certificate was issued, but its PDF could not be made; it is made again "
                "later and is not in the ZIP."
            ),
        )


def _render_missing(bulk_id: int) -> None:
    """Make the PDFs an interrupted run issued without (its worker stopped, say)."""
    rows = db.session.execute(
        select(BulkIssueItem.id, Certificate)
        .join(Certificate, Certificate.id == BulkIssueItem.certificate_id)
        .where(
            BulkIssueItem.bulk_id == bulk_id,
            BulkIssueItem.error == "",
            Certificate.pdf_key.is_(None),
        )
        .order_by(BulkIssueItem.id)
    ).all()
    for item_id, certificate in rows:
        _render(item_id, certificate)


def _record_error(item_id: int, message: str, *, waiting_only: bool = False) -> None:
    """Mark the item done with the reason (if still waiting, when its claim was rolled back)."""
    stmt = update(BulkIssueItem).where(BulkIssueItem.id == item_id)
    if waiting_only:
        stmt = stmt.where(BulkIssueItem.done.is_(False))
    db.session.execute(
        stmt.values(done=True, error=message[:500]).execution_options(synchronize_session=False)
    )
    db.session.commit()


def zip_name(certificate: Certificate) -> str:
    """A safe file name in the ZIP: the number, then the holder's name."""
    number = slugify(certificate.number, max_length=80) or str(certificate.id)
    return f"{number}_{slugify(certificate.holder_name, max_length=60) or 'sertifikat'}.pdf"


def _build_zip(bulk: BulkIssue) -> str | None:
    """Store a ZIP of the PDFs of every certificate this bulk issued; its key (None if none)."""
    certificates = db.session.scalars(
        select(Certificate)
        .join(BulkIssueItem, BulkIssueItem.certificate_id == Certificate.id)
        .where(BulkIssueItem.bulk_id == bulk.id, Certificate.pdf_key.is_not(None))
        .order_by(BulkIssueItem.id)
    ).all()
    if not certificates:
        return None
    with tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY) as buffer:
        # PDFs are compressed already: stored, not deflated again.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for certificate in certificates:
                with storage().open(certificate.pdf_key) as pdf:
                    archive.writestr(zip_name(certificate), pdf.read())
        buffer.seek(0)
        return storage().save(buffer).key


# -- progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    issued: int
    failed: int

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100


def progress_of(bulk: BulkIssue) -> Progress:
    """How many items are done, issued (a certificate) and failed (a reason, no certificate)."""
    item = BulkIssueItem
    total, done, issued, failed = db.session.execute(
        select(
            func.count(item.id),
            func.count(case((item.done.is_(True), 1))),
            func.count(item.certificate_id),
            func.count(case(((item.error != "") & item.certificate_id.is_(None), 1))),
        ).where(item.bulk_id == bulk.id)
    ).one()
    return Progress(total, done, issued, failed)


def problems_of(bulk: BulkIssue) -> list[BulkIssueItem]:
    """The items with a reason, with their person, in the order they were done."""
    return list(
        db.session.scalars(
            select(BulkIssueItem)
            .options(selectinload(BulkIssueItem.user))
            .where(BulkIssueItem.bulk_id == bulk.id, BulkIssueItem.error != "")
            .order_by(BulkIssueItem.id)
        )
    )


def issued_by(bulk: BulkIssue) -> list[Certificate]:
    """The certificates this bulk issued, in the order it issued them."""
    return list(
        db.session.scalars(
            select(Certificate)
            .join(BulkIssueItem, BulkIssueItem.certificate_id == Certificate.id)
            .where(BulkIssueItem.bulk_id == bulk.id)
            .order_by(BulkIssueItem.id)
        )
    )


def of_class(cohort: Cohort) -> list[BulkIssue]:
    """The class's bulk issues, newest first."""
    return list(
        db.session.scalars(
            select(BulkIssue)
            .where(BulkIssue.cohort_id == cohort.id)
            .order_by(BulkIssue.created_at.desc(), BulkIssue.id.desc())
        )
    )
