"""Demo units, a partner institution and the demo accounts (password demo-bina-2026)."""

from datetime import datetime

from sqlalchemy import select

from lms.auth.models import Role, Unit, UnitKind, User, find_by_login
from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.partners.models import Institution, InstitutionType

DEMO_PASSWORD = "demo-bina-2026"

UNITS = [
    # name, code, kind, parent name
    ("Sekretariat Daerah", "SETDA", UnitKind.SECRETARIAT, None),
    ("Badan Kepegawaian dan Pengembangan SDM", "BKPSDM", UnitKind.BADAN, None),
    ("Dinas Pendidikan", "DISDIK", UnitKind.DINAS, None),
    ("Dinas Kesehatan", "DINKES", UnitKind.DINAS, None),
    ("Dinas Kependudukan dan Pencatatan Sipil", "DISDUKCAPIL", UnitKind.DINAS, None),
    ("Kecamatan Ujung Pandang", "KEC-UP", UnitKind.KECAMATAN, None),
    ("Kelurahan Losari", "KEL-LOSARI", UnitKind.KELURAHAN, "Kecamatan Ujung Pandang"),
    ("Kelurahan Baru", "KEL-BARU", UnitKind.KELURAHAN, "Kecamatan Ujung Pandang"),
    ("Kecamatan Tamalate", "KEC-TAMALATE", UnitKind.KECAMATAN, None),
    ("Kelurahan Mannuruki", "KEL-MANNURUKI", UnitKind.KELURAHAN, "Kecamatan Tamalate"),
]

INSTITUTION = ("Universitas Demo Makassar", InstitutionType.UNIVERSITY)

PEOPLE = [
    # login, name, unit code, position, rank, roles, NIP of an e-mail login
    (
        "admin@bina.demo",
        "Andi Rahmawati",
        "BKPSDM",
        "Analis SDM Aparatur",
        "Penata (III/c)",
        {Role.ADMIN, Role.ASN},
        "198503102010012004",
    ),
    (
        "supervisor@bina.demo",
        "Muhammad Syahrir",
        "DISDIK",
        "Kepala Dinas Pendidikan",
        "Pembina Utama Muda (IV/c)",
        {Role.SUPERVISOR, Role.ASN},
        "197805152003121003",
    ),
    (
        "199001012015031001",
        "Ahmad Fauzi",
        "DISDIK",
        "Analis Kebijakan Ahli Pertama",
        "Penata Muda (III/a)",
        {Role.ASN},
        None,
    ),
    (
        "199202022016032002",
        "Nurul Hidayah",
        "KEC-UP",
        "Pengelola Layanan Kependudukan",
        "Pengatur (II/c)",
        {Role.ASN},
        None,
    ),
    (
        "mitra@kampus.demo",
        "Irwan Setiawan",
        None,
        "Koordinator Pelatihan",
        "",
        {Role.PARTNER},
        None,
    ),
]


def load(now: datetime) -> list[str]:
    """Create what is missing; leave what exists (and any password changed since) alone."""
    out = []
    units: dict[str, Unit] = {}
    for name, code, kind, parent in UNITS:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            unit = Unit(name=name, code=code, kind=kind, parent=units.get(parent))
            db.session.add(unit)
        units[name] = units[code] = unit
    inst = db.session.scalar(select(Institution).where(Institution.name == INSTITUTION[0]))
    if inst is None:
        inst = Institution(name=INSTITUTION[0], type=INSTITUTION[1])
        db.session.add(inst)
    db.session.flush()
    out.append(f"Units: {len(UNITS)}; partner institution: {inst.name}")

    password_hash = None
    for login, name, unit_code, position, rank, roles, nip in PEOPLE:
        if find_by_login(login) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(
            name=name,
            nip=login if login.isdigit() else nip,
            email=None if login.isdigit() else login,
            unit=units.get(unit_code) if unit_code else None,
            institution=inst if Role.PARTNER in roles else None,
            position=position,
            rank=rank,
            password_hash=password_hash,
            created_at=now,
        )
        user.set_roles(roles)
        db.session.add(user)
    db.session.flush()
    out.append(f"Demo accounts (password {DEMO_PASSWORD}):")
    for login, name, _, _, _, roles, _ in PEOPLE:
        out.append(f"  {login:<22} {name} ({', '.join(sorted(roles))})")
    return out
