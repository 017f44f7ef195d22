"""Issuing the certificates of a class in bulk, for BKPSDM's admins: choosing who and with which
template, then a page that follows the background job, and the ZIP of every PDF at the end."""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from slugify import slugify
from wtforms import SelectField, SelectMultipleField

from lms.auth.access import role_required
from lms.auth.models import Role, User
from lms.certificates import bulk as service
from lms.certificates import issuing
from lms.certificates.models import BulkIssue, BulkState, CertificateTemplate
from lms.certificates.services import offered_templates
from lms.certificates.views import bp
from lms.classes.models import Cohort
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.core.storage import storage
from lms.extensions import db


class BulkForm(FlaskForm):
    """Who gets a certificate (the button pressed), the people ticked, and the template."""

    template_id = SelectField(_l("Certificate template"), coerce=int)
    #: Set by the button pressed: everyone eligible, or only the people ticked.
    who = SelectField(choices=["all", "chosen"])
    people = SelectMultipleField(coerce=int, validate_choice=False)


@bp.route("/kelas/<int:cohort_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def bulk_new(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    rows = service.eligible(cohort)
    form = BulkForm()
    form.template_id.choices = [(t.id, t.name) for t in offered_templates()]
    if not form.is_submitted():
        # The class's template, else its course's: what a completion there earns.
        enrollment = next((r.enrollment for r in rows if r.enrollment is not None), None)
        default = issuing.template_for(enrollment) if enrollment is not None else None
        form.template_id.data = default.id if default is not None and default.active else None
    error = None
    if form.validate_on_submit():
        chosen = None if form.who.data == "all" else form.people.data
        template = db.session.get(CertificateTemplate, form.template_id.data)
        try:
            started = service.start(
                cohort, template, chosen, actor=current_user, now=utcnow(), ip=client_ip()
            )
        except issuing.IssueError as e:
            db.session.rollback()
            error = str(e)
        else:
            db.session.commit()
            service.run.enqueue(started.id)
            flash(_("The certificates are being issued."), "success")
            return redirect(url_for("certificates.bulk", bulk_id=started.id))
    return render_template(
        "certificates/bulk/new.html",
        cohort=cohort,
        rows=rows,
        form=form,
        error=error,
        ticked=set(form.people.data or ()),
        earlier=service.of_class(cohort),
    ), 422 if request.method == "POST" else 200


def _progress(bulk: BulkIssue) -> dict:
    """What the progress fragment shows."""
    done = bulk.state is BulkState.DONE
    return {
        "bulk": bulk,
        "progress": service.progress_of(bulk),
        "problems": service.problems_of(bulk),
        "certificates": service.issued_by(bulk) if done else [],
        "done": done,
    }


@bp.get("/massal/<int:bulk_id>")
@role_required(Role.ADMIN)
def bulk(bulk_id: int):
    bulk = db.get_or_404(BulkIssue, bulk_id)
    return render_template(
        "certificates/bulk/show.html",
        cohort=db.session.get(Cohort, bulk.cohort_id),
        template=db.session.get(CertificateTemplate, bulk.template_id),
        requester=db.session.get(User, bulk.requested_by_id) if bulk.requested_by_id else None,
        **_progress(bulk),
    )


@bp.get("/massal/<int:bulk_id>/progres")
@role_required(Role.ADMIN)
def bulk_progress(bulk_id: int):
    """The progress alone, for htmx to poll; once done it no longer asks to be polled."""
    bulk = db.get_or_404(BulkIssue, bulk_id)
    response = render_template("certificates/bulk/_progress.html", **_progress(bulk))
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/massal/<int:bulk_id>/zip")
@role_required(Role.ADMIN)
def bulk_zip(bulk_id: int):
    bulk = db.get_or_404(BulkIssue, bulk_id)
    if bulk.state is not BulkState.DONE or not bulk.zip_key:
        abort(404)
    cohort = db.session.get(Cohort, bulk.cohort_id)
    name = slugify(cohort.name, max_length=80) if cohort else ""
    path = storage().path(bulk.zip_key)
    response = send_file(
        path if path is not None else storage().open(bulk.zip_key),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"sertifikat-{name or bulk.id}.zip",
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
