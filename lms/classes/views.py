"""Pages of classes under /kelas."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false, func, select

from lms.auth.access import role_required
from lms.auth.models import Role, Unit
from lms.certificates.services import offered_templates
from lms.classes import funding as reports
from lms.classes import (
    models,  # noqa: F401  (the tables exist before any page does)
    services,
)
from lms.classes.access import (
    can_manage,
    get_cohort_or_404,
    get_cohort_to_manage_or_404,
    get_cost_or_404,
    get_funding_or_404,
    get_member_or_404,
    is_open_for,
    membership,
)
from lms.classes.forms import (
    CohortForm,
    CostForm,
    FundingForm,
    NominateForm,
    join_mode_labels,
    mode_labels,
    source_labels,
)
from lms.classes.models import Cohort, CostItem, Funding, JoinMode, Member, MemberState
from lms.core.audit import client_ip
from lms.core.clock import local_date, utcnow
from lms.extensions import db
from lms.learning.services import choose_people
from lms.records.services import parse_year

bp = Blueprint("classes", __name__, url_prefix="/kelas")

MANAGERS = (Role.ADMIN, Role.PARTNER)
PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rupiah(value) -> str:
    """An amount as people read rupiah: "Rp 12.500.000" (in the reader's number format)."""
    if value is None:
        return "—"
    return f"Rp {format_decimal(reports.rounded(value), format='#,##0')}"


def member_state_labels() -> dict:
    return {
        MemberState.ENROLLED: _("Enrolled"),
        MemberState.WAITING: _("Waiting list"),
        MemberState.WITHDRAWN: _("Withdrawn"),
    }


def status_labels() -> dict:
    return {"upcoming": _("Upcoming"), "running": _("Running"), "finished": _("Finished")}


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.filters["rupiah"] = rupiah


def _today():
    return local_date(utcnow())


def _labels() -> dict:
    return {
        "modes": mode_labels(),
        "join_modes": join_mode_labels(),
        "member_states": member_state_labels(),
        "statuses": status_labels(),
        "sources": source_labels(),
    }


# Lists ------------------------------------------------------------------------------------


def _enrolled_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Member.cohort_id, func.count(Member.id))
            .where(Member.cohort_id.in_(ids), Member.state == MemberState.ENROLLED)
            .group_by(Member.cohort_id)
        ).all()
    )


def _with_status(stmt, wanted: str, today):
    if wanted == "upcoming":
        return stmt.where(Cohort.starts_on > today)
    if wanted == "running":
        return stmt.where(Cohort.starts_on <= today, Cohort.ends_on >= today)
    if wanted == "finished":
        return stmt.where(Cohort.ends_on < today)
    return stmt


@bp.get("/")
@login_required
def index():
    today = _today()
    ctx: dict = {"today": today, **_labels()}
    manager = current_user.has_role(*MANAGERS)
    if manager:
        wanted = request.args.get("status", "")
        wanted = wanted if wanted in ("upcoming", "running", "finished") else ""
        stmt = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        if not current_user.has_role(Role.ADMIN):
            own = current_user.institution_id  # staff without an institution run nothing
            stmt = stmt.where(Cohort.institution_id == own if own is not None else false())
        page = db.paginate(_with_status(stmt, wanted, today), per_page=PER_PAGE, error_out=False)
        ctx |= {"page": page, "wanted": wanted}
        ctx["counts"] = _enrolled_counts([c.id for c in page.items])
    if current_user.has_role(Role.ASN):
        mine = db.session.execute(
            select(Cohort, Member)
            .join(Member, Member.cohort_id == Cohort.id)
            .where(Member.user_id == current_user.id)
            .order_by(Cohort.starts_on.desc())
        ).all()
        ctx["mine"] = mine
        if not manager:
            taken = [c.id for c, _m in mine]
            stmt = (
                select(Cohort)
                .where(Cohort.join_mode == JoinMode.OPEN, Cohort.ends_on >= today)
                .order_by(Cohort.starts_on, Cohort.id)
                .limit(50)
            )
            if taken:
                stmt = stmt.where(Cohort.id.not_in(taken))
            ctx["open_classes"] = db.session.scalars(stmt).all()
    return render_template("classes/index.html", manager=manager, **ctx)


# Opening and changing a class -------------------------------------------------------------


def _cohort_form(cohort: Cohort) -> CohortForm:
    form = CohortForm(obj=cohort)
    courses = services.courses_for(current_user, keep=cohort.course if cohort.id else None)
    form.course_id.choices = [(None, "—")] + [(c.id, f"{c.title} ({c.code})") for c in courses]
    institutions = services.institutions_for(current_user)
    if cohort.id and cohort.institution is not None and cohort.institution not in institutions:
        institutions.insert(0, cohort.institution)
    choices = [(i.id, i.name) for i in institutions]
    if current_user.has_role(Role.ADMIN):
        choices.insert(0, (None, "BKPSDM Kota Makassar"))
    form.institution_id.choices = choices
    if request.method == "GET" and cohort.id is None:
        form.course_id.data = request.args.get("kursus", type=int)
        form.institution_id.data = choices[0][0] if choices else None
    if current_user.has_role(Role.ADMIN):
        templates = offered_templates(keep=cohort.certificate_template_id)
        form.certificate_template_id.choices = [(None, "—")] + [(t.id, t.name) for t in templates]
    else:  # certificates are BKPSDM's to give: partner staff leave them as they are
        del form.certificate_template_id
        del form.auto_certificate
    return form


def _save(cohort: Cohort):
    form = _cohort_form(cohort)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_cohort(
                cohort, form.data_for_service(), actor=current_user, now=utcnow(), ip=client_ip()
            )
        except services.ClassError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Class saved."), "success")
            return redirect(url_for("classes.show", cohort_id=cohort.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return (
        render_template("classes/form.html", form=form, cohort=cohort if cohort.id else None),
        status,
    )


@bp.route("/baru", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    cohort = Cohort(mode=None, join_mode=JoinMode.NOMINATED, attendance_threshold=80)
    return _save(cohort)


@bp.route("/<int:cohort_id>/ubah", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(cohort_id: int):
    return _save(get_cohort_to_manage_or_404(cohort_id))


# The class page ---------------------------------------------------------------------------


@bp.get("/<int:cohort_id>")
@login_required
def show(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    now, today = utcnow(), _today()
    manager = can_manage(current_user, cohort)
    me = membership(current_user, cohort)
    seats = services.seat_count(cohort)
    ctx = {
        "cohort": cohort,
        "can_manage": manager,
        "me": me,
        "status": services.status(cohort, today),
        "seats": seats,
        "left": seats.left_for(current_user.unit_id),
        "position": services.waiting_position(me) if me else None,
        "may_register": is_open_for(current_user, cohort, today)
        and (me is None or me.state is MemberState.WITHDRAWN),
        **_labels(),
    }
    if manager:
        exams = services.class_exams(cohort)
        rows, held = services.roster(cohort, exams, now)
        enrolled_ids = {r.member.user_id for r in rows if r.member.state is MemberState.ENROLLED}
        ctx |= {
            "rows": rows,
            "held": held,
            "exams": exams,
            "essays": services.essays_waiting(exams, enrolled_ids),
            "money": services.money_totals(cohort),
            "waiting": sum(1 for r in rows if r.member.state is MemberState.WAITING),
        }
    return render_template("classes/show.html", **ctx)


# Members ----------------------------------------------------------------------------------


@bp.post("/<int:cohort_id>/daftar")
@role_required(Role.ASN)
def register(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    try:
        member = services.register(cohort, current_user, now=utcnow(), ip=client_ip())
    except services.ClassError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("classes.show", cohort_id=cohort_id))
    db.session.commit()
    if member.state is MemberState.ENROLLED:
        flash(_("You are enrolled in this class."), "success")
    else:
        flash(
            _(
                "No seat is free for your unit now, so you are on the waiting list: number "
                "%(n)s. You move up automatically when a seat frees up.",
                n=services.waiting_position(member),
            ),
            "info",
        )
    return redirect(url_for("classes.show", cohort_id=cohort_id))


@bp.post("/<int:cohort_id>/mundur")
@role_required(Role.ASN)
def withdraw(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    member = membership(current_user, cohort)
    if member is None:
        abort(404)
    was = member.state
    try:
        services.withdraw(member, actor=current_user, now=utcnow(), ip=client_ip())
    except services.ClassError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("classes.show", cohort_id=cohort_id))
    db.session.commit()
    if was is MemberState.WAITING:
        flash(_("You have left the waiting list."), "success")
    elif was is MemberState.ENROLLED:
        flash(
            _("You have withdrawn from the class; your seat went to the waiting list."), "success"
        )
    return redirect(url_for("classes.show", cohort_id=cohort_id))


@bp.route("/<int:cohort_id>/peserta/tambah", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def nominate(cohort_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    form = NominateForm()
    if form.validate_on_submit():
        today = _today()
        chosen = choose_people("people", nips=form.nips.data, today=today)
        try:
            result = services.nominate(
                cohort,
                chosen.people,
                actor=current_user,
                now=utcnow(),
                not_found=chosen.not_found,
                ip=client_ip(),
            )
        except services.ClassError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            return render_template("classes/nominate_result.html", cohort=cohort, result=result)
    status = 422 if request.method == "POST" else 200
    seats = services.seat_count(cohort)
    return render_template("classes/nominate.html", cohort=cohort, form=form, seats=seats), status


@bp.post("/<int:cohort_id>/peserta/<int:member_id>/keluarkan")
@role_required(*MANAGERS)
def remove_member(cohort_id: int, member_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    member = get_member_or_404(cohort, member_id)
    try:
        promoted = services.withdraw(member, actor=current_user, now=utcnow(), ip=client_ip())
    except services.ClassError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("classes.show", cohort_id=cohort_id, _anchor="roster"))
    names = [m.user.name for m in promoted]
    db.session.commit()
    flash(_("%(name)s is no longer in the class.", name=member.user.name), "success")
    if names:
        flash(_("Moved up from the waiting list: %(names)s.", names=", ".join(names)), "info")
    return redirect(url_for("classes.show", cohort_id=cohort_id, _anchor="roster"))


# Quotas -----------------------------------------------------------------------------------


def _seats_from_form(unit_ids: set[int]) -> tuple[dict[int, int], list[str]]:
    """The seats typed for each unit (empty = 0), and the problems found."""
    wanted: dict[int, int] = {}
    problems = []
    for key, raw in request.form.items():
        if not key.startswith("seats-"):
            continue
        unit_id = key.removeprefix("seats-")
        raw = raw.strip() or "0"
        if not unit_id.isdigit() or int(unit_id) not in unit_ids:
            problems.append(_("An unknown unit was sent."))
        elif not raw.isdigit():
            problems.append(_("Enter whole numbers of seats (0 or more)."))
        else:
            wanted[int(unit_id)] = int(raw)
    new_unit, new_seats = request.form.get("new_unit", ""), request.form.get("new_seats", "")
    new_seats = new_seats.strip()
    if new_unit:
        if not new_unit.isdigit() or int(new_unit) not in unit_ids:
            problems.append(_("An unknown unit was sent."))
        elif not new_seats.isdigit() or int(new_seats) < 1:
            problems.append(_("Enter the seats of the unit you add (1 or more)."))
        else:
            wanted[int(new_unit)] = wanted.get(int(new_unit), 0) + int(new_seats)
    elif new_seats:
        problems.append(_("Choose the unit to give these seats to."))
    return wanted, problems


@bp.route("/<int:cohort_id>/kuota", methods=["GET", "POST"])
@role_required(*MANAGERS)
def quotas(cohort_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)).all()
    status = 200
    typed = {}
    if request.method == "POST":
        known = {u.id for u in units} | {q.unit_id for q in cohort.quotas}
        wanted, problems = _seats_from_form(known)
        typed = {u: str(n) for u, n in wanted.items()}
        try:
            if problems:
                raise services.ClassError(problems[0])
            promoted = services.save_quotas(
                cohort, wanted, actor=current_user, now=utcnow(), ip=client_ip()
            )
        except services.ClassError as e:
            db.session.rollback()
            flash(str(e), "error")
            status = 422
        else:
            names = [m.user.name for m in promoted]
            db.session.commit()
            flash(_("Quotas saved."), "success")
            if names:
                flash(
                    _("Moved up from the waiting list: %(names)s.", names=", ".join(names)), "info"
                )
            return redirect(url_for("classes.quotas", cohort_id=cohort.id))
    seats = services.seat_count(cohort)
    quota_units = {q.unit_id for q in cohort.quotas}
    return (
        render_template(
            "classes/quotas.html",
            cohort=cohort,
            seats=seats,
            typed=typed,
            spare_units=[u for u in units if u.id not in quota_units],
            **_labels(),
        ),
        status,
    )


# Funding and costs ------------------------------------------------------------------------


def _funding_page(cohort: Cohort, funding_form=None, cost_form=None, status: int = 200):
    funding, costs = services.money_totals(cohort)
    return (
        render_template(
            "classes/funding.html",
            cohort=cohort,
            funding_form=funding_form or FundingForm(formdata=None),
            cost_form=cost_form or CostForm(formdata=None),
            total_funding=funding,
            total_costs=costs,
            participants=services.seat_count(cohort).enrolled,
            **_labels(),
        ),
        status,
    )


@bp.get("/<int:cohort_id>/pendanaan")
@role_required(*MANAGERS)
def funding(cohort_id: int):
    return _funding_page(get_cohort_to_manage_or_404(cohort_id))


def _money_data(form) -> dict:
    if isinstance(form, FundingForm):
        return {"source": form.source.data, "amount": form.amount.amount, "note": form.note.data}
    return {"name": " ".join(form.name.data.split()), "amount": form.amount.amount}


def _save_money(row, form) -> bool:
    """Save the row from the form; flash what happened; whether it was saved."""
    if not form.validate_on_submit():
        return False
    try:
        services.save_money(
            row, _money_data(form), actor=current_user, now=utcnow(), ip=client_ip()
        )
    except services.ClassError as e:
        db.session.rollback()
        flash(str(e), "error")
        return False
    db.session.commit()
    flash(_("Saved."), "success")
    return True


@bp.post("/<int:cohort_id>/pendanaan/dana")
@role_required(*MANAGERS)
def add_funding(cohort_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    form = FundingForm()
    if _save_money(Funding(cohort_id=cohort.id), form):
        return redirect(url_for("classes.funding", cohort_id=cohort.id))
    return _funding_page(cohort, funding_form=form, status=422)


@bp.post("/<int:cohort_id>/pendanaan/biaya")
@role_required(*MANAGERS)
def add_cost(cohort_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    form = CostForm()
    if _save_money(CostItem(cohort_id=cohort.id), form):
        return redirect(url_for("classes.funding", cohort_id=cohort.id))
    return _funding_page(cohort, cost_form=form, status=422)


def _edit_money(cohort: Cohort, row, form):
    if request.method == "GET":
        form.amount.data = format_decimal(reports.rounded(row.amount, 2), format="#,##0.##")
    elif _save_money(row, form):
        return redirect(url_for("classes.funding", cohort_id=cohort.id))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "classes/money_form.html",
            cohort=cohort,
            row=row,
            form=form,
            is_funding=isinstance(row, Funding),
        ),
        status,
    )


@bp.route("/<int:cohort_id>/pendanaan/dana/<int:funding_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_funding(cohort_id: int, funding_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    row = get_funding_or_404(cohort, funding_id)
    return _edit_money(cohort, row, FundingForm(obj=row))


@bp.route("/<int:cohort_id>/pendanaan/biaya/<int:cost_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_cost(cohort_id: int, cost_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    row = get_cost_or_404(cohort, cost_id)
    return _edit_money(cohort, row, CostForm(obj=row))


def _delete_money(cohort: Cohort, row):
    services.delete_money(row, actor=current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("classes.funding", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/pendanaan/dana/<int:funding_id>/hapus")
@role_required(*MANAGERS)
def delete_funding(cohort_id: int, funding_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    return _delete_money(cohort, get_funding_or_404(cohort, funding_id))


@bp.post("/<int:cohort_id>/pendanaan/biaya/<int:cost_id>/hapus")
@role_required(*MANAGERS)
def delete_cost(cohort_id: int, cost_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    return _delete_money(cohort, get_cost_or_404(cohort, cost_id))


# The funding report -----------------------------------------------------------------------


def _report_year() -> int:
    return parse_year(request.args.get("tahun"), utcnow())


@bp.get("/laporan/pendanaan")
@role_required(Role.ADMIN)
def funding_report():
    year = _report_year()
    return render_template(
        "classes/funding_report.html",
        report=reports.report(year),
        year=year,
        years=reports.years_with_classes(_today().year),
        definitions=reports.definitions(),
    )


@bp.get("/laporan/pendanaan.xlsx")
@role_required(Role.ADMIN)
def funding_report_xlsx():
    year = _report_year()
    return Response(
        reports.to_xlsx(reports.report(year)),
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="pendanaan-kelas-{year}.xlsx"',
            "Cache-Control": "private, no-store",
        },
    )


# Sessions, attendance, check-in and evaluation register their routes on this blueprint.
from lms.classes import evaluation_views, session_views  # noqa: E402, F401
