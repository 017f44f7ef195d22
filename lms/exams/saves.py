"""Answer saves of a timed exam: lean statements, and one commit for the saves that wait together.

A save is acknowledged only once its transaction is committed, and a commit is slow on purpose
(SQLite at synchronous=FULL syncs the disk; PostgreSQL waits for its WAL to be flushed). So the
saves of one worker process that wait at the same moment are committed together
(`GroupCommit`): the request that finds no batch being written writes every save waiting then
in one transaction, on its own connection, commits once, and wakes each request with its own
outcome (and the first of those that arrived meanwhile, to write the next batch on the same
connection). No thread but the requests' own is involved. A failed batch acknowledges none of
its saves; they are then tried one transaction each, so that one bad save sinks no other.

Each save is one statement, the same in a batch and in `services.save_answer`, which runs it
in the caller's session:

    INSERT INTO answer ... SELECT <the save> FROM attempt
        WHERE attempt.id = :attempt AND attempt.user_id = :owner
          AND attempt.state = 'in_progress'
          AND EXISTS (SELECT FROM user WHERE user.id = attempt.user_id
                      AND user.active AND user.session_version = :version)
        [FOR NO KEY UPDATE]                       -- PostgreSQL
    ON CONFLICT (attempt_question_id) DO UPDATE ... WHERE answer.seq < excluded.seq
    RETURNING ...

The login and state checks and the write are one statement, and the lock it takes (SQLite's
write lock; on PostgreSQL the attempt's row) is held until the commit: a submit either comes
first, and the save is refused, or waits for the commit and then sees the answer; a logout
everywhere either comes first, and the save is refused, or after the save. What the checks need
that never changes while an attempt is in progress (its owner, deadline and questions) each
process reads once per attempt (`FixedFacts`), so that a save is no other statement.
"""

import enum
import logging
import os
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from sqlalchemy import Boolean, Integer, bindparam, select
from sqlalchemy.engine import Connection, Engine

from lms.auth.models import User
from lms.exams.models import Answer, Attempt, AttemptQuestion, AttemptState

try:
    import fcntl
except ImportError:  # not POSIX: no file lock; SQLite's own lock alone orders the writers
    fcntl = None

log = logging.getLogger(__name__)

#: The largest seq a form may send (the column is a 32-bit integer on PostgreSQL).
MAX_SEQ = 2**31 - 1
#: How long a request waits for its batch's commit before answering that nothing was saved.
WAIT_SECONDS = 30


class NotCommitted(RuntimeError):
    """The save's transaction did not commit (or not in time): nothing is acknowledged."""


@dataclass(frozen=True)
class Item:
    """What a save needs of the question at one position: its attempt_question id, and what
    `services.clean_answer` checks the form's values against."""

    id: int
    type: str
    option_ids: tuple[int, ...]


@dataclass(frozen=True)
class Fixed:
    """What does not change while an attempt is in progress: its owner, its deadline (stored
    once, at the start) and its questions (frozen at the start), by position."""

    user_id: int
    deadline: datetime
    items: dict[int, Item]


class FixedFacts:
    """The fixed facts of the attempts being taken, kept by one process for its saves: a save
    then needs no statement but its write (which checks the login and the attempt's state).

    Read once per attempt and process; at most MAX attempts are kept (the least recently used
    go first), a few KB each (no question or option texts). An attempt not found is not kept:
    it may yet be started.
    """

    MAX = 4_000

    def __init__(self) -> None:
        self._read = lru_cache(maxsize=self.MAX)(_read_fixed)

    def get(self, engine: Engine, attempt_id: int) -> Fixed | None:
        """The attempt's fixed facts; None if there is no such attempt."""
        try:
            return self._read(engine, attempt_id)
        except LookupError:
            return None


def _read_fixed(engine: Engine, attempt_id: int) -> Fixed:
    """An attempt's fixed facts, in one statement; LookupError if there is no such attempt."""
    with engine.connect() as conn:
        rows = conn.execute(_fixed_statement(), {"attempt_id": attempt_id}).all()
    if not rows:
        raise LookupError(attempt_id)
    items = {
        position: Item(item_id, snapshot["type"], tuple(o["id"] for o in snapshot["options"]))
        for _, _, position, item_id, snapshot in rows
        if item_id is not None
    }
    return Fixed(rows[0].user_id, rows[0].deadline, items)


class Refusal(enum.Enum):
    """Why a save was not written."""

    #: The owner's account is inactive, or the login's session version is no longer its own.
    LOGIN = "login"
    #: The attempt is no longer in progress.
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class Save:
    attempt_id: int
    #: attempt_question.id
    question_id: int
    value: dict
    seq: int
    flagged: bool
    saved_at: datetime
    #: The attempt's owner, and the session version their login names: the write checks that
    #: the account is active and still at this version.
    user_id: int
    session_version: int


@dataclass(frozen=True)
class Stored:
    """An answer as the database holds it (what the save fragment shows)."""

    id: int
    seq: int
    value: dict
    flagged: bool
    saved_at: datetime


@dataclass(frozen=True)
class Written:
    #: The answer now stored: this save's, or the newer one that made this save stale.
    answer: Stored | None
    #: True when this save's answer is the one stored (also when it was sent twice).
    stored: bool
    #: Why nothing was written, if the save was refused (then `answer` is None for LOGIN).
    refused: Refusal | None = None


def write(conn: Connection, save: Save) -> Written:
    """Upsert the answer unless the login is no longer good, the attempt is over or a save with
    a higher or equal seq is in.

    Runs in the caller's transaction, whose commit acknowledges it.
    """
    params = {
        "attempt_id": save.attempt_id,
        "question_id": save.question_id,
        "value": save.value,
        "seq": save.seq,
        "flagged": save.flagged,
        "saved_at": save.saved_at,
        "user_id": save.user_id,
        "session_version": save.session_version,
    }
    row = conn.execute(_write_statement(conn.dialect.name), params).first()
    if row is not None:
        # What was written is this save: only its id comes back (no JSON or time to decode).
        stored = Stored(row.id, save.seq, save.value, save.flagged, save.saved_at)
        return Written(answer=stored, stored=True)
    # Nothing written: the login is no longer good, the attempt is over, or the stored answer
    # is as new or newer. Read which, in the same transaction (and under the same lock).
    state, owner, active, version, *answer = conn.execute(
        _after_statement(), {"attempt_id": save.attempt_id, "question_id": save.question_id}
    ).one()
    if owner != save.user_id or not active or version != save.session_version:
        return Written(answer=None, stored=False, refused=Refusal.LOGIN)  # shows them nothing
    stored = Stored(*answer) if answer[0] is not None else None
    if state is not AttemptState.IN_PROGRESS:
        return Written(answer=stored, stored=False, refused=Refusal.SUBMITTED)
    # The same save again (sent again after an answer that never arrived): it is stored.
    mine = (save.seq, save.value, save.flagged)
    again = stored is not None and (stored.seq, stored.value, stored.flagged) == mine
    return Written(answer=stored, stored=again)


# Statements, built once (only the values differ from one save to the next) -----------------

_ANSWER = Answer.__table__
_STORED = (_ANSWER.c.id, _ANSWER.c.seq, _ANSWER.c.value, _ANSWER.c.flagged, _ANSWER.c.saved_at)


@cache
def _fixed_statement():
    attempt, item = Attempt.__table__, AttemptQuestion.__table__
    return (
        select(attempt.c.user_id, attempt.c.deadline, item.c.position, item.c.id, item.c.snapshot)
        .select_from(attempt.outerjoin(item, item.c.attempt_id == attempt.c.id))
        .where(attempt.c.id == bindparam("attempt_id"))
    )


@cache
def _write_statement(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    attempt, user = Attempt.__table__, User.__table__
    login_good = (
        select(user.c.id)
        .where(
            user.c.id == attempt.c.user_id,
            user.c.active.is_(True),
            user.c.session_version == bindparam("session_version", type_=Integer),
        )
        .exists()
    )
    new = (
        select(
            bindparam("question_id", type_=Integer),
            bindparam("value", type_=_ANSWER.c.value.type),
            bindparam("seq", type_=Integer),
            bindparam("flagged", type_=Boolean),
            bindparam("saved_at", type_=_ANSWER.c.saved_at.type),
        )
        .where(
            attempt.c.id == bindparam("attempt_id"),
            attempt.c.user_id == bindparam("user_id", type_=Integer),
            attempt.c.state == AttemptState.IN_PROGRESS,
            login_good,
        )
        # PostgreSQL: lock the attempt's row as an UPDATE of it would, so that a submit
        # waits for this commit (or this save waits for the submit's, and writes nothing).
        # SQLite takes its one write lock for the statement anyway, and renders nothing here.
        .with_for_update(key_share=True, of=attempt)
    )
    statement = insert(_ANSWER).from_select(
        ["attempt_question_id", "value", "seq", "flagged", "saved_at"], new
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_ANSWER.c.attempt_question_id],
        set_={
            "value": excluded.value,
            "seq": excluded.seq,
            "flagged": excluded.flagged,
            "saved_at": excluded.saved_at,
        },
        where=_ANSWER.c.seq < excluded.seq,
    ).returning(_ANSWER.c.id)


@cache
def _after_statement():
    attempt, user = Attempt.__table__, User.__table__
    return (
        select(attempt.c.state, user.c.id, user.c.active, user.c.session_version, *_STORED)
        .select_from(
            attempt.join(user, user.c.id == attempt.c.user_id).outerjoin(
                _ANSWER, _ANSWER.c.attempt_question_id == bindparam("question_id")
            )
        )
        .where(attempt.c.id == bindparam("attempt_id"))
    )


# Group commit -----------------------------------------------------------------------------


class _Waiting:
    """A save handed to the group, and what became of it."""

    __slots__ = ("save", "done", "lead", "connection", "written", "error")

    def __init__(self, save: Save):
        self.save = save
        self.done = threading.Event()
        #: Set (with `done`) when this save's request is to write the next batch.
        self.lead = False
        #: The connection the previous batch was written on, handed over with the lead.
        self.connection: Connection | None = None
        self.written: Written | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Saves that wait together are committed together, by one of the requests that wait.

    A save that finds no batch being written writes one itself (it leads): every save waiting
    at that moment, in one transaction. Saves arriving meanwhile wait; when the batch is
    committed, its leader wakes each of its saves with its outcome and, if saves are waiting,
    the first of them to lead the next batch, on the same connection. With no other save
    about, a save is written and committed in its own request, and no thread waits for
    another.
    """

    def __init__(self, engine: Engine):
        self._engine = engine
        self._turn_path = _turn_path(engine)
        self._reset()
        _instances.add(self)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._pending: list[_Waiting] = []
        self._writing = False
        self._turn = _Turn(self._turn_path)

    def write(self, save: Save, timeout: float = WAIT_SECONDS) -> Written:
        """Write and commit the save with the others waiting; NotCommitted if that failed."""
        if self._pid != os.getpid():  # forked without the at-fork hook (never, in CPython)
            self._reset()
        me = _Waiting(save)
        with self._lock:
            self._pending.append(me)
            me.lead = not self._writing
            self._writing = True
        if not me.lead and not me.done.wait(timeout):
            with self._lock:
                if not me.lead:
                    if me in self._pending:  # not taken yet: it never will be
                        self._pending.remove(me)
                    raise NotCommitted("no commit within the wait")
        if me.lead:
            self._lead(me.connection)
        if me.error is not None:
            raise NotCommitted(str(me.error)) from me.error
        return me.written

    def _lead(self, conn: Connection | None) -> None:
        """Write and commit the saves waiting now; then hand over to the next, if any.

        A batch is written on the connection handed over with the lead, else on one taken for
        it (a save that waits needs none); the last batch of a run gives it back to the pool.
        """
        with self._lock:
            batch, self._pending = self._pending, []
        try:
            if conn is None:
                conn = self._engine.connect()
            self._commit(conn, batch)
        except Exception as e:  # no connection to be had: none of the batch is written
            for w in batch:
                if w.written is None and w.error is None:
                    w.error = e
        finally:
            with self._lock:
                following = self._pending[0] if self._pending else None
                if following is None:
                    self._writing = False
                else:
                    following.lead, following.connection = True, conn
            for w in batch:
                if w.written is None and w.error is None:  # an error outside _commit
                    w.error = NotCommitted("the batch was not written")
                w.done.set()
            if following is not None:
                following.done.set()
            elif conn is not None:
                try:
                    conn.close()  # back to the pool
                except Exception:  # the batch is committed and acknowledged all the same
                    log.exception("the answer saves' connection did not close")

    def _commit(self, conn: Connection, batch: list[_Waiting]) -> None:
        """Write and commit one batch, recording each save's outcome; a failed batch is then
        tried one save at a time."""
        # One order of the attempts' row locks for every writer: no two batches deadlock.
        batch.sort(key=lambda w: w.save.attempt_id)
        try:
            with self._turn.taken(), conn.begin():
                written = [write(conn, w.save) for w in batch]
        except Exception as e:
            if len(batch) == 1:
                batch[0].error = e  # the request logs it
                return
            log.warning("a batch of %d answer saves failed; trying each alone", len(batch))
            for w in batch:
                self._commit(conn, [w])
            return
        for w, result in zip(batch, written, strict=True):
            w.written = result


class _Turn:
    """SQLite: the writers' turn, shared by the processes, taken for each transaction.

    SQLite's own lock makes a writer that finds it taken sleep and try again (after 1, 2, 5,
    ... 100 ms), while a busy writer of another process may take it again each time meanwhile:
    seconds of waiting under load. A file lock wakes the next writer as soon as it is free.
    """

    def __init__(self, path: str | None):
        self._path = path
        self._fd: int | None = None

    @contextmanager
    def taken(self):
        if self._path is None:
            yield
            return
        if self._fd is None:  # opened once, closed with this object (a new one after a fork)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
            self._fd = os.open(self._path, flags, 0o600)
            weakref.finalize(self, os.close, self._fd)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def _turn_path(engine: Engine) -> str | None:
    """The file beside a SQLite database whose lock the writers take in turn, if any."""
    url = engine.url
    if fcntl is None or url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return f"{url.database}-saves.lock"


_instances: "weakref.WeakSet[GroupCommit]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for writer in list(_instances):
        writer._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
