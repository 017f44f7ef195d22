"""Background jobs: a Huey queue bound to the app, tasks that run in an app context, the worker.

Where jobs go, chosen when the app is created (`init_app`):

- `JOBS_IMMEDIATE` true (the default when `TESTING`): run inline, at once, in the calling process;
- else `REDIS_URL` (env `LMS_REDIS_URL`) set: a Redis queue, shared by every host;
- else a SQLite queue in `instance/jobs.sqlite3`.

Outside immediate mode a worker process runs the jobs: `flask lms worker` (see `worker_command`).

Declaring jobs (in a module that `create_app` imports, so the web app and the worker both know it):

    from lms.core import jobs

    @jobs.task
    def render_certificate(certificate_id: int) -> None:
        ...  # runs inside an app context: db.session is usable; commit your work

    @jobs.periodic(minutes=1)
    def sweep_abandoned_attempts() -> None:
        ...

    render_certificate.enqueue(certificate.id)  # after db.session.commit()
    render_certificate(certificate.id)          # plain call, here and now (cron commands, tests)

Arguments are pickled: pass ids and plain values, never ORM objects. A job is enqueued only after
the caller's writes are committed (`enqueue` refuses otherwise), because the worker reads the
database through its own transaction. A failing job is logged by Huey's logger ("huey") and the
worker goes on with the next one; `retries=`/`retry_delay=` ask for more tries. Crontab fields of
`periodic` are in UTC (Makassar is UTC+8).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import huey
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

__all__ = [
    "Job",
    "JobQueue",
    "enqueue",
    "get_queue",
    "init_app",
    "periodic",
    "task",
    "worker_command",
]

EXTENSION_KEY = "lms_jobs"
QUEUE_NAME = "bina-asn"

#: Every job declared with `task` or `periodic`, by name; each app's queue registers them all.
_registry: dict[str, Job] = {}


@dataclass(frozen=True, eq=False)
class Job:
    """A function that can run in the background; calling it runs it here and now."""

    fn: Callable[..., Any]
    name: str
    #: A crontab validator (from `huey.crontab`) for periodic jobs, else None.
    schedule: Callable | None = None
    retries: int = 0
    retry_delay: int = 0

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def enqueue(self, *args, **kwargs) -> None:
        """Queue a run with these arguments on the current app's queue."""
        get_queue().enqueue(self, *args, **kwargs)


def task(
    fn: Callable | None = None, *, retries: int = 0, retry_delay: int = 0
) -> Job | Callable[[Callable], Job]:
    """Declare a background job: `@task` or `@task(retries=2, retry_delay=60)`."""

    def declare(f: Callable) -> Job:
        return _declare(Job(f, _name_of(f), retries=retries, retry_delay=retry_delay))

    return declare(fn) if fn is not None else declare


def periodic(
    *, minutes: int | None = None, retries: int = 0, **crontab_fields: str
) -> Callable[[Callable], Job]:
    """Declare a job the worker runs on a schedule: `minutes=N`, or crontab fields (UTC).

    `@periodic(minutes=1)` runs every minute; `@periodic(minute="0", hour="18")` daily at 02:00
    Makassar time. A periodic job takes no arguments.
    """
    if minutes is not None:
        if crontab_fields or not 1 <= minutes <= 60 or 60 % minutes:
            raise ValueError("minutes must divide 60 and excludes other crontab fields")
        crontab_fields = {"minute": f"*/{minutes}" if minutes < 60 else "0"}
    if not crontab_fields:
        raise ValueError("a periodic job needs minutes= or crontab fields")
    schedule = huey.crontab(strict=True, **crontab_fields)

    def declare(f: Callable) -> Job:
        return _declare(Job(f, _name_of(f), schedule=schedule, retries=retries))

    return declare


def enqueue(job: Job | str, *args, **kwargs) -> None:
    """Queue a run of a job (or of the job with this name) on the current app's queue."""
    if isinstance(job, str):
        job = _registry[job]
    get_queue().enqueue(job, *args, **kwargs)


def _name_of(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _declare(job: Job) -> Job:
    # The name is the function's module and qualified name: a redefinition replaces the job.
    _registry[job.name] = job
    return job


class JobQueue:
    """One app's Huey instance, with every declared job registered to run in an app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        cfg = app.config
        immediate = cfg.get("JOBS_IMMEDIATE")
        if immediate is None:
            immediate = app.testing
        self.huey: huey.Huey
        if immediate:
            # Immediate mode keeps its (unused) queue in memory: no file, no connection.
            self.huey = huey.MemoryHuey(QUEUE_NAME, immediate=True, results=False)
        elif cfg.get("REDIS_URL"):
            self.huey = huey.RedisHuey(QUEUE_NAME, url=cfg["REDIS_URL"], results=False)
        else:
            path = Path(app.instance_path) / "jobs.sqlite3"
            self.huey = huey.SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
        self._wrappers: dict[str, huey.api.TaskWrapper] = {}
        self.sync()

    @property
    def immediate(self) -> bool:
        return self.huey.immediate

    def sync(self) -> None:
        """Register the jobs declared since the last call (modules imported later)."""
        for name, job in list(_registry.items()):
            if name not in self._wrappers:
                self._wrappers[name] = self._register(job)

    def _register(self, job: Job):
        app = self.app

        @functools.wraps(job.fn)
        def run_in_app_context(*args, **kwargs):
            with app.app_context():
                return job.fn(*args, **kwargs)

        # Huey names the task "<module>.<name>"; wraps() gave it the job's module.
        options = {
            "retries": job.retries,
            "retry_delay": job.retry_delay,
            "name": job.fn.__qualname__,
        }
        if job.schedule is not None:
            return self.huey.periodic_task(job.schedule, **options)(run_in_app_context)
        return self.huey.task(**options)(run_in_app_context)

    def enqueue(self, job: Job, *args, **kwargs) -> None:
        """Queue a run of `job`; in immediate mode, run it now in a fresh app context."""
        _refuse_uncommitted_writes()
        self.sync()
        self._wrappers[job.name](*args, **kwargs)

    def periodic_jobs(self) -> list[str]:
        """Name the periodic jobs the worker's scheduler will run."""
        self.sync()
        registry = self.huey._registry
        return sorted(registry.task_to_string(t) for t in registry._periodic_tasks)

    def consumer(self, workers: int = 1, periodic: bool = True) -> huey.consumer.Consumer:
        """A Huey consumer with thread workers (threads share the app and its engine pool)."""
        self.sync()
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)

    def close(self) -> None:
        """Close the queue's connections (the SQLite file or the Redis pool)."""
        storage = self.huey.storage
        if hasattr(storage, "pool"):
            storage.pool.disconnect()
        else:
            storage.close()


def init_app(app: Flask) -> JobQueue:
    """Create the app's job queue and keep it in `app.extensions["lms_jobs"]`."""
    queue = JobQueue(app)
    app.extensions[EXTENSION_KEY] = queue
    return queue


def get_queue(app: Flask | None = None) -> JobQueue:
    """The queue of `app` (default: the current app), created on first use if needed."""
    app = app or current_app._get_current_object()
    queue = app.extensions.get(EXTENSION_KEY)
    return queue if queue is not None else init_app(app)


# -- the commit-before-enqueue rule --------------------------------------------------------------

_WRITES = "lms_jobs_unsaved_writes"


@event.listens_for(FlaskSession, "after_flush")
def _note_writes(session, flush_context) -> None:
    session.info[_WRITES] = True


@event.listens_for(FlaskSession, "after_transaction_end")
def _forget_writes(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITES, None)


def _refuse_uncommitted_writes() -> None:
    """Raise if the caller's session holds writes the worker could not see yet."""
    if not has_app_context():
        return
    from lms.extensions import db

    session = db.session()
    pending = session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    if pending or session.info.get(_WRITES):
        raise RuntimeError("commit the session before enqueueing a job")


# -- the worker ------------------------------------------------------------------------------------


@click.command("worker")
@click.option(
    "-w", "--workers", default=2, show_default=True, type=click.IntRange(1, 64),
    help="Worker threads.",
)  # fmt: skip
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic jobs on this host.")
@with_appcontext
def worker_command(workers: int, no_periodic: bool) -> None:
    """Run the background job worker until interrupted (SIGINT or SIGTERM)."""
    queue = get_queue()
    if queue.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is on: jobs run inline, there is no queue.")
    if not logging.getLogger("huey").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.getLogger("huey").addHandler(handler)
        logging.getLogger("huey").setLevel(logging.INFO)
    queue.consumer(workers=workers, periodic=not no_periodic).run()
    queue.close()
