"""Error pages in the user's language, inside the layout."""

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page you are looking for does not exist or has moved.")),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (
            _("File too large"),
            _("The file you sent is larger than allowed. Choose a smaller file."),
        ),
        429: (
            _("Too many attempts"),
            _("Too many attempts in a short time. Please wait 15 minutes and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("An error occurred on our side. Please try again in a moment."),
        ),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, _messages()[500])
    return (
        render_template("error.html", code=code, title=title, message=detail or message),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(e: CSRFError):
        return render_error(
            400, _("The form has expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if e.code is None or e.code < 400 or e.code not in _messages():
            return e
        return render_error(e.code)

    @app.errorhandler(500)
    def _internal(e):
        return render_error(500)
