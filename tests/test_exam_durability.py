"""Durability of the timed exam: answers saved under load while gunicorn workers are SIGKILLed.

Every acknowledged save must be in the database afterwards, the database must pass its
integrity check, and each attempt must resume, in another session, with its answers and its
unchanged deadline. Runs on SQLite, or on a scratch PostgreSQL database when
LMS_TEST_DATABASE_URL is set (as the CI's second run does).
"""

import os
import random
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bench.examinees import (
    Connection,
    Examinee,
    Server,
    drop_postgres,
    lost_saves,
    page_answers,
    prepare,
    remaining_on,
    scratch_postgres,
    stored_answers,
)
from lms.exams.models import Attempt, AttemptState
from tests.conftest import PG_URL

EXAMINEES = 24
QUESTIONS = 10
#: Client threads saving at once, as many as the server's 2 workers x 4 threads.
CLIENTS = 8
KILLS = 3
#: Saves the server must acknowledge after a kill before the next one.
ACKS_BETWEEN_KILLS = 30


@pytest.fixture
def durable_database_url(tmp_path):
    """An empty database that gunicorn's workers and this test share."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'lms.sqlite3'}"
        return
    name = f"lms_durability_{os.getpid()}_{os.urandom(4).hex()}"
    url = scratch_postgres(PG_URL, name)
    try:
        yield url
    finally:
        drop_postgres(PG_URL, name)


@dataclass
class Kill:
    pid: int
    at: float
    #: Accepted connections the worker held: the examinees it was serving.
    connections: int


def client_connections(pid: int, port: int) -> int:
    """How many accepted TCP connections on `port` process `pid` holds open."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    held = set()
    for fd in fds:
        try:
            held.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue  # closed meanwhile
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:  # the server is on IPv4
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        established = fields[3] == "01"
        if established and local_port == port and f"socket:[{fields[9]}]" in held:
            count += 1
    return count


def wait_for(condition, what: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def attempt_rows(database_url: str, ids: list[int]) -> dict[int, tuple]:
    """Attempt id -> (deadline, state, finished_at), as the database holds them."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Attempt.id, Attempt.deadline, Attempt.state, Attempt.finished_at).where(
                Attempt.id.in_(ids)
            )
        ).all()
    engine.dispose()
    return {row[0]: tuple(row[1:]) for row in rows}


def server_errors(server: Server) -> list[str]:
    """The access log's lines of answers other than 2xx and 3xx, for a failure message."""
    lines = server.log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if '" 5' in line or '" 4' in line][-20:]


def test_acknowledged_answers_survive_killed_workers(durable_database_url, tmp_path):
    database_url = durable_database_url
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    setup = prepare(database_url, instance, examinees=EXAMINEES, questions=QUESTIONS)

    with Server(database_url, instance, workers=2, threads=4) as server:
        port = server.port
        people = [Examinee(login, port) for login in setup.logins]
        conn = Connection(port)
        for e in people:
            e.log_in(conn)
            e.start(conn, setup.exam_id)
        conn.close()
        ids = [e.attempt_id for e in people]
        assert len(set(ids)) == EXAMINEES
        before = attempt_rows(database_url, ids)
        assert all(state is AttemptState.IN_PROGRESS for _, state, _ in before.values())

        # Saves from CLIENTS threads, each for its own examinees in turn. A request that fails
        # (the worker died under it) is not acknowledged; the examinee saves again later.
        stop = threading.Event()
        acked_at: list[float] = []
        failed_at: list[float] = []
        refused: list[str] = []
        broken: list[BaseException] = []

        def save_in_turn(mine: list[Examinee], seed: int) -> None:
            conn, rng = Connection(port, timeout=20), random.Random(seed)
            try:
                while not stop.is_set():
                    e = rng.choice(mine)
                    try:
                        ok = e.save(conn, rng)
                    except OSError:
                        failed_at.append(time.monotonic())
                        time.sleep(0.05)
                        continue
                    if ok:
                        acked_at.append(time.monotonic())
                    else:
                        refused.append(e.login)
            except BaseException as exc:  # a broken assumption, not a failed request
                broken.append(exc)
            finally:
                conn.close()

        clients = [
            threading.Thread(target=save_in_turn, args=(people[n::CLIENTS], n))
            for n in range(CLIENTS)
        ]
        for t in clients:
            t.start()
        kills: list[Kill] = []
        try:
            wait_for(lambda: len(acked_at) >= ACKS_BETWEEN_KILLS, "the first saves")
            for _ in range(KILLS):
                time.sleep(0.5)  # spaced out: the load runs a while between kills
                # The worker serving the most examinees, so that the kill cuts saves short.
                pid = max(server.worker_pids(), key=lambda p: client_connections(p, port))
                kill = Kill(pid, time.monotonic(), client_connections(pid, port))
                os.kill(pid, signal.SIGKILL)
                kills.append(kill)
                wait_for(
                    lambda pid=pid: (
                        pid not in (pids := server.worker_pids()) and len(pids) == server.workers
                    ),
                    "gunicorn to replace the killed worker",
                )
                server.wait_ready()
                wait_for(
                    lambda since=kill.at: sum(a > since for a in acked_at) >= ACKS_BETWEEN_KILLS,
                    "saves acknowledged after a kill",
                )
        finally:
            stopped_at = time.monotonic()
            stop.set()
            for t in clients:
                t.join()
        if broken:
            raise broken[0]
        assert server.process.poll() is None, "the gunicorn master died"
        assert not refused, "saves answered without an acknowledgement:\n" + "\n".join(
            [*refused[:5], *server_errors(server)]
        )
        ends = [k.at for k in kills[1:]] + [stopped_at]
        for kill, end in zip(kills, ends, strict=True):
            assert kill.connections > 0, f"worker {kill.pid} served no examinee when killed"
            assert any(kill.at - 2 <= a < kill.at for a in acked_at), "no saves just before"
            assert any(kill.at <= f < end for f in failed_at), "no request broke"
            assert any(kill.at < a < end for a in acked_at), "no saves after the kill"

        assert lost_saves(database_url, people) == []

        # Each attempt resumes in another session with what the database holds and the
        # remaining time its unchanged deadline gives.
        stored = stored_answers(database_url)
        conn = Connection(port)
        for e in people:
            again = Examinee(e.login, port, attempt_id=e.attempt_id)
            again.log_in(conn)
            asked_at = datetime.now(UTC)
            page = again.open_attempt(conn).text
            answered_at = datetime.now(UTC)
            shown = page_answers(page)
            held = {p: value for (a, p), (_, value) in stored.items() if a == e.attempt_id}
            assert sorted(shown) == list(range(1, QUESTIONS + 1))
            assert {p: shown[p] for p in held} == held
            unanswered = [shown[p] for p in shown.keys() - held.keys()]
            assert all(value in ({"options": []}, {"text": ""}) for value in unanswered)
            deadline = before[e.attempt_id][0]
            latest = int((deadline - asked_at).total_seconds())
            earliest = int((deadline - answered_at).total_seconds())
            assert earliest - 1 <= remaining_on(page) <= latest + 1
        conn.close()

    after = attempt_rows(database_url, ids)
    for attempt_id, (deadline, _, _) in before.items():
        assert after[attempt_id] == (deadline, AttemptState.IN_PROGRESS, None)

    if database_url.startswith("sqlite"):
        engine = create_engine(database_url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        engine.dispose()
