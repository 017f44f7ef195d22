"""Pictures in questions: upload checked by content and size, shown to authors and in attempts,
kept by an attempt's snapshot when the bank's picture changes, and refused to anyone else."""

import base64
import io
import re
import struct
import zlib

import pytest
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.core.storage import storage
from lms.exams import formats
from lms.exams.models import Attempt, Question, QuestionCategory
from lms.extensions import db
from tests.test_exams import add_question, enroll, start


def png(width: int = 1, height: int = 1, padding: int = 0) -> bytes:
    """A real PNG of one colour; `padding` adds an ancillary text chunk to make it larger."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x0b\x5d\x3b" * width for _ in range(height))
    extra = chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + extra
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
RED, GREEN = png(2, 1), png(1, 2)


@pytest.fixture
def course(make_user, make_institution, make_course):
    inst = make_institution("Universitas Hasanuddin")
    make_user("Mitra", email="mitra@unhas.id", roles=(Role.PARTNER,), institution=inst)
    return make_course(
        "Etika ASN",
        institution=inst,
        slug="etika-asn",
        lessons=(("Modul 1", (("Pengantar", "text"),)),),
    )


@pytest.fixture
def category(course):
    category = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(category)
    db.session.commit()
    return category


@pytest.fixture
def author(client, course):
    assert client.login("mitra@unhas.id").status_code == 302
    client.set_cookie("lang", "en")
    return client


def form(category_id, image=None, **extra):
    """What a browser sends for a single-choice question, with an optional file."""
    data = {"category_id": str(category_id), "text": "Warna logo?", "points": "1", "title": ""}
    for i in range(formats.MAX_OPTIONS):
        for name in ("text", "percent", "feedback"):
            data[f"options-{i}-{name}"] = ""
    data.update({"options-0-text": "Hijau", "options-1-text": "Merah", "right": "0"})
    if image is not None:
        data["image"] = (io.BytesIO(image[1]), image[0])
    data.update(extra)
    return data


def post(client, course, data, question_id=None):
    url = f"/ujian/bank/{course.slug}/soal/" + (
        str(question_id) if question_id else "baru?jenis=single"
    )
    return client.post_form(url, data, content_type="multipart/form-data")


def stored_files() -> list[bytes]:
    root = storage().root
    return sorted(p.read_bytes() for p in root.rglob("*") if p.is_file()) if root.exists() else []


def image_url(course, question) -> str:
    return f"/ujian/bank/{course.slug}/soal/{question.id}/gambar"


def test_an_image_is_uploaded_and_shown_to_the_author(author, course, category):
    response = post(author, course, form(category.id, ("logo.png", RED)))
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert question.image_type == "image/png" and len(question.image_key) == 32
    assert stored_files() == [RED]

    response = author.get(image_url(course, question), buffered=True)
    assert response.status_code == 200 and response.data == RED
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("private")
    assert "attachment" not in response.headers.get("Content-Disposition", "")

    listing = author.get(f"/ujian/bank/{course.slug}").get_data(as_text=True)
    assert f'src="{image_url(course, question)}"' in listing
    page = author.get(f"/ujian/bank/{course.slug}/soal/{question.id}").get_data(as_text=True)
    assert re.search(rf'<img class="q-image" src="{image_url(course, question)}"', page)
    assert 'loading="lazy"' in page and 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [("a.gif", GIF, "image/gif"), ("a.webp", WEBP, "image/webp"), ("a.jpg", JPEG, "image/jpeg")],
)
def test_gif_webp_and_jpeg_are_accepted(author, course, category, name, data, mime):
    assert post(author, course, form(category.id, (name, data))).status_code == 302
    assert db.session.scalar(select(Question.image_type)) == mime


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("logo.png", b"%PDF-1.4 not a picture"),
        ("logo.png", b"just text"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused(author, course, category, name, data):
    response = post(author, course, form(category.id, (name, data)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This kind of file is not accepted. Allowed: GIF, JPG, PNG, WEBP." in html
    assert db.session.scalar(select(func.count(Question.id))) == 0
    assert stored_files() == []


def test_a_too_large_image_is_refused_and_nothing_changes(app, author, course, category):
    app.config["QUESTION_IMAGE_MAX_BYTES"] = 1024
    post(author, course, form(category.id, ("kecil.png", RED)))
    question = db.session.scalar(select(Question))
    key = question.image_key

    big = png(padding=2000)
    response = post(
        author, course, form(category.id, ("besar.png", big), text="Diubah?"), question.id
    )
    assert response.status_code == 422
    assert "The file is larger than 1 KB." in response.get_data(as_text=True)
    question = db.session.get(Question, question.id)
    assert (question.text, question.image_key) == ("Warna logo?", key)
    assert stored_files() == [RED]

    response = post(author, course, form(category.id, ("besar.png", big), text="Baru?"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Question.id))) == 1


def test_the_default_limit_is_512_kib(app):
    assert app.config["QUESTION_IMAGE_MAX_BYTES"] == 512 * 1024


def test_remove_and_replace_an_unused_questions_image(author, course, category):
    post(author, course, form(category.id, ("a.png", RED)))
    question = db.session.scalar(select(Question))
    post(author, course, form(category.id, ("b.png", GREEN)), question.id)
    question = db.session.get(Question, question.id)
    assert author.get(image_url(course, question), buffered=True).data == GREEN
    # No attempt ever drew it, so the replaced file is gone.
    assert stored_files() == [GREEN]

    post(author, course, form(category.id, remove_image="y"), question.id)
    question = db.session.get(Question, question.id)
    assert (question.image_key, question.image_type) == ("", "")
    assert author.get(image_url(course, question), buffered=True).status_code == 404
    assert stored_files() == []


# In an attempt ------------------------------------------------------------------------------


@pytest.fixture
def exam_with_image(author, course, category):
    """A published exam drawing one question, whose picture is RED."""
    from datetime import timedelta
    from decimal import Decimal

    from lms.core.clock import utcnow
    from lms.exams.models import Exam, ExamDraw, ShowAnswers

    post(author, course, form(category.id, ("logo.png", RED), title="Logo kota"))
    question = db.session.scalar(select(Question))
    add_question(course, category, "truefalse", "Tanpa gambar", [("true", 1), ("false", 0)])
    now = utcnow()
    exam = Exam(
        course_id=course.id,
        title="Ujian",
        duration_minutes=30,
        attempts_allowed=1,
        pass_mark=Decimal(50),
        shuffle_questions=False,
        shuffle_options=False,
        show_answers=ShowAnswers.AFTER_SUBMIT,
        published=True,
        closes_at=now + timedelta(days=1),
        created_at=now,
        updated_at=now,
    )
    exam.draws.append(ExamDraw(category_id=category.id, count=2))
    db.session.add(exam)
    db.session.commit()
    return exam, question


@pytest.fixture
def learner(new_client, make_user, exam_with_image):
    exam, _question = exam_with_image
    user = make_user("Andi", nip="199001012015031101")
    enroll(exam.course, user)
    c = new_client()
    assert c.login(user.nip).status_code == 302
    return c


def picture_url(attempt_id: int, question) -> str:
    """The address of the question's picture in the attempt (draws put it at any position)."""
    attempt = db.session.get(Attempt, attempt_id)
    item = next(q for q in attempt.questions if q.question_id == question.id)
    return f"/ujian/percobaan/{attempt_id}/gambar/{item.position}"


def test_the_image_is_shown_in_the_attempt(learner, exam_with_image):
    exam, question = exam_with_image
    attempt_id = start(learner, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = next(q for q in attempt.questions if q.question_id == question.id)
    assert item.snapshot["image_key"] == question.image_key
    html = learner.get(f"/ujian/percobaan/{attempt_id}").get_data(as_text=True)
    url = f"/ujian/percobaan/{attempt_id}/gambar/{item.position}"
    assert re.search(rf'<img class="q-image" src="{url}" alt="Logo kota" loading="lazy">', html)
    assert html.count('class="q-image"') == 1  # the question without a picture shows none

    response = learner.get(url, buffered=True)
    assert response.status_code == 200 and response.data == RED
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("private")
    other = next(q for q in attempt.questions if q.question_id != question.id)
    assert (
        learner.get(
            f"/ujian/percobaan/{attempt_id}/gambar/{other.position}", buffered=True
        ).status_code
        == 404
    )
    assert learner.get(f"/ujian/percobaan/{attempt_id}/gambar/99", buffered=True).status_code == 404


def test_another_learner_cannot_fetch_the_image(learner, exam_with_image, new_client, make_user):
    exam, question = exam_with_image
    attempt_id = start(learner, exam)
    url = picture_url(attempt_id, question)
    assert learner.get(url, buffered=True).status_code == 200

    someone = make_user("Budi", nip="199001012015031102")
    enroll(exam.course, someone)
    other = new_client()
    other.login(someone.nip)
    assert other.get(url, buffered=True).status_code == 404
    assert other.get(image_url(exam.course, question), buffered=True).status_code == 403
    anonymous = new_client()
    response = anonymous.get(url, buffered=True)
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")


def test_the_snapshot_keeps_its_image_after_the_bank_image_changes(
    author, learner, exam_with_image, category
):
    exam, question = exam_with_image
    attempt_id = start(learner, exam)
    url = picture_url(attempt_id, question)
    assert learner.get(url, buffered=True).data == RED

    response = post(author, exam.course, form(category.id, ("baru.png", GREEN)), question.id)
    assert response.status_code == 302
    assert author.get(image_url(exam.course, question), buffered=True).data == GREEN
    # The running attempt still shows the picture it started with, and its file is kept.
    assert learner.get(url, buffered=True).data == RED
    assert stored_files() == sorted([RED, GREEN])

    # Removing the picture from the bank keeps both files: attempts may show either.
    post(author, exam.course, form(category.id, remove_image="y"), question.id)
    assert learner.get(url, buffered=True).data == RED
    assert stored_files() == sorted([RED, GREEN])
