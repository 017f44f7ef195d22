"""Fixtures for a real Chromium: the demo app served on a free port, the browser, a phone."""

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from werkzeug.serving import make_server

import lms
from lms.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TRANSLATIONS = Path(lms.__file__).parent / "translations"
#: A mid-range Android phone, the device most of Makassar's civil servants have.
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def translations_dir(tmp_path_factory) -> Path:
    """Compile each .po file as `pybabel compile` does, into a folder of this run's own.

    The server and the tests then read the same catalogue, whether or not (and however
    recently) the .mo files in the source tree were built.
    """
    out = tmp_path_factory.mktemp("translations")
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = out / po.relative_to(TRANSLATIONS).with_suffix(".mo")
        mo.parent.mkdir(parents=True)
        with po.open("rb") as f:
            catalogue = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalogue)  # fuzzy entries left out, as pybabel does
    return out


@pytest.fixture(scope="session")
def indonesian(translations_dir) -> Callable[[str], str]:
    """The Indonesian a page shows for an English msgid (the msgid itself while untranslated)."""
    return Translations.load(str(translations_dir), ["id"]).gettext


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, translations_dir) -> Iterator[Flask]:
    """The app the live server runs, with the demo data; a test reads its database here."""
    tmp = tmp_path_factory.mktemp("live")
    app = lms.create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'live.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir),
        }
    )
    with app.app_context():
        db.create_all()
    # The same command as `flask lms demo`, so every feature's demo data is there.
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """Serve the app on 127.0.0.1 and a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def expected_problems() -> list[re.Pattern]:
    """Patterns of browser problems a test causes on purpose (e.g. a request refused because
    the session ended); `phone` does not report those."""
    return []


@pytest.fixture
def phone(live_server, browser, expected_problems):
    """A fresh phone-sized page on the live server that fails the test on any browser error.

    Console errors, uncaught exceptions, failed or 4xx/5xx requests and any request to
    another origin are collected and reported when the test ends.
    """
    origin = urlsplit(live_server)[:2]
    problems: list[str] = []
    context = browser.new_context(base_url=live_server, **PHONE)
    page = context.new_page()

    def on_request(request):
        url = urlsplit(request.url)
        if url.scheme not in ("data", "blob", "about") and url[:2] != origin:
            problems.append(f"request to another origin: {request.url}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def on_failure(request):
        # ERR_ABORTED is the browser cancelling its own request (a navigation or the end of the
        # test overtook it, as with the icon it fetches after each htmx navigation), not a failure.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_console(message):
        url = message.location.get("url")
        if message.type == "error":
            problems.append(f"console: {message.text}" + (f" (at {url})" if url else ""))

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_failure)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    yield page
    context.close()
    problems = [p for p in problems if not any(e.search(p) for e in expected_problems)]
    if problems:
        pytest.fail("the browser saw problems:\n" + "\n".join(problems), pytrace=False)
