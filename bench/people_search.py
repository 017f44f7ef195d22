"""The people list and its search with 20,000 people, as ratios to a trivial endpoint.

python bench/people_search.py [--people 20000] [--rounds 30]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench._app import demo_app, login  # noqa: E402
from lms.auth.models import Role, Unit, User, UserRole  # noqa: E402
from lms.core.clock import utcnow  # noqa: E402
from lms.extensions import db  # noqa: E402

FIRST = [
    "Andi",
    "Muhammad",
    "Nur",
    "Siti",
    "Ahmad",
    "Sri",
    "Rahmat",
    "Hasanuddin",
    "Fitri",
    "Ilham",
]
LAST = [
    "Rahman",
    "Hidayah",
    "Syahrir",
    "Amir",
    "Basri",
    "Latief",
    "Mappaseng",
    "Daeng",
    "Yusuf",
    "Aziz",
]


def seed(app, n: int) -> None:
    with app.app_context():
        units = db.session.scalars(select(Unit.id)).all()
        now = utcnow()
        rows = []
        for i in range(n):
            year, seq = 1965 + i % 35, i % 999 + 1
            nip = f"{year}0{1 + i % 9}1{i % 9}{year + 22}0{1 + i % 9}{1 + i % 2}{seq:03d}"
            rows.append(
                {
                    "nip": nip[:18] if len(nip) >= 18 else nip.ljust(18, "1"),
                    "email": f"pegawai{i}@makassarkota.go.id",
                    "name": f"{FIRST[i % 10]} {LAST[(i // 10) % 10]} {i}",
                    "position": "Pelaksana",
                    "rank": "Pengatur (II/c)",
                    "unit_id": units[i % len(units)],
                    "password_hash": "x",
                    "created_at": now,
                    "must_change_password": False,
                    "active": True,
                    "session_version": 1,
                }
            )
        db.session.execute(insert(User), rows)
        ids = db.session.scalars(select(User.id).where(User.password_hash == "x")).all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.ASN} for i in ids])
        db.session.commit()


def timed(client, url: str, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = client.get(url)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, url
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--people", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args()
    app = demo_app()
    seed(app, a.people)
    client = app.test_client()
    login(client, "admin@bina.demo")
    trivial = statistics.median(timed(client, "/sehat", a.rounds))
    home = statistics.median(timed(client, "/", a.rounds))
    print(f"/sehat median {trivial:.2f} ms; / (layout, logged in) median {home:.2f} ms")
    worst = 0.0
    for url in [
        "/admin/pengguna",
        "/admin/pengguna?page=400",
        "/admin/pengguna?q=hidayah",
        "/admin/pengguna?q=1990",
        "/admin/pengguna?q=dinas+pendidikan",
        "/admin/pengguna?q=tidak-ada-orang-ini",
        "/admin/pengguna?role=asn&unit=3",
    ]:
        ms = timed(client, url, a.rounds)
        med, p95 = statistics.median(ms), sorted(ms)[int(len(ms) * 0.95) - 1]
        worst = max(worst, med)
        print(
            f"{url:<42} median {med:7.2f} ms  p95 {p95:7.2f} ms  x{med / home:5.1f} of a plain page"
        )
    print(
        f"RESULT people={a.people} worst_median_ms={worst:.1f} plain_page_ms={home:.1f} "
        f"ratio={worst / home:.1f}"
    )


if __name__ == "__main__":
    main()
