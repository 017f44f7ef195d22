"""The demo class, loaded by `flask lms demo` after the partners' demo: a blended class of the
partner's course "Analisis Data untuk Kebijakan Publik", running now, open for registration with
quotas for two units, Ahmad Fauzi (member 1) and Nurul Hidayah enrolled, its funding (APBD and the
partner's share; funding 1) and costs (cost 1), and its sessions (lms.classes.demo_sessions).

Left alone when the course already has a class.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.auth.models import Unit, find_by_login
from lms.classes import services
from lms.classes.demo_sessions import add_sessions
from lms.classes.models import (
    ClassMode,
    Cohort,
    CostItem,
    Funding,
    FundingSource,
    JoinMode,
    UnitQuota,
)
from lms.core.clock import local_date
from lms.courses.models import Course
from lms.extensions import db

COURSE_CODE = "UDM-TEK-01"
PEOPLE = ("199001012015031001", "199202022016032002")  # Ahmad Fauzi first: member 1
QUOTAS = (("DISDIK", 10), ("KEC-UP", 8))
FUNDING = (
    (
        FundingSource.APBD,
        Decimal("45000000"),
        "DPA BKPSDM 2026, sub-kegiatan pengembangan kompetensi",
    ),
    (
        FundingSource.PARTNER,
        Decimal("15000000"),
        "Kontribusi Universitas Demo Makassar (pengabdian masyarakat)",
    ),
)
COSTS = (
    ("Honorarium narasumber", Decimal("24000000")),
    ("Sewa ruang dan konsumsi", Decimal("18000000")),
    ("Modul dan bahan ajar", Decimal("6000000")),
    ("Platform rapat daring", Decimal("3000000")),
)


def load(now: datetime) -> list[str]:
    course = db.session.scalar(select(Course).where(Course.code == COURSE_CODE))
    if course is None or course.institution_id is None:
        return []
    if db.session.scalar(select(Cohort.id).where(Cohort.course_id == course.id)) is not None:
        return []
    today = local_date(now)
    starts = today - timedelta(days=14)
    cohort = Cohort(
        course_id=course.id,
        institution_id=course.institution_id,
        name=f"Analisis Data Angkatan I {starts.year}",
        mode=ClassMode.BLENDED,
        starts_on=starts,
        # Three weeks to go: the last demo session is in two and a half.
        ends_on=today + timedelta(days=21),
        venue="Kampus Universitas Demo Makassar, Gedung B lantai 2, Jl. Perintis Kemerdekaan",
        meeting_url="https://meet.udm.ac.id/analisis-data-angkatan-1",
        capacity=30,
        join_mode=JoinMode.OPEN,
        attendance_threshold=80,
        jp=course.jp,
        created_by_id=course.created_by_id,
        created_at=now - timedelta(days=30),
    )
    db.session.add(cohort)
    db.session.flush()
    for code, seats in QUOTAS:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        if unit is not None:
            cohort.quotas.append(UnitQuota(unit_id=unit.id, seats=seats))
    db.session.flush()
    lines = [f"Demo class: {cohort.name} (capacity {cohort.capacity}, open, two unit quotas)"]
    for i, nip in enumerate(PEOPLE):
        person = find_by_login(nip)
        if person is not None:
            services.register(cohort, person, now=now - timedelta(days=20 - i))
            lines.append(f"  {person.name}: enrolled")
    for source, amount, note in FUNDING:
        db.session.add(Funding(cohort_id=cohort.id, source=source, amount=amount, note=note))
    for name, amount in COSTS:
        db.session.add(CostItem(cohort_id=cohort.id, name=name, amount=amount))
    db.session.flush()
    return lines + add_sessions(cohort, now)
