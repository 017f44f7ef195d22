"""The course catalog and its search with 2,000 courses and 20,000 people, as ratios to a
plain page.

python bench/catalog.py [--courses 2000] [--people 20000] [--rounds 30]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench._app import demo_app, login  # noqa: E402
from bench.people_search import seed as seed_people  # noqa: E402
from lms.core.clock import utcnow  # noqa: E402
from lms.courses.models import Course, Lesson, Module  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.partners.models import Institution, InstitutionType  # noqa: E402

TOPICS = [
    "Pelayanan Publik",
    "Kepemimpinan",
    "Manajemen Kinerja",
    "Analisis Kebijakan",
    "Keuangan Daerah",
    "Pengadaan Barang dan Jasa",
    "Literasi Digital",
    "Kearsipan",
    "Penulisan Naskah Dinas",
    "Moderasi Beragama",
    "Pengelolaan Aset",
    "Perencanaan Pembangunan",
    "Statistik Sektoral",
    "Komunikasi Publik",
    "Etika ASN",
    "Manajemen Risiko",
]
LEVELS = ["Dasar", "Lanjutan", "untuk Pengawas", "untuk Administrator", "Praktis", "Terapan"]
PLACES = ["kelurahan", "kecamatan", "puskesmas", "sekolah", "dinas", "badan"]
COMPETENCIES = ["teknis", "manajerial", "sosial_kultural"]
MODES = ["elearning", "klasikal", "blended"]


def seed_courses(app, n: int) -> None:
    """Add `n` courses of BKPSDM and ten partners, 9 in 10 published, 2 modules x 3 lessons."""
    with app.app_context():
        institutions = [
            Institution(name=f"Universitas Mitra {i}", type=InstitutionType.UNIVERSITY)
            for i in range(1, 11)
        ]
        db.session.add_all(institutions)
        db.session.flush()
        owners = [None, None, None, *[i.id for i in institutions]]
        now = utcnow()
        rows = []
        for i in range(n):
            topic, level = TOPICS[i % len(TOPICS)], LEVELS[(i // len(TOPICS)) % len(LEVELS)]
            published = i % 10 != 9
            rows.append(
                {
                    "slug": f"kursus-bench-{i}",
                    "code": f"BENCH-{i:05d}",
                    "title": f"{topic} {level} {i}",
                    "summary": f"Materi {topic.lower()} bagi ASN di {PLACES[i % len(PLACES)]}.",
                    "description": f"Kursus **{topic}** tingkat {level.lower()}.",
                    "competency_type": COMPETENCIES[i % 3],
                    "mode": MODES[(i // 3) % 3],
                    "jp": 2 + (i * 7) % 40,
                    "institution_id": owners[i % len(owners)],
                    "state": "published" if published else "draft",
                    "review_note": "",
                    "open_enrollment": True,
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now if published else None,
                }
            )
        db.session.execute(insert(Course), rows)
        ids = db.session.scalars(select(Course.id).where(Course.code.like("BENCH-%"))).all()
        db.session.execute(
            insert(Module),
            [
                {"course_id": c, "title": f"Modul {m + 1}", "position": m}
                for c in ids
                for m in (0, 1)
            ],
        )
        modules = db.session.scalars(select(Module.id).order_by(Module.id)).all()
        db.session.execute(
            insert(Lesson),
            [
                {
                    "module_id": m,
                    "title": f"Pelajaran {k + 1}",
                    "kind": "text",
                    "position": k,
                    "body": "Isi pelajaran.",
                    "video_url": "",
                    "required": True,
                }
                for m in modules
                for k in range(3)
            ],
        )
        db.session.commit()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--courses", type=int, default=2000)
    p.add_argument("--people", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args()
    app = demo_app()
    seed_people(app, a.people)
    seed_courses(app, a.courses)
    with app.app_context():
        partner = db.session.scalar(
            select(Institution.id).where(Institution.name.like("% Mitra 3"))
        )
    client = app.test_client()
    login(client, "199001012015031001")
    last = (a.courses * 9 // 10 + 11) // 12
    htmx = {"HX-Request": "true", "HX-Target": "catalog-list"}
    cases = [
        ("/ (plain page, logged in)", None),
        ("/kursus", None),
        (f"/kursus?page={last}", None),
        ("/kursus?q=kepemimpinan", None),
        ("/kursus?q=puskesmas", None),
        ("/kursus?q=tidak-ada-kursus-ini", None),
        ("/kursus?competency=manajerial&mode=klasikal", None),
        ("/kursus?jp_min=10&jp_max=20", None),
        ("/kursus?owner=bkpsdm", None),
        (f"/kursus?owner={partner}&q=literasi", None),
        ("/kursus?q=keuangan (htmx fragment)", htmx),
        ("/kursus/kursus-bench-1000", None),
    ]
    for label, headers in cases:  # warm the caches (templates, SQLite pages) before timing
        for _ in range(3):
            client.get(label.split(" ")[0], headers=headers)
    # Round robin, so that a busy moment of the machine weighs on every request alike.
    ms: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _ in range(a.rounds):
        for label, headers in cases:
            t = time.perf_counter()
            r = client.get(label.split(" ")[0], headers=headers)
            ms[label].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, label
    home = statistics.median(ms[cases[0][0]])
    worst = 0.0
    for label, _ in cases:
        med, p95 = statistics.median(ms[label]), sorted(ms[label])[int(a.rounds * 0.95) - 1]
        if label != cases[0][0]:
            worst = max(worst, med)
        print(
            f"{label:<46} median {med:7.2f} ms  p95 {p95:7.2f} ms  "
            f"x{med / home:5.1f} of a plain page"
        )
    print(
        f"RESULT courses={a.courses} people={a.people} worst_median_ms={worst:.1f} "
        f"plain_page_ms={home:.1f} ratio={worst / home:.1f}"
    )


if __name__ == "__main__":
    main()
