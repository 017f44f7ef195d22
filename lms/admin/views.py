from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from lms.admin import importing
from lms.admin.forms import (
    ConfirmForm,
    ImportForm,
    PersonForm,
    UnitForm,
    role_labels,
    unit_kind_labels,
)
from lms.auth import services
from lms.auth.access import require_role
from lms.auth.models import Role, Unit, User
from lms.core.audit import AuditEntry, client_ip
from lms.core.clock import utcnow
from lms.extensions import db, htmx
from lms.partners.models import Institution

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    require_role(Role.ADMIN)


def get_person_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def get_unit_or_404(unit_id: int) -> Unit:
    return db.get_or_404(Unit, unit_id)


def unit_choices(blank: str, exclude: Unit | None = None) -> list[tuple]:
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    choices = [(None, blank)]
    for u in units:
        if exclude is not None and (u.id == exclude.id or exclude in u.ancestors()):
            continue
        choices.append((u.id, u.name if u.active else f"{u.name} ({_('inactive')})"))
    return choices


# People -----------------------------------------------------------------------------------


@bp.get("/pengguna")
def people():
    q = request.args.get("q", "").strip()
    unit_id = request.args.get("unit", type=int)
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    stmt = select(User).outerjoin(User.unit).order_by(User.name, User.id)
    digits = "".join(q.split())
    if digits.isdigit():
        # A NIP prefix: a range on the unique index instead of a scan (":" sorts after "9").
        stmt = stmt.where(User.nip >= digits, User.nip < digits + ":")
    elif q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.email.ilike(like), Unit.name.ilike(like)))
    if unit_id:
        stmt = stmt.where(User.unit_id == unit_id)
    if role in set(Role):
        stmt = stmt.where(User.role_rows.any(role=Role(role)))
    if status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    elif status != "all":
        stmt = stmt.where(User.active.is_(True))
    page = db.paginate(stmt, per_page=current_app.config["PEOPLE_PER_PAGE"], error_out=False)
    template = "admin/_people_list.html" if htmx.target == "people-list" else "admin/people.html"
    return render_template(
        template,
        page=page,
        q=q,
        unit_id=unit_id,
        role=role,
        status=status,
        units=unit_choices(_("All units"))[1:],
        roles=role_labels(),
    )


def _person_form(user: User) -> PersonForm:
    form = PersonForm(obj=user)
    form.unit_id.choices = unit_choices("—")
    form.institution_id.choices = [(None, "—")] + [
        (i.id, i.name) for i in db.session.scalars(select(Institution).order_by(Institution.name))
    ]
    form.roles.choices = list(role_labels().items())
    if request.method == "GET":
        form.roles.data = sorted(user.roles) if user.id else [Role.ASN]
    return form


def _person_data(form: PersonForm) -> dict:
    return {
        "name": form.name.data,
        "nip": form.nip.data or None,
        "email": form.email.data or None,
        "position": form.position.data,
        "rank": form.rank.data,
        "unit": db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None,
        "institution": (
            db.session.get(Institution, form.institution_id.data)
            if form.institution_id.data
            else None
        ),
        "roles": set(form.roles.data or []),
    }


@bp.route("/pengguna/baru", methods=["GET", "POST"])
def new_person():
    # The column default only applies at INSERT; issuing the password bumps it first.
    user = User()
    form = _person_form(user)
    if form.validate_on_submit():
        try:
            password = services.save_person(
                user, _person_data(form), actor=current_user, now=utcnow(), ip=client_ip()
            )
        except services.AccountError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            return render_template("admin/password_issued.html", person=user, password=password)
    return render_template("admin/person_form.html", form=form, person=None)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
def edit_person(user_id: int):
    user = get_person_or_404(user_id)
    form = _person_form(user)
    if form.validate_on_submit():
        try:
            services.save_person(
                user, _person_data(form), actor=current_user, now=utcnow(), ip=client_ip()
            )
        except services.AccountError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.edit_person", user_id=user.id))
    return render_template("admin/person_form.html", form=form, person=user, confirm=ConfirmForm())


@bp.post("/pengguna/<int:user_id>/status")
def set_person_active(user_id: int):
    user = get_person_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_active(user, active, actor=current_user, now=utcnow(), ip=client_ip())
    except services.AccountError as e:
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("Account activated.") if active else _("Account deactivated."), "success")
    return redirect(url_for("admin.edit_person", user_id=user.id))


@bp.post("/pengguna/<int:user_id>/reset")
def reset_person_password(user_id: int):
    user = get_person_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = services.reset_password(user, actor=current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    return render_template("admin/password_issued.html", person=user, password=password)


# Units ------------------------------------------------------------------------------------


@bp.get("/unit")
def units():
    roots = db.session.scalars(
        select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.name)
    ).all()
    return render_template("admin/units.html", roots=roots, kinds=unit_kind_labels())


def _unit_form(unit: Unit) -> UnitForm:
    form = UnitForm(obj=unit)
    form.kind.choices = list(unit_kind_labels().items())
    form.parent_id.choices = unit_choices(_("— (top level)"), exclude=unit if unit.id else None)
    if request.method == "GET" and unit.id is None:
        form.parent_id.data = request.args.get("parent", type=int)
    return form


def _save_unit_from(form: UnitForm, unit: Unit) -> bool:
    data = {
        "name": form.name.data,
        "code": form.code.data,
        "kind": form.kind.data,
        "parent": db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None,
        "active": form.active.data,
    }
    try:
        services.save_unit(unit, data, actor=current_user, now=utcnow(), ip=client_ip())
    except services.AccountError as e:
        db.session.rollback()
        flash(str(e), "error")
        return False
    db.session.commit()
    return True


@bp.route("/unit/baru", methods=["GET", "POST"], defaults={"unit_id": None})
@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
def edit_unit(unit_id: int | None):
    unit = get_unit_or_404(unit_id) if unit_id else Unit()
    form = _unit_form(unit)
    if form.validate_on_submit() and _save_unit_from(form, unit):
        flash(_("Unit saved."), "success")
        return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit if unit_id else None)


# Import -----------------------------------------------------------------------------------


@bp.route("/impor", methods=["GET", "POST"])
def import_people():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        report = importing.import_people(
            upload.stream, upload.filename, actor=current_user, now=utcnow(), ip=client_ip()
        )
        db.session.commit()
        return render_template("admin/import_report.html", report=report, form=ConfirmForm())
    return render_template("admin/import.html", form=form, columns=importing.COLUMN_HELP)


@bp.post("/impor/<token>/kata-sandi.csv")
def import_passwords(token: str):
    """Hand over the one-time passwords of an import, once; they are then erased."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    batch = importing.batch_by_token(token)
    if batch is None:
        abort(404)
    data = importing.take_credentials(batch, actor=current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    if data is None:
        flash(_("These one-time passwords were already downloaded and have been erased."), "error")
        return redirect(url_for("admin.import_people"))
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="kata-sandi-impor-{batch.id}.csv"',
            "Cache-Control": "no-store",
        },
    )


# Audit log --------------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    action = request.args.get("action", "").strip()
    target = request.args.get("target", "").strip()
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action.like(f"{action}%"))
    if target:
        stmt = stmt.where(AuditEntry.target == target)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, action=action, target=target)
