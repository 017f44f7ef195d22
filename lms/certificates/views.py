"""Certificate templates, for BKPSDM's admins: the list, the form, a PDF preview with sample
data, and deactivation."""

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.certificates import render, services
from lms.certificates.forms import TemplateForm, layout_labels
from lms.certificates.models import MAX_SIGNATORIES, CertificateTemplate
from lms.core import scan, uploads
from lms.core.audit import client_ip
from lms.core.clock import local_date, utcnow
from lms.courses.forms import ConfirmForm
from lms.courses.services import remove_stored
from lms.extensions import db
from lms.partners.models import Institution

bp = Blueprint("certificates", __name__, url_prefix="/sertifikat")

#: Pictures on a certificate: what WeasyPrint and every phone show (no SVG: it may carry script).
IMAGE_TYPES = uploads.IMAGE_TYPES


@bp.app_template_global()
def certificate_labels() -> dict:
    return {"layout": layout_labels(), "placeholders": render.placeholders()}


@bp.get("/templat")
@role_required(Role.ADMIN)
def templates():
    rows = db.session.scalars(
        select(CertificateTemplate).order_by(
            CertificateTemplate.active.desc(), CertificateTemplate.name
        )
    ).all()
    return render_template("certificates/templates.html", templates=rows, confirm=ConfirmForm())


@bp.route("/templat/baru", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/templat/<int:template_id>/ubah", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_template(template_id: int | None):
    template = (
        db.get_or_404(CertificateTemplate, template_id) if template_id else CertificateTemplate()
    )
    # Row n of the form is the signatory at position n, whether or not the rows above are used.
    by_slot = [None] * MAX_SIGNATORIES
    for s in template.signatories:
        by_slot[s.position - 1] = s
    form = TemplateForm(obj=template if template_id else None)
    if not form.is_submitted():
        form.signatories.process(None, by_slot)
    form.layout.choices = list(layout_labels().items())
    sig_errors: list[str] = []
    if form.validate_on_submit():
        config = current_app.config
        image_max = config["CERTIFICATE_IMAGE_MAX_BYTES"]
        logo = scan.checked_field(form.logo, IMAGE_TYPES, image_max)
        background = scan.checked_field(
            form.background, IMAGE_TYPES, config["CERTIFICATE_BACKGROUND_MAX_BYTES"]
        )
        rows = [
            services.SignatoryInput(
                name=sub.form.name.data or "",
                nip=sub.form.nip.data or "",
                title=sub.form.title.data or "",
                signature=scan.checked_field(sub.form.signature, IMAGE_TYPES, image_max),
                remove_signature=sub.form.remove_signature.data,
            )
            for sub in form.signatories
        ]
        refused = form.logo.errors or form.background.errors
        refused = refused or any(sub.form.signature.errors for sub in form.signatories)
        if not refused:
            data = {
                name: getattr(form, name).data
                for name in ("name", "layout", "title", "body", "place", "number_pattern")
            }
            data["active"] = form.active.data
            try:
                old = services.save_template(
                    template,
                    data,
                    rows,
                    actor=current_user,
                    now=utcnow(),
                    ip=client_ip(),
                    logo=logo,
                    remove_logo=form.remove_logo.data,
                    background=background,
                    remove_background=form.remove_background.data,
                )
            except services.TemplateError as e:
                db.session.rollback()
                if e.field == "signatories":
                    sig_errors.append(str(e))
                else:
                    field = getattr(form, e.field)
                    field.errors = [*field.errors, str(e)]
            else:
                db.session.commit()
                remove_stored(old)
                flash(_("Template saved."), "success")
                return redirect(url_for("certificates.templates"))
    config = current_app.config
    return render_template(
        "certificates/template_form.html",
        form=form,
        template=template if template_id else None,
        stored_signatories=by_slot,
        sig_errors=sig_errors,
        max_image=config["CERTIFICATE_IMAGE_MAX_BYTES"],
        max_background=config["CERTIFICATE_BACKGROUND_MAX_BYTES"],
    ), 422 if request.method == "POST" else 200


@bp.get("/templat/<int:template_id>/pratinjau")
@role_required(Role.ADMIN)
def preview_template(template_id: int):
    """The template rendered as a PDF with made-up data, to check how it looks."""
    template = db.get_or_404(CertificateTemplate, template_id)
    pdf = render.render_pdf(template, sample_data(template))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'inline; filename="pratinjau-sertifikat.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/templat/<int:template_id>/nonaktifkan")
@role_required(Role.ADMIN)
def deactivate_template(template_id: int):
    template = db.get_or_404(CertificateTemplate, template_id)
    if ConfirmForm().validate_on_submit():
        services.deactivate(template, actor=current_user, now=utcnow(), ip=client_ip())
        db.session.commit()
        flash(_("The template is no longer offered for new certificates."), "success")
    return redirect(url_for("certificates.templates"))


def sample_data(template: CertificateTemplate) -> render.CertificateData:
    """Made-up holder and training, with a partner's logo when one exists, for the preview."""
    today = local_date(utcnow())
    partner = db.session.scalar(
        select(Institution)
        .where(Institution.active.is_(True), Institution.logo_key.is_not(None))
        .order_by(Institution.id)
        .limit(1)
    )
    code = "CONTOH12"
    return render.CertificateData(
        number=template.number_pattern.replace("{seq}", "0001")
        .replace("{year}", str(today.year))
        .replace("{month}", f"{today.month:02d}"),
        name="Andi Muhammad Rizal, S.Kom.",
        nip="199001012015031001",
        rank="Penata Muda Tingkat I (III/b)",
        position="Analis Kebijakan Ahli Pertama",
        unit="Bagian Organisasi Sekretariat Daerah",
        title="Pelatihan Analisis Data untuk Kebijakan Publik",
        institution=partner.name if partner else "BKPSDM Kota Makassar",
        starts_on=today - timedelta(days=11),
        ends_on=today - timedelta(days=7),
        jp=40,
        predicate="Sangat Baik",
        place=template.place,
        signed_on=today,
        verify_url=f"{request.url_root}v/{code}",
        code=code,
        signatories=render.signatories_of(template),
        institution_logo=render.Image(partner.logo_key, partner.logo_type) if partner else None,
    )
