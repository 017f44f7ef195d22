"""Demo exam: a question bank for "Pelayanan Publik Prima" (written in GIFT, imported through the
real parser), an open exam presented by the course's last lesson, and two finished attempts: one
whose essay an admin graded (so its result is out and may be objected to), one whose essay waits
in the grading queue."""

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import User, find_by_login
from lms.courses.models import Course, Lesson, LessonKind
from lms.exams import bank, formats, marking, services
from lms.exams.models import Attempt, Exam, ShowAnswers
from lms.extensions import db

COURSE_CODE = "BKPSDM-TEK-01"
EXAM_TITLE = "Evaluasi Akhir Pelayanan Publik Prima"
LEARNER = "199001012015031001"
#: A second learner, whose essay waits in the grading queue.
WAITING = "199202022016032002"

GIFT = r"""
$CATEGORY: Standar Pelayanan

::Maklumat:: Apa yang dimaksud dengan maklumat pelayanan?{
=Pernyataan tertulis penyelenggara tentang kesanggupan memenuhi standar pelayanan
~Daftar harga layanan yang dipasang di loket
~Surat keputusan pengangkatan petugas loket
~Laporan tahunan kinerja unit layanan}

::Komponen standar:: Manakah yang termasuk komponen standar pelayanan?{
~%33.33333%Persyaratan
~%33.33333%Jangka waktu pelayanan
~%33.33334%Biaya/tarif
~%-50%Nama kepala dinas
~%-50%Warna seragam petugas}

::Publikasi:: Standar pelayanan wajib dipublikasikan kepada masyarakat.{T}

::Dasar hukum:: Pelayanan publik diatur dalam Undang-Undang Nomor ... Tahun 2009. Tulis nomornya saja.{=25 =dua puluh lima}

$CATEGORY: Pengaduan

::Persentase:: Sebuah kelurahan menerima 120 pengaduan; 90 selesai tepat waktu. Berapa persen yang selesai tepat waktu?{#75:0.5}

// poin: 5
::Warga kecewa:: Jelaskan langkah Anda menghadapi warga yang kecewa karena berkasnya belum selesai.{}
"""


def load(now: datetime) -> list[str]:
    course = db.session.scalar(select(Course).where(Course.code == COURSE_CODE))
    admin = find_by_login("admin@bina.demo")
    if course is None or admin is None:
        return []
    if db.session.scalar(select(Exam.id).where(Exam.title == EXAM_TITLE)) is not None:
        return [f"Demo exam: {EXAM_TITLE} (already there)"]

    questions, errors = formats.parse_gift(GIFT)
    assert not errors, errors  # the demo's own file must be valid
    preview = bank.Preview("demo.gift", "gift", questions, [])
    bank.import_questions(course, preview, now=now, actor=admin)

    module = course.modules[-1]
    lesson = Lesson(
        title="Evaluasi akhir",
        kind=LessonKind.EXAM,
        required=True,
        position=len(module.lessons),
        body="Ujian akhir kursus ini.",
    )
    module.lessons.append(lesson)
    db.session.flush()
    categories = {c.name: c.id for c in bank.categories(course)}
    exam = services.save_exam(
        Exam(),
        course,
        {
            "title": EXAM_TITLE,
            "instructions": "Kerjakan sendiri. Jawaban tersimpan otomatis setiap kali Anda memilih.",
            "duration_minutes": 30,
            "attempts_allowed": 2,
            "pass_mark": 60,
            "show_answers": ShowAnswers.AFTER_SUBMIT,
            "published": True,
            "lesson_id": lesson.id,
        },
        {categories["Standar Pelayanan"]: 4, categories["Pengaduan"]: 2},
        actor=admin,
        now=now,
    )
    lines = [f"Demo exam: {EXAM_TITLE} ({len(questions)} questions, open)"]

    # Both attempts start first and the waiting essay is saved before any other answer, so that
    # attempt 1 is Ahmad's and answer 1 is the essay in the queue (tests/test_access.py's ids).
    learner = db.session.scalar(select(User).where(User.nip == LEARNER))
    waiting = db.session.scalar(select(User).where(User.nip == WAITING))
    takers = [
        (user, now - timedelta(days=days), right, essay)
        for user, days, right, essay in (
            (learner, 2, True, ESSAYS[0]),
            (waiting, 1, False, ESSAYS[1]),
        )
        if user is not None and services.is_enrolled(exam, user)
    ]
    attempts = {user.id: services.start_attempt(exam, user, now=at) for user, at, _r, _e in takers}
    for user, started, right, essay in reversed(takers):
        _answer(attempts[user.id], started, right=right, essay=essay)
    if learner is not None and learner.id in attempts:
        essay = next(q for q in attempts[learner.id].questions if q.snapshot["type"] == "essay")
        marking.grade_essay(
            essay.answer,
            "3,5",
            "Langkahnya tepat. Tambahkan cara mencatat keluhan dan menindaklanjutinya.",
            grader=admin,
            now=now - timedelta(days=1, hours=4),
        )
        lines.append(f"  {learner.name}: attempt 1 submitted, essay graded, result released")
    if waiting is not None and waiting.id in attempts:
        lines.append(f"  {waiting.name}: attempt 1 submitted (essay waiting in the grading queue)")
    return lines


ESSAYS = (
    "Saya dengarkan dulu keluhannya, jelaskan status berkas, dan beri waktu.",
    "Saya minta maaf atas keterlambatannya, memeriksa berkas bersama warga di loket, lalu "
    "memberi tahu kapan berkas selesai dan nomor yang bisa dihubungi.",
)


def _answer(attempt: Attempt, started: datetime, *, right: bool, essay: str) -> None:
    """Answer (all right, or the choices wrong; the essay first) and submit, through the services."""
    essay_first = sorted(attempt.questions, key=lambda q: q.snapshot["type"] != "essay")
    for item in essay_first:
        snapshot = item.snapshot
        scored = sorted(snapshot["options"], key=lambda o: -float(o["fraction"] or 0))
        if snapshot["type"] in ("short", "numeric"):
            value = [snapshot["options"][0]["text"]]
        elif snapshot["type"] == "essay":
            value = [essay]
        elif right:
            value = [str(o["id"]) for o in scored if float(o["fraction"]) > 0]
        else:
            value = [str(scored[-1]["id"])]
        services.save_answer(
            attempt,
            item.position,
            value,
            seq=1,
            flagged=False,
            now=started + timedelta(minutes=item.position + 1),
        )
    services.submit_attempt(attempt, now=started + timedelta(minutes=12))
