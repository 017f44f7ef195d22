"""Issuing certificates: a number without gaps, a long random code, a snapshot of the holder and
the training, and the PDF rendered once and stored with its SHA-256.

Issuing is two steps, so that no lock is held while WeasyPrint works:

1. `issue()` (inside the caller's transaction) takes the next number from the counter row,
   writes the certificate and flushes; the caller commits. A transaction that fails gives
   its number back, so numbers have no gaps.
2. `ensure_pdf()` (after the commit) renders the PDF from the snapshot, stores it and records
   its key, hash and size once. Downloads, the verification page and a periodic job call it
   for a certificate whose PDF is not there yet (one issued on completion, say).
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select, update

from lms.certificates import render
from lms.certificates.models import (
    IMMUTABLE,
    Certificate,
    CertificateCounter,
    CertificateState,
    CertificateTemplate,
)
from lms.core import audit, jobs
from lms.core.clock import local_date
from lms.core.db import insert_if_absent
from lms.core.storage import storage
from lms.extensions import db
from lms.learning.completion import on_completion

#: Verification codes: no 0/O or 1/I/L to misread; 20 characters are 100 random bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
#: What a certificate says of a holder who completed without a scored exam.
PASSED = "Lulus"


class IssueError(ValueError):
    """Why a certificate cannot be issued, in words for the admin."""


# -- codes and numbers --------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """A code as typed or printed ("abcd-efgh …") in its stored form."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())[: CODE_LENGTH + 4]


def pretty_code(code: str) -> str:
    """A code in groups of four, as printed under the QR code: ABCD-EFGH-…"""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def next_number(pattern: str, day: date) -> str:
    """The next number under `pattern` for the year of `day`, taken in the caller's transaction.

    The UPDATE ... RETURNING locks the counter row until the caller commits or rolls back, so
    concurrent issuers get consecutive numbers and a rolled-back issue leaves no gap.
    """
    insert_if_absent(CertificateCounter, pattern=pattern, year=day.year, last=0)
    seq = db.session.execute(
        update(CertificateCounter)
        .where(CertificateCounter.pattern == pattern, CertificateCounter.year == day.year)
        .values(last=CertificateCounter.last + 1)
        .returning(CertificateCounter.last)
    ).scalar_one()
    parts = {"seq": f"{seq:04d}", "year": str(day.year), "month": f"{day.month:02d}"}
    return re.sub(r"\{(seq|year|month)\}", lambda m: parts[m.group(1)], pattern)


# -- predicates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    minimum: Decimal
    label: str


def parse_bands(text: str) -> list[Band]:
    """Score bands as written on a course, one a line: "85 Sangat Memuaskan" (lowest score, label).

    Raises IssueError naming the first line that is not a score from 0 to 100 and a label.
    Returned highest first.
    """
    bands = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        m = re.fullmatch(r"(\d{1,3}(?:[.,]\d+)?)\s*%?\s*[:=-]?\s*(\S.{0,58})", line)
        minimum = Decimal(m.group(1).replace(",", ".")) if m else None
        if minimum is None or minimum > 100:
            raise IssueError(
                _l(
                    "Line %(n)d: write the lowest score (0 to 100) and the predicate, "
                    "e.g. \u201c85 Sangat Memuaskan\u201d.",
                    n=number,
                )
            )
        bands.append(Band(minimum, m.group(2).strip()))
    return sorted(bands, key=lambda b: b.minimum, reverse=True)


def predicate_for(bands: list[Band], score: Decimal | None) -> str:
    """The label of the highest band the score reaches; "Lulus" without a score or a band."""
    if score is not None:
        for band in bands:
            if score >= band.minimum:
                return band.label
    return PASSED


def score_of(enrollment) -> Decimal | None:
    """The holder's score in the course: the mean percentage of the counted attempts of its
    exams (the grading method of each decides which attempt counts); None without one."""
    from lms.exams import services as exams
    from lms.exams.models import Exam

    scores = []
    for exam in db.session.scalars(select(Exam).where(Exam.course_id == enrollment.course_id)):
        counted = exams.counted_attempt(exam, enrollment.user)
        if counted is not None:
            scores.append(exams.percent(counted.score, counted.max_score))
    if not scores:
        return None
    return (sum(scores) / len(scores)).quantize(Decimal("0.1"))


# -- issuing ------------------------------------------------------------------------------------


def template_for(enrollment) -> CertificateTemplate | None:
    """The template a completion earns: the class's, else the course's; None if neither says."""
    cohort = enrollment.cohort
    template_id = (cohort.certificate_template_id if cohort else None) or (
        enrollment.course.certificate_template_id
    )
    return db.session.get(CertificateTemplate, template_id) if template_id else None


def valid_certificate_of(enrollment_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.enrollment_id == enrollment_id,
            Certificate.state == CertificateState.VALID,
        )
    )


def issue(
    enrollment,
    template: CertificateTemplate,
    *,
    now: datetime,
    actor=None,
    ip: str = "",
    replaces: Certificate | None = None,
) -> Certificate:
    """Issue the certificate a completed enrollment earns (flushed; the caller commits, then
    calls `ensure_pdf`). Raises IssueError, having written nothing, when it cannot be issued.

    `replaces` is a revoked certificate of the same enrollment that this one corrects.
    """
    if enrollment.completed_at is None:
        raise IssueError(_l("%(name)s has not completed it yet.", name=enrollment.user.name))
    if not template.active:
        raise IssueError(_l("The template \u201c%(name)s\u201d is not active.", name=template.name))
    if replaces is not None and (replaces.valid or replaces.enrollment_id != enrollment.id):
        raise IssueError(_l("Only a revoked certificate of the same training can be replaced."))
    if valid_certificate_of(enrollment.id) is not None:
        raise IssueError(
            _l("%(name)s already holds a valid certificate for it.", name=enrollment.user.name)
        )
    user, course, cohort = enrollment.user, enrollment.course, enrollment.cohort
    if cohort is not None:
        title, jp = cohort.name, cohort.jp
        institution = cohort.institution
        starts_on, ends_on = cohort.starts_on, cohort.ends_on
    else:
        title, jp = course.title, course.jp
        institution = course.institution
        starts_on = local_date(enrollment.enrolled_at)
        ends_on = local_date(enrollment.completed_at)
    score = score_of(enrollment)
    signed_on = local_date(now)
    certificate = Certificate(
        code=new_code(),
        number=next_number(template.number_pattern, signed_on),
        user_id=user.id,
        template_id=template.id,
        enrollment_id=enrollment.id,
        cohort_id=cohort.id if cohort else None,
        course_id=course.id,
        holder_name=user.name,
        holder_nip=user.nip or "",
        holder_rank=user.rank,
        holder_position=user.position,
        holder_unit=user.unit.name if user.unit else "",
        title=title[:200],
        institution=institution.name if institution else "BKPSDM Kota Makassar",
        institution_id=institution.id if institution else None,
        starts_on=starts_on,
        ends_on=ends_on,
        jp=jp,
        score=float(score) if score is not None else None,
        predicate=predicate_for(parse_bands_quietly(course.score_bands), score),
        place=template.place,
        signed_on=signed_on,
        layout=template.layout,
        heading=template.title,
        body=template.body,
        signatories=[
            {
                "name": s.name,
                "nip": s.nip,
                "title": s.title,
                "signature_key": s.signature_key,
                "signature_type": s.signature_type,
            }
            for s in template.signatories
        ],
        state=CertificateState.VALID,
        replaces_id=replaces.id if replaces else None,
        issued_at=now,
        issued_by_id=actor.id if actor is not None else None,
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record(
        "certificate.issue",
        target=f"certificate:{certificate.id}",
        after={
            "number": certificate.number,
            "holder": user.id,
            "replaces": certificate.replaces_id,
        },
        now=now,
        actor=actor,
        ip=ip,
    )
    return certificate


def parse_bands_quietly(text: str) -> list[Band]:
    """The course's bands; none when they cannot be read (the course form refuses such text)."""
    try:
        return parse_bands(text)
    except IssueError:
        return []


def revoke(certificate: Certificate, reason: str, *, actor, now: datetime, ip: str = "") -> None:
    """Mark a certificate revoked, with the reason; it stays verifiable, as revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise IssueError(_l("Give the reason for revoking."))
    if not certificate.valid:
        raise IssueError(_l("This certificate has already been revoked."))
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at, certificate.revoked_reason = now, reason[:500]
    certificate.revoked_by_id = actor.id
    db.session.flush()
    audit.record(
        "certificate.revoke",
        target=f"certificate:{certificate.id}",
        before={"state": str(CertificateState.VALID)},
        after={"state": str(certificate.state), "reason": certificate.revoked_reason},
        now=now,
        actor=actor,
        ip=ip,
    )


@event.listens_for(Certificate, "before_update")
def _refuse_changes(mapper, connection, target: Certificate) -> None:
    """An issued certificate never changes: only its state and its PDF (once) may be written."""
    state = db.inspect(target)
    changed = [name for name in IMMUTABLE if state.attrs[name].history.has_changes()]
    pdf = state.attrs["pdf_key"].history
    if pdf.has_changes() and pdf.deleted and pdf.deleted[0] is not None:
        changed.append("pdf_key")
    if changed:
        raise ValueError(f"an issued certificate cannot change ({', '.join(changed)})")


# -- the PDF ------------------------------------------------------------------------------------


def verify_url(code: str) -> str:
    """The short address printed in the QR code: <site>/v/<code>."""
    base = current_app.config.get("PUBLIC_URL") or (
        request.url_root if has_request_context() else "http://127.0.0.1:5000/"
    )
    return f"{base.rstrip('/')}/v/{code}"


def data_of(certificate: Certificate) -> render.CertificateData:
    """What the certificate prints, from its snapshot."""
    institution_logo = None
    if certificate.institution_id is not None:
        from lms.partners.models import Institution

        institution = db.session.get(Institution, certificate.institution_id)
        if institution is not None and institution.logo_key:
            institution_logo = render.Image(institution.logo_key, institution.logo_type)
    return render.CertificateData(
        number=certificate.number,
        name=certificate.holder_name,
        nip=certificate.holder_nip,
        rank=certificate.holder_rank,
        position=certificate.holder_position,
        unit=certificate.holder_unit,
        title=certificate.title,
        institution=certificate.institution,
        starts_on=certificate.starts_on,
        ends_on=certificate.ends_on,
        jp=certificate.jp,
        predicate=certificate.predicate,
        place=certificate.place,
        signed_on=certificate.signed_on,
        verify_url=verify_url(certificate.code),
        code=pretty_code(certificate.code),
        signatories=[
            render.Signatory(
                s["name"],
                s.get("nip", ""),
                s["title"],
                render.Image(s["signature_key"], s["signature_type"])
                if s.get("signature_key")
                else None,
            )
            for s in certificate.signatories
        ],
        institution_logo=institution_logo,
    )


def look_of(certificate: Certificate) -> render.Look:
    """The snapshot's words and layout, with the template's logo and background."""
    template = certificate.template
    return render.Look(
        certificate.layout,
        certificate.heading,
        certificate.body,
        render.Image(template.logo_key, template.logo_type)
        if template and template.logo_key
        else None,
        render.Image(template.background_key, template.background_type)
        if template and template.background_key
        else None,
    )


def html_of(certificate: Certificate) -> str:
    return render.html_of(look_of(certificate), data_of(certificate))


def pdf_bytes(certificate: Certificate) -> bytes:
    """A fresh rendering of the certificate, signed (used once, by `ensure_pdf`)."""
    from lms.certificates import signing

    return signing.sign_pdf(render.pdf.render_pdf(html_of(certificate)))


def ensure_pdf(certificate: Certificate) -> Certificate:
    """Render, sign and store the PDF if it is not stored yet, recording key, hash and size
    once (a conditional UPDATE: of two renderings at once, the first kept wins). Commits."""
    if certificate.pdf_key:
        return certificate
    content = pdf_bytes(certificate)
    stored = storage().save(io.BytesIO(content))
    done = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.pdf_key.is_(None))
        .values(
            pdf_key=stored.key,
            pdf_sha256=stored.sha256,
            pdf_size=stored.size,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if done.rowcount != 1:
        storage().delete(stored.key)
    db.session.refresh(certificate)
    return certificate


@jobs.periodic(minutes=5)
def render_pending() -> int:
    """Render the PDFs of certificates issued without one (on completion, say); how many."""
    ids = db.session.scalars(
        select(Certificate.id).where(Certificate.pdf_key.is_(None)).order_by(Certificate.id)
    ).all()
    for certificate_id in ids:
        ensure_pdf(db.session.get(Certificate, certificate_id))
    return len(ids)


def issue_on_completion(enrollment, now: datetime) -> None:
    """The completion hook: issue the certificate when the class or the course says so."""
    cohort = enrollment.cohort
    auto = cohort.auto_certificate if cohort is not None else enrollment.course.auto_certificate
    template = template_for(enrollment) if auto else None
    if template is None or not template.active:
        return
    if valid_certificate_of(enrollment.id) is None:
        issue(enrollment, template, now=now)


on_completion(issue_on_completion)
