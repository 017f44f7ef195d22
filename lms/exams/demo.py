"""Demo exam: a question bank for "Pelayanan Publik Prima" (written in GIFT, imported through the
real parser), an open exam presented by the course's last lesson, and one finished attempt."""

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import User, find_by_login
from lms.courses.models import Course, Lesson, LessonKind
from lms.exams import bank, formats, services
from lms.exams.models import Exam, ShowAnswers
from lms.extensions import db

COURSE_CODE = "BKPSDM-TEK-01"
EXAM_TITLE = "Evaluasi Akhir Pelayanan Publik Prima"
LEARNER = "199001012015031001"

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

    learner = db.session.scalar(select(User).where(User.nip == LEARNER))
    if learner is not None and services.is_enrolled(exam, learner):
        started = now - timedelta(days=2)
        attempt = services.start_attempt(exam, learner, now=started)
        for item in attempt.questions:
            snapshot = item.snapshot
            right = [str(o["id"]) for o in snapshot["options"] if float(o["fraction"]) > 0]
            if snapshot["type"] in ("short", "numeric"):
                value = [snapshot["options"][0]["text"]]
            elif snapshot["type"] == "essay":
                value = ["Saya dengarkan dulu keluhannya, jelaskan status berkas, dan beri waktu."]
            else:
                value = right
            services.save_answer(
                attempt,
                item.position,
                value,
                seq=1,
                flagged=False,
                now=started + timedelta(minutes=item.position + 1),
            )
        services.submit_attempt(attempt, now=started + timedelta(minutes=12))
        lines.append(f"  {learner.name}: attempt 1 submitted (essay waiting for a grader)")
    return lines
