"""Class sessions: WITA times, validation, check-in codes, deleting, and who may manage them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.classes import sessions
from lms.classes.models import Attendance, AttendanceMethod, ClassSession
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.extensions import db
from tests.class_support import add_session, join, new_class

T0 = datetime(2026, 5, 12, 0, 0, tzinfo=UTC)  # 08:00 WITA


@pytest.fixture
def world(make_course, make_institution, make_user):
    inst = make_institution("Universitas Hasanuddin Demo")
    course = make_course("Pelayanan Publik Prima", institution=inst)
    cohort = new_class(course, inst)
    staff = make_user(
        "Staf Mitra", email="staf@kampus.test", roles=(Role.PARTNER,), institution=inst
    )
    return cohort, staff


@pytest.fixture
def staff_client(client, world):
    assert client.login("staf@kampus.test").status_code == 302
    return client


def form(**over):
    data = {
        "starts_at": "2026-05-12T08:00",
        "ends_at": "2026-05-12T11:30",
        "topic": "Standar pelayanan",
        "instructors": "Dr. Andi Rahman\n\n  Nur Aisyah  \nDr. Andi Rahman",
    }
    return data | over


def only_session(cohort) -> ClassSession:
    return db.session.scalars(select(ClassSession).where(ClassSession.cohort_id == cohort.id)).one()


def test_new_session_is_stored_in_utc_with_a_code(staff_client, world):
    cohort, staff = world
    r = staff_client.post_form(f"/kelas/{cohort.id}/sesi/baru", form())
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/kelas/{cohort.id}#sessions")
    s = only_session(cohort)
    assert s.starts_at == T0 and s.ends_at == T0 + timedelta(hours=3, minutes=30)
    assert s.topic == "Standar pelayanan"
    assert s.instructor_names == ["Dr. Andi Rahman", "Nur Aisyah"]  # blank and repeated dropped
    assert re.fullmatch(f"[{sessions.CODE_ALPHABET}]{{6}}", s.checkin_code)
    assert not set("0O1I") & set(sessions.CODE_ALPHABET)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class_session.create"))
    assert entry.actor_id == staff.id and entry.target == f"class_session:{s.id}"


@pytest.mark.parametrize(
    "over",
    [
        {"ends_at": "2026-05-12T08:00"},  # ends as it starts
        {"ends_at": "2026-05-12T07:00"},  # ends before it starts
        {"ends_at": "2026-05-13T08:00"},  # 24 hours
        {"topic": "   "},
        {"starts_at": ""},
        {"starts_at": "12/05/2026 08:00"},
        {"instructors": "\n".join(f"Pengajar {i}" for i in range(25))},
    ],
)
def test_invalid_session_is_refused_and_nothing_stored(staff_client, world, over):
    cohort, _ = world
    r = staff_client.post_form(f"/kelas/{cohort.id}/sesi/baru", form(**over))
    assert r.status_code == 422
    assert 'class="error"' in r.get_data(as_text=True)
    assert db.session.scalar(select(ClassSession.id)) is None


def test_edit_shows_wita_and_saves(staff_client, world):
    cohort, _ = world
    s = add_session(cohort, T0, topic="Lama")
    page = staff_client.get(f"/kelas/{cohort.id}/sesi/{s.id}/ubah").get_data(as_text=True)
    assert 'value="2026-05-12T08:00"' in page
    r = staff_client.post_form(
        f"/kelas/{cohort.id}/sesi/{s.id}/ubah", form(starts_at="2026-05-12T09:00", topic="Baru")
    )
    assert r.status_code == 302
    s = db.session.get(ClassSession, s.id)
    assert (s.topic, s.starts_at) == ("Baru", T0 + timedelta(hours=1))
    bad = staff_client.post_form(
        f"/kelas/{cohort.id}/sesi/{s.id}/ubah", form(ends_at="2026-05-12T06:00", topic="Salah")
    )
    assert bad.status_code == 422
    assert db.session.get(ClassSession, s.id).topic == "Baru"


def test_delete_refused_once_attendance_is_recorded(staff_client, world, make_user):
    cohort, staff = world
    kept = add_session(cohort, T0)
    gone = add_session(cohort, T0 + timedelta(days=7))
    person = make_user("Peserta")
    join(cohort, person)
    db.session.add(
        Attendance(
            session_id=kept.id,
            user_id=person.id,
            present=False,
            method=AttendanceMethod.ROSTER,
            recorded_at=T0,
            recorded_by_id=staff.id,
        )
    )
    db.session.commit()
    r = staff_client.post_form(f"/kelas/{cohort.id}/sesi/{kept.id}/hapus")
    assert r.status_code == 302
    assert db.session.get(ClassSession, kept.id) is not None
    gone_id = gone.id
    r = staff_client.post_form(f"/kelas/{cohort.id}/sesi/{gone_id}/hapus")
    assert r.status_code == 302
    assert db.session.get(ClassSession, gone_id) is None


def test_new_code_replaces_the_old(staff_client, world):
    cohort, _ = world
    s = add_session(cohort, T0)
    old = s.checkin_code
    r = staff_client.post_form(f"/kelas/{cohort.id}/sesi/{s.id}/kode")
    assert r.status_code == 302
    new = db.session.get(ClassSession, s.id).checkin_code
    assert new != old and len(new) == 6


def test_codes_differ_within_a_class():
    taken = {"AAAAAA"}
    assert all(sessions.new_code(taken) != "AAAAAA" for _ in range(50))
    assert sessions.normalise_code(" ab-c 3d4 ") == "ABC3D4"


def test_code_screen_shows_code_and_a_qr_the_csp_allows(staff_client, world):
    cohort, _ = world
    s = add_session(cohort, utcnow() - timedelta(minutes=5))
    r = staff_client.get(f"/kelas/{cohort.id}/sesi/{s.id}/kode")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="checkin-code"' in page and s.checkin_code in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'class="qr"' in svg and "viewBox" in svg
    assert not re.search(r"\sstyle=|<style|<script|\son\w+=", svg)
    assert f"/kelas/{cohort.id}/hadir?kode={s.checkin_code}" in page
    assert "Content-Security-Policy" in r.headers


def test_phases_and_window(app, world):
    cohort, _ = world
    s = add_session(cohort, T0, hours=2)
    assert sessions.phase(s, T0 - timedelta(seconds=1)) is sessions.Phase.UPCOMING
    assert sessions.phase(s, T0) is sessions.Phase.NOW
    assert sessions.phase(s, T0 + timedelta(hours=2, seconds=1)) is sessions.Phase.PAST
    w = sessions.checkin_window(s)
    assert w.opens == T0 - timedelta(minutes=15) and w.closes == T0 + timedelta(hours=2)
    app.config["CLASS_CHECKIN_EARLY_MINUTES"] = 30
    assert sessions.checkin_window(s).opens == T0 - timedelta(minutes=30)


def test_instructors_of_class_are_distinct_in_teaching_order(world):
    cohort, _ = world
    add_session(cohort, T0 + timedelta(days=7), instructors="Budi\nCitra")
    add_session(cohort, T0, instructors="Andi\nBudi")
    assert sessions.instructors_of(cohort) == ["Andi", "Budi", "Citra"]


# Who may manage sessions ------------------------------------------------------------------


def manager_urls(cohort, s):
    base = f"/kelas/{cohort.id}/sesi"
    return [
        ("GET", f"{base}/baru"),
        ("GET", f"{base}/{s.id}/ubah"),
        ("GET", f"{base}/{s.id}/presensi"),
        ("GET", f"{base}/{s.id}/kode"),
        ("POST", f"{base}/{s.id}/kode"),
        ("POST", f"{base}/{s.id}/hapus"),
        ("POST", f"{base}/{s.id}/presensi/1"),
    ]


def _call(client, method, url):
    return client.get(url) if method == "GET" else client.post_form(url)


def test_asn_and_other_partners_are_refused(world, new_client, make_user, make_institution):
    cohort, _ = world
    s = add_session(cohort, T0)
    code = s.checkin_code
    member = make_user("Peserta", nip="199505052020121001")
    join(cohort, member)
    other = make_institution("Politeknik Lain")
    make_user("Mitra Lain", email="lain@poltek.test", roles=(Role.PARTNER,), institution=other)
    asn = new_client()
    asn.login("199505052020121001")
    partner = new_client()
    partner.login("lain@poltek.test")
    for method, url in manager_urls(cohort, s):
        assert _call(asn, method, url).status_code == 403, url
        assert _call(partner, method, url).status_code == 404, url
    assert db.session.get(ClassSession, s.id).checkin_code == code


def test_bkpsdm_class_is_for_admins_only(make_course, make_user, admin_client, new_client):
    course = make_course("Kelas BKPSDM")
    cohort = new_class(course, None)
    s = add_session(cohort, T0)
    inst_staff = make_user("Mitra", email="m@x.test", roles=(Role.PARTNER,))
    partner = new_client()
    partner.login("m@x.test")
    assert partner.get(f"/kelas/{cohort.id}/sesi/{s.id}/presensi").status_code == 404
    assert admin_client.get(f"/kelas/{cohort.id}/sesi/{s.id}/presensi").status_code == 200
    assert inst_staff.institution_id is None


def test_session_of_another_class_is_not_found(staff_client, world, make_course):
    cohort, _ = world
    other = new_class(make_course("Lain", institution=cohort.institution), cohort.institution)
    s = add_session(other, T0)
    assert staff_client.get(f"/kelas/{cohort.id}/sesi/{s.id}/ubah").status_code == 404


def test_class_page_shows_the_schedule_to_staff_and_participants(
    staff_client, world, new_client, make_user
):
    cohort, _ = world
    held = add_session(cohort, utcnow() - timedelta(days=2), topic="Sesi yang lalu")
    now = add_session(cohort, utcnow() - timedelta(minutes=5), topic="Sesi hari ini")
    add_session(cohort, utcnow() + timedelta(days=5), topic="Sesi nanti")
    page = staff_client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert 'id="sessions"' in page and "Sesi nanti" in page
    assert f"/kelas/{cohort.id}/sesi/{held.id}/presensi" in page
    assert f"/kelas/{cohort.id}/sesi/{now.id}/kode" in page
    assert f"/kelas/{cohort.id}/sesi/{held.id}/kode" not in page  # its check-in is over
    assert f"/kelas/{cohort.id}/evaluasi/hasil" in page
    person = make_user("Peserta", nip="199505052020121002")
    join(cohort, person)
    asn = new_client()
    asn.login("199505052020121002")
    page = asn.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert f'href="/kelas/{cohort.id}/hadir"' in page
    assert "/presensi" not in page and "/kode" not in page and "/evaluasi/hasil" not in page
    assert 'id="evaluation"' in page and f"/kelas/{cohort.id}/evaluasi" not in page  # not yet
