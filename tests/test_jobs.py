"""The job queue: inline in tests, SQLite and Redis queues run by a worker, periodic jobs."""

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import huey
import pytest
from flask import current_app, g
from sqlalchemy import select

from lms.auth.models import Unit
from lms.core import jobs
from lms.extensions import db

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parent.parent


@jobs.task
def add_unit(name: str) -> None:
    """Write a unit, and note whether the job ran in an app context of its own."""
    assert current_app
    name = f"{name} (fresh context)" if "caller" not in g else name
    db.session.add(Unit(name=name))
    db.session.commit()


@jobs.task
def broken_job() -> None:
    raise ZeroDivisionError("a job that fails")


@jobs.periodic(minutes=5)
def every_five_minutes() -> None:
    db.session.add(Unit(name="periodic"))
    db.session.commit()


def unit_names() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Unit.name)))


def wait_for(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def queue(app):
    queue = jobs.get_queue(app)
    yield queue
    queue.close()


@pytest.fixture
def queued_config(app_config):
    """An app whose jobs go to the SQLite queue in its instance folder."""
    app_config["JOBS_IMMEDIATE"] = False
    return app_config


def test_tests_run_jobs_inline_in_a_fresh_app_context(app, queue):
    assert queue.immediate
    assert jobs.get_queue() is app.extensions["lms_jobs"]
    g.caller = True  # the job must not see the caller's context
    add_unit.enqueue("Dinas Pendidikan")
    jobs.enqueue("tests.test_jobs.add_unit", "Dinas Kesehatan")
    assert unit_names() == {
        "Dinas Pendidikan (fresh context)",
        "Dinas Kesehatan (fresh context)",
    }


def test_a_job_called_directly_runs_here(app):
    g.caller = True
    add_unit("Kecamatan Tamalate")
    assert unit_names() == {"Kecamatan Tamalate"}


def test_enqueue_refuses_uncommitted_writes(app, queue):
    db.session.add(Unit(name="not yet committed"))
    with pytest.raises(RuntimeError, match="commit"):
        add_unit.enqueue("A")
    db.session.flush()
    with pytest.raises(RuntimeError, match="commit"):
        add_unit.enqueue("B")
    db.session.commit()
    add_unit.enqueue("C")
    assert unit_names() == {"not yet committed", "C (fresh context)"}


def test_a_failing_inline_job_is_logged_and_the_caller_goes_on(app, queue, caplog):
    with caplog.at_level(logging.ERROR, logger="huey"):
        broken_job.enqueue()
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


@pytest.mark.parametrize(
    ("config", "kind"),
    [
        ({}, huey.MemoryHuey),
        ({"JOBS_IMMEDIATE": False}, huey.SqliteHuey),
        ({"JOBS_IMMEDIATE": False, "REDIS_URL": REDIS_TEST_URL}, huey.RedisHuey),
        ({"JOBS_IMMEDIATE": True, "REDIS_URL": REDIS_TEST_URL}, huey.MemoryHuey),
    ],
)
def test_the_queue_is_chosen_by_configuration(app_config, config, kind):
    from lms import create_app

    app = create_app({**app_config, **config})
    queue = jobs.get_queue(app)
    try:
        assert type(queue.huey) is kind
        assert queue.immediate is (kind is huey.MemoryHuey)
        if kind is huey.SqliteHuey:
            assert queue.huey.storage.filename == str(Path(app.instance_path) / "jobs.sqlite3")
    finally:
        queue.close()


def test_sqlite_queue_keeps_jobs_until_a_worker_runs_them(queued_config, app, queue, caplog):
    assert isinstance(queue.huey, huey.SqliteHuey)
    broken_job.enqueue()
    add_unit.enqueue("Badan Kepegawaian")
    assert queue.huey.pending_count() == 2
    assert unit_names() == set()

    consumer = queue.consumer(workers=1, periodic=False)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with caplog.at_level(logging.ERROR, logger="huey"):
            consumer.start()
            # The failing job ran first; the worker lived on to run the next one.
            assert wait_for(lambda: "Badan Kepegawaian (fresh context)" in unit_names())
    finally:
        consumer.stop(graceful=True)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert queue.huey.pending_count() == 0
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_periodic_jobs_are_registered_with_their_schedule(queued_config, app, queue):
    name = "tests.test_jobs.every_five_minutes"
    assert name in queue.periodic_jobs()
    task_class = queue.huey._registry.string_to_task(name)
    assert task_class().validate_datetime(datetime(2026, 5, 4, 10, 5))
    assert not task_class().validate_datetime(datetime(2026, 5, 4, 10, 7))
    queue.huey.execute(task_class())  # as the worker's scheduler would
    assert unit_names() == {"periodic"}


def test_periodic_needs_a_schedule_that_divides_the_hour():
    with pytest.raises(ValueError):
        jobs.periodic(minutes=7)
    with pytest.raises(ValueError):
        jobs.periodic()


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}: {exc}")
    finally:
        client.close()


def test_redis_queue_keeps_jobs_until_a_worker_runs_them(queued_config, app, queue):
    _redis_or_skip()
    app.config["REDIS_URL"] = REDIS_TEST_URL
    redis_queue = jobs.JobQueue(app)
    try:
        assert isinstance(redis_queue.huey, huey.RedisHuey)
        redis_queue.huey.flush()
        app.extensions["lms_jobs"] = redis_queue
        g.caller = True
        add_unit.enqueue("Dinas Perhubungan")
        assert redis_queue.huey.pending_count() == 1
        assert unit_names() == set()
        task = redis_queue.huey.dequeue()
        redis_queue.huey.execute(task)
        assert unit_names() == {"Dinas Perhubungan (fresh context)"}
    finally:
        redis_queue.huey.flush()
        redis_queue.close()


def test_worker_command_runs_queued_jobs_in_another_process(queued_config, app, queue):
    add_unit.enqueue("Inspektorat")
    script = textwrap.dedent(
        """
        import tests.test_jobs
        from lms import create_app
        from lms.core.jobs import worker_command

        app = create_app()
        with app.app_context():
            worker_command.main(["-w", "1", "--no-periodic"], standalone_mode=False)
        """
    )
    env = {
        **os.environ,
        "LMS_INSTANCE_PATH": app.instance_path,
        "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "LMS_SECRET_KEY": "test-secret",
        "LMS_JOBS_IMMEDIATE": "false",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ran = wait_for(lambda: "Inspektorat (fresh context)" in unit_names(), seconds=30)
    finally:
        worker.send_signal(signal.SIGINT)  # a graceful stop
        output, _ = worker.communicate(timeout=20)
    assert ran, output
    assert worker.returncode == 0, output
    assert queue.huey.pending_count() == 0


def test_worker_command_refuses_inline_mode(app, runner):
    result = runner.invoke(jobs.worker_command, ["-w", "1"])
    assert result.exit_code == 1
    assert "JOBS_IMMEDIATE" in result.output
