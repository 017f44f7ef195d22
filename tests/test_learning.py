"""Enrolling, assignments, lessons, progress, completion, downloads and "my learning"."""

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask_babel import format_date, gettext
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.core.audit import AuditEntry
from lms.core.clock import local_date, utcnow
from lms.core.storage import storage
from lms.courses.models import Lesson, LessonFile, LessonKind
from lms.extensions import db
from lms.learning import completion, services
from lms.learning.models import Enrollment, EnrollmentSource, LessonProgress
from lms.records.models import LedgerEntry

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
THREE_LESSONS = (("Modul 1", (("Satu", "text"), ("Dua", "text"), ("Tiga", "text"))),)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def today():
    return local_date(utcnow())


def text_of(app, message: str, **kw) -> str:
    """What the page says for `message`, in the default language."""
    with app.test_request_context():
        return gettext(message, **kw)


class _Element(HTMLParser):
    """Find the element with an id and keep its source, nested elements included."""

    VOID = {"input", "br", "img", "hr", "meta", "link"}

    def __init__(self, html: str, element_id: str):
        super().__init__(convert_charrefs=False)
        self.html, self.id, self.depth, self.start, self.end = html, element_id, 0, None, None
        self.lines = [0]
        for line in html.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.feed(html)

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.lines[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if self.end is not None or tag in self.VOID:
            return
        if self.start is None:
            if dict(attrs).get("id") == self.id:
                self.start, self.depth = self._offset(), 1
        else:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.start is None or self.end is not None or tag in self.VOID:
            return
        self.depth -= 1
        if self.depth == 0:
            self.end = self._offset() + len(f"</{tag}>")


def element(html: str, element_id: str) -> str:
    """The source of the element with this id."""
    found = _Element(html, element_id)
    assert found.start is not None, f"no element #{element_id}"
    return html[found.start : found.end]


section = element


def enrollment_of(course, user) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.user_id == user.id)
    )


def enroll(course, user, **kw) -> Enrollment:
    e = Enrollment(
        course_id=course.id,
        user_id=user.id,
        source=kw.pop("source", EnrollmentSource.SELF),
        enrolled_at=kw.pop("enrolled_at", utcnow()),
        **kw,
    )
    db.session.add(e)
    db.session.commit()
    return e


@pytest.fixture
def learner(make_user):
    return make_user("Rahmat Hidayat", nip="199101012016031001")


@pytest.fixture
def learner_client(client, learner):
    assert client.login(learner.nip).status_code == 302
    return client


def add_file(lesson: Lesson, data: bytes, name: str, content_type: str) -> LessonFile:
    stored = storage().save(io.BytesIO(data))
    f = LessonFile(
        lesson_id=lesson.id,
        storage_key=stored.key,
        original_name=name,
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_at=utcnow(),
    )
    db.session.add(f)
    db.session.flush()
    lesson.file_id = f.id
    db.session.commit()
    return f


# Enrolling --------------------------------------------------------------------------------


def test_enrolling_in_an_open_course_leads_to_its_first_lesson(
    learner_client, learner, make_course
):
    course = make_course()
    first = course.lessons[0]
    response = learner_client.post_form(f"/kursus/{course.slug}/daftar")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/kursus/{course.slug}/pelajaran/{first.id}"
    e = enrollment_of(course, learner)
    assert e.source is EnrollmentSource.SELF and e.assigned_at is None and e.completed_at is None


def test_enrolling_twice_gives_one_enrollment(learner_client, learner, make_course):
    course = make_course()
    for _ in range(3):
        assert learner_client.post_form(f"/kursus/{course.slug}/daftar").status_code == 302
    count = db.session.scalar(
        select(func.count(Enrollment.id)).where(Enrollment.user_id == learner.id)
    )
    assert count == 1
    # The service, called again as a second request would, returns the same enrollment.
    assert services.enroll(course, learner, now=utcnow()).id == enrollment_of(course, learner).id


def test_a_closed_course_takes_no_self_enrollment(learner_client, learner, make_course):
    course = make_course(open_enrollment=False)
    assert learner_client.post_form(f"/kursus/{course.slug}/daftar").status_code == 403
    assert enrollment_of(course, learner) is None


@pytest.mark.parametrize("state", ["draft", "review"])
def test_an_unpublished_course_cannot_be_enrolled_in(learner_client, learner, make_course, state):
    course = make_course(state=state)
    assert learner_client.post_form(f"/kursus/{course.slug}/daftar").status_code == 404
    assert enrollment_of(course, learner) is None


def test_only_asn_learners_enroll(client, make_user, make_institution, make_course):
    course = make_course()
    make_user(
        "Staf Mitra", email="staf@kampus.id", roles=(Role.PARTNER,), institution=make_institution()
    )
    client.login("staf@kampus.id")
    assert client.post_form(f"/kursus/{course.slug}/daftar").status_code == 403
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0


def test_anonymous_enroll_goes_to_login(client, make_course):
    course = make_course()
    response = client.post_form(f"/kursus/{course.slug}/daftar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")


# The course page's actions and requirements -----------------------------------------------


def test_course_page_actions_for_each_visitor(app, client, learner, make_course):
    course = make_course(jp=12)
    url = f"/kursus/{course.slug}"

    html = client.get(url).get_data(as_text=True)
    actions = element(html, "course-actions")
    assert f'href="/masuk?next=/kursus/{course.slug}"' in actions
    assert "<form" not in actions

    client.login(learner.nip)
    html = client.get(url).get_data(as_text=True)
    actions = element(html, "course-actions")
    assert f'action="/kursus/{course.slug}/daftar"' in actions
    assert 'name="csrf_token"' in actions

    client.post_form(f"{url}/daftar")
    html = client.get(url).get_data(as_text=True)
    actions = element(html, "course-actions")
    assert "<progress" in actions and 'value="0"' in actions
    assert f'href="/kursus/{course.slug}/belajar"' in actions
    assert "daftar" not in actions
    requirements = section(html, "requirements")
    assert str(completion.requirements_of(course)[0].label) in requirements
    assert "12" in requirements


def test_an_assigned_learner_sees_the_due_date_on_the_course_page(
    app, client, learner, admin_user, make_course
):
    course = make_course()
    services.assign(
        course,
        [learner],
        due_date=today() - timedelta(days=1),
        actor=admin_user,
        now=utcnow(),
        target={"target": "people"},
    )
    db.session.commit()
    client.login(learner.nip)
    html = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    actions = element(html, "course-actions")
    assert 'class="tag overdue"' in actions
    assert text_of(app, "Overdue") in actions


# Assignments ------------------------------------------------------------------------------


def assign_form(course, due, **data):
    return {"course_id": str(course.id), "due_date": due.isoformat(), **data}


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="([a-z-]+)">(\d+)<', html)}


def test_assigning_by_nip_reports_unknown_and_malformed_nips(
    admin_client, admin_user, make_user, make_course
):
    course = make_course()
    a = make_user("Andi", nip="199003032015031003")
    b = make_user("Besse", nip="199104042016032004")
    due = today() + timedelta(days=30)
    nips = f"{a.nip}\n{b.nip}, 199909092019091009 ,12345\n\n{a.nip}"
    response = admin_client.post_form(
        "/admin/penugasan", assign_form(course, due, target="people", nips=nips)
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert counts(html) == {"created": 2, "updated": 0, "skipped": 0, "not-found": 2}
    listed = element(html, "not-found")
    assert "199909092019091009" in listed and "12345" in listed
    for person in (a, b):
        e = enrollment_of(course, person)
        assert e.source is EnrollmentSource.ASSIGNED
        assert e.due_date == due and e.assigned_by_id == admin_user.id and e.assigned_at

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course.assign"))
    assert entry.target == f"course:{course.id}" and entry.actor_id == admin_user.id
    assert entry.after["created"] == 2 and entry.after["not_found"] == 2
    assert entry.after["due_date"] == due.isoformat() and entry.after["target"] == "people"


def test_assigning_makes_existing_enrollments_assigned_and_skips_completed(
    admin_client, admin_user, make_user, make_course
):
    course = make_course()
    following = make_user("Sudah Ikut", nip="199003032015031003")
    finished = make_user("Sudah Selesai", nip="199104042016032004")
    enroll(course, following)
    enroll(course, finished, completed_at=utcnow())
    due = today() + timedelta(days=14)
    html = admin_client.post_form(
        "/admin/penugasan",
        assign_form(course, due, target="people", nips=f"{following.nip},{finished.nip}"),
    ).get_data(as_text=True)
    assert counts(html) == {"created": 0, "updated": 1, "skipped": 1, "not-found": 0}
    e = enrollment_of(course, following)
    assert e.source is EnrollmentSource.SELF and e.assigned and e.due_date == due
    assert enrollment_of(course, finished).due_date is None

    # The same assignment again changes nothing.
    html = admin_client.post_form(
        "/admin/penugasan", assign_form(course, due, target="people", nips=following.nip)
    ).get_data(as_text=True)
    assert counts(html)["skipped"] == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "course.assign")
        )
        == 2
    )


@pytest.mark.parametrize(
    ("include", "expected"), [(True, {"Kepala", "Lurah"}), (False, {"Kepala"})]
)
def test_assigning_to_a_unit_with_or_without_its_sub_units(
    admin_client, make_user, make_unit, make_institution, make_course, include, expected
):
    course = make_course()
    district = make_unit("Kecamatan Ujung Pandang")
    village = make_unit("Kelurahan Losari", parent=district)
    other = make_unit("Dinas Kesehatan")
    make_user("Kepala", unit=district)
    make_user("Lurah", unit=village)
    make_user("Dokter", unit=other)
    make_user("Nonaktif", unit=district, active=False)
    data = assign_form(course, today(), target="unit", unit_id=str(district.id))
    if include:
        data["include_sub_units"] = "y"
    html = admin_client.post_form("/admin/penugasan", data).get_data(as_text=True)
    assigned = {e.user.name for e in db.session.scalars(select(Enrollment))}
    assert assigned == expected
    assert counts(html)["created"] == len(expected)


def test_assigning_to_a_position_ignores_case(admin_client, make_user, make_course):
    course = make_course()
    make_user("Satu", position="Analis Kebijakan Ahli Pertama")
    make_user("Dua", position="analis kebijakan ahli pertama ")
    make_user("Tiga", position="Analis Kebijakan Ahli Muda")
    admin_client.post_form(
        "/admin/penugasan",
        assign_form(course, today(), target="position", position="ANALIS KEBIJAKAN AHLI PERTAMA"),
    )
    assert {e.user.name for e in db.session.scalars(select(Enrollment))} == {"Satu", "Dua"}


def test_assignment_form_refuses_a_past_due_date_and_unpublished_courses(
    app, admin_client, learner, make_course
):
    course = make_course()
    draft = make_course("Draf", state="draft")
    response = admin_client.post_form(
        "/admin/penugasan",
        assign_form(course, today() - timedelta(days=1), target="people", nips=learner.nip),
    )
    assert response.status_code == 200
    assert text_of(app, "The due date cannot be in the past.") in response.get_data(as_text=True)
    html = admin_client.get("/admin/penugasan").get_data(as_text=True)
    assert f'value="{course.id}"' in html and f'value="{draft.id}"' not in html
    admin_client.post_form(
        "/admin/penugasan", assign_form(draft, today(), target="people", nips=learner.nip)
    )
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0


def test_only_admins_assign(learner_client, make_course):
    course = make_course()
    assert learner_client.get("/admin/penugasan").status_code == 403
    data = assign_form(course, today(), target="people", nips="199101012016031001")
    assert learner_client.post_form("/admin/penugasan", data).status_code == 403
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0


# My learning ------------------------------------------------------------------------------


def test_my_learning_groups_courses_with_due_dates_and_progress(
    app, learner_client, learner, admin_user, make_course
):
    late = make_course("Kursus Terlambat")
    soon = make_course("Kursus Ditugaskan")
    mine = make_course("Kursus Pilihan")
    done = make_course("Kursus Selesai", jp=7)
    now = utcnow()
    services.assign(
        late, [learner], due_date=today() - timedelta(days=3), actor=admin_user, now=now, target={}
    )
    services.assign(
        soon, [learner], due_date=today() + timedelta(days=20), actor=admin_user, now=now, target={}
    )
    e = enroll(mine, learner)
    services.mark_done(e, mine.lessons[0], now=now)
    d = enroll(done, learner)
    for lesson in done.lessons:
        services.mark_done(d, lesson, now=now)
    db.session.commit()

    html = learner_client.get("/pembelajaran").get_data(as_text=True)
    assigned = section(html, "assigned")
    with app.test_request_context():
        for due in (today() - timedelta(days=3), today() + timedelta(days=20)):
            assert format_date(due, "medium") in assigned
    assert assigned.index("Kursus Terlambat") < assigned.index("Kursus Ditugaskan")
    assert assigned.count('class="tag overdue"') == 1
    overdue_item = assigned.split("Kursus Ditugaskan")[0]
    assert 'class="tag overdue"' in overdue_item
    assert f'href="/kursus/{late.slug}/belajar"' in assigned

    in_progress = section(html, "in-progress")
    assert "Kursus Pilihan" in in_progress and "Kursus Terlambat" not in in_progress
    assert '<progress max="100" value="50"' in in_progress and "50%" in in_progress
    assert f'href="/kursus/{mine.slug}/belajar"' in in_progress

    completed_ = section(html, "completed")
    assert "Kursus Selesai" in completed_ and '<progress max="100" value="100"' in completed_
    date_text = (
        text_of(app, "Completed on %(date)s · %(jp)s JP credited", date="", jp=7)
        .split("·")[-1]
        .strip()
    )
    assert date_text in completed_


def test_my_learning_when_empty_points_to_the_catalog(learner_client):
    html = learner_client.get("/pembelajaran").get_data(as_text=True)
    for group in ("assigned", "in-progress", "completed"):
        assert 'class="empty"' in section(html, group)
    assert 'href="/kursus"' in section(html, "in-progress")


def test_another_learners_progress_is_not_visible(
    client, new_client, learner, make_user, make_course
):
    course = make_course("Kursus Rahasia")
    e = enroll(course, learner)
    services.mark_done(e, course.lessons[0], now=utcnow())
    db.session.commit()
    other = make_user("Orang Lain", nip="199104042016032004")
    c = new_client()
    c.login(other.nip)
    assert "Kursus Rahasia" not in c.get("/pembelajaran").get_data(as_text=True)
    lesson = course.lessons[0]
    assert c.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}").status_code == 403
    html = c.get(f"/kursus/{course.slug}").get_data(as_text=True)
    actions = element(html, "course-actions")
    assert "<progress" not in actions and "/daftar" in actions
    assert enrollment_of(course, other) is None


# Lessons, resume, progress and completion -------------------------------------------------


def test_opening_a_lesson_shows_the_outline_and_remembers_it(learner_client, learner, make_course):
    course = make_course(
        lessons=(("Modul 1", (("Satu", "text"), ("Dua", "text"), ("Tiga", "text"))),)
    )
    one, two, three = course.lessons
    e = enroll(course, learner)
    services.mark_done(e, one, now=utcnow())
    db.session.commit()
    response = learner_client.get(f"/kursus/{course.slug}/pelajaran/{two.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Isi Dua" in html  # the lesson body
    assert '<strong aria-current="page">Dua</strong>' in html
    assert html.count('class="is-done"') == 1
    assert f'href="/kursus/{course.slug}/pelajaran/{one.id}"' in html  # previous
    assert f'href="/kursus/{course.slug}/pelajaran/{three.id}"' in html  # next
    assert f'action="/kursus/{course.slug}/pelajaran/{two.id}/selesai"' in html
    assert enrollment_of(course, learner).last_lesson_id == two.id


def test_a_lesson_of_another_course_or_an_unpublished_one_is_not_found(
    learner_client, learner, make_course
):
    course, other = make_course(), make_course("Lain")
    enroll(course, learner)
    foreign = other.lessons[0]
    assert learner_client.get(f"/kursus/{course.slug}/pelajaran/{foreign.id}").status_code == 404
    draft = make_course("Draf", state="draft")
    enroll(draft, learner)
    assert (
        learner_client.get(f"/kursus/{draft.slug}/pelajaran/{draft.lessons[0].id}").status_code
        == 404
    )


def test_an_editor_previews_lessons_without_progress(admin_client, admin_user, make_course):
    course = make_course(state="draft")
    lesson = course.lessons[0]
    response = admin_client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
    assert response.status_code == 200
    assert 'id="progress"' not in response.get_data(as_text=True)
    admin_client.post_form(f"/kursus/{course.slug}/pelajaran/{lesson.id}/selesai")
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0


def test_resume_goes_to_the_right_lesson(learner_client, learner, make_course):
    course = make_course(
        lessons=(("Modul 1", (("Satu", "text"), ("Dua", "text"), ("Tiga", "text"))),)
    )
    one, two, three = course.lessons
    url = f"/kursus/{course.slug}/belajar"
    lesson_url = f"/kursus/{course.slug}/pelajaran/"
    # Not enrolled: the course page.
    assert learner_client.get(url).headers["Location"] == f"/kursus/{course.slug}"
    e = enroll(course, learner)
    assert learner_client.get(url).headers["Location"] == f"{lesson_url}{one.id}"
    services.mark_done(e, one, now=utcnow())
    db.session.commit()
    assert learner_client.get(url).headers["Location"] == f"{lesson_url}{two.id}"
    learner_client.get(f"{lesson_url}{three.id}")
    assert learner_client.get(url).headers["Location"] == f"{lesson_url}{three.id}"


def test_marking_done_is_idempotent_and_completion_credits_jp_once(
    app, learner_client, learner, make_course
):
    course = make_course(jp=9)
    one, two = course.lessons
    enroll(course, learner)
    base = f"/kursus/{course.slug}/pelajaran"
    response = learner_client.post_form(f"{base}/{one.id}/selesai")
    assert response.headers["Location"] == f"{base}/{two.id}"  # on to the next lesson
    learner_client.post_form(f"{base}/{one.id}/selesai")
    e = enrollment_of(course, learner)
    assert len(e.progress) == 1 and e.completed_at is None
    assert completion.progress(e).percent == 50

    learner_client.post_form(f"{base}/{two.id}/selesai")
    e = enrollment_of(course, learner)
    completed_at = e.completed_at
    assert completed_at is not None
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.user_id == learner.id)).all()
    assert [(x.jp, x.enrollment_id, x.title) for x in entries] == [(9, e.id, course.title)]

    for lesson in (one, two, two):
        learner_client.post_form(f"{base}/{lesson.id}/selesai")
    e = enrollment_of(course, learner)
    assert e.completed_at == completed_at and len(e.progress) == 2
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    html = learner_client.get(f"{base}/{two.id}").get_data(as_text=True)
    assert '<progress max="100" value="100"' in html


def test_marking_done_with_htmx_returns_the_progress_fragment(learner_client, learner, make_course):
    course = make_course()
    one = course.lessons[0]
    enroll(course, learner)
    response = learner_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{one.id}/selesai",
        headers={"HX-Request": "true", "HX-Target": "progress"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True).strip()
    assert html.startswith('<section id="progress"') and html.endswith("</section>")
    assert "<html" not in html
    assert '<progress max="100" value="50"' in html and "50%" in html
    assert "/selesai" not in html  # the button gave way to the "done" note


def test_file_and_exam_lessons_are_not_marked_by_hand(learner_client, learner, make_course):
    course = make_course(lessons=(("M", (("Berkas", "file"), ("Ujian", "exam"))),))
    doc, exam = course.lessons
    add_file(doc, PDF, "modul.pdf", "application/pdf")
    enroll(course, learner)
    for lesson in (doc, exam):
        url = f"/kursus/{course.slug}/pelajaran/{lesson.id}"
        assert "/selesai" not in learner_client.get(url).get_data(as_text=True)
        assert learner_client.post_form(f"{url}/selesai").status_code == 400
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0


def test_a_required_lesson_added_later_lowers_progress_but_keeps_completion(learner, make_course):
    course = make_course()
    e = enroll(course, learner)
    for lesson in course.lessons:
        services.mark_done(e, lesson, now=utcnow())
    db.session.commit()
    completed_at = e.completed_at
    assert completed_at is not None

    module = course.modules[0]
    module.lessons.append(Lesson(title="Baru", kind=LessonKind.TEXT, position=9, required=True))
    module.lessons.insert(0, module.lessons.pop(1))  # and a reorder
    db.session.commit()
    db.session.expire_all()
    e = db.session.get(Enrollment, e.id)
    p = completion.progress(e)
    assert (p.done, p.needed, p.percent) == (2, 3, 66)
    services.open_lesson(e, course.lessons[0], now=utcnow())
    db.session.commit()
    assert e.completed_at == completed_at
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1


def test_optional_lessons_do_not_count(learner, make_course):
    course = make_course(lessons=(("M", (("Wajib", "text"), ("Pilihan", "text"))),))
    course.lessons[1].required = False
    db.session.commit()
    e = enroll(course, learner)
    services.mark_done(e, course.lessons[0], now=utcnow())
    db.session.commit()
    assert e.completed_at is not None
    assert completion.progress(e).percent == 100


def test_completion_requirements_are_a_list_that_can_grow(monkeypatch, learner, make_course):
    course = make_course()
    passed: set[int] = set()
    extra = completion.Requirement(label="Pass the exam", met=lambda e: e.id in passed)
    monkeypatch.setattr(completion, "REQUIREMENTS", [*completion.REQUIREMENTS, lambda c: [extra]])
    e = enroll(course, learner)
    for lesson in course.lessons:
        services.mark_done(e, lesson, now=utcnow())
    db.session.commit()
    assert e.completed_at is None
    assert completion.progress(e).percent == 66  # 2 lessons of 3 parts
    passed.add(e.id)
    assert completion.check_completion(e, utcnow()) is True
    assert completion.check_completion(e, utcnow()) is False
    db.session.commit()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1


def test_a_course_that_requires_nothing_is_never_completed(learner, make_course):
    course = make_course(lessons=(("M", (("Ujian", "exam"),)),))
    e = enroll(course, learner)
    assert completion.check_completion(e, utcnow()) is False
    assert e.completed_at is None and completion.progress(e).percent == 0


# Downloads --------------------------------------------------------------------------------


@pytest.fixture
def file_course(make_course):
    course = make_course(lessons=(("M", (("Handout", "file"), ("Bacaan", "text"))),))
    lesson = course.lessons[0]
    old = add_file(lesson, PNG, "lama.png", "image/png")
    new = add_file(lesson, PDF, "Modul Standar Pelayanan.pdf", "application/pdf")
    return course, lesson, old, new


def test_an_enrolled_learner_downloads_the_file_and_the_lesson_is_done(
    learner_client, learner, file_course
):
    course, lesson, _, current = file_course
    enroll(course, learner)
    response = learner_client.get(f"/berkas/{current.id}", buffered=True)
    assert response.status_code == 200
    assert response.data == PDF
    h = response.headers
    assert h["Content-Type"] == "application/pdf"
    assert h["Content-Disposition"].startswith("attachment;")
    assert "Modul%20Standar%20Pelayanan.pdf" in h["Content-Disposition"] or (
        '"Modul Standar Pelayanan.pdf"' in h["Content-Disposition"]
    )
    assert h["Content-Length"] == str(len(PDF))
    assert "private" in h["Cache-Control"] and "public" not in h["Cache-Control"]
    assert h["X-Content-Type-Options"] == "nosniff"
    e = enrollment_of(course, learner)
    assert [(p.lesson_id, p.how) for p in e.progress] == [(lesson.id, "downloaded")]


def test_downloads_are_refused_to_others_and_old_versions_to_learners(
    client, new_client, learner, admin_user, make_user, file_course
):
    course, _, old, current = file_course
    outsider = make_user("Bukan Peserta", nip="199104042016032004")
    c = new_client()
    c.login(outsider.nip)
    assert c.get(f"/berkas/{current.id}", buffered=True).status_code == 403

    enroll(course, learner)
    client.login(learner.nip)
    assert client.get(f"/berkas/{old.id}", buffered=True).status_code == 403
    assert client.get(f"/berkas/{current.id}", buffered=True).status_code == 200

    editor = new_client()
    editor.login(admin_user.email)
    response = editor.get(f"/berkas/{old.id}", buffered=True)
    assert response.status_code == 200 and response.data == PNG
    assert (
        db.session.scalar(
            select(func.count(LessonProgress.id)).where(LessonProgress.how == "downloaded")
        )
        == 1
    )  # the learner's, not the editor's


def test_files_of_an_unpublished_course_are_not_found_for_learners(
    learner_client, learner, make_course
):
    course = make_course(state="draft", lessons=(("M", (("Handout", "file"),)),))
    f = add_file(course.lessons[0], PDF, "x.pdf", "application/pdf")
    enroll(course, learner)
    assert learner_client.get(f"/berkas/{f.id}", buffered=True).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/berkas/../../etc/passwd",
        "/berkas/..%2F..%2Fetc%2Fpasswd",
        "/berkas/abc",
        "/berkas/999",
        "/berkas/-1",
    ],
)
def test_odd_file_addresses_are_not_found(learner_client, url):
    assert learner_client.get(url).status_code == 404


def test_anonymous_download_goes_to_login(client, file_course):
    _, _, _, current = file_course
    response = client.get(f"/berkas/{current.id}", buffered=True)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")


# Demo data --------------------------------------------------------------------------------


def test_demo_enrollments_are_made_once(runner):
    from lms.auth.models import User

    for _ in range(2):
        result = runner.invoke(args=["lms", "demo"])
        assert result.exit_code == 0, result.output
    ahmad = db.session.scalar(select(User).where(User.nip == "199001012015031001"))
    nurul = db.session.scalar(select(User).where(User.nip == "199202022016032002"))
    mine = {
        e.course.title: e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.user_id == ahmad.id))
    }
    assert set(mine) == {
        "Moderasi Beragama dan Wawasan Kebangsaan",
        "Pelayanan Publik Prima",
        "Kepemimpinan Pengawas",
        "Analisis Data untuk Kebijakan Publik",  # through the demo class (lms/classes/demo.py)
    }
    assert mine["Analisis Data untuk Kebijakan Publik"].cohort_id is not None
    done = mine["Moderasi Beragama dan Wawasan Kebangsaan"]
    assert done.completed_at is not None
    assert done.completed_at.year == utcnow().year and done.completed_at < utcnow()
    credited = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.enrollment_id == done.id)
    ).all()
    assert len(credited) == 1 and credited[0].jp == done.course.jp
    in_progress = mine["Pelayanan Publik Prima"]
    assert in_progress.completed_at is None and len(in_progress.progress) >= 1
    assigned = mine["Kepemimpinan Pengawas"]
    assert assigned.assigned and assigned.due_date > today()

    theirs = db.session.scalars(select(Enrollment).where(Enrollment.user_id == nurul.id)).all()
    assert sorted((e.course.title, e.overdue(today())) for e in theirs) == [
        ("Analisis Data untuk Kebijakan Publik", False),  # the demo class
        ("Pelayanan Publik Prima", True),
    ]
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "course.assign")
        )
        == 2
    )


def test_a_double_click_that_races_past_the_check_still_gives_one_enrollment(
    monkeypatch, learner, make_course
):
    course = make_course()
    first = services.enroll(course, learner, now=utcnow())
    db.session.commit()
    # The second request looked before the first one's insert was committed.
    real = services.get_enrollment
    looked = []

    def stale_first_look(c, u):
        looked.append(1)
        return None if len(looked) == 1 else real(c, u)

    monkeypatch.setattr(services, "get_enrollment", stale_first_look)
    again = services.enroll(course, learner, now=utcnow())
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1
