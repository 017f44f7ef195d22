"""Who may use a route, checked on the server."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, make_response
from flask_login import current_user

from lms.auth.models import Role
from lms.extensions import login_manager


def require_role(*roles: Role) -> None:
    """Abort unless the current person is logged in and holds one of the roles."""
    if not current_user.is_authenticated:
        abort(make_response(login_manager.unauthorized()))
    if roles and not current_user.has_role(*roles):
        abort(403)


def role_required(*roles: Role):
    """Decorate a view so that only people holding one of `roles` may use it."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no scheme, host or `//`)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target
