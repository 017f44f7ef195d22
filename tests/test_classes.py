"""Classes: opening them, who may, members, quotas, the waiting list and registering at once."""

import threading
from datetime import timedelta

import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from lms.auth.models import Role, User
from lms.classes import services
from lms.classes.models import ClassMode, Cohort, JoinMode, Member, MemberState, UnitQuota
from lms.core.audit import AuditEntry
from lms.core.clock import local_date, utcnow
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource, LessonProgress
from lms.partners.models import Agreement, AgreementKind


def today():
    return local_date(utcnow())


def text_of(app, message: str, **kw) -> str:
    """What a page says for `message`, in the default language, as HTML."""
    with app.test_request_context():
        return str(escape(gettext(message, **kw)))


def add_agreement(inst, *, starts, ends, number="PKS-1"):
    db.session.add(
        Agreement(
            institution_id=inst.id,
            kind=AgreementKind.PKS,
            number=number,
            title="Kerja sama pelatihan",
            starts_on=starts,
            ends_on=ends,
            created_at=utcnow(),
        )
    )
    db.session.commit()


def make_class(course, *, institution=None, capacity=30, join_mode=JoinMode.OPEN, **kw) -> Cohort:
    cohort = Cohort(
        course_id=course.id,
        institution_id=institution.id if institution else None,
        name=kw.pop("name", "Kelas Uji Angkatan I"),
        mode=kw.pop("mode", ClassMode.CLASSICAL),
        starts_on=kw.pop("starts_on", today() - timedelta(days=3)),
        ends_on=kw.pop("ends_on", today() + timedelta(days=20)),
        venue=kw.pop("venue", "Aula BKPSDM"),
        capacity=capacity,
        join_mode=join_mode,
        jp=kw.pop("jp", course.jp),
        created_at=utcnow(),
        **kw,
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


def form_data(course, **over) -> dict:
    data = {
        "name": "Pelayanan Prima Angkatan II",
        "course_id": str(course.id),
        "institution_id": "",
        "mode": "classical",
        "starts_on": (today() + timedelta(days=7)).isoformat(),
        "ends_on": (today() + timedelta(days=9)).isoformat(),
        "venue": "Aula BKPSDM Kota Makassar",
        "meeting_url": "",
        "capacity": "25",
        "join_mode": "open",
        "attendance_threshold": "80",
        "jp": "",
    }
    data.update(over)
    return data


@pytest.fixture
def partner(make_institution, make_user):
    inst = make_institution("Universitas Hasanuddin Uji")
    add_agreement(inst, starts=today() - timedelta(days=30), ends=today() + timedelta(days=300))
    staff = make_user("Staf Mitra", email="staf@mitra.id", roles=(Role.PARTNER,), institution=inst)
    return inst, staff


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# Opening a class --------------------------------------------------------------------------


def test_admin_opens_a_bkpsdm_class_with_the_courses_jp(app, admin_client, make_course):
    course = make_course(jp=14)
    response = admin_client.post_form("/kelas/baru", form_data(course))
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert response.headers["Location"] == f"/kelas/{cohort.id}"
    assert cohort.institution_id is None and cohort.jp == 14 and cohort.capacity == 25
    assert cohort.attendance_threshold == 80 and cohort.join_mode is JoinMode.OPEN
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class.create"))
    assert entry.target == f"class:{cohort.id}" and entry.after["capacity"] == 25
    html = admin_client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert "Pelayanan Prima Angkatan II" in html and "Aula BKPSDM Kota Makassar" in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mode": "classical", "venue": ""}, "venue"),
        ({"mode": "online", "venue": "", "meeting_url": ""}, "meeting_url"),
        ({"mode": "online", "meeting_url": "javascript:alert(1)"}, "meeting_url"),
        ({"mode": "blended", "meeting_url": "ftp://rapat.makassarkota.go.id/kelas"}, "meeting_url"),
        ({"mode": "blended", "venue": "", "meeting_url": ""}, "venue"),
        ({"ends_on": (today() + timedelta(days=6)).isoformat()}, "ends_on"),
        ({"capacity": "0"}, "capacity"),
        ({"attendance_threshold": "120"}, "attendance_threshold"),
        ({"name": "  "}, "name"),
        ({"mode": ""}, "mode"),
    ],
)
def test_a_class_with_bad_details_is_refused(app, admin_client, make_course, change, field):
    course = make_course()
    response = admin_client.post_form("/kelas/baru", form_data(course, **change))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-err"' in html or (field == "mode" and 'class="error"' in html)
    assert count(Cohort) == 0


@pytest.mark.parametrize(
    ("mode", "venue", "url"),
    [
        ("online", "", "https://zoom.us/j/123"),
        ("blended", "", "http://rapat.makassarkota.go.id/a"),
        ("blended", "Aula", ""),
    ],
)
def test_online_and_blended_classes_need_a_link_or_a_venue(
    app, admin_client, make_course, mode, venue, url
):
    course = make_course()
    data = form_data(course, mode=mode, venue=venue, meeting_url=url)
    assert admin_client.post_form("/kelas/baru", data).status_code == 302
    assert db.session.scalar(select(Cohort.meeting_url)) == url


def test_no_agreement_in_force_no_new_class(app, admin_client, make_course, make_institution):
    inst = make_institution("Politeknik Tanpa PKS")
    add_agreement(inst, starts=today() - timedelta(days=400), ends=today() - timedelta(days=1))
    course = make_course(institution=inst)
    response = admin_client.post_form("/kelas/baru", form_data(course, institution_id=inst.id))
    assert response.status_code == 422
    assert count(Cohort) == 0
    message = text_of(
        app,
        "%(name)s has no cooperation agreement in force today, so it cannot open a new class. "
        "Record its current agreement first.",
        name="Politeknik Tanpa PKS",
    )
    assert message in response.get_data(as_text=True)
    # An agreement from tomorrow is not in force today either.
    add_agreement(
        inst, starts=today() + timedelta(days=1), ends=today() + timedelta(days=90), number="2"
    )
    response = admin_client.post_form("/kelas/baru", form_data(course, institution_id=inst.id))
    assert response.status_code == 422 and count(Cohort) == 0


def test_an_existing_class_stays_editable_after_the_agreement_ends(
    app, admin_client, make_course, make_institution
):
    inst = make_institution("Institut Lama")
    add_agreement(inst, starts=today() - timedelta(days=400), ends=today() - timedelta(days=1))
    course = make_course(institution=inst)
    cohort = make_class(course, institution=inst)
    data = form_data(course, institution_id=inst.id, name="Kelas Lama (diperbarui)")
    response = admin_client.post_form(f"/kelas/{cohort.id}/ubah", data)
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert cohort.name == "Kelas Lama (diperbarui)"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class.update"))
    assert entry.after["name"] == "Kelas Lama (diperbarui)"


def test_partner_staff_open_classes_only_of_their_own(
    app, client, partner, make_course, make_institution
):
    inst, staff = partner
    own = make_course("Kursus Mitra", institution=inst)
    other_inst = make_institution("Universitas Lain")
    add_agreement(other_inst, starts=today(), ends=today() + timedelta(days=9), number="X")
    theirs = make_course("Kursus Lain", institution=other_inst)
    bkpsdm = make_course("Kursus BKPSDM")
    client.login("staf@mitra.id")
    for course, inst_id in (
        (theirs, inst.id),
        (bkpsdm, inst.id),
        (own, other_inst.id),
        (own, ""),
    ):
        response = client.post_form("/kelas/baru", form_data(course, institution_id=inst_id))
        assert response.status_code == 422, (course.title, inst_id)
    assert count(Cohort) == 0
    response = client.post_form("/kelas/baru", form_data(own, institution_id=inst.id))
    assert response.status_code == 302
    assert db.session.scalar(select(Cohort.institution_id)) == inst.id
    # The service refuses too, whatever a form lets through.
    with pytest.raises(services.ClassError):
        services.save_cohort(
            Cohort(),
            {**_service_data(theirs), "institution_id": inst.id},
            actor=staff,
            now=utcnow(),
        )


def _service_data(course) -> dict:
    return {
        "name": "Kelas",
        "course_id": course.id,
        "institution_id": None,
        "mode": ClassMode.CLASSICAL,
        "starts_on": today(),
        "ends_on": today() + timedelta(days=1),
        "venue": "Aula",
        "meeting_url": "",
        "capacity": 10,
        "join_mode": JoinMode.OPEN,
        "attendance_threshold": 80,
        "jp": None,
    }


def test_partner_staff_cannot_touch_another_institutions_class(
    app, client, partner, make_course, make_institution
):
    other = make_institution("Universitas Lain")
    cohort = make_class(make_course(institution=other), institution=other)
    client.login("staf@mitra.id")
    assert client.get(f"/kelas/{cohort.id}").status_code == 404
    assert client.get(f"/kelas/{cohort.id}/ubah").status_code == 404
    assert client.get("/kelas/").status_code == 200
    assert "Kelas Uji Angkatan I" not in client.get("/kelas/").get_data(as_text=True)


def test_capacity_cannot_drop_below_the_enrolled(app, admin_client, make_course, make_user):
    course = make_course()
    cohort = make_class(course, capacity=3)
    for i in range(2):
        services.register(cohort, make_user(f"Peserta {i}"), now=utcnow())
    db.session.commit()
    response = admin_client.post_form(f"/kelas/{cohort.id}/ubah", form_data(course, capacity="1"))
    assert response.status_code == 422
    db.session.refresh(cohort)
    assert cohort.capacity == 3


# Registering, quotas and the waiting list -------------------------------------------------


def state_of(cohort, user) -> MemberState | None:
    return db.session.scalar(
        select(Member.state).where(Member.cohort_id == cohort.id, Member.user_id == user.id)
    )


def register(cohort, user, minutes: int):
    """Register at a distinct moment, so that the waiting list has an order."""
    member = services.register(cohort, user, now=utcnow() + timedelta(minutes=minutes))
    db.session.commit()
    return member


def test_quotas_the_waiting_list_and_the_right_person_moving_up(
    app, make_course, make_user, make_unit
):
    disdik, dinkes = make_unit("Dinas Pendidikan"), make_unit("Dinas Kesehatan")
    camat = make_unit("Kecamatan Tamalate")
    kelurahan = make_unit("Kelurahan Mannuruki", parent=camat)
    course = make_course()
    cohort = make_class(course, capacity=4)
    for unit, seats in ((disdik, 1), (camat, 2)):
        cohort.quotas.append(UnitQuota(unit_id=unit.id, seats=seats))
    db.session.commit()
    a1, a2 = make_user("Guru Satu", unit=disdik), make_user("Guru Dua", unit=disdik)
    nurse = make_user("Perawat", unit=dinkes)
    k1, k2 = make_user("Lurah Satu", unit=kelurahan), make_user("Camat Dua", unit=camat)
    k3 = make_user("Staf Kecamatan", unit=camat)

    assert register(cohort, a1, 1).state is MemberState.ENROLLED
    assert register(cohort, nurse, 2).state is MemberState.WAITING  # no quota for Dinkes
    assert register(cohort, a2, 3).state is MemberState.WAITING  # Disdik's one seat is taken
    assert register(cohort, k1, 4).state is MemberState.ENROLLED  # a sub-unit: the parent's quota
    assert register(cohort, k2, 5).state is MemberState.ENROLLED
    assert register(cohort, k3, 6).state is MemberState.WAITING  # Kecamatan's quota is full
    seats = services.seat_count(cohort)
    assert (seats.enrolled, seats.used) == (3, {disdik.id: 1, camat.id: 2})
    assert services.waiting_position(services.find_member(cohort, a2)) == 2

    # a1, who has started the course, leaves: the nurse has waited longest but has no quota;
    # a2 of Disdik moves up.
    started = db.session.scalar(select(Enrollment).where(Enrollment.user_id == a1.id))
    db.session.add(
        LessonProgress(enrollment_id=started.id, lesson_id=course.lessons[0].id, done_at=utcnow())
    )
    db.session.commit()
    promoted = services.withdraw(services.find_member(cohort, a1), actor=a1, now=utcnow())
    db.session.commit()
    assert [m.user_id for m in promoted] == [a2.id]
    assert (
        state_of(cohort, a2) is MemberState.ENROLLED
        and state_of(cohort, a1) is MemberState.WITHDRAWN
    )
    assert state_of(cohort, nurse) is MemberState.WAITING
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == a2.id))
    assert enrollment.cohort_id == cohort.id and enrollment.course_id == course.id
    left = db.session.scalar(select(Enrollment).where(Enrollment.user_id == a1.id))
    assert left.cohort_id is None and left.progress  # keeps the course, outside the class

    # A quota for Dinkes lets the nurse in at once; the capacity (4) then stops k3.
    services.save_quotas(cohort, {disdik.id: 1, camat.id: 2, dinkes.id: 1}, actor=a1, now=utcnow())
    db.session.commit()
    assert state_of(cohort, nurse) is MemberState.ENROLLED
    assert services.seat_count(cohort).enrolled == 4
    # More capacity alone does not help k3: Kecamatan's quota is still full.
    cohort.capacity = 6
    services.promote_waiting(cohort, now=utcnow())
    db.session.commit()
    assert state_of(cohort, k3) is MemberState.WAITING


def test_without_quotas_the_capacity_alone_counts(app, make_course, make_user, make_unit):
    cohort = make_class(make_course(), capacity=2)
    people = [make_user(f"Orang {i}", unit=make_unit()) for i in range(4)]
    states = [register(cohort, p, i).state for i, p in enumerate(people)]
    assert states == [MemberState.ENROLLED, MemberState.ENROLLED] + [MemberState.WAITING] * 2
    services.withdraw(services.find_member(cohort, people[1]), actor=people[1], now=utcnow())
    db.session.commit()
    assert state_of(cohort, people[2]) is MemberState.ENROLLED  # the longest waiting
    assert state_of(cohort, people[3]) is MemberState.WAITING
    # Leaving the waiting list frees no seat and moves nobody.
    services.withdraw(services.find_member(cohort, people[3]), actor=people[3], now=utcnow())
    db.session.commit()
    assert services.seat_count(cohort).enrolled == 2


def test_a_nominated_class_ignores_its_quotas(app, make_course, make_user, make_unit, admin_user):
    unit = make_unit()
    cohort = make_class(make_course(), capacity=2, join_mode=JoinMode.NOMINATED)
    cohort.quotas.append(UnitQuota(unit_id=unit.id, seats=1))
    db.session.commit()
    people = [make_user(f"Orang {i}") for i in range(3)]
    result = services.nominate(cohort, people, actor=admin_user, now=utcnow())
    db.session.commit()
    assert [len(result.enrolled), len(result.waiting)] == [2, 1]
    with pytest.raises(services.ClassError):
        services.register(cohort, make_user("Mendaftar Sendiri"), now=utcnow())


def test_an_asn_registers_and_withdraws_on_the_class_page(app, client, make_course, make_user):
    course = make_course()
    cohort = make_class(course, capacity=1)
    make_user("Ahmad", nip="199001012015031001")
    make_user("Nurul", nip="199202022016032002")
    client.login("199001012015031001")
    page = client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert f'action="/kelas/{cohort.id}/daftar"' in page and 'id="roster"' not in page
    assert client.post_form(f"/kelas/{cohort.id}/daftar").status_code == 302
    page = client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert text_of(app, "You are enrolled in this class.") in page
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.cohort_id == cohort.id and enrollment.source is EnrollmentSource.SELF

    other = app.test_client()
    other.login("199202022016032002")
    other.post_form(f"/kelas/{cohort.id}/daftar")
    page = other.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert text_of(app, "You are on the waiting list: number %(n)s.", n=1) in page

    assert client.post_form(f"/kelas/{cohort.id}/mundur").status_code == 302
    page = other.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert text_of(app, "You are enrolled in this class.") in page
    assert db.session.scalar(
        select(AuditEntry.action).where(AuditEntry.action.like("class_member.withdraw"))
    )


def test_a_double_click_makes_one_membership(app, client, make_course, make_user):
    cohort = make_class(make_course(), capacity=5)
    user = make_user("Ahmad", nip="199001012015031001")
    client.login("199001012015031001")
    for _ in range(2):
        assert client.post_form(f"/kelas/{cohort.id}/daftar").status_code == 302
    assert count(Member) == 1 and count(Enrollment) == 1
    assert services.register(cohort, user, now=utcnow()).id == db.session.scalar(select(Member.id))


def test_two_people_at_once_for_the_last_seat(app, make_course, make_user):
    cohort = make_class(make_course(), capacity=1)
    ids = [make_user(f"Peserta {i}").id for i in range(2)]
    cohort_id = cohort.id
    start = threading.Barrier(2)
    states, errors = {}, []

    def take_a_seat(user_id):
        try:
            with app.app_context():
                c, u = db.session.get(Cohort, cohort_id), db.session.get(User, user_id)
                start.wait(timeout=10)
                states[user_id] = services.register(c, u, now=utcnow()).state
                db.session.commit()
                db.session.remove()
        except Exception as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=take_a_seat, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert sorted(states.values()) == [MemberState.ENROLLED, MemberState.WAITING]
    enrolled = db.session.scalar(
        select(func.count(Member.id)).where(Member.state == MemberState.ENROLLED)
    )
    assert enrolled == 1 and count(Enrollment) == 1


def test_one_class_of_a_course_at_a_time(app, make_course, make_user):
    course = make_course()
    first, second = make_class(course, name="Angkatan I"), make_class(course, name="Angkatan II")
    user = make_user()
    register(first, user, 0)
    with pytest.raises(services.ClassError):
        services.register(second, user, now=utcnow())


# Nominations and removals -----------------------------------------------------------------


def test_admins_nominate_by_nip_beyond_capacity_to_the_waiting_list(
    app, admin_client, make_course, make_user
):
    cohort = make_class(make_course(), capacity=1, join_mode=JoinMode.NOMINATED)
    a = make_user("Andi", nip="199001012015031010")
    b = make_user("Budi", nip="199001012015031011")
    nips = f"{a.nip}\n{b.nip}, 199001012015039999"
    response = admin_client.post_form(f"/kelas/{cohort.id}/peserta/tambah", {"nips": nips})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-count="enrolled">1<' in html and 'data-count="waiting">1<' in html
    assert 'data-count="not-found">1<' in html
    assert (
        state_of(cohort, a) is MemberState.ENROLLED and state_of(cohort, b) is MemberState.WAITING
    )
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == a.id))
    assert enrollment.source is EnrollmentSource.ASSIGNED and enrollment.due_date == cohort.ends_on
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class.nominate"))
    assert entry.after["enrolled"] == [a.id] and entry.after["waiting"] == [b.id]
    empty = admin_client.post_form(f"/kelas/{cohort.id}/peserta/tambah", {"nips": ""})
    assert empty.status_code == 422


def test_a_manager_removes_a_member_and_the_list_moves_up(
    app, client, partner, make_course, make_user
):
    inst, staff = partner
    cohort = make_class(make_course(institution=inst), institution=inst, capacity=1)
    a, b = make_user("Andi"), make_user("Budi")
    register(cohort, a, 0)
    register(cohort, b, 1)
    client.login("staf@mitra.id")
    member = services.find_member(cohort, a)
    response = client.post_form(f"/kelas/{cohort.id}/peserta/{member.id}/keluarkan")
    assert response.status_code == 302
    assert (
        state_of(cohort, a) is MemberState.WITHDRAWN and state_of(cohort, b) is MemberState.ENROLLED
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class_member.remove"))
    assert entry.actor_id == staff.id and entry.after["promoted"] == [b.id]
    # a never started the course: the enrollment made for the class is gone; b follows it.
    assert {e.user_id for e in db.session.scalars(select(Enrollment))} == {b.id}
    # Partner staff do not nominate: that is BKPSDM's.
    assert client.get(f"/kelas/{cohort.id}/peserta/tambah").status_code == 403


def test_quota_page_refuses_more_seats_than_the_capacity(app, admin_client, make_course, make_unit):
    cohort = make_class(make_course(), capacity=10)
    u1, u2 = make_unit("Dinas A"), make_unit("Dinas B")
    data = {f"seats-{u1.id}": "6", "new_unit": str(u2.id), "new_seats": "5"}
    cohort.quotas.append(UnitQuota(unit_id=u1.id, seats=2))
    db.session.commit()
    response = admin_client.post_form(f"/kelas/{cohort.id}/kuota", data)
    assert response.status_code == 422
    assert text_of(
        app,
        "The quotas add up to %(n)s seats, more than the class's %(capacity)s.",
        n=11,
        capacity=10,
    ) in response.get_data(as_text=True)
    assert {(q.unit_id, q.seats) for q in db.session.scalars(select(UnitQuota))} == {(u1.id, 2)}
    data["new_seats"] = "4"
    assert admin_client.post_form(f"/kelas/{cohort.id}/kuota", data).status_code == 302
    quotas = {(q.unit_id, q.seats) for q in db.session.scalars(select(UnitQuota))}
    assert quotas == {(u1.id, 6), (u2.id, 4)}
    data = {f"seats-{u1.id}": "0", f"seats-{u2.id}": "4"}
    assert admin_client.post_form(f"/kelas/{cohort.id}/kuota", data).status_code == 302
    assert {q.unit_id for q in db.session.scalars(select(UnitQuota))} == {u2.id}


# What each person sees ---------------------------------------------------------------------


def test_asn_see_open_classes_and_their_own_not_others_nominated(
    app, client, make_course, make_user, admin_user
):
    course = make_course()
    open_class = make_class(course, name="Kelas Terbuka")
    nominated = make_class(make_course(), name="Kelas Tunjuk", join_mode=JoinMode.NOMINATED)
    finished = make_class(
        make_course(),
        name="Kelas Selesai",
        starts_on=today() - timedelta(days=30),
        ends_on=today() - timedelta(days=1),
    )
    mine = make_class(make_course(), name="Kelas Saya", join_mode=JoinMode.NOMINATED)
    me = make_user("Ahmad", nip="199001012015031001")
    services.nominate(mine, [me], actor=admin_user, now=utcnow())
    db.session.commit()
    client.login("199001012015031001")
    html = client.get("/kelas/").get_data(as_text=True)
    assert "Kelas Terbuka" in html and "Kelas Saya" in html
    assert "Kelas Tunjuk" not in html and "Kelas Selesai" not in html
    assert client.get(f"/kelas/{nominated.id}").status_code == 404
    assert client.get(f"/kelas/{finished.id}").status_code == 404
    page = client.get(f"/kelas/{mine.id}").get_data(as_text=True)
    assert 'id="my-place"' in page and 'id="roster"' not in page and 'id="money"' not in page
    for url in (
        f"/kelas/{open_class.id}/ubah",
        f"/kelas/{open_class.id}/kuota",
        f"/kelas/{open_class.id}/pendanaan",
        "/kelas/baru",
        "/kelas/laporan/pendanaan",
    ):
        assert client.get(url).status_code == 403, url


def test_managers_see_the_roster_with_attendance_and_exam_results(
    app, admin_client, make_course, make_user
):
    from lms.classes.models import Attendance, AttendanceMethod, ClassSession

    cohort = make_class(make_course(), capacity=5)
    a, b = make_user("Andi"), make_user("Budi")
    register(cohort, a, 0)
    register(cohort, b, 1)
    now = utcnow()
    sessions = []
    for days in (-2, -1, 3):  # two held, one to come
        s = ClassSession(
            cohort_id=cohort.id,
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=2),
            topic=f"Sesi {days}",
            checkin_code=f"C{days + 5}",
        )
        db.session.add(s)
        sessions.append(s)
    db.session.flush()
    for s in sessions[:2]:
        db.session.add(
            Attendance(
                session_id=s.id,
                user_id=a.id,
                present=True,
                method=AttendanceMethod.ROSTER,
                recorded_at=now,
            )
        )
    db.session.add(
        Attendance(
            session_id=sessions[0].id,
            user_id=b.id,
            present=False,
            method=AttendanceMethod.ROSTER,
            recorded_at=now,
        )
    )
    db.session.commit()
    rows, held = services.roster(cohort, [], now)
    assert held == 2
    assert {r.member.user_id: (r.present, r.rate) for r in rows} == {a.id: (2, 100), b.id: (0, 0)}
    html = admin_client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert 'id="roster"' in html and "Andi" in html and "2/2" in html


def test_a_demo_partner_sees_the_demo_class(app, runner, new_client):
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0  # idempotent
    cohort = db.session.get(Cohort, 1)
    assert cohort.name.startswith("Analisis Data Angkatan I") and count(Cohort) == 1
    member = db.session.get(Member, 1)
    assert member.user.nip == "199001012015031001" and member.state is MemberState.ENROLLED
    assert services.money_totals(cohort) == (60_000_000, 51_000_000)
    c = new_client()
    assert c.login("mitra@kampus.demo", "demo-bina-2026").status_code == 302
    html = c.get("/kelas/1").get_data(as_text=True)
    assert 'id="roster"' in html and "Ahmad Fauzi" in html and "Rp 60.000.000" in html


@pytest.fixture
def exam(make_course, make_institution):
    """A partner's course whose required exam has one single-choice question and two essays."""
    from decimal import Decimal

    from lms.exams.models import Exam, ExamDraw, QuestionCategory, ShowAnswers
    from tests.test_exams import add_question

    inst = make_institution("Universitas Ujian")
    course = make_course(
        "Etika ASN",
        institution=inst,
        lessons=(("Modul 1", (("Pengantar", "text"), ("Ujian akhir", "exam"))),),
    )
    cat = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(cat)
    db.session.commit()
    add_question(course, cat, "single", "Ibu kota Sulsel?", [("Makassar", 1), ("Gowa", 0)])
    add_question(course, cat, "essay", "Jelaskan integritas.", [], points=5)
    add_question(course, cat, "essay", "Bagaimana menangani keluhan?", [], points=4)
    now = utcnow()
    e = Exam(
        course_id=course.id,
        lesson_id=course.lessons[-1].id,
        title="Ujian Etika",
        pass_mark=Decimal(60),
        show_answers=ShowAnswers.AFTER_SUBMIT,
        published=True,
        created_at=now,
        updated_at=now,
    )
    e.draws.append(ExamDraw(category_id=cat.id, count=3))
    db.session.add(e)
    db.session.commit()
    return e


def test_the_roster_shows_exam_results_and_essays_waiting_for_grading(
    app, admin_client, admin_user, exam, make_user
):
    from lms.exams import marking
    from tests.test_exam_grading import essay_answers, submitted
    from tests.test_exams import enroll

    learner = make_user("Peserta Ujian")
    enroll(exam.course, learner)
    cohort = make_class(exam.course, institution=exam.course.institution, capacity=5)
    # The learner followed the course already: that enrollment now belongs to the class.
    register(cohort, learner, 0)
    enrollments = db.session.scalars(select(Enrollment)).all()
    assert [(e.user_id, e.cohort_id) for e in enrollments] == [(learner.id, cohort.id)]
    other = make_user("Peserta Lain")
    register(cohort, other, 1)
    attempt = submitted(exam, learner)
    html = admin_client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert f'id="essays-{exam.id}"' in html and f"/ujian/{exam.id}/penilaian" in html
    assert exam.title in html
    for answer in essay_answers(attempt):
        marking.grade_essay(answer, "4", "", grader=admin_user, now=utcnow())
    db.session.commit()
    rows, _held = services.roster(cohort, services.class_exams(cohort), utcnow())
    results = {r.member.user_id: r.results for r in rows}
    assert results[learner.id][0].id == attempt.id and results[other.id] == [None]
    html = admin_client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert f'id="essays-{exam.id}"' not in html
    row = html[html.index(f'id="member-{services.find_member(cohort, learner).id}"') :]
    row = row[: row.index("</tr>")]
    assert "9/10" in row and "✓" in row  # 1 + 4 + 4 of 1 + 5 + 4 points, passed at 60%
