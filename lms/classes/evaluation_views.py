"""Pages of the participants' evaluation of a class, and its anonymous results."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import role_required
from lms.auth.models import Role
from lms.classes import evaluation
from lms.classes.access import (
    can_manage,
    get_cohort_or_404,
    get_cohort_to_manage_or_404,
    is_member,
    staff_of,
)
from lms.classes.models import Cohort
from lms.classes.session_forms import EvaluationForm
from lms.classes.sessions import instructors_of
from lms.classes.views import bp
from lms.core.clock import utcnow
from lms.extensions import db
from lms.partners.models import Institution


def evaluation_panel(cohort: Cohort) -> dict:
    """What the evaluation panel of the class page shows to the person looking."""
    now = utcnow()
    manager = can_manage(current_user, cohort)
    member_refusal = evaluation.refusal(cohort, current_user, now)
    return {
        "manager": manager,
        "member": is_member(current_user, cohort),
        "can_evaluate": member_refusal is None,
        "evaluated": evaluation.has_evaluated(cohort, current_user),
        "opens_at": evaluation.opens_at(cohort),
        "is_open": evaluation.is_open(cohort, now),
        "responses": evaluation.respondents_by_class([cohort.id]).get(cohort.id, (0, None))[0]
        if manager
        else 0,
    }


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals["class_evaluation_panel"] = evaluation_panel


@bp.route("/<int:cohort_id>/evaluasi", methods=["GET", "POST"])
@role_required(Role.ASN)
def evaluate(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    now = utcnow()
    form = EvaluationForm.for_instructors(instructors_of(cohort))
    reason = evaluation.refusal(cohort, current_user, now)
    status = 200
    if reason is None and form.validate_on_submit():
        try:
            evaluation.submit(cohort, current_user, form.data_for_service(), now=now)
        except evaluation.EvaluationError as e:
            db.session.rollback()
            flash(str(e), "info")
            return redirect(url_for("classes.show", cohort_id=cohort.id))
        db.session.commit()
        flash(_("Thank you for your evaluation."), "success")
        return redirect(url_for("classes.show", cohort_id=cohort.id))
    if request.method == "POST" and evaluation.has_evaluated(cohort, current_user):
        # A second click of the same form: the first one was stored.
        flash(str(reason), "info")
        return redirect(url_for("classes.show", cohort_id=cohort.id))
    if not is_member(current_user, cohort):
        status = 403
    elif request.method == "POST":
        status = 422
    return (
        render_template("classes/evaluation_form.html", cohort=cohort, form=form, reason=reason),
        status,
    )


@bp.get("/<int:cohort_id>/evaluasi/hasil")
@role_required(Role.ADMIN, Role.PARTNER)
def evaluation_results(cohort_id: int):
    """The class's evaluation, in aggregate: no respondent is named or can be told apart."""
    cohort = get_cohort_to_manage_or_404(cohort_id)
    return render_template(
        "classes/evaluation_results.html",
        cohort=cohort,
        results=evaluation.results([cohort.id]),
    )


@bp.get("/evaluasi/institusi/<int:institution_id>")
@role_required(Role.ADMIN, Role.PARTNER)
def institution_evaluations(institution_id: int):
    """The evaluations of every class of an institution, for admins and its own staff."""
    institution = db.get_or_404(Institution, institution_id)
    if not staff_of(current_user, institution.id):
        abort(404)
    classes = evaluation.classes_of(institution.id)
    ids = [c.id for c in classes]
    return render_template(
        "classes/evaluation_institution.html",
        institution=institution,
        classes=classes,
        per_class=evaluation.respondents_by_class(ids),
        results=evaluation.results(ids),
    )
