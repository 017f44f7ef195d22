"""Pages of class sessions: the schedule, attendance by roster, the code shown in the room, and
participants checking in with it."""

from dataclasses import dataclass

import segno
from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.classes import attendance, sessions
from lms.classes import completion as class_completion
from lms.classes.access import (
    can_manage,
    can_see,
    get_cohort_to_manage_or_404,
    get_member_or_404,
    get_session_or_404,
    is_member,
)
from lms.classes.models import Attendance, ClassSession, Cohort, Member, MemberState
from lms.classes.session_forms import CheckInForm, SessionForm
from lms.classes.views import bp
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.extensions import db, htmx, limiter

MANAGERS = (Role.ADMIN, Role.PARTNER)


# The panel on the class page ---------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    session: ClassSession
    phase: sessions.Phase
    #: Participants present (for the class's staff).
    present: int
    #: Whether the person looking was present (for a participant; None when not recorded).
    mine: bool | None


def present_counts(cohort: Cohort) -> dict[int, int]:
    """Participants recorded present, per session of the class."""
    rows = db.session.execute(
        select(Attendance.session_id, func.count(Attendance.id))
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(
            Member,
            (Member.user_id == Attendance.user_id) & (Member.cohort_id == ClassSession.cohort_id),
        )
        .where(
            ClassSession.cohort_id == cohort.id,
            Attendance.present.is_(True),
            Member.state == MemberState.ENROLLED,
        )
        .group_by(Attendance.session_id)
    ).all()
    return dict(rows)


def enrolled_count(cohort: Cohort) -> int:
    return db.session.scalar(
        select(func.count(Member.id)).where(
            Member.cohort_id == cohort.id, Member.state == MemberState.ENROLLED
        )
    )


def sessions_panel(cohort: Cohort) -> dict:
    """What the sessions panel of the class page shows to the person looking."""
    now = utcnow()
    manager = can_manage(current_user, cohort)
    member = is_member(current_user, cohort)
    counts = present_counts(cohort) if manager else {}
    mine = attendance.own_attendance(cohort, current_user) if member else {}
    rows = [
        SessionRow(s, sessions.phase(s, now), counts.get(s.id, 0), mine.get(s.id))
        for s in sessions.sessions_of(cohort)
    ]
    return {
        "rows": rows,
        "manager": manager,
        "member": member,
        "enrolled": enrolled_count(cohort) if manager else 0,
        "checkin_open": member
        and any(sessions.checkin_window(r.session).open_at(now) for r in rows),
        "progress": class_completion.attendance_progress(cohort, current_user.id)
        if member
        else None,
    }


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals["class_sessions_panel"] = sessions_panel


# Sessions (the class's staff) --------------------------------------------------------------


def _back(cohort: Cohort):
    return redirect(url_for("classes.show", cohort_id=cohort.id) + "#sessions")


def _session_page(cohort: Cohort, session: ClassSession | None, form: SessionForm, status=200):
    return (
        render_template(
            "classes/session_form.html",
            cohort=cohort,
            session=session,
            form=form,
            locked=session is not None and sessions.has_attendance(session),
        ),
        status,
    )


def _save(cohort: Cohort, session: ClassSession, form: SessionForm):
    try:
        sessions.save_session(
            session, form.data_for_service(), actor=current_user, now=utcnow(), ip=client_ip()
        )
    except sessions.SessionError as e:
        db.session.rollback()
        form.form_errors.append(str(e))
        return None
    db.session.commit()
    return True


@bp.route("/<int:cohort_id>/sesi/baru", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_session(cohort_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    form = SessionForm()
    if form.validate_on_submit() and _save(cohort, ClassSession(cohort_id=cohort.id), form):
        flash(_("The session has been added."), "success")
        return _back(cohort)
    return _session_page(cohort, None, form, 422 if request.method == "POST" else 200)


@bp.route("/<int:cohort_id>/sesi/<int:session_id>/ubah", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_session(cohort_id: int, session_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    session = get_session_or_404(cohort, session_id)
    form = SessionForm(obj=session)
    if request.method == "GET":
        form.fill(session)
    elif form.validate_on_submit():
        if _save(cohort, session, form):
            flash(_("The session has been saved."), "success")
            return _back(cohort)
        session = get_session_or_404(cohort, session_id)  # as stored, after the rollback
    return _session_page(cohort, session, form, 422 if request.method == "POST" else 200)


@bp.post("/<int:cohort_id>/sesi/<int:session_id>/hapus")
@role_required(*MANAGERS)
def delete_session(cohort_id: int, session_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    session = get_session_or_404(cohort, session_id)
    try:
        sessions.delete_session(session, actor=current_user, now=utcnow(), ip=client_ip())
    except sessions.SessionError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("classes.edit_session", cohort_id=cohort.id, session_id=session_id))
    db.session.commit()
    flash(_("The session has been deleted."), "success")
    return _back(cohort)


# Attendance by roster ----------------------------------------------------------------------


def _roster_context(cohort: Cohort, session: ClassSession) -> dict:
    members = attendance.enrolled_members(cohort)
    return {
        "cohort": cohort,
        "session": session,
        "members": members,
        "records": attendance.attendance_at(session),
        "present": attendance.present_count(session, members),
        "total": len(members),
    }


@bp.get("/<int:cohort_id>/sesi/<int:session_id>/presensi")
@role_required(*MANAGERS)
def session_roster(cohort_id: int, session_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    session = get_session_or_404(cohort, session_id)
    return render_template(
        "classes/session_roster.html",
        phase=sessions.phase(session, utcnow()),
        **_roster_context(cohort, session),
    )


@bp.post("/<int:cohort_id>/sesi/<int:session_id>/presensi/<int:member_id>")
@role_required(*MANAGERS)
def mark_attendance(cohort_id: int, session_id: int, member_id: int):
    """Record one participant present or absent; the form says which (not "toggle"), so a
    double tap or a replay leaves the same result."""
    cohort = get_cohort_to_manage_or_404(cohort_id)
    session = get_session_or_404(cohort, session_id)
    member = get_member_or_404(cohort, member_id)
    value = request.form.get("present")
    if value not in ("0", "1") or member.state is not MemberState.ENROLLED:
        return _("Choose present or absent for a participant of the class."), 422
    attendance.mark(session, member, value == "1", actor=current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    if htmx and not htmx.boosted:
        context = _roster_context(cohort, session)
        return render_template(
            "classes/_roster_row.html",
            member=member,
            record=context["records"].get(member.user_id),
            oob=True,
            **context,
        )
    back = url_for("classes.session_roster", cohort_id=cohort.id, session_id=session.id)
    return redirect(f"{back}#att-{member.id}")


# The code shown in the room ----------------------------------------------------------------


def checkin_url(cohort: Cohort, session: ClassSession) -> str:
    return url_for(
        "classes.checkin", cohort_id=cohort.id, kode=session.checkin_code, _external=True
    )


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG: one path, no style or script (the CSP allows it)."""
    return segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None, title=url
    )


@bp.get("/<int:cohort_id>/sesi/<int:session_id>/kode")
@role_required(*MANAGERS)
def checkin_code(cohort_id: int, session_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    session = get_session_or_404(cohort, session_id)
    url = checkin_url(cohort, session)
    now = utcnow()
    counts = _roster_context(cohort, session)
    return render_template(
        "classes/checkin_code.html",
        cohort=cohort,
        session=session,
        url=url,
        qr=qr_svg(url),
        window=sessions.checkin_window(session),
        is_open=sessions.checkin_window(session).open_at(now),
        phase=sessions.phase(session, now),
        present=counts["present"],
        total=counts["total"],
    )


@bp.post("/<int:cohort_id>/sesi/<int:session_id>/kode")
@role_required(*MANAGERS)
def new_checkin_code(cohort_id: int, session_id: int):
    cohort = get_cohort_to_manage_or_404(cohort_id)
    session = get_session_or_404(cohort, session_id)
    sessions.regenerate_code(session, actor=current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(_("A new code has been made; the old one no longer works."), "success")
    return redirect(url_for("classes.checkin_code", cohort_id=cohort.id, session_id=session.id))


# Checking in (participants) ----------------------------------------------------------------


def _checkin_limit() -> str:
    return current_app.config["CLASS_CHECKIN_FAILURE_LIMIT"]


def _person_key() -> str:
    return f"person:{getattr(current_user, 'id', '') or request.remote_addr}"


def _wrong_code(response) -> bool:
    return bool(g.get("checkin_wrong_code"))


def _open_sessions(cohort: Cohort) -> tuple[list[ClassSession], bool]:
    """The sessions open for check-in now at which the person is recorded present, and whether
    any open session is still without them."""
    now = utcnow()
    mine = attendance.own_attendance(cohort, current_user)
    open_now = [s for s in sessions.sessions_of(cohort) if sessions.checkin_window(s).open_at(now)]
    attended = [s for s in open_now if mine.get(s.id)]
    return attended, len(attended) < len(open_now) or not open_now


@bp.route("/<int:cohort_id>/hadir", methods=["GET", "POST"])
@limiter.limit(
    _checkin_limit,
    key_func=_person_key,
    methods=["POST"],
    deduct_when=_wrong_code,
    scope="class-checkin",
)
@role_required(Role.ASN)
def checkin(cohort_id: int):
    # Whoever has the code from the room may open this page: a person not in the class reads
    # why they cannot check in rather than a "not found".
    cohort = db.get_or_404(Cohort, cohort_id)
    form = CheckInForm()
    if request.method == "GET":
        form.code.data = sessions.normalise_code(request.args.get("kode"))[:20]
    refusal = attendance.eligibility(cohort, current_user)
    status = 403 if refusal else 200
    error = attendance.refusal_text(refusal) if refusal else None
    if refusal is None and form.validate_on_submit():
        result = attendance.check_in(cohort, current_user, form.code.data, now=utcnow())
        db.session.commit()
        if result.session is not None:
            if result.new:
                flash(_("Thank you: you are recorded present."), "success")
            else:
                flash(_("You were already recorded present."), "info")
            return redirect(url_for("classes.checkin", cohort_id=cohort.id))
        g.checkin_wrong_code = result.refusal is attendance.Refusal.WRONG_CODE
        error = attendance.refusal_text(result.refusal, result.matched)
        status = 422
    elif request.method == "POST" and refusal is None:
        status = 422
    attended, pending = ([], False) if refusal else _open_sessions(cohort)
    return (
        render_template(
            "classes/checkin.html",
            cohort=cohort,
            form=form,
            error=error,
            refused=refusal is not None,
            visible=can_see(current_user, cohort),
            attended=attended,
            show_form=not refusal and (pending or status == 422),
        ),
        status,
    )
