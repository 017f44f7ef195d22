"""Demo certificates, loaded last by `flask lms demo`: BKPSDM's training certificate template
(id 1, with a logo and two signed signatories), given with score bands to two BKPSDM courses, and
Ahmad Fauzi's certificates for the course he completed (lms.learning.demo): the first, issued
on completion while his record still named his former position, revoked by the admin (id 1);
its correction (id 2), valid. Both PDFs are rendered; their verification addresses are printed.
"""

import io
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import User, find_by_login
from lms.certificates import issuing, services
from lms.certificates.models import Certificate, CertificateTemplate, Layout
from lms.core.demo_images import logo_png, signature_png
from lms.core.uploads import CheckedUpload
from lms.courses.models import Course
from lms.extensions import db
from lms.learning.models import Enrollment

NAME = "Sertifikat Pelatihan BKPSDM"
BODY = (
    "{pangkat} — {jabatan}\n{unit}\n\n"
    "telah mengikuti {judul} yang diselenggarakan oleh {lembaga} pada tanggal {tanggal_mulai} "
    "sampai dengan {tanggal_selesai} dengan jumlah {jp} jam pelajaran (JP), dan dinyatakan "
    "lulus dengan predikat {predikat}."
)


def _png(data: bytes, name: str) -> CheckedUpload:
    return CheckedUpload(io.BytesIO(data), "image/png", "png", name)


#: The courses that give the certificate, by code; both issue it on completion.
COURSES = ("BKPSDM-SOS-01", "BKPSDM-TEK-01")
BANDS = "85 Sangat Memuaskan\n70 Memuaskan\n60 Cukup"
HOLDER = "199001012015031001"
#: The course Ahmad Fauzi completed in the demo (lms.learning.demo).
COMPLETED = "BKPSDM-SOS-01"
#: What his record said when the first certificate was issued, before it was brought up to date.
FORMER_POSITION = "Pengadministrasi Umum"
REASON = (
    "Jabatan pemegang tertulis Pengadministrasi Umum, padahal jabatannya telah menjadi "
    "Analis Kebijakan Ahli Pertama. Diterbitkan ulang dengan data yang benar."
)


def load(now: datetime) -> list[str]:
    admin = find_by_login("admin@bina.demo")
    if admin is None:
        return []
    template = db.session.scalar(
        select(CertificateTemplate).where(CertificateTemplate.name == NAME)
    )
    out = []
    if template is None:
        template = _template(admin, now)
        out += ["Demo certificate template:", f"  {template.id}: {NAME} (2 signatories)"]
    _give(template)
    return out + _certificates(template, admin, now)


def _template(admin: User, now: datetime) -> CertificateTemplate:
    data = {
        "name": NAME,
        "layout": Layout.CLASSIC,
        "title": "SERTIFIKAT",
        "body": BODY,
        "place": "Makassar",
        "number_pattern": "800/{seq}/BKPSDM/{year}",
        "active": True,
    }
    signatories = [
        services.SignatoryInput(
            name="Dr. H. Andi Zulkifli Nanda, S.STP., M.Si.",
            nip="197803152000121002",
            title="Kepala BKPSDM Kota Makassar",
            signature=_png(signature_png(seed=1.0), "ttd-kepala.png"),
        ),
        services.SignatoryInput(
            name="Hj. Nurhaeda Arsyad, S.Sos., M.M.",
            nip="198104222005012003",
            title="Sekretaris BKPSDM Kota Makassar",
            signature=_png(signature_png(seed=1.6), "ttd-sekretaris.png"),
        ),
    ]
    template = CertificateTemplate()
    logo = _png(logo_png(160, ground=(122, 22, 30), ring=(222, 178, 52)), "logo-bkpsdm.png")
    services.save_template(template, data, signatories, actor=admin, now=now, logo=logo)
    return template


def _give(template: CertificateTemplate) -> None:
    """Have the demo courses give the certificate, with predicates, unless they give one already."""
    for course in db.session.scalars(select(Course).where(Course.code.in_(COURSES))):
        if course.certificate_template_id is None:
            course.certificate_template_id = template.id
            course.auto_certificate = True
            course.score_bands = BANDS
    db.session.flush()


def _certificates(template: CertificateTemplate, admin: User, now: datetime) -> list[str]:
    """Ahmad Fauzi's revoked certificate and its valid correction; their addresses to print."""
    holder = find_by_login(HOLDER)
    if holder is None:
        return []
    held = select(Certificate).where(Certificate.user_id == holder.id).order_by(Certificate.id)
    if db.session.scalar(held) is None:
        enrollment = db.session.scalar(
            select(Enrollment)
            .join(Course)
            .where(
                Enrollment.user_id == holder.id,
                Course.code == COMPLETED,
                Enrollment.completed_at.is_not(None),
            )
        )
        if enrollment is None:
            return []
        issued_at = enrollment.completed_at
        corrected_at = min(now, issued_at + timedelta(days=3))
        position, holder.position = holder.position, FORMER_POSITION
        first = issuing.issue(enrollment, template, now=issued_at)  # on completion
        holder.position = position
        issuing.revoke(first, REASON, actor=admin, now=corrected_at)
        issuing.issue(enrollment, template, now=corrected_at, actor=admin, replaces=first)
        db.session.commit()  # as a request would, before the PDFs are rendered
    certificates = db.session.scalars(held).all()
    for certificate in certificates:
        issuing.ensure_pdf(certificate)
    lines = [f"Certificates of {holder.name} (verification addresses):"]
    for certificate in sorted(certificates, key=lambda c: not c.valid):
        state = "valid" if certificate.valid else "revoked"
        lines.append(f"  {state:<8} {certificate.number}  {issuing.verify_url(certificate.code)}")
    return lines
