"""The statistics page and its XLSX, for an exam's owners, on a data set worked out by hand.

The five graded attempts are those of test_exam_statistics.py: q1 (1 point), q2 (1), q3 (2) and
q4 (1), pass mark 80 %. Scores 5, 4, 4, 1 and 2 of 5: mean 3.2 (64 %), median 4 (80 %), three
of five pass. Facility: q1 80 %, q2 40 %, q3 50 %, q4 100 % (everyone right: too easy).
Discrimination: q1 58.3, q2 49.0, q3 59.8; q4 has none (no variance).
"""

import io
import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lms.auth.models import Role
from lms.core.clock import utcnow
from lms.exams import services
from lms.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptState,
    Exam,
    ExamDraw,
    Question,
    QuestionCategory,
    QuestionType,
    ShowAnswers,
)
from lms.extensions import db

D = Decimal
SCORES = [
    {"q1": 1, "q2": 1, "q3": 2, "q4": 1},
    {"q1": 1, "q2": 0, "q3": 2, "q4": 1},
    {"q1": 1, "q2": 1, "q3": 1, "q4": 1},
    {"q1": 0, "q2": 0, "q3": 0, "q4": 1},
    {"q1": 1, "q2": 0, "q3": 0, "q4": 1},
]
POINTS = {"q1": 1, "q2": 1, "q3": 2, "q4": 1}


@pytest.fixture
def owner(make_user, make_institution):
    inst = make_institution("Universitas Hasanuddin")
    return make_user("Mitra", email="mitra@unhas.id", roles=(Role.PARTNER,), institution=inst)


def make_exam(course, title="Ujian Etika", draws=()):
    now = utcnow()
    exam = Exam(
        course_id=course.id,
        title=title,
        duration_minutes=60,
        attempts_allowed=1,
        pass_mark=D(80),
        show_answers=ShowAnswers.AFTER_SUBMIT,
        published=True,
        created_at=now,
        updated_at=now,
    )
    for category in draws:
        exam.draws.append(ExamDraw(category_id=category.id, count=4))
    db.session.add(exam)
    db.session.commit()
    return exam


@pytest.fixture
def graded_exam(owner, make_course, make_user):
    """The exam with its five graded attempts, one waiting for an essay grade, one running."""
    course = make_course("Etika ASN", institution=owner.institution, slug="etika-asn")
    category = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(category)
    db.session.flush()
    now = utcnow()
    questions = {}
    for key, points in POINTS.items():
        questions[key] = Question(
            course_id=course.id,
            category=category,
            type=QuestionType.ESSAY,
            title='=HYPERLINK("http://x")' if key == "q4" else f"Soal {key}",
            text=f"Teks pertanyaan {key} tentang pelayanan publik",
            points=D(points),
            created_at=now,
            updated_at=now,
        )
        db.session.add(questions[key])
    db.session.flush()
    exam = make_exam(course, draws=[category])
    rng = random.Random(1)

    def attempt(user, state, marks=None):
        a = Attempt(
            exam=exam,
            user_id=user.id,
            number=1,
            state=state,
            started_at=now - timedelta(hours=2),
            deadline=now - timedelta(hours=1),
            max_score=D(5),
        )
        for position, (key, q) in enumerate(questions.items(), start=1):
            item = AttemptQuestion(
                question_id=q.id, position=position, snapshot=services.snapshot_of(q, rng, False)
            )
            a.questions.append(item)
            if marks is not None:
                item.answer = Answer(
                    value={"text": "jawaban"}, seq=1, saved_at=now, score=D(marks[key])
                )
        if marks is not None and state is AttemptState.GRADED:
            a.score = D(sum(marks.values()))
            a.passed = a.score * 100 / a.max_score >= exam.pass_mark
            a.finished_at = now - timedelta(hours=1)
        db.session.add(a)

    for n, marks in enumerate(SCORES):
        attempt(make_user(f"Peserta {n}"), AttemptState.GRADED, marks)
    attempt(make_user("Menunggu"), AttemptState.SUBMITTED)
    attempt(make_user("Sedang"), AttemptState.IN_PROGRESS)
    db.session.commit()
    return exam, questions


@pytest.fixture
def owner_client(client, owner):
    assert client.login("mitra@unhas.id").status_code == 302
    client.set_cookie("lang", "en")
    return client


def row_text(html: str, question_id: int) -> str:
    """A question's table row as the reader sees it: cell texts joined by " | "."""
    row = re.search(rf'<tr id="q{question_id}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return " | ".join(" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells)


def test_page_shows_the_figures_of_the_data_set(owner_client, graded_exam):
    exam, q = graded_exam
    response = owner_client.get(f"/ujian/{exam.id}/statistik")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Graded attempts 5" in text
    assert "Mean 64%" in text and "Median 80%" in text and "Pass rate 60%" in text
    assert "mean 3.2, median 4 of 5" in text
    assert "1 attempt waits for essay grading" in text
    assert "1 attempt is still in progress" in text

    assert row_text(html, q["q1"].id).endswith("| 5 | 80% | 58.3")
    assert row_text(html, q["q2"].id).endswith("| 5 | 40% | 49")
    assert row_text(html, q["q3"].id).endswith("| 5 | 50% | 59.8")
    q4 = row_text(html, q["q4"].id)
    assert q4.endswith("| 5 | 100% | —")
    assert "doubtful" in q4 and "Very easy" in q4
    assert "doubtful" not in row_text(html, q["q1"].id)
    assert "Teks pertanyaan q1" in row_text(html, q["q1"].id)

    # The histogram: drawn on the server, labelled, with no style attribute or element.
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title>Scores of 5 graded attempts" in svg
    assert re.findall(r"<text[^>]*>(\d+)</text>", svg) == ["1", "1", "2", "1"]
    assert "style" not in html.split("<main", 1)[1].lower().replace("stylesheet", "")
    assert "<script>" not in html


def test_indonesian_numbers(client, owner, graded_exam):
    exam, _q = graded_exam
    client.login("mitra@unhas.id")
    text = " ".join(
        re.sub(
            r"<[^>]+>", " ", client.get(f"/ujian/{exam.id}/statistik").get_data(as_text=True)
        ).split()
    )
    assert "3,2" in text and "58,3" in text


def test_xlsx_holds_the_same_figures(owner_client, graded_exam):
    exam, q = graded_exam
    response = owner_client.get(f"/ujian/{exam.id}/statistik.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    wb = load_workbook(io.BytesIO(response.data))
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Graded attempts"] == 5
    assert summary["Waiting for essay grading"] == 1
    assert summary["In progress"] == 1
    assert summary["Mean score"] == pytest.approx(3.2)
    assert summary["Median score"] == 4
    assert summary["Mean (%)"] == pytest.approx(64)
    assert summary["Pass rate (%)"] == pytest.approx(60)
    assert summary["80–90"] == 2 and summary["90–100"] == 1

    sheet = wb["Questions"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_id = {r[header.index("Question ID")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    q1 = by_id[q["q1"].id]
    assert (q1["Attempts"], q1["Facility index (%)"], q1["Discrimination index"]) == (5, 80, 58.3)
    assert by_id[q["q2"].id]["Facility index (%)"] == 40
    assert by_id[q["q3"].id]["Discrimination index"] == pytest.approx(59.8)
    q4 = by_id[q["q4"].id]
    assert q4["Discrimination index"] is None
    assert q4["Doubtful because"].startswith("Very easy")
    # A title that looks like a formula stays text, neutralised as the JP exports do.
    assert q4["Title"] == '\'=HYPERLINK("http://x")'
    cell = next(c for c in sheet[len(rows)] if c.value == q4["Title"])
    assert cell.data_type == "s"


def test_no_attempts_shows_a_friendly_empty_state(owner_client, owner, make_course):
    course = make_course("Kosong", institution=owner.institution)
    exam = make_exam(course)
    html = owner_client.get(f"/ujian/{exam.id}/statistik").get_data(as_text=True)
    assert "No graded attempts yet" in html and "<svg" not in html
    assert owner_client.get(f"/ujian/{exam.id}/statistik.xlsx").status_code == 200


def test_the_exam_settings_link_to_the_statistics(owner_client, graded_exam):
    exam, _q = graded_exam
    html = owner_client.get(f"/ujian/{exam.id}/ubah").get_data(as_text=True)
    assert f'href="/ujian/{exam.id}/statistik"' in html
    assert f'href="/ujian/{exam.id}/statistik.xlsx"' in html


def test_only_the_owners_see_the_statistics(
    graded_exam, new_client, make_user, make_institution, make_course, admin_user
):
    exam, _q = graded_exam
    urls = [f"/ujian/{exam.id}/statistik", f"/ujian/{exam.id}/statistik.xlsx"]
    anonymous = new_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")

    make_user("Peserta ASN", nip="199001012015031099")
    make_user(
        "Mitra lain", email="lain@kampus.id", roles=(Role.PARTNER,), institution=make_institution()
    )
    for login in ("199001012015031099", "lain@kampus.id"):
        c = new_client()
        assert c.login(login).status_code == 302
        for url in urls:
            response = c.get(url)
            assert response.status_code == 403, (login, url)
            assert "Graded attempts" not in response.get_data(as_text=True)

    # The exam of a draft course of another institution is not even told to exist.
    draft = make_course("Draf", institution=exam.course.institution, state="draft")
    hidden = make_exam(draft)
    other = new_client()
    other.login("lain@kampus.id")
    assert other.get(f"/ujian/{hidden.id}/statistik").status_code == 404

    admin = new_client()
    admin.login("admin@test.id")
    assert admin.get(urls[0]).status_code == 200
