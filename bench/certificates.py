"""Certificate PDFs through the real issuing path, as a ratio of bare WeasyPrint rendering the same
HTML in the same run; then the throughput of two processes issuing at once.

python bench/certificates.py [--n 200] [--bulk 200] [--workers 2] [--profile 0]

On a scratch SQLite database (file, WAL) with the demo data, N people complete a BKPSDM course
(the demo template: a logo and two signatures). For each, in turns:

- the real path: `issuing.issue()` and its commit, then `issuing.ensure_pdf()` (HTML from the
  snapshot with its pictures and QR code, WeasyPrint with the locked-down fetcher, the PAdES
  signature, the file stored, its hash recorded, committed);
- bare WeasyPrint: `weasyprint.HTML(string=issuing.html_of(certificate)).write_pdf()`, the HTML
  made beforehand and not timed.

Which of the two goes first alternates, so that a busy moment of the shared machine weighs on
both alike. Then `--workers` processes (spawned, each with its own app) issue `--bulk`
certificates between them the same way, all started together, against the same database file:
the figure is certificates a second with both cores busy. `--profile K` prints where the time of
K more certificates goes in the real path (cProfile, by cumulative time).
"""

import argparse
import cProfile
import multiprocessing as mp
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench._app import demo_app  # noqa: E402
from lms import create_app  # noqa: E402
from lms.auth.models import Role, Unit, User, UserRole  # noqa: E402
from lms.certificates import issuing  # noqa: E402
from lms.certificates.demo import COMPLETED, NAME  # noqa: E402
from lms.certificates.models import CertificateTemplate  # noqa: E402
from lms.core.clock import utcnow  # noqa: E402
from lms.courses.models import Course  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.learning.models import Enrollment, EnrollmentSource  # noqa: E402


def seed(n: int, start: int) -> list[int]:
    """N people who completed the demo course, as enrollment ids (in an app context)."""
    units = db.session.scalars(select(Unit.id)).all()
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "nip": (
                    f"{1970 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}"
                    f"{2000 + i % 20}{1 + i % 12:02d}{1 + i % 2}{i % 1000:03d}"
                ),
                "email": f"bench{i}@makassarkota.go.id",
                "name": f"Andi Muhammad Rizal Pratama {i}",
                "position": "Analis Kebijakan Ahli Pertama",
                "rank": "Penata Muda Tingkat I (III/b)",
                "unit_id": units[i % len(units)],
                "password_hash": "x",
                "created_at": now,
                "must_change_password": False,
                "active": True,
                "session_version": 1,
            }
            for i in range(start, start + n)
        ],
    )
    ids = db.session.scalars(
        select(User.id).where(User.email.like("bench%@makassarkota.go.id")).order_by(User.id)
    ).all()[-n:]
    db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.ASN} for i in ids])
    course = db.session.scalar(select(Course).where(Course.code == COMPLETED))
    db.session.execute(
        insert(Enrollment),
        [
            {
                "course_id": course.id,
                "user_id": i,
                "source": EnrollmentSource.SELF,
                "enrolled_at": now,
                "completed_at": now,
            }
            for i in ids
        ],
    )
    db.session.commit()
    return db.session.scalars(
        select(Enrollment.id).where(Enrollment.user_id.in_(ids)).order_by(Enrollment.id)
    ).all()


def template_id() -> int:
    return db.session.scalar(select(CertificateTemplate.id).where(CertificateTemplate.name == NAME))


def issue_one(enrollment_id: int, template: int):
    """The real path: issue (committed), then render, sign and store the PDF."""
    certificate = issuing.issue(
        db.session.get(Enrollment, enrollment_id),
        db.session.get(CertificateTemplate, template),
        now=utcnow(),
    )
    db.session.commit()
    return issuing.ensure_pdf(certificate)


def bare(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


# -- two processes at once ----------------------------------------------------------------------


def _worker(config: dict, instance: str, ids: list[int], template: int, go, out) -> None:
    import os

    os.environ["LMS_INSTANCE_PATH"] = instance
    app = create_app(config)
    with app.app_context():
        bare("<p>warm</p>")  # fonts and WeasyPrint's start, as a running worker has them
        out.put("ready")
        go.wait()
        start = time.monotonic()
        for enrollment_id in ids:
            issue_one(enrollment_id, template)
        out.put((len(ids), start, time.monotonic()))


def bulk(app, n: int, workers: int, template: int) -> tuple[int, float]:
    with app.app_context():
        ids = seed(n, 100000)
    config = {
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker, args=(config, app.instance_path, ids[w::workers], template, go, out)
        )
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        assert out.get(timeout=300) == "ready"
    go.set()
    done = [out.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
        assert p.exitcode == 0
    total = sum(d[0] for d in done)
    return total, max(d[2] for d in done) - min(d[1] for d in done)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200, help="certificates, each also rendered bare")
    p.add_argument("--bulk", type=int, default=200, help="certificates issued by the workers")
    p.add_argument("--workers", type=int, default=2, help="processes issuing at once")
    p.add_argument("--profile", type=int, default=0, help="profile this many more (real path)")
    a = p.parse_args()

    app = demo_app()
    with app.app_context():
        template = template_id()
        ids = seed(a.n + 2 + a.profile, 0)
        warm = issue_one(ids[0], template)  # fonts, templates, the signer: a running worker's
        bare(issuing.html_of(warm))
        issue_one(ids[1], template)
        real_ms, bare_ms, sizes = [], [], [0, 0]
        for turn, enrollment_id in enumerate(ids[2 : 2 + a.n]):

            def timed_real(enrollment_id=enrollment_id):
                t = time.perf_counter()
                certificate = issue_one(enrollment_id, template)
                real_ms.append((time.perf_counter() - t) * 1000)
                sizes[0] += certificate.pdf_size
                return certificate

            def timed_bare(certificate):
                html = issuing.html_of(certificate)
                t = time.perf_counter()
                sizes[1] += len(bare(html))
                bare_ms.append((time.perf_counter() - t) * 1000)

            if turn % 2:
                timed_bare(timed_real())
            else:
                # The bare rendering first: of the previous certificate's HTML, the same work.
                previous = db.session.get(Enrollment, ids[1 + turn])
                timed_bare(issuing.valid_certificate_of(previous.id))
                timed_real()
        if a.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for enrollment_id in ids[2 + a.n :]:
                issue_one(enrollment_id, template)
            profiler.disable()
            print(f"where the real path's time goes ({a.profile} certificates):")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    real, plain = statistics.median(real_ms), statistics.median(bare_ms)
    print(f"{a.n} certificates (demo template: logo, two signatures, QR), in turns:")
    print(
        f"  real path (issue, render, sign, store)  median {real:7.1f} ms  "
        f"p95 {pct(real_ms, 0.95):7.1f} ms  mean PDF {sizes[0] / a.n / 1024:5.1f} KB"
    )
    print(
        f"  bare WeasyPrint (same HTML)             median {plain:7.1f} ms  "
        f"p95 {pct(bare_ms, 0.95):7.1f} ms  mean PDF {sizes[1] / a.n / 1024:5.1f} KB"
    )
    print(f"  ratio {real / plain:.2f} (goal: under 1.3)")
    total, seconds = bulk(app, a.bulk, a.workers, template)
    print(
        f"{a.workers} processes issuing at once: {total} certificates in {seconds:.1f} s, "
        f"{total / seconds:.2f}/s"
    )
    print(
        f"RESULT per_cert_ms={real:.1f} bare_ms={plain:.1f} ratio={real / plain:.2f} "
        f"bulk_per_s={total / seconds:.2f}"
    )


if __name__ == "__main__":
    main()
