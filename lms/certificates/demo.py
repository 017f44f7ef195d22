"""Demo certificate template (id 1): BKPSDM's training certificate, with a logo and two signed
signatories. Runs after lms.partners.demo."""

import io
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import find_by_login
from lms.certificates import services
from lms.certificates.models import CertificateTemplate, Layout
from lms.core.demo_images import logo_png, signature_png
from lms.core.uploads import CheckedUpload
from lms.extensions import db

NAME = "Sertifikat Pelatihan BKPSDM"
BODY = (
    "{pangkat} — {jabatan}\n{unit}\n\n"
    "telah mengikuti {judul} yang diselenggarakan oleh Badan Kepegawaian dan Pengembangan "
    "Sumber Daya Manusia Kota Makassar bersama {lembaga} pada tanggal {tanggal_mulai} sampai "
    "dengan {tanggal_selesai} dengan jumlah {jp} jam pelajaran (JP), dan dinyatakan lulus "
    "dengan predikat {predikat}."
)


def _png(data: bytes, name: str) -> CheckedUpload:
    return CheckedUpload(io.BytesIO(data), "image/png", "png", name)


def load(now: datetime) -> list[str]:
    admin = find_by_login("admin@bina.demo")
    exists = select(CertificateTemplate.id).where(CertificateTemplate.name == NAME)
    if admin is None or db.session.scalar(exists) is not None:
        return []
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
    return ["Demo certificate template:", f"  {template.id}: {NAME} (2 signatories)"]
