"""Open Badges credentials on the web: the site's did:web document with the public key, the
public page that checks an uploaded credential, and the holder's download of their credential."""

import json

from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from lms.auth.access import role_required
from lms.certificates import credentials, holder
from lms.certificates.public import FORM_OVERHEAD, rate_limited
from lms.certificates.public import bp as public_bp
from lms.certificates.views import bp
from lms.extensions import csrf


class CredentialForm(FlaskForm):
    file = FileField(_l("The credential file (.json)"))
    text = TextAreaField(_l("Or paste its content"))


@public_bp.get("/.well-known/did.json")
def did():
    """The did:web document: what verifiers fetch to learn the key that signs credentials."""
    response = jsonify(credentials.did_document())
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers run in browsers too
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@public_bp.route("/verifikasi/kredensial", methods=["GET", "POST"])
@rate_limited
@csrf.exempt  # the form checks its token itself, after the upload's size limit is set
def check_credential():
    """Anyone may upload or paste a credential: is it ours, intact, and still valid?"""
    if request.method == "POST":
        # Refuse a larger body before reading it (the 413 page of the verification pages).
        request.max_content_length = current_app.config["CERTIFICATE_VERIFY_MAX_BYTES"] + (
            FORM_OVERHEAD
        )
    form = CredentialForm()
    result = None
    if form.validate_on_submit():
        sent = form.file.data
        if sent and getattr(sent, "filename", ""):
            data = sent.stream.read(credentials.MAX_BYTES + 1)
        else:
            data = (form.text.data or "").strip().encode()
        if data:
            result = credentials.check(data)
            form.text.data = ""  # not sent back: the answer is what the page is for
        else:
            form.file.errors.append(_("Choose the credential file, or paste its content."))
    elif form.is_submitted() and form.csrf_token.errors:
        form.file.errors.append(_("The form has expired. Please try again."))
    # 200 even for a refused file: the answer is the page, as on the other verification pages.
    return render_template(
        "certificates/verify_credential.html",
        form=form,
        result=result,
        max_bytes=credentials.MAX_BYTES,
    )


@bp.get("/<int:certificate_id>/kredensial.json")
@role_required()
def credential(certificate_id: int):
    """The certificate as a signed Open Badges credential, for its holder (or an admin)."""
    certificate = holder.get_certificate_or_404(certificate_id)
    document = credentials.credential_for(certificate)
    response = make_response(json.dumps(document, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    name = holder.pdf_name(certificate).removesuffix(".pdf") + ".json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
