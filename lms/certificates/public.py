"""Public certificate verification, for anyone without logging in: /verifikasi and /v/<code>.

A page answers for one code only: valid or revoked, with what the certificate says and the
SHA-256 of its PDF; an unknown or malformed code gets the same plain "not found". Anyone may
upload a PDF to learn whether it is the very file issued; nothing uploaded is kept. Both pages
are rate-limited per address, so that codes cannot be guessed in bulk.
"""

import hashlib
import hmac

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select

from lms.certificates import issuing
from lms.certificates.models import Certificate
from lms.core import uploads
from lms.core.errors import render_error
from lms.extensions import csrf, db, limiter

bp = Blueprint("verify", __name__)

#: What may be compared: a PDF, recognised by its first bytes.
PDF_TYPE = {"application/pdf": "pdf"}
#: Room for the rest of a comparison request (the token, the multipart boundaries).
FORM_OVERHEAD = 16 * 1024


class CompareForm(FlaskForm):
    pdf = FileField(_l("The certificate's PDF file"))


def _verify_limit() -> str:
    return current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"]


#: One budget per address for both pages: typing codes into /verifikasi spends it as opening
#: /v/<code> does.
rate_limited = limiter.shared_limit(_verify_limit, scope="certificate-verify")


@bp.errorhandler(429)
def _too_many(e):
    return render_error(
        429, _("Too many certificate checks from your address. Please wait a minute and try again.")
    )


@bp.errorhandler(413)
def _too_large(e):
    limit = uploads.size_text(current_app.config["CERTIFICATE_VERIFY_MAX_BYTES"])
    return render_error(413, _("The file is larger than %(limit)s.", limit=limit))


def mask_nip(nip: str | None) -> str:
    """A NIP with all but its first four and last three digits hidden (1990***********001):
    enough to match the printed certificate, too little to learn a birth date from it."""
    nip = nip or ""
    if len(nip) <= 7:
        return "*" * len(nip)
    return nip[:4] + "*" * (len(nip) - 7) + nip[-3:]


def find_certificate(code: str) -> Certificate | None:
    """The certificate with this code (as typed: any case, dashes or spaces), or None."""
    code = issuing.normalize_code(code)
    if len(code) != issuing.CODE_LENGTH:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def successor_of(certificate: Certificate) -> Certificate | None:
    """The newest certificate issued to correct this (revoked) one, if any."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.replaces_id == certificate.id)
        .order_by(Certificate.id.desc())
        .limit(1)
    )


def same_file(stream, sha256: str | None) -> bool:
    """Whether the uploaded file is, byte for byte, the one whose SHA-256 was recorded."""
    digest = hashlib.file_digest(stream, "sha256").hexdigest()
    return sha256 is not None and hmac.compare_digest(digest, sha256)


@bp.get("/verifikasi")
@rate_limited
def lookup():
    """A form to type a code; a code sent with it leads to its page."""
    typed = request.args.get("kode")
    error = None
    if typed is not None:
        code = issuing.normalize_code(typed)
        if code:
            return redirect(url_for("verify.show", code=code))
        error = _("Enter the code printed under the QR code.")
    return render_template("certificates/verify_lookup.html", typed=typed or "", error=error), (
        422 if error else 200
    )


@bp.route("/v/<code>", methods=["GET", "POST"])
@rate_limited
@csrf.exempt  # the form checks its token itself, after the upload's size limit is set
def show(code: str):
    """Whether the certificate is valid or revoked, what it says, and the PDF's fingerprint;
    a POST compares an uploaded PDF with the one issued."""
    typed, code = code, issuing.normalize_code(code)
    if request.method == "GET" and code and code != typed:
        return redirect(url_for("verify.show", code=code))  # one address per certificate
    certificate = find_certificate(code)
    if certificate is None:
        return render_template("certificates/verify_lookup.html", not_found=True, typed=""), 404
    if not certificate.pdf_key:
        try:
            issuing.ensure_pdf(certificate)
        except Exception:  # the page answers anyway; the periodic job renders it later
            db.session.rollback()
            current_app.logger.exception("PDF of certificate %s not rendered", certificate.id)
    max_bytes = current_app.config["CERTIFICATE_VERIFY_MAX_BYTES"]
    if request.method == "POST":
        # Refuse a larger body before reading it (a 413, answered by _too_large).
        request.max_content_length = max_bytes + FORM_OVERHEAD
    form = CompareForm()
    matches = None
    if form.validate_on_submit():
        sent = form.pdf.data
        if not sent or not getattr(sent, "filename", ""):
            form.pdf.errors.append(_("Choose the PDF file to compare."))
        else:
            try:
                checked = uploads.check(sent.stream, sent.filename, PDF_TYPE, max_bytes)
            except uploads.UploadRejected as e:
                form.pdf.errors.append(str(e))
            else:
                matches = same_file(checked.stream, certificate.pdf_sha256)
    elif form.is_submitted() and form.csrf_token.errors:
        form.pdf.errors.append(_("The form has expired. Please try again."))
    status = 422 if form.pdf.errors else 200
    return render_template(
        "certificates/verify_show.html",
        certificate=certificate,
        successor=successor_of(certificate),
        nip=mask_nip(certificate.holder_nip),
        code=issuing.pretty_code(certificate.code),
        issuer=current_app.config["CERTIFICATE_ISSUER"].splitlines(),
        form=form,
        matches=matches,
        max_bytes=max_bytes,
    ), status
