"""Exams: settings, deadlines, starting, saving, submitting, finalising and objective grading."""

import hashlib
import json
import random
import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.core.clock import utcnow
from lms.exams import grading, services, views
from lms.exams.models import (
    Answer,
    Attempt,
    AttemptState,
    Exam,
    ExamDraw,
    ExamOverride,
    Question,
    QuestionCategory,
    QuestionOption,
    QuestionType,
    ShowAnswers,
)
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource
from tests.exam_support import new_exam

HX = {"HX-Request": "true"}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 WITA


# Builders ---------------------------------------------------------------------------------


def add_question(course, category, qtype, text, options, points=1):
    now = utcnow()
    q = Question(
        course_id=course.id,
        category_id=category.id,
        type=QuestionType(qtype),
        title=text[:30],
        text=text,
        points=Decimal(points),
        feedback=f"Pembahasan {text}",
        created_at=now,
        updated_at=now,
    )
    for i, (opt_text, fraction, *tol) in enumerate(options):
        q.options.append(
            QuestionOption(
                position=i,
                text=opt_text,
                fraction=Decimal(str(fraction)),
                tolerance=Decimal(str(tol[0])) if tol else None,
                feedback="",
            )
        )
    db.session.add(q)
    db.session.commit()
    return q


def enroll(course, user):
    db.session.add(
        Enrollment(
            course_id=course.id, user_id=user.id, source=EnrollmentSource.SELF, enrolled_at=utcnow()
        )
    )
    db.session.commit()


@pytest.fixture
def bank(make_course):
    """A published course whose bank holds one question of each objective type."""
    course = make_course(
        "Etika ASN",
        lessons=(("Modul 1", (("Pengantar", "text"), ("Ujian akhir", "exam"))),),
    )
    cat = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(cat)
    db.session.commit()
    qs = [
        add_question(course, cat, "single", "Ibu kota Sulsel?", [("Makassar", 1), ("Gowa", 0)]),
        add_question(
            course,
            cat,
            "multiple",
            "Nilai dasar ASN?",
            [("Akuntabel", 0.5), ("Kompeten", 0.5), ("Malas", -1)],
        ),
        add_question(
            course, cat, "truefalse", "ASN melayani publik.", [("Benar", 1), ("Salah", 0)]
        ),
        add_question(course, cat, "short", "Singkatan BKPSDM berawal?", [("Badan Kepegawaian", 1)]),
        add_question(course, cat, "numeric", "Target JP setahun?", [("20", 1, 0)]),
    ]
    return course, cat, qs


@pytest.fixture
def exam(bank):
    course, cat, qs = bank
    e = new_exam(course, cat, len(qs))
    db.session.add(e)
    db.session.commit()
    return e


@pytest.fixture
def learner(make_user, exam):
    user = make_user("Andi Learner", nip="199001012015031101")
    enroll(exam.course, user)
    return user


@pytest.fixture
def learner_client(client, learner):
    assert client.login(learner.nip).status_code == 302
    return client


def start(client, exam, **data) -> int:
    response = client.post_form(f"/ujian/{exam.id}/mulai", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/ujian/percobaan/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def item_of(attempt, qtype):
    return next(q for q in attempt.questions if q.snapshot["type"] == qtype)


def option_id(item, text):
    return next(o["id"] for o in item.snapshot["options"] if o["text"] == text)


def save(client, attempt_id, position, answer, seq, flag=False, headers=HX):
    data = {"seq": str(seq), "answer": answer}
    if flag:
        data["flag"] = "1"
    return client.post_form(
        f"/ujian/percobaan/{attempt_id}/jawab/{position}", data, headers=headers
    )


# Grading: pure functions per type -------------------------------------------------------


def snap(qtype, options, points="2"):
    return {
        "type": qtype,
        "points": points,
        "options": [
            {"id": i + 1, "text": t, "fraction": str(f), "tolerance": tol}
            for i, (t, f, tol) in enumerate(options)
        ],
    }


def test_grading_single_and_truefalse():
    s = snap("single", [("A", 1, None), ("B", 0, None), ("C", 0.5, None)])
    assert grading.score(s, {"options": [1]}) == Decimal("2.00")
    assert grading.score(s, {"options": [2]}) == Decimal("0.00")
    assert grading.score(s, {"options": [3]}) == Decimal("1.00")
    assert grading.score(s, {"options": [1, 2]}) == Decimal("0.00")
    assert grading.score(s, None) == Decimal("0.00")
    tf = snap("truefalse", [("Benar", 0, None), ("Salah", 1, None)], points="1")
    assert grading.score(tf, {"options": [2]}) == Decimal("1.00")
    assert grading.score(tf, {"options": [1]}) == Decimal("0.00")


def test_grading_multiple_partial_credit_never_negative():
    s = snap("multiple", [("A", 0.5, None), ("B", 0.5, None), ("C", -1, None), ("D", -0.5, None)])
    assert grading.score(s, {"options": [1, 2]}) == Decimal("2.00")
    assert grading.score(s, {"options": [1]}) == Decimal("1.00")
    assert grading.score(s, {"options": [1, 2, 4]}) == Decimal("1.00")
    assert grading.score(s, {"options": [1, 3]}) == Decimal("0.00")  # not -1
    assert grading.score(s, {"options": [3, 4]}) == Decimal("0.00")
    assert grading.score(s, {"options": [1, 1, 1]}) == Decimal("1.00")  # repeats count once


def test_grading_short_answer_ignores_case_and_spaces():
    s = snap("short", [("Badan Kepegawaian", 1, None), ("BKD", 0.5, None)])
    assert grading.score(s, {"text": "  badan   KEPEGAWAIAN "}) == Decimal("2.00")
    assert grading.score(s, {"text": "bkd"}) == Decimal("1.00")
    assert grading.score(s, {"text": "Badan"}) == Decimal("0.00")
    assert grading.score(s, {"text": ""}) == Decimal("0.00")


def test_grading_numeric_with_tolerance_and_decimal_comma():
    s = snap("numeric", [("3.5", 1, "0.1"), ("3", 0.5, "0")])
    assert grading.score(s, {"text": "3,5"}) == Decimal("2.00")
    assert grading.score(s, {"text": "3.58"}) == Decimal("2.00")
    assert grading.score(s, {"text": "3.7"}) == Decimal("0.00")
    assert grading.score(s, {"text": "3"}) == Decimal("1.00")
    assert grading.score(s, {"text": "tiga"}) == Decimal("0.00")
    assert grading.score(s, {"text": "NaN"}) == Decimal("0.00")


def test_grading_essay_is_left_for_a_person():
    assert grading.score({"type": "essay", "points": "5", "options": []}, {"text": "x"}) is None


# Deadline ---------------------------------------------------------------------------------


def test_deadline_is_start_plus_duration_capped_by_closing(exam):
    assert services.compute_deadline(exam, T0, None) == T0 + timedelta(minutes=60)
    exam.closes_at = T0 + timedelta(minutes=30)
    assert services.compute_deadline(exam, T0, None) == T0 + timedelta(minutes=30)


def test_deadline_with_override_extra_time_and_own_closing(exam, learner):
    override = ExamOverride(exam_id=exam.id, user_id=learner.id, extra_minutes=30)
    assert services.compute_deadline(exam, T0, override) == T0 + timedelta(minutes=90)
    exam.closes_at = T0 + timedelta(minutes=75)
    assert services.compute_deadline(exam, T0, override) == T0 + timedelta(minutes=75)
    override.closes_at = T0 + timedelta(hours=5)  # the person's own, later closing
    assert services.compute_deadline(exam, T0, override) == T0 + timedelta(minutes=90)
    override.closes_at = T0 + timedelta(minutes=10)
    assert services.compute_deadline(exam, T0, override) == T0 + timedelta(minutes=10)


def test_start_stores_the_deadline_once_with_override(exam, learner):
    db.session.add(ExamOverride(exam_id=exam.id, user_id=learner.id, extra_minutes=15))
    db.session.commit()
    attempt = services.start_attempt(exam, learner, now=T0)
    db.session.commit()
    assert attempt.deadline == T0 + timedelta(minutes=75)
    exam.duration_minutes = 5  # a later change of the exam moves no live deadline
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).deadline == T0 + timedelta(minutes=75)


def test_start_refused_outside_window_and_without_attempts(exam, learner):
    exam.opens_at = T0 + timedelta(hours=1)
    with pytest.raises(services.ExamError):
        services.start_attempt(exam, learner, now=T0)
    exam.opens_at, exam.closes_at = None, T0
    with pytest.raises(services.ExamError):
        services.start_attempt(exam, learner, now=T0)
    exam.closes_at, exam.attempts_allowed = None, 1
    a = services.start_attempt(exam, learner, now=T0)
    services.submit_attempt(a, now=T0 + timedelta(minutes=1))
    with pytest.raises(services.ExamError):
        services.start_attempt(exam, learner, now=T0 + timedelta(minutes=2))
    db.session.add(ExamOverride(exam_id=exam.id, user_id=learner.id, extra_attempts=1))
    second = services.start_attempt(exam, learner, now=T0 + timedelta(minutes=3))
    assert second.number == 2


# Starting, page, resume -------------------------------------------------------------------


def test_start_freezes_questions_and_page_shows_remaining_seconds(learner_client, exam):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state is AttemptState.IN_PROGRESS
    assert [q.position for q in attempt.questions] == [1, 2, 3, 4, 5]
    assert attempt.max_score == Decimal(5)
    html = learner_client.get(f"/ujian/percobaan/{attempt_id}").get_data(as_text=True)
    remaining = int(re.search(r'id="timer" data-remaining="(\d+)"', html).group(1))
    assert 3590 <= remaining <= 3600
    assert "0:59:" in html or "1:00:00" in html
    assert html.count('<form id="q-') == 5
    assert "exam.js" in html


def test_double_start_makes_one_attempt(learner_client, exam):
    first = start(learner_client, exam)
    second = start(learner_client, exam)
    assert first == second
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_start_race_insert_conflict_returns_the_other_attempt(exam, learner, monkeypatch):
    """Another request inserted the attempt between our check and our insert."""
    other = services.start_attempt(exam, learner, now=T0)
    db.session.commit()
    real = services.current_attempt
    calls = iter([None])
    monkeypatch.setattr(services, "current_attempt", lambda e, u: next(calls, None) or real(e, u))
    monkeypatch.setattr(services, "attempts_of", lambda e, u: [])  # as if none was seen yet
    monkeypatch.setattr(services.db.session, "scalar", _max_number_zero(services.db.session.scalar))
    again = services.start_attempt(exam, learner, now=T0 + timedelta(seconds=1))
    assert again.id == other.id
    db.session.commit()
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def _max_number_zero(real_scalar):
    def scalar(statement, *args, **kwargs):
        if "max(attempt.number)" in str(statement).lower():
            return None
        return real_scalar(statement, *args, **kwargs)

    return scalar


def _in_threads(funcs):
    barrier = threading.Barrier(len(funcs))
    results = [None] * len(funcs)

    def run(i, f):
        barrier.wait()
        results[i] = f()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(funcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_starts_from_two_sessions_make_one_attempt(app, new_client, exam, learner):
    clients = [new_client(), new_client(), new_client()]
    tokens = []
    for c in clients:
        assert c.login(learner.nip).status_code == 302
        tokens.append(c.csrf_token())

    def starter(c, token):
        def go():
            with app.app_context():
                return c.post(f"/ujian/{exam.id}/mulai", data={"csrf_token": token})

        return go

    responses = _in_threads([starter(c, t) for c, t in zip(clients, tokens, strict=True)])
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_resume_on_another_session_returns_same_attempt_and_answers(
    learner_client, new_client, exam, learner
):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "short")
    assert (
        save(learner_client, attempt_id, item.position, "Badan Kepegawaian", 1).status_code == 200
    )
    deadline = attempt.deadline

    phone = new_client()
    assert phone.login(learner.nip).status_code == 302
    assert start(phone, exam) == attempt_id
    html = phone.get(f"/ujian/percobaan/{attempt_id}").get_data(as_text=True)
    assert 'value="Badan Kepegawaian"' in html
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).deadline == deadline


def test_frozen_order_and_text_after_bank_edit(exam, learner, bank):
    _course, cat, qs = bank
    attempt = services.start_attempt(exam, learner, now=T0, rng=random.Random(4))
    db.session.commit()
    before = {q.position: (q.question_id, json.dumps(q.snapshot)) for q in attempt.questions}
    single = qs[0]
    single.text = "Pertanyaan yang diubah"
    single.options[0].text = "Diubah"
    single.options.append(QuestionOption(position=9, text="Baru", fraction=Decimal(0)))
    qs[1].active = False
    db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    after = {q.position: (q.question_id, json.dumps(q.snapshot)) for q in attempt.questions}
    assert after == before
    assert "Pertanyaan yang diubah" not in json.dumps([q.snapshot for q in attempt.questions])


def test_draws_respect_count_per_category(exam, learner, bank):
    course, cat, qs = bank
    other = QuestionCategory(course_id=course.id, name="Lain")
    db.session.add(other)
    db.session.commit()
    extra = [add_question(course, other, "single", f"Q{i}", [("Y", 1), ("N", 0)]) for i in range(4)]
    exam.draws[0].count = 2
    exam.draws.append(ExamDraw(category_id=other.id, count=3))
    db.session.commit()
    attempt = services.start_attempt(exam, learner, now=T0)
    ids = [q.question_id for q in attempt.questions]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert len([i for i in ids if i in {q.id for q in qs}]) == 2
    assert len([i for i in ids if i in {q.id for q in extra}]) == 3


def test_another_learner_gets_404(learner_client, new_client, exam, make_user):
    attempt_id = start(learner_client, exam)
    stranger = make_user("Budi", nip="199001012015031102")
    enroll(exam.course, stranger)
    other = new_client()
    other.login(stranger.nip)
    assert other.get(f"/ujian/percobaan/{attempt_id}").status_code == 404
    assert other.get(f"/ujian/percobaan/{attempt_id}/hasil").status_code == 404
    assert save(other, attempt_id, 1, "x", 5).status_code == 404
    assert (
        other.post_form(f"/ujian/percobaan/{attempt_id}/kirim", {"confirm": "1"}).status_code == 404
    )
    assert db.session.scalar(select(func.count(Answer.id))) == 0
    assert db.session.get(Attempt, attempt_id).state is AttemptState.IN_PROGRESS


def test_unenrolled_learner_cannot_start(client, exam, make_user):
    user = make_user("Cici", nip="199001012015031103")
    client.login(user.nip)
    client.post_form(f"/ujian/{exam.id}/mulai")
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_access_code_required(learner_client, exam):
    exam.access_code = "MKS26"
    db.session.commit()
    learner_client.post_form(f"/ujian/{exam.id}/mulai", {"access_code": "salah"})
    assert db.session.scalar(select(func.count(Attempt.id))) == 0
    start(learner_client, exam, access_code="MKS26")
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


# Saving -----------------------------------------------------------------------------------


def test_save_fragment_is_small_and_says_when_saved(learner_client, exam):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "single")
    response = save(learner_client, attempt_id, item.position, str(option_id(item, "Makassar")), 1)
    assert response.status_code == 200
    body = response.get_data()
    assert len(body) < 1024
    html = body.decode()
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))
    assert answer.value == {"options": [option_id(item, "Makassar")]} and answer.seq == 1
    local = answer.saved_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Makassar"))
    assert local.strftime("%H:%M:%S") in html
    assert re.search(r'data-remaining="(\d+)"', html)
    assert f'id="save-{item.position}"' in html
    assert 'name="seq" value="2"' in html


def test_stale_and_replayed_saves_never_overwrite(learner_client, exam):
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")
    assert save(learner_client, attempt_id, item.position, "jawaban baru", 5).status_code == 200
    stale = save(learner_client, attempt_id, item.position, "jawaban lama", 3)
    assert stale.status_code == 200
    assert "jawaban baru" in stale.get_data(as_text=True)  # shows the stored answer
    assert 'class="msg error"' in stale.get_data(as_text=True)
    replay = save(learner_client, attempt_id, item.position, "jawaban baru", 5)
    assert replay.status_code == 200
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))
    assert (answer.value, answer.seq) == ({"text": "jawaban baru"}, 5)
    assert save(learner_client, attempt_id, item.position, "lebih baru", 6).status_code == 200
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))
    assert (answer.value, answer.seq) == ({"text": "lebih baru"}, 6)
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_saves_before_at_within_grace_and_after_deadline(exam, learner):
    attempt = services.start_attempt(exam, learner, now=T0)
    db.session.commit()
    item = item_of(attempt, "short")
    d = attempt.deadline

    def do(seq, when, text):
        return services.save_answer(
            attempt, item.position, [text], seq=seq, flagged=False, now=when
        )

    assert do(1, d - timedelta(minutes=5), "sebelum").stored
    assert do(2, d, "tepat").stored
    assert do(3, d + timedelta(seconds=15), "dalam tenggang").stored
    db.session.commit()
    with pytest.raises(services.SaveRefused):
        do(4, d + timedelta(seconds=16), "terlambat")
    db.session.commit()
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))
    assert (answer.value, answer.seq) == ({"text": "dalam tenggang"}, 3)
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state is AttemptState.GRADED  # finalised by the request that touched it
    assert attempt.finished_at == d


def test_grace_is_configurable(app, exam, learner):
    app.config["EXAM_SAVE_GRACE_SECONDS"] = 60
    attempt = services.start_attempt(exam, learner, now=T0)
    item = item_of(attempt, "short")
    result = services.save_answer(
        attempt,
        item.position,
        ["x"],
        seq=1,
        flagged=False,
        now=attempt.deadline + timedelta(seconds=45),
        config=app.config,
    )
    assert result.stored


def test_late_save_over_http_is_refused_with_a_message(learner_client, exam, app, monkeypatch):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "short")
    assert save(learner_client, attempt_id, item.position, "awal", 1).status_code == 200
    late = attempt.deadline + timedelta(seconds=16)  # past the grace of 15 s
    monkeypatch.setattr(views, "utcnow", lambda: late)
    response = save(learner_client, attempt_id, item.position, "terlambat", 2)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert f'id="save-{item.position}"' in html and "error" in html
    with app.test_request_context():
        from flask_babel import gettext

        assert gettext("Time is up: this answer was not saved. Answers saved before stay.") in html
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))
    assert answer.value == {"text": "awal"}
    assert db.session.get(Attempt, attempt_id).state is not AttemptState.IN_PROGRESS
    # Without JavaScript, the same refusal sends the learner to the result.
    plain = save(learner_client, attempt_id, item.position, "lagi", 3, headers={})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/hasil")


def test_409_is_swapped_by_htmx_config():
    html = Path("templates/base.html").read_text()
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", html).group(1))
    rule = next(r for r in config["responseHandling"] if re.fullmatch(r["code"], "409"))
    assert rule["swap"] is True


def test_save_late_in_a_long_exam_keeps_its_csrf_token(learner_client, exam, monkeypatch):
    exam.duration_minutes = 300
    db.session.commit()
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")
    token = learner_client.csrf_token()
    import itsdangerous.timed

    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + 4 * 3600
    )
    response = learner_client.post(
        f"/ujian/percobaan/{attempt_id}/jawab/{item.position}",
        data={"seq": "1", "answer": "empat jam kemudian"},
        headers={**HX, "X-CSRFToken": token},
    )
    assert response.status_code == 200
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))
    assert answer.value == {"text": "empat jam kemudian"}


def test_save_and_next_without_javascript(learner_client, exam):
    exam.one_per_page = True
    db.session.commit()
    attempt_id = start(learner_client, exam)
    html = learner_client.get(f"/ujian/percobaan/{attempt_id}").get_data(as_text=True)
    assert html.count('<form id="q-') == 1 and 'name="go" value="next"' in html
    item = db.session.get(Attempt, attempt_id).questions[0]
    response = learner_client.post_form(
        f"/ujian/percobaan/{attempt_id}/jawab/1",
        {
            "seq": "1",
            "answer": str(item.snapshot["options"][0]["id"]) if item.snapshot["options"] else "x",
            "go": "next",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ujian/percobaan/{attempt_id}?q=2")
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_flag_and_navigation_marks(learner_client, exam):
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "numeric")
    save(learner_client, attempt_id, item.position, "20", 1, flag=True)
    html = learner_client.get(f"/ujian/percobaan/{attempt_id}").get_data(as_text=True)
    nav = re.search(rf'id="nav-{item.position}"[^>]*>(.*?)</a>', html).group(1)
    assert "✓" in nav and "⚑" in nav
    other = re.search(r'id="nav-(\d+)"[^>]*>(.*?)</a>', html)
    assert other


def test_a_blank_typed_answer_counts_as_unanswered(learner_client, exam):
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")

    def marks():
        html = learner_client.get(f"/ujian/percobaan/{attempt_id}").get_data(as_text=True)
        return re.search(rf'id="nav-{item.position}"[^>]*>.*?<i>(.*?)</i>', html).group(1)

    fragment = save(learner_client, attempt_id, item.position, "   ", 1).get_data(as_text=True)
    assert 'data-answered="0"' in fragment and marks() == "○"
    fragment = save(learner_client, attempt_id, item.position, "Losari", 2).get_data(as_text=True)
    assert 'data-answered="1"' in fragment and marks() == "✓"


# Submitting, receipt, results -------------------------------------------------------------


def answer_all_right(client, attempt_id):
    attempt = db.session.get(Attempt, attempt_id)
    right = {
        "single": lambda it: str(option_id(it, "Makassar")),
        "multiple": lambda it: [str(option_id(it, "Akuntabel")), str(option_id(it, "Kompeten"))],
        "truefalse": lambda it: str(option_id(it, "Benar")),
        "short": lambda it: " badan  kepegawaian",
        "numeric": lambda it: "20",
    }
    for it in attempt.questions:
        assert (
            save(client, attempt_id, it.position, right[it.snapshot["type"]](it), 1).status_code
            == 200
        )


def test_submit_shows_summary_then_grades_and_gives_a_receipt(learner_client, exam):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "single")
    save(learner_client, attempt_id, item.position, str(option_id(item, "Makassar")), 1, flag=True)
    summary = learner_client.post_form(f"/ujian/percobaan/{attempt_id}/kirim")
    assert summary.status_code == 200
    html = summary.get_data(as_text=True)
    assert "1 / 5" in html and 'name="confirm" value="1"' in html
    assert db.session.get(Attempt, attempt_id).state is AttemptState.IN_PROGRESS

    done = learner_client.post_form(f"/ujian/percobaan/{attempt_id}/kirim", {"confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/hasil")
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state is AttemptState.GRADED
    assert attempt.score == Decimal(1) and attempt.passed is False
    items = [
        {
            "position": q.position,
            "question": q.question_id,
            "value": ({"options": [option_id(q, "Makassar")]} if q.id == item.id else None),
        }
        for q in attempt.questions
    ]
    canonical = json.dumps(
        {"attempt": attempt.id, "number": 1, "answers": items},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert attempt.receipt == hashlib.sha256(canonical.encode()).hexdigest()
    page = learner_client.get(f"/ujian/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    assert attempt.receipt in page
    assert "Pembahasan Ibu kota Sulsel?" in page  # review shown after submit
    # Saving after submission changes nothing.
    assert save(learner_client, attempt_id, item.position, "0", 2).status_code == 409


def test_all_right_passes_and_completes_required_exam_lesson(learner_client, exam, learner):
    lesson = next(x for x in exam.course.lessons if x.kind.value == "exam")
    lesson.required = True
    exam.lesson_id = lesson.id
    db.session.commit()
    # The text lesson is done; only the exam stands between the learner and completion.
    from lms.learning.models import LessonProgress

    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    db.session.add(
        LessonProgress(
            enrollment_id=enrollment.id, lesson_id=exam.course.lessons[0].id, done_at=utcnow()
        )
    )
    db.session.commit()
    from lms.learning import completion

    labels = [str(r.label) for r in completion.requirements_of(exam.course)]
    assert len(labels) == 2
    attempt_id = start(learner_client, exam)
    answer_all_right(learner_client, attempt_id)
    learner_client.post_form(f"/ujian/percobaan/{attempt_id}/kirim", {"confirm": "1"})
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.score == Decimal(5) and attempt.passed is True
    assert services.has_passed(exam, learner)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    assert enrollment.completed_at is not None


def test_failed_exam_keeps_course_incomplete(exam, learner):
    lesson = next(x for x in exam.course.lessons if x.kind.value == "exam")
    exam.lesson_id = lesson.id
    db.session.commit()
    attempt = services.start_attempt(exam, learner, now=T0)
    services.submit_attempt(attempt, now=T0 + timedelta(minutes=1))
    db.session.commit()
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    from lms.learning import completion

    assert not completion.all_met(enrollment)


def test_grading_method_highest_or_last(exam, learner):
    first = services.start_attempt(exam, learner, now=T0)
    item = item_of(first, "single")
    services.save_answer(
        first, item.position, [str(option_id(item, "Makassar"))], seq=1, flagged=False, now=T0
    )
    services.submit_attempt(first, now=T0 + timedelta(minutes=1))
    second = services.start_attempt(exam, learner, now=T0 + timedelta(minutes=2))
    services.submit_attempt(second, now=T0 + timedelta(minutes=3))
    db.session.commit()
    assert (first.score, second.score) == (Decimal(1), Decimal(0))
    assert services.counted_attempt(exam, learner).id == first.id
    exam.grading_method = "last"
    db.session.commit()
    assert services.counted_attempt(exam, learner).id == second.id


def test_two_submits_make_one_submission(exam, learner):
    attempt = services.start_attempt(exam, learner, now=T0)
    db.session.commit()
    assert services.submit_attempt(attempt, now=T0 + timedelta(minutes=1)) is True
    assert services.submit_attempt(attempt, now=T0 + timedelta(minutes=2)) is False
    db.session.commit()
    assert attempt.finished_at == T0 + timedelta(minutes=1)


def test_concurrent_submits_from_two_tabs(app, new_client, exam, learner):
    clients = [new_client(), new_client()]
    for c in clients:
        c.login(learner.nip)
    attempt_id = start(clients[0], exam)
    tokens = [c.csrf_token() for c in clients]

    def submitter(c, token):
        def go():
            with app.app_context():
                return c.post(
                    f"/ujian/percobaan/{attempt_id}/kirim",
                    data={"csrf_token": token, "confirm": "1"},
                )

        return go

    responses = _in_threads([submitter(c, t) for c, t in zip(clients, tokens, strict=True)])
    assert [r.status_code for r in responses] == [302, 302]
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state is AttemptState.GRADED and attempt.receipt


def test_essay_waits_for_a_person(exam, learner, bank):
    course, cat, _qs = bank
    add_question(course, cat, "essay", "Jelaskan integritas.", [], points=5)
    exam.draws[0].count = 6
    db.session.commit()
    attempt = services.start_attempt(exam, learner, now=T0)
    essay = item_of(attempt, "essay")
    services.save_answer(
        attempt, essay.position, ["Integritas adalah ..."], seq=1, flagged=False, now=T0
    )
    services.submit_attempt(attempt, now=T0 + timedelta(minutes=1))
    db.session.commit()
    assert attempt.state is AttemptState.SUBMITTED
    assert attempt.score is None and attempt.passed is None
    answer = db.session.scalar(select(Answer).where(Answer.attempt_question_id == essay.id))
    assert answer.score is None


def test_review_hidden_until_close(learner_client, exam):
    exam.show_answers = ShowAnswers.AFTER_CLOSE
    exam.closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    attempt_id = start(learner_client, exam)
    learner_client.post_form(f"/ujian/percobaan/{attempt_id}/kirim", {"confirm": "1"})
    page = learner_client.get(f"/ujian/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    assert "Pembahasan" not in page
    attempt = db.session.get(Attempt, attempt_id)
    assert services.may_review(attempt, exam.closes_at + timedelta(seconds=1))


# Finalising abandoned attempts --------------------------------------------------------------


def test_sweep_finalises_attempts_past_deadline_plus_grace(exam, learner, make_user, runner):
    other = make_user("Dewi", nip="199001012015031104")
    enroll(exam.course, other)
    old = services.start_attempt(exam, learner, now=T0)
    item = item_of(old, "truefalse")
    services.save_answer(
        old, item.position, [str(option_id(item, "Benar"))], seq=1, flagged=False, now=T0
    )
    fresh = services.start_attempt(exam, other, now=T0 + timedelta(minutes=50))
    db.session.commit()
    assert services.sweep(old.deadline + timedelta(seconds=10)) == 0  # within the grace
    assert services.sweep(old.deadline + timedelta(seconds=16)) == 1
    db.session.commit()
    db.session.expire_all()
    old = db.session.get(Attempt, old.id)
    assert old.state is AttemptState.GRADED and old.finished_at == old.deadline
    assert old.score == Decimal(1) and old.receipt
    assert db.session.get(Attempt, fresh.id).state is AttemptState.IN_PROGRESS

    # The command, run by cron, does the same with the real clock.
    fresh.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["lms", "sweep-attempts"])
    assert result.exit_code == 0 and "1" in result.output
    db.session.expire_all()
    fresh = db.session.get(Attempt, fresh.id)
    assert fresh.state is AttemptState.GRADED and fresh.finished_at == fresh.deadline


def test_opening_an_overdue_attempt_finalises_it(learner_client, exam):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    attempt.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = learner_client.get(f"/ujian/percobaan/{attempt_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/hasil")
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state is AttemptState.GRADED and attempt.finished_at == attempt.deadline


# Settings --------------------------------------------------------------------------------


def test_editor_creates_exam_with_wita_times_and_draws(admin_client, bank):
    course, cat, qs = bank
    lesson = next(x for x in course.lessons if x.kind.value == "exam")
    response = admin_client.post_form(
        f"/ujian/kursus/{course.slug}/baru",
        {
            "title": "Ujian Akhir",
            "instructions": "Kerjakan sendiri.",
            "duration_minutes": "90",
            "opens_at": "2026-03-02T08:00",
            "closes_at": "2026-03-02T17:00",
            "attempts_allowed": "2",
            "grading_method": "last",
            "pass_mark": "75",
            "lesson_id": str(lesson.id),
            "shuffle_questions": "y",
            "show_answers": "never",
            "access_code": "",
            "published": "y",
            f"draw-{cat.id}": "3",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    exam = db.session.scalar(select(Exam).where(Exam.title == "Ujian Akhir"))
    assert exam.opens_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert exam.closes_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert exam.lesson_id == lesson.id and exam.published and not exam.shuffle_options
    assert [(d.category_id, d.count) for d in exam.draws] == [(cat.id, 3)]
    page = admin_client.get(f"/ujian/{exam.id}/ubah").get_data(as_text=True)
    assert 'value="2026-03-02T08:00"' in page
    # Too many questions for the category is refused and nothing changes.
    bad = admin_client.post_form(
        f"/ujian/{exam.id}/ubah",
        {
            "title": "Ujian Akhir",
            "duration_minutes": "90",
            "attempts_allowed": "2",
            "grading_method": "last",
            "pass_mark": "75",
            "show_answers": "never",
            f"draw-{cat.id}": "99",
        },
    )
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(Exam, exam.id).draws[0].count == 3


def test_override_saved_on_settings_page(admin_client, exam, learner):
    response = admin_client.post_form(
        f"/ujian/{exam.id}/pengecualian",
        {
            "identifier": learner.nip,
            "extra_minutes": "20",
            "extra_attempts": "1",
            "reason": "Disabilitas",
        },
    )
    assert response.status_code == 302
    override = db.session.scalar(select(ExamOverride))
    assert (override.user_id, override.extra_minutes, override.extra_attempts) == (
        learner.id,
        20,
        1,
    )
    attempt = services.start_attempt(exam, learner, now=T0)
    assert attempt.deadline == T0 + timedelta(minutes=80)


def test_learner_cannot_edit_and_draft_is_hidden(learner_client, exam):
    assert learner_client.get(f"/ujian/{exam.id}/ubah").status_code == 403
    assert learner_client.get(f"/ujian/kursus/{exam.course.slug}/baru").status_code == 403
    exam.published = False
    db.session.commit()
    assert learner_client.get(f"/ujian/{exam.id}").status_code == 404
    # Settings pages refuse non-authors before looking anything up: no id is confirmed.
    assert learner_client.get(f"/ujian/{exam.id}/ubah").status_code == 403


def test_start_page_shows_rules_and_pages_have_no_inline_script(learner_client, exam):
    html = learner_client.get(f"/ujian/{exam.id}").get_data(as_text=True)
    assert "Ujian Etika" in html and f'action="/ujian/{exam.id}/mulai"' in html
    attempt_id = start(learner_client, exam)
    for url in (f"/ujian/{exam.id}", f"/ujian/percobaan/{attempt_id}"):
        page = learner_client.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
        assert re.findall(r"<[^>]+\son[a-z]+\s*=", page) == []
