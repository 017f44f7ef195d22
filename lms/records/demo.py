"""Demo data of this feature, loaded by `flask lms demo`: training done elsewhere."""

import io
from datetime import date, datetime
from html import escape

from sqlalchemy import select

from lms.auth.models import User, find_by_login
from lms.core.clock import local_date
from lms.core.pdf import render_pdf
from lms.core.storage import storage
from lms.extensions import db
from lms.records.models import EntryKind, LedgerEntry

#: login, title, kind, organiser, (month, day) start, (month, day) end, JP, certificate number,
#: years back (0: this year).
ENTRIES = [
    (
        "199001012015031001",
        "Seminar Nasional Reformasi Birokrasi",
        EntryKind.SEMINAR,
        "Kementerian PANRB",
        (1, 14),
        (1, 14),
        4,
        "SRB/{year}/0412",
        0,
    ),
    (
        "199001012015031001",
        "Workshop Penyusunan SKP",
        EntryKind.WORKSHOP,
        "BKPSDM Kota Makassar",
        (1, 6),
        (1, 7),
        6,
        "",
        0,
    ),
    (
        "199001012015031001",
        "Coaching Kinerja",
        EntryKind.COACHING,
        "Dinas Pendidikan Kota Makassar",
        (11, 3),
        (11, 3),
        2,
        "",
        1,
    ),
    (
        "supervisor@bina.demo",
        "Mentoring Kepemimpinan",
        EntryKind.MENTORING,
        "Pusat Pengembangan Kepemimpinan LAN",
        (1, 5),
        (1, 9),
        10,
        "LAN/MK/{year}/077",
        0,
    ),
]


def _evidence_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned certificate."""
    return render_pdf(
        f"<!doctype html><html lang=id><body style='font-family:sans-serif'>"
        f"<h1>Sertifikat</h1><p>{escape(title)}</p></body></html>"
    )


def _safe_date(year: int, month: int, day: int, latest: date) -> date:
    """The date in `year`, but never after `latest` (a demo loaded on 2 January stays past)."""
    return min(date(year, month, day), latest)


def load(now: datetime) -> list[str]:
    """Create what is missing (keyed by person and title) and return lines to print."""
    today = local_date(now)
    admin = find_by_login("admin@bina.demo")
    made = []
    for login, title, kind, organizer, start, end, jp, cert, back in ENTRIES:
        person: User | None = find_by_login(login)
        if person is None:
            continue
        exists = db.session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.user_id == person.id, LedgerEntry.title == title
            )
        )
        if exists is not None:
            continue
        year = today.year - back
        end_date = _safe_date(year, *end, today)
        start_date = min(_safe_date(year, *start, today), end_date)
        pdf = _evidence_pdf(title)
        stored = storage().save(io.BytesIO(pdf))
        db.session.add(
            LedgerEntry(
                user_id=person.id,
                kind=kind,
                title=title,
                organizer=organizer,
                start_date=start_date,
                end_date=end_date,
                jp=jp,
                certificate_number=cert.format(year=year),
                evidence_key=stored.key,
                evidence_name=f"sertifikat-{title.lower().replace(' ', '-')}.pdf",
                evidence_type="application/pdf",
                evidence_size=stored.size,
                recorded_by_id=admin.id if admin else None,
                created_at=now,
            )
        )
        made.append(f"{title} ({person.name}, {jp} JP, {end_date.year})")
    db.session.flush()
    if made:
        return ["JP ledger entries: " + "; ".join(made)]
    return ["JP ledger entries: all present"]
