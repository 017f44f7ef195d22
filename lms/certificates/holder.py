"""The holder's side: "Sertifikat Saya" (every certificate a person holds, valid or revoked) and
the stored PDF, for its holder and BKPSDM's admins."""

import re

from flask import abort, render_template, send_file
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.certificates import issuing
from lms.certificates.models import Certificate
from lms.certificates.views import bp
from lms.core.storage import storage
from lms.extensions import db


def may_hold(user, certificate: Certificate) -> bool:
    """The holder and BKPSDM's admins may have a certificate's files."""
    return certificate.user_id == user.id or user.has_role(Role.ADMIN)


def get_certificate_or_404(certificate_id: int, user=None) -> Certificate:
    """The certificate if `user` (the current user by default) holds it or is an admin.

    Anyone else gets 404, as for a certificate that does not exist: its existence is not told
    (its public verification page is reached by its code, never by its id).
    """
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not may_hold(user or current_user, certificate):
        abort(404)
    return certificate


def certificates_of(user) -> list[Certificate]:
    """Every certificate the person holds, newest first, with the one each corrects."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .options(selectinload(Certificate.replaces))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def pdf_name(certificate: Certificate) -> str:
    """The download name: 800/0002/BKPSDM/2026 gives sertifikat-800-0002-BKPSDM-2026.pdf."""
    return "sertifikat-" + re.sub(r"[^0-9A-Za-z]+", "-", certificate.number).strip("-") + ".pdf"


@bp.get("")
@role_required()
def mine():
    certificates = certificates_of(current_user)
    # A revoked certificate names its correction; the pair is on this page, so no second query.
    replaced_by = {c.replaces_id: c for c in certificates if c.replaces_id is not None}
    return render_template(
        "certificates/mine.html",
        certificates=certificates,
        replaced_by=replaced_by,
        pretty_code=issuing.pretty_code,
        verify_url=issuing.verify_url,
    )


@bp.get("/<int:certificate_id>/pdf")
@role_required()
def download(certificate_id: int):
    """The PDF as it was issued (rendered now if it was not yet), byte for byte.

    A revoked certificate stays downloadable by its holder: it is their record, and the QR code
    on it leads to the verification page, which says it was revoked.
    """
    certificate = issuing.ensure_pdf(get_certificate_or_404(certificate_id))
    key = certificate.pdf_key
    path = storage().path(key)
    source = path if path is not None and path.is_file() else storage().open(key)
    response = send_file(
        source,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=pdf_name(certificate),
        conditional=True,
        etag=certificate.pdf_sha256,
        max_age=0,
    )
    if path is None:
        response.content_length = certificate.pdf_size
    # Personal, so no shared cache; the browser asks again each time (a 304 by the ETag), so
    # the access check runs on every download.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
