"""Demo partner: contacts and a logo for Universitas Demo Makassar, its agreements (a PKS in force,
agreement id 1, with its signed document; an expired MoU), its coordinator (mitra@kampus.demo),
and a worksheet its staff uploaded to "Analisis Data untuk Kebijakan Publik" whose new version
waits for BKPSDM's review while learners keep the approved one. Runs after lms.courses.demo."""

import io
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import User, find_by_login
from lms.core.clock import local_date
from lms.core.demo_images import logo_png
from lms.core.uploads import CheckedUpload
from lms.courses import services as courses
from lms.courses.models import Course, Lesson, LessonKind
from lms.extensions import db
from lms.partners import services
from lms.partners.models import Agreement, AgreementKind, Institution

INSTITUTION = "Universitas Demo Makassar"
COURSE_CODE = "UDM-TEK-01"
WORKSHEET = "Lembar kerja: data layanan kelurahan"
PKS_NUMBER = "070/PKS/BKPSDM-UDM/2026"
MOU_NUMBER = "119/MoU/UDM-PEMKOT/2021"


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of plain text (ASCII), written by hand: no renderer."""
    text = " ".join(
        f"({line.replace(chr(92), '').replace('(', '').replace(')', '')}) Tj T*" for line in lines
    )
    stream = f"BT /F1 14 Tf 18 TL 56 780 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _upload(data: bytes, content_type: str, name: str) -> CheckedUpload:
    return CheckedUpload(io.BytesIO(data), content_type, name.rsplit(".", 1)[-1], name)


def load(now: datetime) -> list[str]:
    inst = db.session.scalar(select(Institution).where(Institution.name == INSTITUTION))
    admin, mitra = find_by_login("admin@bina.demo"), find_by_login("mitra@kampus.demo")
    if inst is None or admin is None or mitra is None:
        return []
    out = []
    if not inst.contact_email:
        _contacts(inst, admin, now)
        out.append(f"  {inst.name}: contacts and logo")
    if not mitra.coordinator:
        mitra.coordinator = True
        out.append(f"  {mitra.email}: coordinator of {inst.name}")
    out += _agreements(inst, admin, now)
    out += _worksheet(admin, mitra, now)
    db.session.flush()
    return ["Demo partner:", *out] if out else []


def _contacts(inst: Institution, admin: User, now: datetime) -> None:
    data = {
        "name": inst.name,
        "type": inst.type,
        "active": inst.active,
        "contact_name": "Dr. Irwan Setiawan, M.Si.",
        "contact_email": "kerjasama@kampus.demo",
        "contact_phone": "+62 411 555 0142",
        "address": "Jl. Perintis Kemerdekaan Km. 10, Tamalanrea, Makassar 90245",
        "website": "https://kampus.demo",
    }
    logo = _upload(logo_png(), "image/png", "logo-udm.png")
    services.save_institution(inst, data, actor=admin, now=now, logo=logo)


def _agreements(inst: Institution, admin: User, now: datetime) -> list[str]:
    today, out = local_date(now), []
    # The PKS first: it is agreement id 1, which the access tests use.
    wanted = [
        (
            AgreementKind.PKS,
            PKS_NUMBER,
            "Penyelenggaraan pelatihan teknis analisis data bagi ASN Kota Makassar",
            "Kursus daring dan kelas tatap muka; dosen UDM sebagai pengajar; BKPSDM menetapkan "
            "peserta dan mengakui JP.",
            today - timedelta(days=30),
            today + timedelta(days=365),
            True,
        ),
        (
            AgreementKind.MOU,
            MOU_NUMBER,
            "Nota kesepahaman pengembangan kompetensi aparatur",
            "Kerangka kerja sama pendidikan, pelatihan, dan penelitian.",
            today - timedelta(days=5 * 365),
            today - timedelta(days=40),
            False,
        ),
    ]
    for kind, number, title, scope, starts, ends, signed in wanted:
        exists = select(Agreement.id).where(
            Agreement.institution_id == inst.id, Agreement.number == number
        )
        if db.session.scalar(exists) is not None:
            continue
        document = None
        if signed:
            pdf = tiny_pdf([f"PERJANJIAN KERJA SAMA {number}", title[:70], "Ditandatangani."])
            document = _upload(pdf, "application/pdf", "PKS BKPSDM-UDM 2026.pdf")
        data = {
            "kind": kind,
            "number": number,
            "title": title,
            "scope": scope,
            "starts_on": starts,
            "ends_on": ends,
        }
        services.save_agreement(Agreement(), inst, data, actor=admin, now=now, document=document)
        out.append(f"  {kind.upper()} {number}: {starts} to {ends}")
    return out


def _worksheet(admin: User, mitra: User, now: datetime) -> list[str]:
    course = db.session.scalar(select(Course).where(Course.code == COURSE_CODE))
    if course is None or any(lesson.title == WORKSHEET for lesson in course.lessons):
        return []
    module = course.modules[0]
    lesson = Lesson()
    data = {
        "title": WORKSHEET,
        "kind": LessonKind.FILE,
        "body": "Latihan membersihkan dan merangkum data layanan satu kelurahan.",
        "required": False,
    }
    courses.save_lesson(lesson, module, data, now=now - timedelta(days=20))
    first = tiny_pdf([WORKSHEET, "Versi 1", "Kolom: kelurahan, layanan, jumlah, waktu."])
    v1 = courses.replace_lesson_file(
        lesson,
        _upload(first, "application/pdf", "lembar-kerja-v1.pdf"),
        mitra,
        now - timedelta(days=20),
    )
    courses.approve_file(v1, actor=admin, now=now - timedelta(days=19))
    second = tiny_pdf([WORKSHEET, "Versi 2", "Ditambah kolom: kepuasan warga."])
    courses.replace_lesson_file(
        lesson,
        _upload(second, "application/pdf", "lembar-kerja-v2.pdf"),
        mitra,
        now - timedelta(days=2),
    )
    return [f"  {course.code}: {WORKSHEET} (version 2 waits for review)"]
