"""Partner institutions and their agreements, for BKPSDM's admins (and, read-only, for the
institution's own staff). Staff management and the review of materials have their own modules."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.classes.models import Cohort
from lms.core import scan, uploads
from lms.core.audit import client_ip
from lms.core.clock import local_date, utcnow
from lms.core.storage import storage
from lms.courses.forms import ConfirmForm
from lms.courses.services import remove_stored
from lms.extensions import db
from lms.partners import access, services
from lms.partners.forms import (
    AgreementForm,
    InstitutionForm,
    agreement_kind_labels,
    institution_type_labels,
)
from lms.partners.models import Agreement, AgreementKind, Institution
from lms.partners.services import AgreementStatus
from lms.partners.staff import staff_of

bp = Blueprint("partners", __name__, url_prefix="/mitra")

#: A logo is shown small on the institution's page: the types every phone shows, no SVG.
LOGO_TYPES = {k: v for k, v in uploads.IMAGE_TYPES.items() if v in ("png", "jpg", "webp")}
PDF_TYPES = {"application/pdf": "pdf"}
AGREEMENTS_PER_PAGE = 25


def _today():
    return local_date(utcnow())


def _notice_days() -> int:
    return int(current_app.config["AGREEMENT_ENDING_DAYS"])


def status_labels() -> dict[AgreementStatus, str]:
    return {
        AgreementStatus.UPCOMING: _l("Not yet in force"),
        AgreementStatus.IN_FORCE: _l("In force"),
        AgreementStatus.ENDING: _l("Ending soon"),
        AgreementStatus.EXPIRED: _l("Expired"),
    }


@bp.app_template_global()
def partner_labels() -> dict:
    """Display names for the partners' pages."""
    return {
        "type": institution_type_labels(),
        "kind": agreement_kind_labels(),
        "short": {AgreementKind.MOU: "MoU", AgreementKind.PKS: "PKS"},
        "status": status_labels(),
    }


# Institutions -----------------------------------------------------------------------------


@bp.get("/")
@role_required(Role.ADMIN)
def institutions():
    staff = dict(
        db.session.execute(
            select(User.institution_id, func.count(User.id)).group_by(User.institution_id)
        ).all()
    )
    rows = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    today = _today()
    return render_template(
        "partners/institutions.html",
        rows=rows,
        staff=staff,
        in_force=services.institutions_in_force(today),
        ending=services.count_ending(today, _notice_days()),
        notice_days=_notice_days(),
    )


@bp.get("/<int:institution_id>")
@role_required(Role.ADMIN, Role.PARTNER)
def institution(institution_id: int):
    inst = access.get_visible_institution_or_404(institution_id)
    today, days = _today(), _notice_days()
    agreements = [(a, services.status(a, today, days)) for a in inst.agreements]
    classes = db.session.scalar(
        select(func.count(Cohort.id)).where(Cohort.institution_id == inst.id)
    )
    return render_template(
        "partners/institution.html",
        inst=inst,
        agreements=agreements,
        in_force=services.agreement_in_force(inst.id, today),
        staff=staff_of(inst),
        classes=classes,
        admin=access.is_admin(current_user),
        coordinator=access.is_coordinator_of(current_user, inst.id),
    )


@bp.get("/<int:institution_id>/logo")
@login_required
def logo(institution_id: int):
    """An institution's logo: a public fact about a partner, for anyone logged in."""
    from lms.exams.image_views import send_image  # here: exams imports in an order of its own

    inst = db.get_or_404(Institution, institution_id)
    return send_image(inst.logo_key or "", inst.logo_type)


@bp.route("/baru", methods=["GET", "POST"], defaults={"institution_id": None})
@bp.route("/<int:institution_id>/ubah", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_institution(institution_id: int | None):
    inst = db.get_or_404(Institution, institution_id) if institution_id else Institution()
    form = InstitutionForm(obj=inst)
    form.type.choices = list(institution_type_labels().items())
    if form.validate_on_submit():
        max_bytes = current_app.config["INSTITUTION_LOGO_MAX_BYTES"]
        logo = scan.checked_field(form.logo, LOGO_TYPES, max_bytes)
        if not form.logo.errors:
            data = {
                name: getattr(form, name).data
                for name in (
                    "name",
                    "type",
                    "active",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "address",
                    "website",
                )
            }
            try:
                old = services.save_institution(
                    inst,
                    data,
                    actor=current_user,
                    now=utcnow(),
                    ip=client_ip(),
                    logo=logo,
                    remove_logo=form.remove_logo.data,
                )
            except services.PartnerError as e:
                db.session.rollback()
                form.name.errors = [*form.name.errors, str(e)]
            else:
                db.session.commit()
                remove_stored([old] if old else [])
                flash(_("Institution saved."), "success")
                return redirect(url_for("partners.institution", institution_id=inst.id))
    return render_template(
        "partners/institution_form.html",
        form=form,
        inst=inst if institution_id else None,
        max_logo=current_app.config["INSTITUTION_LOGO_MAX_BYTES"],
    ), 422 if request.method == "POST" else 200


# Agreements -------------------------------------------------------------------------------


@bp.get("/perjanjian")
@role_required(Role.ADMIN)
def agreements():
    status = request.args.get("status", "")
    status = status if status in set(AgreementStatus) else ""
    today, days = _today(), _notice_days()
    page = db.paginate(
        services.agreements(status, today, days), per_page=AGREEMENTS_PER_PAGE, error_out=False
    )
    return render_template(
        "partners/agreements.html",
        page=page,
        rows=[(a, services.status(a, today, days)) for a in page.items],
        status=status,
        notice_days=days,
    )


# No `defaults` on these rules: each builds from its own argument alone.
@bp.route("/<int:institution_id>/perjanjian/baru", methods=["GET", "POST"])
@bp.route("/perjanjian/<int:agreement_id>/ubah", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_agreement(institution_id: int | None = None, agreement_id: int | None = None):
    if agreement_id is not None:
        agreement = db.get_or_404(Agreement, agreement_id)
        inst = agreement.institution
    else:
        inst = db.get_or_404(Institution, institution_id)
        agreement = Agreement()
    form = AgreementForm(obj=agreement)
    if form.validate_on_submit():
        max_bytes = current_app.config["AGREEMENT_DOCUMENT_MAX_BYTES"]
        document = scan.checked_field(form.document, PDF_TYPES, max_bytes)
        if not form.document.errors:
            data = {
                name: getattr(form, name).data
                for name in ("kind", "number", "title", "scope", "starts_on", "ends_on")
            }
            try:
                old = services.save_agreement(
                    agreement,
                    inst,
                    data,
                    actor=current_user,
                    now=utcnow(),
                    ip=client_ip(),
                    document=document,
                )
            except services.PartnerError as e:
                db.session.rollback()
                form.number.errors = [*form.number.errors, str(e)]
            else:
                db.session.commit()
                remove_stored([old] if old else [])
                flash(_("Agreement saved."), "success")
                return redirect(url_for("partners.institution", institution_id=inst.id))
    return render_template(
        "partners/agreement_form.html",
        form=form,
        inst=inst,
        agreement=agreement if agreement_id else None,
        deletable=agreement_id is not None and agreement.starts_on > _today(),
        max_size=current_app.config["AGREEMENT_DOCUMENT_MAX_BYTES"],
        confirm=ConfirmForm(formdata=None),
    ), 422 if request.method == "POST" else 200


@bp.post("/perjanjian/<int:agreement_id>/hapus")
@role_required(Role.ADMIN)
def delete_agreement(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    institution_id = agreement.institution_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        key = services.delete_agreement(
            agreement, actor=current_user, now=utcnow(), today=_today(), ip=client_ip()
        )
    except services.PartnerError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("partners.edit_agreement", agreement_id=agreement_id))
    db.session.commit()
    remove_stored([key] if key else [])
    flash(_("Agreement deleted."), "success")
    return redirect(url_for("partners.institution", institution_id=institution_id))


@bp.get("/perjanjian/<int:agreement_id>/dokumen")
@role_required(Role.ADMIN, Role.PARTNER)
def agreement_document(agreement_id: int):
    """The signed document, as a download, to admins and the institution's own staff."""
    agreement = access.get_agreement_or_404(agreement_id)
    if not agreement.document_key:
        abort(404)
    path = storage().path(agreement.document_key)
    response = send_file(
        path if path is not None else storage().open(agreement.document_key),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=agreement.document_name or f"perjanjian-{agreement.id}.pdf",
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
