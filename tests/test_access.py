"""Every route has an expected access rule, and the server enforces it."""

import pytest
from flask import url_for

from lms.auth.demo import load as load_demo
from lms.core.clock import utcnow
from lms.extensions import db

PUBLIC, LOGGED_IN, ADMIN = "public", "logged in", "admin"

#: The rule each endpoint must follow. A new route fails test_every_route_has_a_rule until
#: it is listed here, so nobody adds a page without deciding who may open it.
ACCESS = {
    "static": PUBLIC,
    "core.index": PUBLIC,
    "core.set_language": PUBLIC,
    "core.health": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": LOGGED_IN,
    "auth.change_password": LOGGED_IN,
    "auth.first_password": LOGGED_IN,
    "admin.people": ADMIN,
    "admin.new_person": ADMIN,
    "admin.edit_person": ADMIN,
    "admin.set_person_active": ADMIN,
    "admin.reset_person_password": ADMIN,
    "admin.units": ADMIN,
    "admin.edit_unit": ADMIN,
    "admin.import_people": ADMIN,
    "admin.import_passwords": ADMIN,
    "admin.audit_log": ADMIN,
    "partners.institutions": ADMIN,
    "partners.edit_institution": ADMIN,
}

#: Values for URL arguments; ids point at demo rows.
ARGS = {
    "user_id": 3,
    "unit_id": 1,
    "institution_id": 1,
    "token": "unknown-token",
    "lang": "en",
    "filename": "app.css",
}


def url_of(app, rule) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{a: ARGS[a] for a in rule.arguments})


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url_of(app, rule)


def test_every_route_has_a_rule(app):
    missing = sorted({e for e, _, _ in routes(app)} - ACCESS.keys())
    assert not missing, f"routes without an access rule in tests/test_access.py: {missing}"


def _request(client, method, url):
    if method == "GET":
        return client.get(url, buffered=True)
    return client.post_form(url)


@pytest.fixture
def demo(app):
    load_demo(utcnow())
    db.session.commit()


def _as(new_client, login):
    c = new_client()
    if login:
        assert c.login(login, "demo-bina-2026").status_code == 302
    return c


@pytest.mark.parametrize(
    "who",
    [None, "199001012015031001", "mitra@kampus.demo", "supervisor@bina.demo", "admin@bina.demo"],
)
def test_rules_are_enforced(app, demo, new_client, who):
    client = _as(new_client, who)
    is_admin = who == "admin@bina.demo"
    for endpoint, method, url in routes(app):
        if endpoint == "auth.logout":
            continue  # would end the session the loop needs; tested in test_auth
        rule = ACCESS[endpoint]
        response = _request(client, method, url)
        where = f"{method} {url} as {who or 'anonymous'}"
        if rule == PUBLIC:
            assert response.status_code in (200, 302), where
            if response.status_code == 302:
                assert not response.headers["Location"].startswith("/masuk"), where
        elif who is None:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/masuk?next="), where
        elif rule == ADMIN and not is_admin:
            assert response.status_code == 403, where
        else:
            assert response.status_code in (200, 302, 404), where
