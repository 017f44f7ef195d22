"""Demo courses, loaded by `flask lms demo`; a course whose code exists is left alone.

The first course is made first so that its ids are stable (tests/test_access.py relies on
course slug pelayanan-publik-prima, module 1, lesson 1 and lesson file 1).
"""

import io
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import Role, User, UserRole
from lms.core.pdf import render_pdf
from lms.core.storage import storage
from lms.courses.models import (
    CompetencyType,
    Course,
    CourseState,
    LearningMode,
    Lesson,
    LessonFile,
    LessonKind,
    Module,
)
from lms.extensions import db
from lms.partners.models import Institution

PARTNER = "Universitas Demo Makassar"

HANDOUT = """<!doctype html><html lang="id"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 2cm }
body { font-family: sans-serif; font-size: 11pt; line-height: 1.45; color: #1c2430 }
h1 { font-size: 18pt; color: #0b5d3b; margin: 0 0 .2cm }
h2 { font-size: 12.5pt; margin: .6cm 0 .2cm }
.sub { color: #5b6675; margin: 0 0 .6cm }
</style></head><body>
<h1>Modul Standar Pelayanan</h1>
<p class="sub">Pelayanan Publik Prima · BKPSDM Kota Makassar</p>
<h2>Dasar hukum</h2>
<p>Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik dan Peraturan Menteri PANRB
Nomor 15 Tahun 2014 tentang Pedoman Standar Pelayanan.</p>
<h2>Komponen standar pelayanan</h2>
<ol>
<li>Persyaratan</li><li>Sistem, mekanisme, dan prosedur</li><li>Jangka waktu penyelesaian</li>
<li>Biaya/tarif</li><li>Produk pelayanan</li><li>Penanganan pengaduan, saran, dan masukan</li>
</ol>
<h2>Langkah menyusun standar pelayanan</h2>
<p>Identifikasi persyaratan dan prosedur yang berlaku, bahas bersama perwakilan masyarakat,
tetapkan dengan keputusan kepala perangkat daerah, lalu umumkan di tempat layanan dan di laman
resmi. Evaluasi pelaksanaannya paling sedikit sekali setahun.</p>
</body></html>"""


def _handout_pdf() -> bytes:
    return render_pdf(HANDOUT)


# code, slug, title, owner (None = BKPSDM), competency, mode, JP, state, summary, description,
# modules: [(title, [(lesson title, kind, body or video URL)])]
COURSES = [
    (
        "BKPSDM-TEK-01",
        "pelayanan-publik-prima",
        "Pelayanan Publik Prima",
        None,
        CompetencyType.TECHNICAL,
        LearningMode.ELEARNING,
        10,
        CourseState.PUBLISHED,
        "Standar pelayanan, maklumat, dan cara melayani warga dengan cepat, ramah, dan pasti.",
        "Kursus ini membekali ASN garis depan untuk menerapkan **standar pelayanan** sesuai "
        "UU 25/2009.\n\nSetelah mengikuti kursus, peserta mampu:\n\n"
        "- menjelaskan komponen standar pelayanan;\n"
        "- menyusun maklumat pelayanan unitnya;\n"
        "- menangani pengaduan warga dengan tertib.",
        [
            (
                "Standar Pelayanan",
                [
                    (
                        "Mengapa standar pelayanan penting",
                        LessonKind.TEXT,
                        "Standar pelayanan adalah **janji** penyelenggara kepada warga: apa "
                        "syaratnya, berapa lama, dan berapa biayanya.\n\n"
                        "Tanpa standar, warga tidak tahu apa yang bisa dituntut, dan petugas "
                        "tidak punya ukuran kinerja.",
                    ),
                    ("Modul Standar Pelayanan (PDF)", LessonKind.FILE, "Unduh dan baca handout."),
                    (
                        "Video: Maklumat pelayanan di kelurahan",
                        LessonKind.VIDEO,
                        "https://video.makassarkota.go.id/maklumat-pelayanan-kelurahan",
                    ),
                ],
            ),
            (
                "Menangani Pengaduan",
                [
                    (
                        "Alur pengaduan warga",
                        LessonKind.TEXT,
                        "1. Terima dan catat pengaduan.\n2. Beri nomor registrasi.\n"
                        "3. Tindak lanjuti paling lama 14 hari.\n4. Sampaikan hasilnya.",
                    ),
                    (
                        "Berkomunikasi dengan warga yang kecewa",
                        LessonKind.TEXT,
                        "Dengarkan sampai selesai, ulangi pokok keluhan, lalu jelaskan langkah "
                        "berikutnya dan kapan warga akan dikabari.",
                    ),
                ],
            ),
        ],
    ),
    (
        "BKPSDM-MAN-01",
        "kepemimpinan-pengawas",
        "Kepemimpinan Pengawas",
        None,
        CompetencyType.MANAGERIAL,
        LearningMode.CLASSICAL,
        20,
        CourseState.PUBLISHED,
        "Memimpin tim kecil: membagi tugas, memberi umpan balik, dan menilai kinerja.",
        "Pelatihan klasikal untuk pejabat pengawas dan calon pengawas di lingkungan Pemerintah "
        "Kota Makassar.",
        [
            (
                "Peran Pengawas",
                [
                    (
                        "Dari pelaksana menjadi pemimpin",
                        LessonKind.TEXT,
                        "Pengawas bertanggung jawab atas **hasil kerja tim**, bukan hanya hasil "
                        "kerjanya sendiri.",
                    ),
                    (
                        "Menyusun rencana kerja tim",
                        LessonKind.TEXT,
                        "Turunkan sasaran kinerja unit menjadi tugas yang jelas, terukur, dan "
                        "berbatas waktu.",
                    ),
                ],
            ),
            (
                "Coaching dan Umpan Balik",
                [
                    (
                        "Memberi umpan balik yang membangun",
                        LessonKind.TEXT,
                        "Gunakan pola *situasi – perilaku – dampak* agar umpan balik spesifik.",
                    ),
                    ("Latihan coaching berpasangan", LessonKind.TEXT, "Dilaksanakan di kelas."),
                ],
            ),
        ],
    ),
    (
        "BKPSDM-SOS-01",
        "moderasi-beragama-dan-wawasan-kebangsaan",
        "Moderasi Beragama dan Wawasan Kebangsaan",
        None,
        CompetencyType.SOCIOCULTURAL,
        LearningMode.BLENDED,
        8,
        CourseState.PUBLISHED,
        "Menjaga pelayanan yang adil bagi semua warga di tengah keberagaman Makassar.",
        "Kursus campuran: materi daring dilanjutkan diskusi tatap muka.",
        [
            (
                "Keberagaman dan Pelayanan",
                [
                    (
                        "Empat indikator moderasi beragama",
                        LessonKind.TEXT,
                        "Komitmen kebangsaan, toleransi, antikekerasan, dan penerimaan "
                        "terhadap tradisi.",
                    ),
                    (
                        "Nilai siri' na pacce dalam pelayanan",
                        LessonKind.TEXT,
                        "Kearifan lokal Bugis-Makassar tentang harga diri dan empati.",
                    ),
                ],
            ),
        ],
    ),
    (
        "UDM-TEK-01",
        "analisis-data-untuk-kebijakan-publik",
        "Analisis Data untuk Kebijakan Publik",
        PARTNER,
        CompetencyType.TECHNICAL,
        LearningMode.ELEARNING,
        12,
        CourseState.PUBLISHED,
        "Membaca data pelayanan, membuat tabel dan grafik sederhana, dan menulis rekomendasi.",
        "Disusun oleh dosen Universitas Demo Makassar bersama BKPSDM.",
        [
            (
                "Data di Sekitar Kita",
                [
                    (
                        "Sumber data pemerintah daerah",
                        LessonKind.TEXT,
                        "Data kependudukan, data layanan, dan data survei kepuasan masyarakat.",
                    ),
                    (
                        "Membersihkan data di lembar kerja",
                        LessonKind.TEXT,
                        "Hapus duplikat, seragamkan penulisan nama kelurahan, periksa sel kosong.",
                    ),
                ],
            ),
            (
                "Dari Data ke Rekomendasi",
                [
                    (
                        "Memilih grafik yang tepat",
                        LessonKind.TEXT,
                        "Batang untuk perbandingan, garis untuk tren waktu.",
                    ),
                    (
                        "Menulis ringkasan kebijakan",
                        LessonKind.TEXT,
                        "Satu halaman: masalah, temuan data, pilihan kebijakan, rekomendasi.",
                    ),
                    ("Kuis akhir", LessonKind.EXAM, ""),
                ],
            ),
        ],
    ),
    (
        "UDM-TEK-02",
        "penulisan-naskah-dinas",
        "Penulisan Naskah Dinas",
        PARTNER,
        CompetencyType.TECHNICAL,
        LearningMode.ELEARNING,
        6,
        CourseState.REVIEW,
        "Menulis surat, nota dinas, dan laporan sesuai tata naskah dinas.",
        "Mengacu pada Peraturan Wali Kota tentang Tata Naskah Dinas.",
        [
            (
                "Jenis Naskah Dinas",
                [
                    (
                        "Surat dinas dan nota dinas",
                        LessonKind.TEXT,
                        "Surat dinas ke luar instansi; nota dinas di dalam instansi.",
                    ),
                    (
                        "Bahasa yang lugas dan santun",
                        LessonKind.TEXT,
                        "Kalimat pendek, kata baku, tanpa singkatan yang tidak lazim.",
                    ),
                ],
            ),
        ],
    ),
]


def _user_with_role(role: Role, institution: Institution | None = None) -> User | None:
    stmt = select(User).join(UserRole).where(UserRole.role == role).order_by(User.id)
    if institution is not None:
        stmt = stmt.where(User.institution_id == institution.id)
    return db.session.scalars(stmt).first()


def load(now: datetime) -> list[str]:
    """Create the demo courses that are missing and return lines to print."""
    partner = db.session.scalar(select(Institution).where(Institution.name == PARTNER))
    admin = _user_with_role(Role.ADMIN)
    partner_staff = _user_with_role(Role.PARTNER, partner) if partner else None
    made = []
    for (
        code,
        slug,
        title,
        owner,
        competency,
        mode,
        jp,
        state,
        summary,
        description,
        modules,
    ) in COURSES:
        if db.session.scalar(select(Course.id).where(Course.code == code)) is not None:
            continue
        if owner is not None and partner is None:
            continue  # the partner comes from lms.auth.demo
        author = admin if owner is None else partner_staff
        course = Course(
            slug=slug,
            code=code,
            title=title,
            summary=summary,
            description=description,
            competency_type=competency,
            mode=mode,
            jp=jp,
            institution_id=partner.id if owner else None,
            state=state,
            open_enrollment=True,
            created_by_id=author.id if author else None,
            created_at=now,
            updated_at=now,
            published_at=now if state is CourseState.PUBLISHED else None,
        )
        db.session.add(course)
        db.session.flush()
        for m, (module_title, lessons) in enumerate(modules):
            module = Module(course_id=course.id, title=module_title, position=m)
            db.session.add(module)
            db.session.flush()
            for i, (lesson_title, kind, content) in enumerate(lessons):
                lesson = Lesson(
                    module_id=module.id,
                    title=lesson_title,
                    kind=kind,
                    position=i,
                    body="" if kind is LessonKind.VIDEO else content,
                    video_url=content if kind is LessonKind.VIDEO else "",
                    required=kind is not LessonKind.EXAM,
                )
                db.session.add(lesson)
                db.session.flush()
                if kind is LessonKind.FILE:
                    _attach_handout(lesson, author, now)
        made.append(f"  {code:<14} {title} ({state})")
    if not made:
        return []
    return ["Demo courses:", *made]


def _attach_handout(lesson: Lesson, author: User | None, now: datetime) -> None:
    stored = storage().save(io.BytesIO(_handout_pdf()))
    version = LessonFile(
        lesson_id=lesson.id,
        storage_key=stored.key,
        original_name="Modul Standar Pelayanan.pdf",
        content_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=author.id if author else None,
        uploaded_at=now,
    )
    db.session.add(version)
    db.session.flush()
    lesson.file_id = version.id
    db.session.flush()
