from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.extensions import db
from lms.partners import services
from lms.partners.forms import InstitutionForm, institution_type_labels
from lms.partners.models import Institution

bp = Blueprint("partners", __name__, url_prefix="/mitra")


def get_institution_or_404(institution_id: int) -> Institution:
    return db.get_or_404(Institution, institution_id)


@bp.get("/")
@role_required(Role.ADMIN)
def institutions():
    staff = dict(
        db.session.execute(
            select(User.institution_id, func.count(User.id)).group_by(User.institution_id)
        ).all()
    )
    rows = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    return render_template(
        "partners/institutions.html", rows=rows, staff=staff, types=institution_type_labels()
    )


def _form(inst: Institution) -> InstitutionForm:
    form = InstitutionForm(obj=inst)
    form.type.choices = list(institution_type_labels().items())
    return form


def _save(form: InstitutionForm, inst: Institution) -> bool:
    data = {"name": form.name.data, "type": form.type.data, "active": form.active.data}
    try:
        services.save_institution(inst, data, actor=current_user, now=utcnow(), ip=client_ip())
    except services.InstitutionError as e:
        db.session.rollback()
        flash(str(e), "error")
        return False
    db.session.commit()
    flash(_("Institution saved."), "success")
    return True


@bp.route("/baru", methods=["GET", "POST"], defaults={"institution_id": None})
@bp.route("/<int:institution_id>/ubah", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_institution(institution_id: int | None):
    inst = get_institution_or_404(institution_id) if institution_id else Institution()
    form = _form(inst)
    if form.validate_on_submit() and _save(form, inst):
        return redirect(url_for("partners.institutions"))
    return render_template(
        "partners/institution_form.html", form=form, inst=inst if institution_id else None
    )
