"""One partner never reaches another partner's classes, and learners never reach the pages that
run a class: every class route (sessions and evaluation included, as they are added), by GET and
POST, with the ids of the demo partner's class and its rows."""

import pytest
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.classes.models import (
    Attendance,
    ClassSession,
    Cohort,
    CostItem,
    Funding,
    Member,
    UnitQuota,
)
from lms.extensions import db
from tests.test_access import ACCESS, ADMIN, AUTHOR, url_of

#: The URL arguments that name the demo partner's rows (all id 1, see tests/test_access.py).
OWNED = {"cohort_id", "session_id", "member_id", "funding_id", "cost_id", "institution_id"}


def class_routes(app):
    """(endpoint, method, url) of every class route that names one of the partner's rows."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("classes.") or not rule.arguments & OWNED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url_of(app, rule)


def snapshot() -> dict:
    """What a refused request must leave as it was."""
    return {
        model.__name__: db.session.scalar(select(func.count(model.id)))
        for model in (Cohort, Member, ClassSession, Attendance, Funding, CostItem, UnitQuota)
    } | {
        "members": sorted(db.session.execute(select(Member.id, Member.state)).all()),
        "funding": sorted(db.session.execute(select(Funding.id, Funding.amount)).all()),
    }


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    cohort = db.session.get(Cohort, 1)
    assert cohort is not None and cohort.institution_id == 1  # the demo partner's class
    for model in (ClassSession, Member, Funding, CostItem):
        assert db.session.get(model, 1).cohort_id == 1, model.__name__


def _request(client, method, url):
    if method == "GET":
        return client.get(url, buffered=True)
    return client.post_form(url, {"code": "AAAAAA", "amount": "1", "name": "x", "nips": "x"})


def test_another_partner_reaches_nothing_of_the_demo_partners_class(
    app, demo, client, make_institution, make_user
):
    other = make_institution("Universitas Pesaing")
    make_user("Staf Pesaing", email="staf@pesaing.id", roles=(Role.PARTNER,), institution=other)
    assert client.login("staf@pesaing.id").status_code == 302
    before = snapshot()
    checked = set()
    for endpoint, method, url in class_routes(app):
        status = _request(client, method, url).status_code
        assert status in (403, 404), f"{method} {url} gave {status}"
        checked.add(endpoint)
    assert snapshot() == before
    # The routes of the class itself, its members and money at least.
    assert {
        "classes.show",
        "classes.edit",
        "classes.quotas",
        "classes.remove_member",
        "classes.funding",
        "classes.edit_funding",
        "classes.delete_cost",
    } <= checked


def test_learners_outside_the_class_reach_no_page_that_runs_it(app, demo, client, make_user):
    make_user("Pegawai Lain", nip="199505052020121005")
    assert client.login("199505052020121005").status_code == 302
    before = snapshot()
    checked = 0
    for endpoint, method, url in class_routes(app):
        if ACCESS.get(endpoint) not in (AUTHOR, ADMIN):
            continue
        status = _request(client, method, url).status_code
        assert status in (403, 404), f"{method} {url} gave {status}"
        checked += 1
    assert checked >= 10
    assert snapshot() == before
    # The class page itself is open to them (it takes registrations), without its roster.
    html = client.get("/kelas/1").get_data(as_text=True)
    assert 'id="roster"' not in html and 'id="money"' not in html and "Ahmad Fauzi" not in html
