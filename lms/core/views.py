"""Site-wide pages: the home page by role, the language switch, a health check."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lms.auth.access import safe_next
from lms.auth.forms import LoginForm
from lms.auth.models import Role, Unit, User
from lms.core.audit import AuditEntry
from lms.core.clock import local_date, utcnow
from lms.core.i18n import LANG_COOKIE
from lms.courses.models import Course, CourseState
from lms.extensions import db
from lms.learning import services as learning_services
from lms.partners.models import Institution
from lms.records import services as ledger

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("core/landing.html", form=LoginForm())
    ctx: dict = {}
    if current_user.has_role(Role.ADMIN):
        ctx["overview"] = {
            "people": db.session.scalar(select(func.count(User.id)).where(User.active)),
            "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.active)),
            "institutions": db.session.scalar(
                select(func.count(Institution.id)).where(Institution.active)
            ),
        }
        ctx["recent"] = db.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(5)
        ).all()
        ctx["in_review"] = db.session.scalar(
            select(func.count(Course.id)).where(Course.state == CourseState.REVIEW)
        )
    if current_user.has_role(Role.SUPERVISOR) and current_user.unit:
        ctx["unit_people"] = db.session.scalar(
            select(func.count(User.id)).where(User.unit_id == current_user.unit_id, User.active)
        )
    if current_user.has_role(Role.ASN):
        now = utcnow()
        ctx["learning"] = learning_services.my_learning(current_user)
        ctx["jp"] = ledger.Progress(ledger.total_jp(current_user, ledger.current_year(now)))
        ctx["today"] = local_date(now)
    return render_template("core/home.html", **ctx)


@bp.get("/bahasa/<lang>")
def set_language(lang: str):
    """Remember the chosen language in a cookie and go back where the person was."""
    target = safe_next(request.args.get("next")) or url_for("core.index")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
        )
    return response


@bp.get("/sehat")
def health():
    """A trivial endpoint for load balancers and benchmarks."""
    return {"status": "ok"}
