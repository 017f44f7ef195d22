"""Attendance: the roster (htmx and plain posts, upserts) and self check-in with the room's code."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.classes import attendance
from lms.classes.models import AttendanceMethod, MemberState
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.extensions import db
from tests.class_support import HX, add_session, attendance_rows, join, new_class

NIP_A, NIP_B, NIP_W, NIP_X = (
    "199001012015031201",
    "199001012015031202",
    "199001012015031203",
    "199001012015031204",
)


@pytest.fixture
def world(make_course, make_institution, make_user):
    inst = make_institution("Universitas Mitra")
    course = make_course("Etika Pelayanan", institution=inst)
    cohort = new_class(course, inst)
    staff = make_user(
        "Staf Mitra", email="staf@kampus.test", roles=(Role.PARTNER,), institution=inst
    )
    ahmad = make_user("Ahmad Peserta", nip=NIP_A)
    budi = make_user("Budi Peserta", nip=NIP_B)
    wati = make_user("Wati Menunggu", nip=NIP_W)
    members = {
        "ahmad": join(cohort, ahmad),
        "budi": join(cohort, budi),
        "wati": join(cohort, wati, MemberState.WAITING),
    }
    return {"cohort": cohort, "staff": staff, "members": members, "ahmad": ahmad, "budi": budi}


@pytest.fixture
def staff_client(client, world):
    assert client.login("staf@kampus.test").status_code == 302
    return client


def roster_url(cohort, session, member=None):
    url = f"/kelas/{cohort.id}/sesi/{session.id}/presensi"
    return f"{url}/{member.id}" if member else url


# The roster -------------------------------------------------------------------------------


def test_roster_lists_participants_not_the_waiting_list(staff_client, world):
    cohort = world["cohort"]
    s = add_session(cohort, utcnow())
    page = staff_client.get(roster_url(cohort, s)).get_data(as_text=True)
    assert "Ahmad Peserta" in page and "Budi Peserta" in page
    assert "Wati Menunggu" not in page
    assert page.count('aria-pressed="false"') == 2
    assert re.search(r'id="roster-count"[^>]*>\s*0\D+2', page)


def test_htmx_toggle_saves_at_once_and_swaps_the_row(staff_client, world):
    cohort, staff, ahmad = world["cohort"], world["staff"], world["members"]["ahmad"]
    s = add_session(cohort, utcnow())
    r = staff_client.post_form(roster_url(cohort, s, ahmad), {"present": "1"}, headers=HX)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li id="att-{ahmad.id}"')
    assert 'aria-pressed="true"' in html and 'name="present" value="0"' in html
    assert 'id="roster-count" class="roster-count" role="status" hx-swap-oob="true"' in html
    assert re.search(r'hx-swap-oob="true">\s*1\D+2', html)
    assert "<html" not in html and len(html.encode()) < 2000
    (row,) = attendance_rows(s)
    assert row.user_id == world["ahmad"].id and row.present is True
    assert row.method is AttendanceMethod.ROSTER and row.recorded_by_id == staff.id
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.update"))
    assert audit.after == {"user_id": world["ahmad"].id, "present": True}


def test_plain_post_redirects_back_and_upserts_one_row(staff_client, world):
    cohort, ahmad = world["cohort"], world["members"]["ahmad"]
    s = add_session(cohort, utcnow())
    url = roster_url(cohort, s, ahmad)
    r = staff_client.post_form(url, {"present": "1"})
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"{roster_url(cohort, s)}#att-{ahmad.id}")
    staff_client.post_form(url, {"present": "1"})  # a double tap
    assert [a.present for a in attendance_rows(s)] == [True]
    staff_client.post_form(url, {"present": "0"})
    assert [a.present for a in attendance_rows(s)] == [False]
    page = staff_client.get(roster_url(cohort, s)).get_data(as_text=True)
    assert page.count('aria-pressed="false"') == 2


def test_repeating_the_same_value_keeps_who_recorded_it(staff_client, world):
    cohort, ahmad = world["cohort"], world["members"]["ahmad"]
    s = add_session(cohort, utcnow() - timedelta(minutes=5))
    result = attendance.check_in(cohort, world["ahmad"], s.checkin_code, now=utcnow())
    db.session.commit()
    assert result.session.id == s.id
    staff_client.post_form(roster_url(cohort, s, ahmad), {"present": "1"})
    (row,) = attendance_rows(s)
    assert row.method is AttendanceMethod.SELF and row.recorded_by_id == world["ahmad"].id


@pytest.mark.parametrize("value", ["", "2", "yes"])
def test_roster_refuses_a_value_that_is_not_present_or_absent(staff_client, world, value):
    cohort, ahmad = world["cohort"], world["members"]["ahmad"]
    s = add_session(cohort, utcnow())
    assert (
        staff_client.post_form(roster_url(cohort, s, ahmad), {"present": value}).status_code == 422
    )
    assert attendance_rows(s) == []


def test_roster_refuses_the_waiting_list_and_other_classes(staff_client, world, make_course):
    cohort, members = world["cohort"], world["members"]
    s = add_session(cohort, utcnow())
    url = roster_url(cohort, s, members["wati"])
    assert staff_client.post_form(url, {"present": "1"}).status_code == 422
    other = new_class(make_course("Lain", institution=cohort.institution), cohort.institution)
    stranger = join(other, world["budi"])
    r = staff_client.post_form(roster_url(cohort, s, stranger), {"present": "1"})
    assert r.status_code == 404
    assert attendance_rows(s) == []


# Self check-in ----------------------------------------------------------------------------


def checkin(client, cohort, code):
    return client.post_form(f"/kelas/{cohort.id}/hadir", {"code": code})


@pytest.fixture
def ahmad_client(new_client, world):
    c = new_client()
    assert c.login(NIP_A).status_code == 302
    return c


def test_check_in_inside_the_window_is_recorded_once(ahmad_client, world):
    cohort = world["cohort"]
    s = add_session(cohort, utcnow() - timedelta(minutes=30))
    page = ahmad_client.get(f"/kelas/{cohort.id}/hadir?kode={s.checkin_code.lower()}")
    assert f'value="{s.checkin_code}"' in page.get_data(as_text=True)  # prefilled from the QR
    r = checkin(ahmad_client, cohort, s.checkin_code.lower()[:3] + " " + s.checkin_code[3:])
    assert r.status_code == 302
    page = ahmad_client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="checkin-done"' in page and s.topic in page
    assert checkin(ahmad_client, cohort, s.checkin_code).status_code == 302  # twice is fine
    (row,) = attendance_rows(s)
    assert row.present and row.method is AttendanceMethod.SELF
    assert row.user_id == world["ahmad"].id


def test_check_in_opens_the_early_margin_before_the_start(ahmad_client, world, app):
    cohort = world["cohort"]
    soon = add_session(cohort, utcnow() + timedelta(minutes=14))
    later = add_session(cohort, utcnow() + timedelta(minutes=17))
    assert checkin(ahmad_client, cohort, later.checkin_code).status_code == 422
    assert attendance_rows(later) == []
    assert checkin(ahmad_client, cohort, soon.checkin_code).status_code == 302
    assert len(attendance_rows(soon)) == 1
    app.config["CLASS_CHECKIN_EARLY_MINUTES"] = 20
    assert checkin(ahmad_client, cohort, later.checkin_code).status_code == 302


def test_check_in_refused_before_the_margin_and_after_the_end(ahmad_client, world):
    cohort = world["cohort"]
    early = add_session(cohort, utcnow() + timedelta(hours=1))
    ended = add_session(cohort, utcnow() - timedelta(hours=2, seconds=5), hours=2)
    r = checkin(ahmad_client, cohort, early.checkin_code)
    assert r.status_code == 422 and 'id="checkin-error"' in r.get_data(as_text=True)
    assert "15" in r.get_data(as_text=True)
    r = checkin(ahmad_client, cohort, ended.checkin_code)
    assert r.status_code == 422 and 'id="checkin-error"' in r.get_data(as_text=True)
    assert attendance_rows() == []


def test_window_is_the_servers_time(app, world):
    cohort, ahmad = world["cohort"], world["ahmad"]
    s = add_session(cohort, utcnow() + timedelta(days=3), hours=2)
    before = s.starts_at - timedelta(minutes=15, seconds=1)
    assert attendance.check_in(cohort, ahmad, s.checkin_code, now=before).refusal == (
        attendance.Refusal.NOT_OPEN_YET
    )
    at_margin = s.starts_at - timedelta(minutes=15)
    assert attendance.check_in(cohort, ahmad, s.checkin_code, now=at_margin).session.id == s.id
    after = s.ends_at + timedelta(seconds=1)
    assert attendance.check_in(cohort, ahmad, s.checkin_code, now=after).refusal == (
        attendance.Refusal.CLOSED
    )


def test_wrong_code_is_refused(ahmad_client, world, make_course):
    cohort = world["cohort"]
    s = add_session(cohort, utcnow() - timedelta(minutes=5))
    other = new_class(make_course("Lain"), None)
    foreign = add_session(other, utcnow() - timedelta(minutes=5))
    for code in ("XXXXXX", foreign.checkin_code, s.checkin_code[:5]):
        r = checkin(ahmad_client, cohort, code)
        assert r.status_code == 422
        assert 'id="checkin-error"' in r.get_data(as_text=True)
    assert checkin(ahmad_client, cohort, "").status_code == 422
    assert attendance_rows() == []


def test_wrong_codes_are_rate_limited_per_person(ahmad_client, world, new_client):
    cohort = world["cohort"]
    s = add_session(cohort, utcnow() - timedelta(minutes=5))
    for _ in range(10):
        assert checkin(ahmad_client, cohort, "XXXXXX").status_code == 422
    assert checkin(ahmad_client, cohort, s.checkin_code).status_code == 429
    budi = new_client()
    budi.login(NIP_B)
    assert checkin(budi, cohort, s.checkin_code).status_code == 302  # another person is not held
    assert [a.user_id for a in attendance_rows(s)] == [world["budi"].id]


@pytest.mark.parametrize("who", ["waiting", "stranger", "other class", "withdrawn"])
def test_only_participants_check_in(world, new_client, make_user, make_course, who):
    cohort = world["cohort"]
    s = add_session(cohort, utcnow() - timedelta(minutes=5))
    if who == "waiting":
        nip = NIP_W
    else:
        nip = NIP_X
        person = make_user("Orang Lain", nip=nip)
        if who == "other class":
            join(new_class(make_course("Lain"), None), person)
        elif who == "withdrawn":
            join(cohort, person, MemberState.WITHDRAWN)
    c = new_client()
    assert c.login(nip).status_code == 302
    page = c.get(f"/kelas/{cohort.id}/hadir?kode={s.checkin_code}")
    assert page.status_code == 403 and 'id="checkin-error"' in page.get_data(as_text=True)
    r = checkin(c, cohort, s.checkin_code)
    assert r.status_code == 403
    assert 'id="checkin-error"' in r.get_data(as_text=True)
    assert attendance_rows() == []


def test_check_in_needs_a_login_and_keeps_the_code(client, world):
    cohort = world["cohort"]
    r = client.get(f"/kelas/{cohort.id}/hadir?kode=ABC234")
    assert r.status_code == 302 and "/masuk?next=" in r.headers["Location"]
    assert "kode%3DABC234" in r.headers["Location"] or "kode=ABC234" in r.headers["Location"]


def test_partner_staff_cannot_check_in(staff_client, world):
    cohort = world["cohort"]
    s = add_session(cohort, utcnow() - timedelta(minutes=5))
    assert checkin(staff_client, cohort, s.checkin_code).status_code == 403
