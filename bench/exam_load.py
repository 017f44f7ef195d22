"""Exam answer saves under load, over real HTTP to gunicorn, as a ratio of a trivial endpoint of
the same server at the same concurrency; then a check that no acknowledged save was lost.

python bench/exam_load.py [--examinees 500] [--seconds 20] [--concurrency 16]
                          [--workers cores+1] [--threads 8] [--postgres URL]

N examinees log in and start their attempt; then `--concurrency` requests are kept in flight,
each an answer save by the next examinee in turn (the htmx POST of static/exam.js, with its seq
and CSRF token), for `--seconds`; then the same for GET /sehat without a session. The load
generator is one process of threads on small keep-alive connections (bench/examinees.py), so it
takes little of the two cores from the server.
"""

import argparse
import queue
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine  # noqa: E402

from bench.examinees import (  # noqa: E402
    Connection,
    Examinee,
    Server,
    drop_postgres,
    lost_saves,
    prepare,
    scratch_postgres,
)
from lms.core import gunicorn_conf  # noqa: E402


def run(port: int, slots: int, seconds: float, one) -> tuple[int, int, list[float]]:
    """Call one(conn) from `slots` threads for `seconds`; (successes, errors, latencies in ms)."""
    results: list[tuple[int, int, list[float]]] = []
    failures: list[BaseException] = []
    end = time.monotonic() + seconds

    def loop(seed: int) -> None:
        conn, rng, ok, errors, ms = Connection(port), random.Random(seed), 0, 0, []
        try:
            while time.monotonic() < end:
                t = time.perf_counter()
                try:
                    done = one(conn, rng)
                except OSError:
                    done = False
                ms.append((time.perf_counter() - t) * 1000)
                ok, errors = ok + done, errors + (not done)
        except BaseException as e:  # a broken assumption, not a failed request: stop the run
            failures.append(e)
        conn.close()
        results.append((ok, errors, ms))

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(slots)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    latencies = [x for r in results for x in r[2]]
    return sum(r[0] for r in results), sum(r[1] for r in results), latencies


#: The request the saves are compared with (RESULT's trivial_per_s).
TRIVIAL = "GET /sehat, no session"


class Stats:
    """Successes, errors, latencies (ms) and server CPU seconds of one kind of request."""

    def __init__(self) -> None:
        self.ok = self.errors = 0
        self.cpu = self.client_cpu = 0.0
        self.ms: list[float] = []

    def add(self, ok: int, errors: int, ms: list[float]) -> None:
        self.ok, self.errors = self.ok + ok, self.errors + errors
        self.ms = sorted(self.ms + ms)

    def pct(self, p: float) -> float:
        return self.ms[min(len(self.ms) - 1, int(len(self.ms) * p))] if self.ms else 0.0


def client_cpu_seconds() -> float:
    """CPU time used so far by this process (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--examinees", type=int, default=500)
    p.add_argument("--questions", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20, help="of saves, and of the trivial GET")
    p.add_argument("--rounds", type=int, default=4, help="turns the two take, each seconds/rounds")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    # As `make run` and production serve (lms/core/gunicorn_conf.py): cores + 1 workers.
    p.add_argument("--workers", type=int, default=gunicorn_conf.workers, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=gunicorn_conf.threads, help="threads per worker")
    p.add_argument("--postgres", metavar="URL", help="use a scratch database on this server")
    a = p.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bina-exam-load-"))
    scratch = f"bina_exam_load_{int(time.time())}"
    if a.postgres:
        database_url = scratch_postgres(a.postgres, scratch)
    else:
        database_url = f"sqlite:///{folder / 'lms.sqlite3'}"
    try:
        setup = prepare(database_url, folder, examinees=a.examinees, questions=a.questions)
        if not a.postgres:
            import lms.core.db  # noqa: F401  (its connect hook sets the pragmas, as in the app)

            engine = create_engine(database_url)
            with engine.connect() as conn:
                sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
                journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            engine.dispose()
            assert sync == 2, "the app should run SQLite at synchronous=FULL"
            where = f"SQLite ({journal}, synchronous=FULL) in {folder}"
        else:
            where = f"PostgreSQL database {scratch}"
        with Server(database_url, folder, workers=a.workers, threads=a.threads) as server:
            port = server.port
            print(f"server: gunicorn gthread, {a.workers} workers x {a.threads} threads; {where}")
            people = [Examinee(login, port) for login in setup.logins]
            waiting: queue.SimpleQueue = queue.SimpleQueue()
            for e in people:
                waiting.put(e)

            def begin(conn, rng) -> bool:
                try:
                    e = waiting.get_nowait()
                except queue.Empty:
                    time.sleep(0.01)
                    return True
                e.log_in(conn)
                e.start(conn, setup.exam_id)
                return True

            t = time.perf_counter()
            while not waiting.empty():
                run(port, a.concurrency, 1, begin)
            assert all(e.attempt_id for e in people)
            print(
                f"setup: {len(people)} examinees logged in and started their attempts "
                f"({a.questions} questions each) in {time.perf_counter() - t:.1f} s"
            )
            turn: queue.SimpleQueue = queue.SimpleQueue()
            for e in people:
                turn.put(e)

            def as_examinee(act):
                def one(conn, rng) -> bool:
                    e = turn.get()
                    try:
                        return act(e, conn, rng)
                    finally:
                        turn.put(e)

                return one

            phases = {
                "GET /sehat, no session": lambda conn, rng: (
                    conn.request("GET", "/sehat").status == 200
                ),
                "GET /sehat, examinee's session": as_examinee(
                    lambda e, conn, rng: e.request(conn, "GET", "/sehat").status == 200
                ),
                "answer save (htmx POST)": as_examinee(lambda e, conn, rng: e.save(conn, rng)),
            }
            stats = {name: Stats() for name in phases}
            for one in phases.values():  # warm up every path (templates, caches)
                run(port, a.concurrency, 1, one)
            # Taken in turns, so that a busy moment of the machine weighs on each alike.
            for _ in range(a.rounds):
                for name, one in phases.items():
                    cpu, mine = server.cpu_seconds(), client_cpu_seconds()
                    stats[name].add(*run(port, a.concurrency, a.seconds / a.rounds, one))
                    stats[name].cpu += server.cpu_seconds() - cpu
                    stats[name].client_cpu += client_cpu_seconds() - mine
        lost = lost_saves(database_url, people)
    finally:
        if a.postgres:
            drop_postgres(a.postgres, scratch)
        shutil.rmtree(folder, ignore_errors=True)

    for name, st in stats.items():
        print(
            f"{name:<31} {st.ok / a.seconds:7.1f}/s  p50 {st.pct(0.5):5.1f} ms"
            f"  p95 {st.pct(0.95):5.1f} ms  p99 {st.pct(0.99):6.1f} ms  errors {st.errors}"
            f"  CPU ms/request: server {st.cpu * 1000 / max(st.ok + st.errors, 1):.2f}"
            f", load generator {st.client_cpu * 1000 / max(st.ok + st.errors, 1):.2f}"
        )
    acked = sum(len(e.acked) for e in people)
    print(f"acknowledged answers checked in the database: {acked}, lost {len(lost)}")
    for line in lost[:10]:
        print("  LOST", line)
    saves, trivial = stats["answer save (htmx POST)"], stats[TRIVIAL]
    print(
        f"RESULT saves_per_s={saves.ok / a.seconds:.1f} trivial_per_s={trivial.ok / a.seconds:.1f} "
        f"ratio={saves.ok / trivial.ok:.3f} p50_ms={saves.pct(0.5):.1f} "
        f"p99_ms={saves.pct(0.99):.1f} errors={sum(st.errors for st in stats.values())} "
        f"lost={len(lost)}"
    )


if __name__ == "__main__":
    main()
