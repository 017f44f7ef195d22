"""Security headers on every response; the session cookie: its refresh, its decoding kept."""

import time
from functools import lru_cache

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

#: A permanent session's expiry is pushed forward at most this often (seconds).
SESSION_REFRESH_SECONDS = 300
#: Session cookies each process keeps decoded (under a kilobyte each).
SESSION_MEMO_SIZE = 4096
#: What a session may hold for its decoded cookie to be kept: values no request can change in
#: place (a list of flashed messages is changed in place, so such a session is decoded anew).
_IMMUTABLE = (str, int, float, bool, type(None))

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def _headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    if request.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # No version banner (the development server adds one).
    h.pop("Server", None)
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, whose expiry (PERMANENT_SESSION_LIFETIME after the last
    activity) is pushed forward at most every SESSION_REFRESH_SECONDS, not on every request.

    Re-signing the cookie on each response costs time in every request, an exam's answer saves
    among them, and bytes on slow connections; a five-minute step in a twelve-hour lifetime
    changes nothing a person notices.

    A cookie is verified and decoded once per process (then kept, while its session holds only
    plain values): a logged-in person sends the same cookie with every request for minutes,
    and during an exam many times a minute. Its age is checked on every request.
    """

    def __init__(self) -> None:
        self._verified = lru_cache(maxsize=SESSION_MEMO_SIZE)(self._verify)

    def open_session(self, app: Flask, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        try:
            items, signed_at = self._verified(app, value)
        except BadSignature:
            return self.session_class()
        if items is None:  # not kept: a value a request may change in place
            return super().open_session(app, request)
        age = time.time() - signed_at
        if not 0 <= age <= app.permanent_session_lifetime.total_seconds():
            return self.session_class()  # expired, as itsdangerous's max_age check has it
        return self.session_class(items)

    def _verify(self, app: Flask, value: str) -> tuple[tuple | None, float]:
        """The cookie's items if they may be kept (else None), and when it was signed;
        BadSignature if it is not ours."""
        data, signed_at = self.get_signing_serializer(app).loads(value, return_timestamp=True)
        kept = all(isinstance(v, _IMMUTABLE) for v in data.values())
        return (tuple(data.items()) if kept else None), signed_at.timestamp()

    def should_set_cookie(self, app: Flask, session) -> bool:
        refreshing = session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        now = int(time.time())
        if session.modified:
            if refreshing:  # signed now: the next refresh is due in SESSION_REFRESH_SECONDS
                session["_refreshed"] = now
            return True
        if not refreshing or now - session.get("_refreshed", 0) < SESSION_REFRESH_SECONDS:
            return False
        session["_refreshed"] = now
        return True


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_headers)
