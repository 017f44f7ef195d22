from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import require_role
from lms.auth.models import Role, Unit, User
from lms.core.audit import client_ip
from lms.core.clock import local_date, utcnow
from lms.core.storage import storage
from lms.core.uploads import EVIDENCE_TYPES, UploadRejected, check
from lms.extensions import db, htmx
from lms.records import export, reports, services
from lms.records.forms import ConfirmForm, EntryForm
from lms.records.models import YEARLY_TARGET_JP, LedgerEntry, kind_labels

bp = Blueprint("records", __name__, url_prefix="/riwayat")


@bp.context_processor
def _helpers() -> dict:
    return {"day": lambda d: format_date(d, "medium"), "kinds": kind_labels()}


def _year():
    return services.parse_year(request.args.get("tahun"), utcnow())


def get_person_or_404(user_id: int) -> User:
    """The person whose ledger the current user may see; 403 for someone else's unit."""
    person = db.get_or_404(User, user_id)
    if not services.may_see_ledger_of(current_user, person):
        abort(403)
    return person


def get_entry_or_404(entry_id: int) -> LedgerEntry:
    return db.get_or_404(LedgerEntry, entry_id)


def get_unit_or_403(unit_id: int | None) -> Unit | None:
    """The unit asked for, if the current user may see it; a supervisor's own by default."""
    if unit_id:
        unit = db.get_or_404(Unit, unit_id)
        if not services.may_see_unit(current_user, unit):
            abort(403)
        return unit
    if current_user.has_role(Role.ADMIN):
        return None
    return current_user.unit


# Ledgers ----------------------------------------------------------------------------------


def _ledger(person: User, year: int) -> dict:
    now = utcnow()
    entries = services.entries_for(person, year)
    years = services.ledger_years(person, now)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    return {
        "person": person,
        "year": year,
        "entries": entries,
        "certificates": services.certificates_of(entries),
        "progress": services.Progress(sum(e.jp for e in entries)),
        "years": years,
        "target": YEARLY_TARGET_JP,
    }


@bp.get("")
def my_ledger():
    require_role()
    return render_template(
        "records/my_ledger.html",
        year_url=lambda y: url_for("records.my_ledger", tahun=y),
        **_ledger(current_user, _year()),
    )


def _person_page(person: User, year: int, form: EntryForm | None = None):
    admin = current_user.has_role(Role.ADMIN)
    if admin and form is None:
        form = EntryForm()
    ctx = _ledger(person, year)
    if admin:
        ctx["manual"] = {e.id for e in ctx["entries"] if services.is_manual(e)}
    return render_template(
        "records/person.html",
        form=form if admin else None,
        confirm=ConfirmForm() if admin else None,
        year_url=lambda y: url_for("records.person", user_id=person.id, tahun=y),
        **ctx,
    )


@bp.get("/pegawai/<int:user_id>")
def person(user_id: int):
    require_role(Role.SUPERVISOR, Role.ADMIN)
    return _person_page(get_person_or_404(user_id), _year())


@bp.post("/pegawai/<int:user_id>/tambah")
def add_entry(user_id: int):
    require_role(Role.ADMIN)
    person = get_person_or_404(user_id)
    form = EntryForm()
    problem = _("The entry was not recorded. Correct the marked fields.")
    if form.validate_on_submit():
        upload = form.evidence.data
        try:
            evidence = check(upload.stream, upload.filename, EVIDENCE_TYPES)
            data = {name: form[name].data for name in services.ENTRY_FIELDS}
            entry = services.add_entry(
                person, data, evidence, actor=current_user, now=utcnow(), ip=client_ip()
            )
        except UploadRejected as e:
            form.evidence.errors = [*form.evidence.errors, str(e)]
        except services.LedgerError as e:
            db.session.rollback()
            problem = _("The entry was not recorded: %(reason)s", reason=str(e))
        else:
            db.session.commit()
            flash(_("Entry recorded."), "success")
            return redirect(url_for("records.person", user_id=person.id, tahun=entry.end_date.year))
    flash(problem, "error")
    return _person_page(person, _year(), form)


@bp.post("/entri/<int:entry_id>/hapus")
def delete_entry(entry_id: int):
    require_role(Role.ADMIN)
    entry = get_entry_or_404(entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    person_id, year = entry.user_id, entry.end_date.year
    try:
        key = services.delete_entry(entry, actor=current_user, now=utcnow(), ip=client_ip())
    except services.LedgerError as e:
        flash(str(e), "error")
    else:
        db.session.commit()
        if key:
            storage().delete(key)  # only once the deletion is committed
        flash(_("Entry deleted."), "success")
    return redirect(url_for("records.person", user_id=person_id, tahun=year))


@bp.get("/entri/<int:entry_id>/bukti")
def evidence(entry_id: int):
    require_role()
    entry = get_entry_or_404(entry_id)
    if not services.may_see_evidence(current_user, entry):
        abort(403)
    if not entry.evidence_key:
        abort(404)
    response = send_file(
        storage().open(entry.evidence_key),
        mimetype=entry.evidence_type or "application/octet-stream",
        as_attachment=True,
        download_name=entry.evidence_name or "bukti",
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Dashboards -------------------------------------------------------------------------------


@bp.get("/unit")
def unit_dashboard():
    require_role(Role.SUPERVISOR, Role.ADMIN)
    unit = get_unit_or_403(request.args.get("unit", type=int))
    year = _year()
    ctx: dict = {"unit": unit, "year": year, "target": YEARLY_TARGET_JP}
    if current_user.has_role(Role.ADMIN):
        ctx["units"] = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    if unit is None:
        return render_template("records/unit.html", **ctx)
    today = local_date(utcnow())
    q = request.args.get("q", "").strip()
    below = request.args.get("below") == "1"
    page = db.paginate(
        reports.unit_people(unit, year, q=q, below=below),
        per_page=current_app.config["PEOPLE_PER_PAGE"],
        error_out=False,
    )
    ids = [p.id for p in page.items]
    ctx.update(
        page=page,
        q=q,
        below=below,
        stats=reports.unit_stats(year, today, unit.id).get(unit.id, reports.UnitStats()),
        jp=reports.jp_of(ids, year),
        overdue=reports.overdue_of(ids, today),
        years=_recent_years(year),
    )
    if htmx.target == "unit-people":
        return render_template("records/_unit_people.html", **ctx)
    return render_template("records/unit.html", **ctx)


def _recent_years(year: int) -> list[int]:
    this_year = services.current_year(utcnow())
    return sorted({this_year, this_year - 1, this_year - 2, year}, reverse=True)


@bp.get("/kota")
def city_dashboard():
    require_role(Role.ADMIN)
    year = _year()
    rows, total = reports.city(year, local_date(utcnow()))
    return render_template(
        "records/city.html",
        rows=rows,
        total=total,
        year=year,
        years=_recent_years(year),
        target=YEARLY_TARGET_JP,
    )


# Export -----------------------------------------------------------------------------------

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/ekspor.<any(csv, xlsx):fmt>", endpoint="export")
def export_entries(fmt: str):
    require_role(Role.SUPERVISOR, Role.ADMIN)
    unit = get_unit_or_403(request.args.get("unit", type=int))
    if unit is None and not current_user.has_role(Role.ADMIN):
        abort(403)  # a supervisor without a unit has nothing to export
    year = _year()
    data = export.rows(year, unit)
    body = export.to_csv(data) if fmt == "csv" else export.to_xlsx(data)
    name = export.file_name(year, unit, fmt)
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
