"""Languages: Bahasa Indonesia by default, English second; WITA for display, UTC in storage."""

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_datetime, format_decimal, get_locale

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The language chosen with the switch (a cookie), else Bahasa Indonesia."""
    if not has_request_context():  # commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.cookies.get(LANG_COOKIE, "")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def wita(value, fmt: str = "medium") -> str:
    """Format a UTC datetime in Makassar time, labelled WITA."""
    if value is None:
        return ""
    return f"{format_datetime(value, fmt)} WITA"


def init_app(app: Flask) -> None:
    from lms.extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["wita"] = wita
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
