"""Staff of a partner institution: admins manage any institution's, a coordinator their own."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.auth.services import AccountError
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.courses.forms import ConfirmForm
from lms.extensions import db
from lms.partners import access, staff
from lms.partners.forms import StaffForm
from lms.partners.models import Institution
from lms.partners.views import bp


def _staff_url(inst: Institution) -> str:
    if access.is_admin(current_user):
        return url_for("partners.manage_staff", institution_id=inst.id)
    return url_for("partners.my_staff")


def _staff_page(inst: Institution, form: StaffForm, status: int = 200):
    return render_template(
        "partners/staff.html",
        inst=inst,
        people=staff.staff_of(inst),
        form=form,
        confirm=ConfirmForm(formdata=None),
        admin=access.is_admin(current_user),
    ), status


@bp.get("/staf")
@role_required(Role.ADMIN, Role.PARTNER)
def my_staff():
    """The coordinator's own institution's staff; admins choose an institution first."""
    if access.is_admin(current_user):
        return redirect(url_for("partners.institutions"))
    if current_user.institution_id is None:
        abort(403)
    inst = access.get_staff_institution_or_404(current_user.institution_id)
    return _staff_page(inst, StaffForm(formdata=None))


@bp.route("/<int:institution_id>/staf", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.PARTNER)
def manage_staff(institution_id: int):
    """The staff list, and the form that invites a new member (an account with a one-time
    password, shown once)."""
    inst = access.get_staff_institution_or_404(institution_id)
    form = StaffForm()
    if request.method == "GET":
        return _staff_page(inst, StaffForm(formdata=None))
    if form.validate_on_submit():
        data = {"name": form.name.data, "email": form.email.data, "position": form.position.data}
        try:
            person, password = staff.invite(
                inst, data, actor=current_user, now=utcnow(), ip=client_ip()
            )
        except AccountError as e:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(e)]
        else:
            db.session.commit()
            return render_template(
                "admin/password_issued.html",
                person=person,
                password=password,
                done_url=_staff_url(inst),
            )
    return _staff_page(inst, form, 422)


@bp.post("/<int:institution_id>/staf/<int:user_id>/status")
@role_required(Role.ADMIN, Role.PARTNER)
def set_staff_active(institution_id: int, user_id: int):
    inst = access.get_staff_institution_or_404(institution_id)
    person = access.get_staff_member_or_404(inst, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        staff.set_active(person, active, actor=current_user, now=utcnow(), ip=client_ip())
    except AccountError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s can log in again.", name=person.name)
            if active
            else _("%(name)s can no longer log in.", name=person.name),
            "success",
        )
    return redirect(_staff_url(inst))


@bp.post("/<int:institution_id>/staf/<int:user_id>/koordinator")
@role_required(Role.ADMIN)
def set_coordinator(institution_id: int, user_id: int):
    inst = access.get_staff_institution_or_404(institution_id)
    person = access.get_staff_member_or_404(inst, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    coordinator = request.form.get("coordinator") == "1"
    staff.set_coordinator(person, coordinator, actor=current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(
        _("%(name)s is now a coordinator.", name=person.name)
        if coordinator
        else _("%(name)s is no longer a coordinator.", name=person.name),
        "success",
    )
    return redirect(_staff_url(inst))
