"""Languages: Bahasa Indonesia by default, English second; WITA for display, UTC in storage."""

from datetime import UTC
from functools import cache

from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_datetime, format_decimal, get_locale

from lms.core.clock import CITY_TZ

LANG_COOKIE = "lang"


def select_locale() -> Locale:
    """The language chosen with the switch (a cookie), else Bahasa Indonesia."""
    config = current_app.config
    lang = request.cookies.get(LANG_COOKIE, "") if has_request_context() else ""
    # Commands and jobs speak the default language.
    return _locale(lang if lang in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"])


@cache
def _locale(code: str) -> Locale:
    """One Locale object for each language, not one parsed again for each request."""
    return Locale.parse(code)


#: Babel patterns of a 24-hour clock, and the same for strftime.
_CLOCK_PATTERNS = {"HH:mm": "%H:%M", "HH:mm:ss": "%H:%M:%S"}


def wita(value, fmt: str = "medium") -> str:
    """Format a UTC datetime in Makassar time, labelled WITA."""
    if value is None:
        return ""
    clock = _CLOCK_PATTERNS.get(fmt)
    if clock is not None:
        # The digits of a 24-hour clock read alike in every locale we serve: strftime gives
        # them for a tenth of what Babel's pattern formatting costs (every answer save shows one).
        if value.tzinfo is None:  # stored times are UTC
            value = value.replace(tzinfo=UTC)
        return f"{value.astimezone(CITY_TZ).strftime(clock)} WITA"
    return f"{format_datetime(value, fmt)} WITA"


def clock(seconds: int) -> str:
    """A duration as h:mm:ss (an exam's time left)."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def init_app(app: Flask) -> None:
    from lms.extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["wita"] = wita
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
