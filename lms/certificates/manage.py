"""Issued certificates, for BKPSDM's admins: the searchable list, one certificate with its
revocation, and issuing by hand for one person (a correction replaces a revoked certificate)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.certificates import issuing
from lms.certificates.models import Certificate, CertificateState, CertificateTemplate
from lms.certificates.public import successor_of
from lms.certificates.services import offered_templates
from lms.certificates.views import bp
from lms.core.audit import client_ip
from lms.core.clock import local_date, utcnow
from lms.extensions import db, htmx
from lms.learning.models import Enrollment

PER_PAGE = 25
#: People offered by the search of the issuing page.
PEOPLE_SHOWN = 20


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        # The same words as issuing.revoke(), which refuses an empty reason in any case.
        validators=[DataRequired(_l("Give the reason for revoking.")), Length(max=500)],
        description=_l("Shown to anyone who checks the certificate."),
        render_kw={"rows": 3},
    )
    confirm = BooleanField(
        _l("I understand that a revoked certificate cannot be made valid again."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class IssueForm(FlaskForm):
    enrollment = SelectField(
        _l("Completed training"),
        coerce=int,
        validate_choice=False,  # any enrollment of the person: issue() says why it cannot be
        validators=[DataRequired(_l("Choose the training."))],
    )
    template = SelectField(_l("Certificate template"), coerce=int)


# The list ---------------------------------------------------------------------------------


def search(q: str, state: str):
    """Issued certificates, newest first, matching a name, a NIP, a number or a code."""
    stmt = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    q = q.strip()
    digits = "".join(q.split())
    if digits.isdigit():
        # A NIP prefix: a range on the column instead of a scan (":" sorts after "9").
        nip = (Certificate.holder_nip >= digits) & (Certificate.holder_nip < digits + ":")
        stmt = stmt.where(or_(nip, Certificate.number.contains(digits)))
    elif q:
        code = issuing.normalize_code(q)
        found = [Certificate.holder_name.ilike(f"%{q}%"), Certificate.number.ilike(f"%{q}%")]
        if len(code) >= 4:
            found.append(Certificate.code.startswith(code))
        stmt = stmt.where(or_(*found))
    if state in set(CertificateState):
        stmt = stmt.where(Certificate.state == CertificateState(state))
    return stmt


@bp.get("/terbit")
@role_required(Role.ADMIN)
def issued():
    q = request.args.get("q", "").strip()
    state = request.args.get("state", "")
    page = db.paginate(search(q, state), per_page=PER_PAGE, error_out=False)
    name = "_issued_list" if htmx.target == "issued-list" else "issued"
    return render_template(
        f"certificates/manage/{name}.html", page=page, q=q, state=state, states=state_labels()
    )


def state_labels() -> dict:
    return {CertificateState.VALID: _("Valid"), CertificateState.REVOKED: _("Revoked")}


# One certificate --------------------------------------------------------------------------


def _detail(certificate: Certificate, form: RevokeForm):
    people = {
        i: db.session.get(User, i)
        for i in (certificate.issued_by_id, certificate.revoked_by_id)
        if i is not None
    }
    return render_template(
        "certificates/manage/detail.html",
        certificate=certificate,
        successor=successor_of(certificate),
        code=issuing.pretty_code(certificate.code),
        people=people,
        form=form,
        states=state_labels(),
    )


@bp.get("/<int:certificate_id>")
@role_required(Role.ADMIN)
def detail(certificate_id: int):
    return _detail(db.get_or_404(Certificate, certificate_id), RevokeForm())


@bp.post("/<int:certificate_id>/cabut")
@role_required(Role.ADMIN)
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail(certificate, form), 422
    try:
        issuing.revoke(
            certificate, form.reason.data, actor=current_user, now=utcnow(), ip=client_ip()
        )
    except issuing.IssueError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("Certificate %(number)s has been revoked.", number=certificate.number), "success")
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


# Issuing by hand --------------------------------------------------------------------------


def find_people(q: str) -> list[User]:
    """People with a completed training whose NIP starts with, or whose name contains, `q`."""
    digits = "".join(q.split())
    completed = (
        select(Enrollment.id)
        .where(Enrollment.user_id == User.id, Enrollment.completed_at.is_not(None))
        .exists()
    )
    stmt = select(User).where(completed).order_by(User.name, User.id).limit(PEOPLE_SHOWN)
    if digits.isdigit():
        stmt = stmt.where(User.nip >= digits, User.nip < digits + ":")
    else:
        stmt = stmt.where(User.name.ilike(f"%{q}%"))
    return list(db.session.scalars(stmt))


def issuable(user: User) -> list[Enrollment]:
    """The person's completed trainings that have no valid certificate yet, latest first."""
    certified = (
        select(Certificate.id)
        .where(
            Certificate.enrollment_id == Enrollment.id,
            Certificate.state == CertificateState.VALID,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id == user.id, Enrollment.completed_at.is_not(None), ~certified)
            .order_by(Enrollment.completed_at.desc(), Enrollment.id.desc())
        )
    )


def training_label(enrollment: Enrollment) -> str:
    title = enrollment.cohort.name if enrollment.cohort else enrollment.course.title
    if enrollment.completed_at is None:
        return title
    done = format_date(local_date(enrollment.completed_at), "medium")
    return _("%(title)s (completed %(date)s)", title=title, date=done)


def _issue_form(enrollments: list[Enrollment], replaces: Certificate | None) -> IssueForm:
    form = IssueForm()
    form.enrollment.choices = [(e.id, training_label(e)) for e in enrollments]
    active = offered_templates()
    form.template.choices = [(0, _("The template set on the course or class"))] + [
        (t.id, t.name) for t in active
    ]
    if not form.is_submitted() and replaces is not None:
        chosen = {value for value, _label in form.template.choices}
        form.template.data = replaces.template_id if replaces.template_id in chosen else 0
    return form


def _issue(form: IssueForm, person: User, replaces: Certificate | None):
    """Issue what the form asks for; the certificate, or None with the reason on the form."""
    enrollment = db.session.get(Enrollment, form.enrollment.data)
    if enrollment is None or enrollment.user_id != person.id:
        form.enrollment.errors.append(_("Choose one of the trainings listed."))
        return None
    if form.template.data:
        template = db.session.get(CertificateTemplate, form.template.data)
    else:
        template = issuing.template_for(enrollment)
    if template is None:
        form.template.errors.append(_("Neither the course nor the class names a template."))
        return None
    try:
        certificate = issuing.issue(
            enrollment,
            template,
            now=utcnow(),
            actor=current_user,
            ip=client_ip(),
            replaces=replaces,
        )
    except issuing.IssueError as e:
        db.session.rollback()
        form.form_errors.append(str(e))
        return None
    db.session.commit()
    return issuing.ensure_pdf(certificate)


@bp.route("/terbitkan", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def issue_one():
    """Find the person (?q=), choose their completed training (?user=) and the template; or
    correct a revoked certificate (?replaces=)."""
    replaces = person = None
    if replaces_id := request.args.get("replaces", type=int):
        replaces = db.get_or_404(Certificate, replaces_id)
        person = replaces.user
    elif user_id := request.args.get("user", type=int):
        person = db.get_or_404(User, user_id)
    q = request.args.get("q", "").strip()
    if person is None:
        people = find_people(q) if q else []
        return render_template(
            "certificates/manage/issue_one.html", q=q, people=people, person=None, form=None
        )
    if replaces is not None:
        old = db.session.get(Enrollment, replaces.enrollment_id) if replaces.enrollment_id else None
        enrollments = [old] if old is not None else []
    else:
        enrollments = issuable(person)
    form = _issue_form(enrollments, replaces)
    if form.validate_on_submit():
        certificate = _issue(form, person, replaces)
        if certificate is not None:
            flash(
                _("Certificate %(number)s has been issued.", number=certificate.number), "success"
            )
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return render_template(
        "certificates/manage/issue_one.html",
        q=q,
        people=[],
        person=person,
        replaces=replaces,
        form=form,
    ), 422 if request.method == "POST" else 200
