"""What every page promises: headers, languages, error pages, size and no third parties."""

import gzip
import re
from datetime import datetime

import pytest
from flask_babel import format_datetime
from werkzeug.exceptions import InternalServerError

from lms.auth.demo import load as load_demo
from lms.core.clock import utcnow
from lms.core.i18n import wita
from lms.extensions import db
from tests.test_access import url_of

BUDGET = 14 * 1024


def test_security_headers_on_pages_and_errors(client):
    for url in ("/", "/masuk", "/tidak-ada"):
        h = client.get(url).headers
        csp = h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in h
        assert "Server" not in h


def test_hsts_over_https(client):
    h = client.get("/", base_url="https://bina.makassarkota.go.id").headers
    assert h["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_script_or_event_handler(client):
    html = client.get("/").get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<[^>]+\son[a-z]+\s*=", html) == []


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_responses_are_compressed(client, encoding):
    response = client.get("/", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding


def test_static_files_have_hashed_urls_and_long_cache(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    js = re.search(r'src="(/static/vendor/htmx-2\.0\.\d+\.min\.js\?v=[0-9a-f]{12})"', html).group(1)
    for url in (css, js):
        response = client.get(url, buffered=True)
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
    stale = client.get("/static/app.css?v=000000000000", buffered=True)
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_static_assets_fit_their_budget(client):
    html = client.get("/").get_data(as_text=True)
    total = 0
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        total += len(gzip.compress(client.get(url, buffered=True).data))
    assert total <= 30 * 1024


def test_indonesian_is_the_default_and_english_is_remembered(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Masuk" in html and "Layanan publik" in html
    response = client.get("/bahasa/en?next=/masuk")
    assert response.headers["Location"] == "/masuk"
    assert "lang=en" in response.headers["Set-Cookie"]
    html = client.get("/masuk").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html
    client.get("/bahasa/id")
    assert '<html lang="id">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    response = client.get("/bahasa/xx")
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_times_are_shown_in_wita(admin_client):
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "WITA" in html


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("pattern", ["HH:mm", "HH:mm:ss"])
def test_clock_times_read_as_babel_writes_them(app, lang, pattern):
    """wita() writes a 24-hour clock with strftime: the same text as Babel's pattern."""
    moments = [datetime(2026, 12, 31, 16, 5, 9), datetime(2027, 6, 1, 23, 59, 59, 999999)]
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        for moment in moments:  # 16:05 UTC is 00:05 WITA the next day
            assert wita(moment, pattern) == f"{format_datetime(moment, pattern)} WITA"
        assert wita(moments[0], "HH:mm") == "00:05 WITA"


@pytest.mark.parametrize(
    ("lang", "text"), [("id", "Halaman tidak ditemukan"), ("en", "Page not found")]
)
def test_404_page_in_the_users_language(client, lang, text):
    client.set_cookie("lang", lang)
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert text in html and f'<html lang="{lang}">' in html and "Bina ASN" in html


def test_403_page(client, make_user):
    make_user(nip="199001012015031001")
    client.login("199001012015031001")
    response = client.get("/admin/pengguna")
    assert response.status_code == 403
    assert "Akses ditolak" in response.get_data(as_text=True)


def test_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/masuk", data={"identifier": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)


def test_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/rusak")
    def broken():
        raise RuntimeError("boom")

    response = client.get("/rusak")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Terjadi kesalahan" in html and "boom" not in html
    assert InternalServerError.code == 500


ROLES = [None, "199001012015031001", "mitra@kampus.demo", "supervisor@bina.demo", "admin@bina.demo"]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_is_small_complete_and_first_party(app, new_client, who, lang):
    load_demo(utcnow())
    db.session.commit()
    client = new_client()
    client.set_cookie("lang", lang)
    if who:
        assert client.login(who, "demo-bina-2026").status_code == 302
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "core.set_language"):
            continue
        url = url_of(app, rule)
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked += 1
        raw = (
            gzip.decompress(response.data)
            if response.headers.get("Content-Encoding")
            else response.data
        )
        size = len(gzip.compress(raw, 6))
        html = raw.decode()
        assert size <= BUDGET, f"{url} is {size} bytes compressed as {who}"
        assert f'<html lang="{lang}">' in html, url
        # What a page loads or posts to (a plain link to another site loads nothing).
        foreign = re.findall(r'(?:src|action)="((?:https?:)?//[^"]+)"', html)
        foreign += re.findall(r'<link[^>]+href="((?:https?:)?//[^"]+)"', html)
        assert foreign == [], f"{url} loads from another origin: {foreign}"
    assert checked >= 2
