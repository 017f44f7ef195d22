"""Accounts, login, roles and units."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import lazyload

from lms.auth import passwords
from lms.auth.views import bp
from lms.extensions import db, htmx, login_manager

__all__ = ["SELF_AUTHENTICATED", "Identity", "bp", "init_app"]

#: Endpoints a person who must choose a new password may still reach.
_OPEN_DURING_PASSWORD_CHANGE = {"auth.first_password", "auth.logout", "core.set_language", "static"}


#: Endpoints that check the login themselves, with `Identity` and their own statement, instead
#: of loading the person (an exam answer's save: many a second during an exam).
SELF_AUTHENTICATED = {"exams.save_answer"}


@dataclass(frozen=True)
class Identity:
    """Who the login session names: the person's id and the session version it was made for.

    A session is good while the person is active and their session version is still the one
    it names (a logout everywhere or a password reset raises the version).
    """

    user_id: int
    version: int

    @classmethod
    def parse(cls, token: str | None) -> "Identity | None":
        user_id, _, version = (token or "").partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        return cls(int(user_id), int(version))

    @classmethod
    def of_session(cls) -> "Identity | None":
        """The identity of this request's session, without loading the person."""
        return cls.parse(session.get("_user_id"))

    def accepts(self, active: bool, session_version: int) -> bool:
        return bool(active) and session_version == self.version


def init_app(app: Flask) -> None:
    passwords.configure(app.config["PASSWORD_HASH_PROFILE"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str):
        from lms.auth.models import User

        identity = Identity.parse(token)
        if identity is None:
            return None
        # Only the row: the unit, institution and roles load when a page asks for them (most
        # htmx requests need none).
        user = db.session.get(User, identity.user_id, options=[lazyload("*")])
        if user is None or not identity.accepts(user.active, user.session_version):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if htmx:
            # An htmx request would swap the login page into a fragment; load it whole instead,
            # and come back to the page the person was on, not to the fragment's URL (an exam's
            # answer save is a POST: its URL is no page).
            here = urlsplit(htmx.current_url or "")
            back = here.path + (f"?{here.query}" if here.query else "")
            target = url_for("auth.login", next=back or request.full_path.rstrip("?"))
            return "", 401, {"HX-Redirect": target}
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        from flask import flash

        flash(login_manager.login_message, "info")
        return redirect(target)

    @app.before_request
    def _force_password_change():
        if request.endpoint in SELF_AUTHENTICATED:
            return None
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _OPEN_DURING_PASSWORD_CHANGE
        ):
            return redirect(url_for("auth.first_password"))
