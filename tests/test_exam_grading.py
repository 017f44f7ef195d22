"""Essay grading: a blind queue, the release of results, objections, regrading on key changes."""

import gzip
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.exams import bank, marking, services
from lms.exams.models import (
    Answer,
    Attempt,
    AttemptState,
    Exam,
    QuestionCategory,
)
from lms.extensions import db
from lms.learning.models import Enrollment, LessonProgress
from tests.exam_support import new_exam
from tests.test_exams import add_question, enroll, item_of, option_id

HX = {"HX-Request": "true"}
LEARNER_NAME, LEARNER_NIP = "Andi Pembelajar Tersembunyi", "199001012015031201"
ESSAY_A, ESSAY_B = "Integritas berarti jujur walau tidak diawasi.", "Saya catat keluhan warga."


# Builders ---------------------------------------------------------------------------------


@pytest.fixture
def institution(make_institution):
    return make_institution("Universitas Hasanuddin Contoh")


@pytest.fixture
def course(make_course, institution):
    """A partner's published course whose last lesson is a required exam."""
    return make_course(
        "Etika ASN",
        institution=institution,
        lessons=(("Modul 1", (("Pengantar", "text"), ("Ujian akhir", "exam"))),),
    )


@pytest.fixture
def exam(course):
    cat = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(cat)
    db.session.commit()
    add_question(course, cat, "single", "Ibu kota Sulsel?", [("Makassar", 1), ("Gowa", 0)])
    add_question(course, cat, "essay", "Jelaskan integritas.", [], points=5)
    add_question(course, cat, "essay", "Bagaimana menangani keluhan?", [], points=4)
    lesson = next(x for x in course.lessons if x.kind.value == "exam")
    lesson.required = True
    e = new_exam(course, cat, 3, lesson_id=lesson.id)
    db.session.add(e)
    db.session.commit()
    return e


@pytest.fixture
def learner(make_user, make_unit, exam):
    user = make_user(LEARNER_NAME, nip=LEARNER_NIP, unit=make_unit("Kelurahan Rahasia"))
    enroll(exam.course, user)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    text_lesson = exam.course.lessons[0]
    db.session.add(
        LessonProgress(enrollment_id=enrollment.id, lesson_id=text_lesson.id, done_at=utcnow())
    )
    db.session.commit()
    return user


@pytest.fixture
def second_admin(make_user):
    return make_user("Admin Kedua", email="admin2@test.id", roles=(Role.ADMIN,))


def submitted(exam, user, *, single="Makassar", essays=(ESSAY_A, ESSAY_B)) -> Attempt:
    """An attempt answered and submitted through the services."""
    now = utcnow() - timedelta(hours=1)
    attempt = services.start_attempt(exam, user, now=now)
    item = item_of(attempt, "single")
    services.save_answer(
        attempt, item.position, [str(option_id(item, single))], seq=1, flagged=False, now=now
    )
    for item, text in zip(essay_items(attempt), essays, strict=True):
        services.save_answer(attempt, item.position, [text], seq=1, flagged=False, now=now)
    services.submit_attempt(attempt, now=now + timedelta(minutes=5))
    db.session.commit()
    return attempt


def essay_items(attempt):
    """The attempt's essays, the 5-point one first."""
    items = [q for q in attempt.questions if q.snapshot["type"] == "essay"]
    return sorted(items, key=lambda q: -Decimal(q.snapshot["points"]))


def essay_answers(attempt) -> list[Answer]:
    return [q.answer for q in essay_items(attempt)]


def code(app, answer) -> str:
    return marking.anonymous_code(answer.id, app.config["SECRET_KEY"])


def grade_url(exam, answer) -> str:
    return f"/ujian/{exam.id}/penilaian/{answer.id}"


def english(client):
    client.set_cookie("lang", "en")
    return client


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# The queue --------------------------------------------------------------------------------


def test_queue_and_grading_page_are_blind(app, admin_client, exam, learner):
    attempt = submitted(exam, learner)
    first, second = essay_answers(attempt)
    page = admin_client.get(f"/ujian/{exam.id}/penilaian").get_data(as_text=True)
    assert code(app, first) in page and code(app, second) in page
    for answer in (first, second):
        html = admin_client.get(grade_url(exam, answer)).get_data(as_text=True)
        assert code(app, answer) in html
        assert answer.value["text"] in html
        for secret in (LEARNER_NAME, LEARNER_NIP, "Kelurahan Rahasia", attempt.receipt):
            assert secret not in page and secret not in html
        assert f"/ujian/percobaan/{attempt.id}" not in html


def test_grader_sees_the_frozen_picture_under_the_blind_address(admin_client, exam, learner):
    import io

    from lms.core.storage import storage

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    essay = next(q for q in exam.draws[0].category.questions if q.points == 5)
    essay.image_key, essay.image_type = storage().save(io.BytesIO(png)).key, "image/png"
    db.session.commit()
    attempt = submitted(exam, learner)
    answer = essay_answers(attempt)[0]
    html = admin_client.get(grade_url(exam, answer)).get_data(as_text=True)
    src = f"{grade_url(exam, answer)}/gambar"
    assert f'src="{src}"' in html and f"/ujian/percobaan/{attempt.id}" not in html
    response = admin_client.get(src, buffered=True)
    assert response.status_code == 200 and response.data == png
    assert (
        admin_client.get(f"{grade_url(exam, essay_answers(attempt)[1])}/gambar").status_code == 404
    )


def test_queue_lists_only_answered_essays_of_submitted_attempts(app, admin_client, exam, learner):
    attempt = submitted(exam, learner, essays=(ESSAY_A, "   "))
    answered, blank = essay_answers(attempt)
    page = admin_client.get(f"/ujian/{exam.id}/penilaian").get_data(as_text=True)
    assert code(app, answered) in page and code(app, blank) not in page
    # An objective answer or a blank essay has no grading page.
    single = item_of(attempt, "single").answer
    assert admin_client.get(grade_url(exam, single)).status_code == 404
    assert admin_client.get(grade_url(exam, blank)).status_code == 404


def test_grading_validation_changes_nothing(admin_client, exam, learner):
    attempt = submitted(exam, learner)
    answer = essay_answers(attempt)[0]  # 5 points
    english(admin_client)
    cases = {
        "": "Enter a score.",
        "lima": "The score must be a number",
        "5,5": "The score must be between 0 and 5.",
        "-1": "The score must be between 0 and 5.",
        "2.555": "Use at most two decimal places.",
    }
    for raw, message in cases.items():
        response = admin_client.post_form(
            grade_url(exam, answer), {"score": raw, "comment": "Bagus"}
        )
        assert response.status_code == 422, raw
        assert message in response.get_data(as_text=True), raw
    answer = db.session.get(Answer, answer.id)
    assert answer.score is None and answer.graded_at is None and answer.comment == ""
    assert db.session.get(Attempt, attempt.id).state is AttemptState.SUBMITTED
    assert audit("answer.grade") == []


def test_result_released_only_when_the_last_essay_is_graded(
    app, admin_client, new_client, exam, learner, admin_user
):
    attempt = submitted(exam, learner)
    first, second = essay_answers(attempt)
    learner_client = english(new_client())
    learner_client.login(LEARNER_NIP)
    response = admin_client.post_form(
        grade_url(exam, first), {"score": "4", "comment": "Cukup"}, headers=HX
    )
    # htmx: the next essay is swapped in, and the address follows it.
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="grading-item"') and code(app, second) in html
    assert response.headers["HX-Push-Url"] == grade_url(exam, second)
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.SUBMITTED and attempt.score is None
    page = learner_client.get(f"/ujian/percobaan/{attempt.id}/hasil").get_data(as_text=True)
    assert "Your result appears here when they are." in page and "Cukup" not in page
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    assert enrollment.completed_at is None

    # Without JavaScript: the last grade redirects to the queue, which is now empty.
    response = admin_client.post_form(grade_url(exam, second), {"score": "3,5", "comment": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ujian/{exam.id}/penilaian"
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.GRADED
    assert attempt.score == Decimal("8.5") and attempt.max_score == Decimal(10)
    assert attempt.passed is True
    assert services.has_passed(exam, learner)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    assert enrollment.completed_at is not None
    graded = db.session.get(Answer, first.id)
    assert (graded.score, graded.comment, graded.graded_by_id) == (
        Decimal(4),
        "Cukup",
        admin_user.id,
    )
    page = learner_client.get(f"/ujian/percobaan/{attempt.id}/hasil").get_data(as_text=True)
    assert "8.5" in page and "Cukup" in page
    assert [e.target for e in audit("answer.grade")] == [
        f"answer:{first.id}",
        f"answer:{second.id}",
    ]
    # A graded essay is not graded again through the queue.
    again = admin_client.post_form(grade_url(exam, second), {"score": "4"})
    assert again.status_code == 409
    assert db.session.get(Answer, second.id).score == Decimal("3.5")


def test_low_essay_grades_fail_and_leave_the_course_incomplete(admin_client, exam, learner):
    attempt = submitted(exam, learner)
    for answer in essay_answers(attempt):
        admin_client.post_form(grade_url(exam, answer), {"score": "1"})
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.GRADED and attempt.score == Decimal(3)
    assert attempt.passed is False
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    assert enrollment.completed_at is None


def test_a_grader_cannot_grade_their_own_answer(admin_client, exam, admin_user):
    enroll(exam.course, admin_user)
    attempt = submitted(exam, admin_user)
    answer = essay_answers(attempt)[0]
    response = admin_client.post_form(grade_url(exam, answer), {"score": "5"})
    assert response.status_code == 403
    assert db.session.get(Answer, answer.id).score is None


# Objections -------------------------------------------------------------------------------


@pytest.fixture
def released(admin_client, exam, learner):
    """A released attempt: the admin graded both essays (4 of 5, 3 of 4)."""
    attempt = submitted(exam, learner)
    first, second = essay_answers(attempt)
    admin_client.post_form(grade_url(exam, first), {"score": "4", "comment": "Kurang contoh"})
    admin_client.post_form(grade_url(exam, second), {"score": "3"})
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.GRADED and attempt.score == Decimal(8)
    return attempt


def object_url(attempt, answer) -> str:
    return f"/ujian/percobaan/{attempt.id}/keberatan/{answer.attempt_question.position}"


def test_objection_once_and_the_result_stands_meanwhile(
    app, new_client, admin_client, released, exam
):
    attempt = released
    answer = essay_answers(attempt)[0]
    learner_client = english(new_client())
    learner_client.login(LEARNER_NIP)
    page = learner_client.get(f"/ujian/percobaan/{attempt.id}/hasil").get_data(as_text=True)
    assert f'action="{object_url(attempt, answer)}"' in page

    # A reason is required: nothing changes without one.
    response = learner_client.post_form(object_url(attempt, answer), {"reason": "  "})
    assert response.status_code == 302
    page = learner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Write why you object to the grade." in page
    assert db.session.get(Answer, answer.id).objected_at is None

    response = learner_client.post_form(
        object_url(attempt, answer), {"reason": "Saya sudah memberi contoh di paragraf kedua."}
    )
    assert response.status_code == 302
    answer = db.session.get(Answer, answer.id)
    assert answer.objection == "Saya sudah memberi contoh di paragraf kedua."
    assert answer.first_score == Decimal(4) and answer.first_comment == "Kurang contoh"
    assert answer.score is None and answer.graded_at is None and answer.comment == ""
    # The released result stands until the second grade arrives.
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.GRADED and attempt.score == Decimal(8)
    assert attempt.passed is True
    services.grade(attempt)  # totalling again (e.g. a regrade) keeps the first grade meanwhile
    assert attempt.score == Decimal(8) and attempt.state is AttemptState.GRADED
    db.session.rollback()
    page = learner_client.get(f"/ujian/percobaan/{attempt.id}/hasil").get_data(as_text=True)
    assert "A different grader is grading this answer again." in page
    assert f'action="{object_url(attempt, answer)}"' not in page
    queue = admin_client.get(f"/ujian/{exam.id}/penilaian").get_data(as_text=True)
    assert code(app, answer) in queue
    [entry] = audit("answer.objection")
    assert entry.target == f"answer:{answer.id}" and entry.before == {"score": "4.00"}

    # A second objection is refused and changes nothing.
    response = learner_client.post_form(object_url(attempt, answer), {"reason": "Lagi"})
    page = learner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have already objected to this grade" in page
    answer = db.session.get(Answer, answer.id)
    assert answer.objection == "Saya sudah memberi contoh di paragraf kedua."
    assert len(audit("answer.objection")) == 1


def test_the_second_grade_comes_from_a_different_person(
    app, new_client, admin_client, second_admin, admin_user, released, exam
):
    attempt = released
    answer = essay_answers(attempt)[0]
    learner_client = english(new_client())
    learner_client.login(LEARNER_NIP)
    learner_client.post_form(object_url(attempt, answer), {"reason": "Mohon dinilai ulang."})

    english(admin_client)
    page = admin_client.get(grade_url(exam, answer)).get_data(as_text=True)
    assert "a different person must grade the objection" in page and 'name="score"' not in page
    response = admin_client.post_form(grade_url(exam, answer), {"score": "5"})
    assert response.status_code == 403
    assert "a different person must grade the objection" in response.get_data(as_text=True)
    assert db.session.get(Answer, answer.id).score is None

    other = new_client()
    other.login("admin2@test.id")
    page = other.get(grade_url(exam, answer)).get_data(as_text=True)
    assert "Mohon dinilai ulang." in page and "Kurang contoh" not in page  # blind to the first
    response = other.post_form(grade_url(exam, answer), {"score": "5", "comment": "Lengkap"})
    assert response.status_code == 302
    answer = db.session.get(Answer, answer.id)
    assert answer.score == Decimal(5) and answer.graded_by_id == second_admin.id
    assert answer.first_score == Decimal(4) and answer.first_graded_by_id == admin_user.id
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == Decimal(9) and attempt.state is AttemptState.GRADED
    [entry] = audit("answer.second_grade")
    assert entry.actor_id == second_admin.id
    assert entry.before["attempt_score"] == "8.00" and entry.after["attempt_score"] == "9.00"
    page = learner_client.get(f"/ujian/percobaan/{attempt.id}/hasil").get_data(as_text=True)
    assert "Lengkap" in page and f'action="{object_url(attempt, answer)}"' not in page
    response = learner_client.post_form(object_url(attempt, answer), {"reason": "Sekali lagi"})
    assert db.session.get(Answer, answer.id).score == Decimal(5)  # no third round


def test_objection_waits_for_the_release(new_client, admin_client, exam, learner):
    attempt = submitted(exam, learner)
    first, _second = essay_answers(attempt)
    admin_client.post_form(grade_url(exam, first), {"score": "4"})  # one of two: not released
    learner_client = new_client()
    learner_client.login(LEARNER_NIP)
    learner_client.post_form(object_url(attempt, first), {"reason": "Terlalu rendah"})
    assert db.session.get(Answer, first.id).objected_at is None


def test_another_learner_cannot_object(new_client, make_user, released, exam):
    answer = essay_answers(released)[0]
    other = make_user("Budi", nip="199001012015031202")
    enroll(exam.course, other)
    client = new_client()
    client.login(other.nip)
    response = client.post_form(object_url(released, answer), {"reason": "Iseng"})
    assert response.status_code == 404
    assert db.session.get(Answer, answer.id).objected_at is None


# Access -----------------------------------------------------------------------------------


def test_only_the_courses_owners_reach_grading(
    new_client, make_user, make_institution, institution, released, exam
):
    answer = essay_answers(released)[0]
    make_user(
        "Mitra Lain", email="lain@kampus.id", roles=(Role.PARTNER,), institution=make_institution()
    )
    make_user(
        "Mitra Sendiri", email="sendiri@kampus.id", roles=(Role.PARTNER,), institution=institution
    )
    urls = [
        ("GET", f"/ujian/{exam.id}/penilaian"),
        ("GET", grade_url(exam, answer)),
        ("GET", f"{grade_url(exam, answer)}/gambar"),
        ("POST", grade_url(exam, answer)),
        ("GET", f"/ujian/{exam.id}/nilai-ulang"),
        ("POST", f"/ujian/{exam.id}/nilai-ulang"),
        ("POST", object_url(released, answer)),
    ]
    outsider, owner = new_client(), new_client()
    outsider.login("lain@kampus.id")
    owner.login("sendiri@kampus.id")
    for method, url in urls:
        send = outsider.get if method == "GET" else outsider.post_form
        assert send(url).status_code in (403, 404), f"{method} {url}"
    assert owner.get(f"/ujian/{exam.id}/penilaian").status_code == 200
    assert owner.get(f"/ujian/{exam.id}/nilai-ulang").status_code == 200
    assert owner.post_form(object_url(released, answer), {"reason": "x"}).status_code == 404
    assert db.session.get(Answer, answer.id).objected_at is None


# Regrading after a key change --------------------------------------------------------------


def test_regrade_carries_the_new_key_and_is_audited(admin_client, exam, learner, make_user):
    attempt = submitted(exam, learner, single="Gowa")
    for answer in essay_answers(attempt):
        admin_client.post_form(grade_url(exam, answer), {"score": "3"})
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == Decimal(6) and attempt.passed is True
    live_user = make_user("Citra", nip="199001012015031203")
    enroll(exam.course, live_user)
    live = services.start_attempt(exam, live_user, now=utcnow())
    db.session.commit()
    seen = item_of(attempt, "single").snapshot

    # The author corrects the key (Gowa, not Makassar) and makes the question worth 2 points.
    question = next(q for q in exam.draws[0].category.questions if q.type.value == "single")
    data = bank.to_data(question)
    data.points = Decimal(2)
    for option in data.options:
        option.fraction = Decimal(option.text == "Gowa")
    bank.save_question(question, exam.course, data, question.category, now=utcnow())
    db.session.commit()
    assert db.session.get(Attempt, attempt.id).score == Decimal(6)  # frozen until regraded

    english(admin_client)
    page = admin_client.get(f"/ujian/{exam.id}/nilai-ulang").get_data(as_text=True)
    assert "Regrade 1 attempts" in page and "1 attempts in progress" in page
    response = admin_client.post_form(f"/ujian/{exam.id}/nilai-ulang")
    assert response.status_code == 302
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == Decimal(8) and attempt.max_score == Decimal(11)
    item = item_of(attempt, "single")
    # Same options, order, texts and ids the learner saw; only the key changed.
    assert [(o["id"], o["text"]) for o in item.snapshot["options"]] == [
        (o["id"], o["text"]) for o in seen["options"]
    ]
    assert {o["text"]: Decimal(o["fraction"]) for o in item.snapshot["options"]} == {
        "Gowa": 1,
        "Makassar": 0,
    }
    assert item.answer.score == Decimal(2)
    [entry] = audit("attempt.regrade")
    assert entry.target == f"attempt:{attempt.id}"
    assert entry.before["score"] == "6.00" and entry.after["score"] == "8.00"
    assert entry.before["max_score"] == "10.00" and entry.after["max_score"] == "11.00"
    # The attempt in progress kept its snapshot; a second regrade changes nothing.
    live = db.session.get(Attempt, live.id)
    kept = item_of(live, "single").snapshot["options"]
    assert {o["text"]: Decimal(o["fraction"]) for o in kept} == {"Gowa": 0, "Makassar": 1}
    admin_client.post_form(f"/ujian/{exam.id}/nilai-ulang")
    assert len(audit("attempt.regrade")) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) >= 3


def test_regrade_scales_a_persons_essay_grade_to_new_points(admin_client, exam, learner):
    attempt = submitted(exam, learner)
    first, second = essay_answers(attempt)
    admin_client.post_form(grade_url(exam, first), {"score": "4"})  # of 5
    admin_client.post_form(grade_url(exam, second), {"score": "2"})  # of 4
    bank_question = bank.get_question(exam.course, first.attempt_question.question_id)
    data = bank.to_data(bank_question)
    data.points = Decimal(10)
    bank.save_question(bank_question, exam.course, data, bank_question.category, now=utcnow())
    db.session.commit()
    assert marking.regrade(exam, actor=None, now=utcnow()) == 1
    db.session.commit()
    assert db.session.get(Answer, first.id).score == Decimal(8)  # 4/5 of 10
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == Decimal(11) and attempt.max_score == Decimal(15)


def test_regrade_leaves_reworded_options_alone(admin_client, exam, learner):
    attempt = submitted(exam, learner, single="Gowa")
    question = next(q for q in exam.draws[0].category.questions if q.type.value == "single")
    data = bank.to_data(question)
    data.options[1].text, data.options[1].fraction = "Kabupaten Gowa", Decimal(1)
    data.options[0].fraction = Decimal(0)
    bank.save_question(question, exam.course, data, question.category, now=utcnow())
    db.session.commit()
    plan = marking.plan_regrade(exam)
    assert plan.attempt_ids == [] and [q.id for q in plan.unmatched] == [question.id]
    assert marking.regrade(exam, actor=None, now=utcnow()) == 0
    assert item_of(db.session.get(Attempt, attempt.id), "single").answer.score == Decimal(0)


# Pages ------------------------------------------------------------------------------------


def test_grading_pages_are_small_and_have_no_inline_script(admin_client, released, exam):
    answer = essay_answers(released)[0]
    for url in (
        f"/ujian/{exam.id}/penilaian",
        grade_url(exam, answer),
        f"/ujian/{exam.id}/nilai-ulang",
        f"/ujian/percobaan/{released.id}/hasil",
    ):
        response = admin_client.get(url)
        if url.endswith("/hasil"):
            assert response.status_code == 404  # someone else's result
            continue
        assert response.status_code == 200, url
        assert len(gzip.compress(response.data)) <= 14 * 1024
        html = response.get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert re.findall(r"<[^>]+\son[a-z]+\s*=", html) == []


def test_demo_queue_has_a_waiting_essay_and_a_released_result(runner, new_client):
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    admin = new_client()
    admin.login("admin@bina.demo", "demo-bina-2026")
    exam = db.session.scalar(select(Exam))
    page = admin.get(f"/ujian/{exam.id}/penilaian").get_data(as_text=True)
    assert re.search(r"#[0-9A-F]{8}\b", page)
    assert "Nurul Hidayah" not in page and "199202022016032002" not in page
    ahmad = new_client()
    ahmad.login("199001012015031001", "demo-bina-2026")
    attempt = db.session.scalar(select(Attempt).where(Attempt.state == AttemptState.GRADED))
    page = ahmad.get(f"/ujian/percobaan/{attempt.id}/hasil").get_data(as_text=True)
    assert f"/ujian/percobaan/{attempt.id}/keberatan/" in page


# Two graders at once ----------------------------------------------------------------------


def _post_in_threads(app, posts):
    from tests.test_exams import _in_threads

    def go(client, url, data):
        def run():
            with app.app_context():
                return client.post(url, data=data)

        return run

    responses = _in_threads([go(c, url, data) for c, url, data in posts])
    db.session.expire_all()  # read what the threads wrote
    return responses


def test_two_graders_finishing_one_attempt_at_once_release_it(
    app, new_client, exam, learner, admin_user, second_admin
):
    attempt = submitted(exam, learner)
    first, second = essay_answers(attempt)
    graders = [new_client(), new_client()]
    graders[0].login("admin@test.id")
    graders[1].login("admin2@test.id")
    tokens = [c.csrf_token() for c in graders]
    responses = _post_in_threads(
        app,
        [
            (graders[0], grade_url(exam, first), {"csrf_token": tokens[0], "score": "5"}),
            (graders[1], grade_url(exam, second), {"csrf_token": tokens[1], "score": "4"}),
        ],
    )
    assert [r.status_code for r in responses] == [302, 302]
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.GRADED and attempt.score == Decimal(10)


def test_two_graders_on_one_essay_keep_one_grade(
    app, new_client, exam, learner, admin_user, second_admin
):
    attempt = submitted(exam, learner)
    answer = essay_answers(attempt)[0]
    graders = [new_client(), new_client()]
    graders[0].login("admin@test.id")
    graders[1].login("admin2@test.id")
    tokens = [c.csrf_token() for c in graders]
    responses = _post_in_threads(
        app,
        [
            (graders[0], grade_url(exam, answer), {"csrf_token": tokens[0], "score": "5"}),
            (graders[1], grade_url(exam, answer), {"csrf_token": tokens[1], "score": "1"}),
        ],
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    winner = 0 if responses[0].status_code == 302 else 1
    answer = db.session.get(Answer, answer.id)
    assert answer.score == Decimal(("5", "1")[winner])
    assert answer.graded_by_id == (admin_user, second_admin)[winner].id
    assert len(audit("answer.grade")) == 1
