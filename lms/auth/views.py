from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services
from lms.auth.access import safe_next
from lms.auth.forms import ChangePasswordForm, FirstPasswordForm, LoginForm
from lms.auth.passwords import PasswordRejected, verify_password
from lms.core.audit import client_ip
from lms.core.clock import utcnow
from lms.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _account_key() -> str:
    return "account:" + "".join(request.form.get("identifier", "").split()).lower()[:254]


def _failed(response) -> bool:
    return bool(g.get("login_failed"))


def start_session(user) -> None:
    """Begin a fresh session for the person: nothing of the session before it carries over."""
    session.clear()
    login_user(user)
    session.permanent = True


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
@limiter.limit(
    _login_limit,
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-address",
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("core.index"))
    if form.validate_on_submit():
        user = services.authenticate(
            form.identifier.data, form.password.data, now=utcnow(), ip=client_ip()
        )
        if user is None:
            g.login_failed = True
            db.session.commit()
            form.password.errors.append(_("The NIP/e-mail or password is wrong."))
        else:
            db.session.commit()
            start_session(user)
            if user.must_change_password:
                return redirect(url_for("auth.first_password", next=safe_next(form.next.data)))
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data) or url_for("core.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/keluar")
@login_required
def logout():
    services.logout(current_user, now=utcnow(), ip=client_ip())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    if current_user.must_change_password:
        return redirect(url_for("auth.first_password"))
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        elif _apply_new_password(form):
            flash(
                _("Your password has been changed; other sessions have been logged out."), "success"
            )
            return redirect(url_for("core.index"))
    return render_template("auth/change_password.html", form=form, first=False)


@bp.route("/akun/kata-sandi-baru", methods=["GET", "POST"])
@login_required
def first_password():
    if not current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    form = FirstPasswordForm()
    if form.validate_on_submit() and _apply_new_password(form):
        flash(_("Your password has been saved. Welcome to Bina ASN."), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("core.index"))
    return render_template("auth/change_password.html", form=form, first=True)


def _apply_new_password(form) -> bool:
    user = current_user._get_current_object()
    try:
        services.change_password(user, form.new_password.data, now=utcnow(), ip=client_ip())
    except PasswordRejected as e:
        form.new_password.errors.append(str(e))
        return False
    db.session.commit()
    start_session(user)
    return True
