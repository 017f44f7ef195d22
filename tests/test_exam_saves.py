"""Answer saves committed in groups (lms/exams/saves.py).

Each save of a batch gets its own outcome, nothing is acknowledged before its commit, one bad
save sinks no other, and a save racing a submit is either in the submitted attempt or refused.
Run on SQLite and on PostgreSQL (LMS_TEST_DATABASE_URL), as the rest of the suite.
"""

import fcntl
import os
import random
import re
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from lms.core.clock import utcnow
from lms.exams import saves, services, views
from lms.exams.models import Answer, Attempt, AttemptState, Exam, ExamDraw, QuestionCategory
from lms.extensions import db
from tests.test_exams import HX, add_question, enroll, item_of, option_id, save, start

NEXT_SEQ = re.compile(r'name="seq" value="(\d+)"')


def a_save(attempt, item, text_or_value, seq, when=None) -> saves.Save:
    value = text_or_value if isinstance(text_or_value, dict) else {"text": text_or_value}
    return saves.Save(
        attempt_id=attempt.id,
        question_id=item.id,
        value=value,
        seq=seq,
        flagged=False,
        saved_at=when or utcnow(),
        user_id=attempt.user_id,
        session_version=attempt.user.session_version,
    )


def stored(item) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.attempt_question_id == item.id))


@contextmanager
def attempt_locked(attempt_id: int):
    """Hold, from another connection, the lock a save's statement must take on the attempt."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the database's one write lock
        else:
            conn.execute(
                text("SELECT id FROM attempt WHERE id = :id FOR UPDATE"), {"id": attempt_id}
            )
        try:
            yield
        finally:
            conn.rollback()


def wait_for(condition, what: str, timeout: float = 20) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.01)


@contextmanager
def commits_counted():
    """Count the commits on the app's engine while the block runs."""
    count = [0]

    def on_commit(conn):
        count[0] += 1

    event.listen(db.engine, "commit", on_commit)
    try:
        yield count
    finally:
        event.remove(db.engine, "commit", on_commit)


@pytest.fixture
def exam(make_course):
    """A published exam of five questions, two of them typed, an hour long."""
    course = make_course("Etika ASN")
    category = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(category)
    db.session.commit()
    add_question(course, category, "single", "Ibu kota Sulsel?", [("Makassar", 1), ("Gowa", 0)])
    add_question(course, category, "truefalse", "ASN melayani.", [("Benar", 1), ("Salah", 0)])
    add_question(course, category, "multiple", "Nilai ASN?", [("Akuntabel", 1), ("Malas", -1)])
    add_question(course, category, "short", "Singkatan BKPSDM?", [("Badan Kepegawaian", 1)])
    add_question(course, category, "numeric", "Target JP setahun?", [("20", 1, 0)])
    now = utcnow()
    exam = Exam(
        course_id=course.id,
        title="Ujian Etika",
        duration_minutes=60,
        attempts_allowed=2,
        published=True,
        created_at=now,
        updated_at=now,
    )
    exam.draws.append(ExamDraw(category_id=category.id, count=5))
    db.session.add(exam)
    db.session.commit()
    return exam


@pytest.fixture
def learner(make_user, exam):
    user = make_user("Andi Peserta", nip="199001012015031102")
    enroll(exam.course, user)
    return user


@pytest.fixture
def learner_client(client, learner):
    assert client.login(learner.nip).status_code == 302
    return client


@pytest.fixture
def live(exam, learner):
    """An attempt in progress, committed, so that other connections see it."""
    attempt = services.start_attempt(exam, learner, now=utcnow())
    db.session.commit()
    assert attempt.user.session_version is not None  # loaded here: threads build saves of it
    return attempt


# The batch --------------------------------------------------------------------------------


def test_an_attempts_fixed_facts_are_read_once_a_missing_attempt_each_time(app, live):
    facts = saves.FixedFacts()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = facts.get(db.engine, live.id)
        again = facts.get(db.engine, live.id)
        missing = [facts.get(db.engine, live.id + 1000) for _ in range(2)]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert again is first
    assert (first.user_id, first.deadline) == (live.user_id, live.deadline)
    assert {p: i.id for p, i in first.items.items()} == {q.position: q.id for q in live.questions}
    assert missing == [None, None]
    assert len(statements) == 3  # once for the attempt; each time for the one not (yet) there


def test_one_batch_each_save_its_own_outcome(app, exam, learner):
    over = services.start_attempt(exam, learner, now=utcnow() - timedelta(hours=3))
    services.expire_if_due(over, utcnow(), app.config)  # past its deadline: finalised
    live = services.start_attempt(exam, learner, now=utcnow())
    db.session.commit()
    short, single = item_of(live, "short"), item_of(live, "single")
    makassar = {"options": [option_id(single, "Makassar")]}
    writer = saves.GroupCommit(db.engine)
    assert writer.write(a_save(live, short, "jawaban 5", 5)).stored

    batch = {
        "fresh": a_save(live, single, makassar, 1),
        "stale": a_save(live, short, "jawaban 4", 4),
        "late": a_save(over, item_of(over, "short"), "terlambat", 1),
        # No question with this id: the statement fails (a foreign key), as a broken save would.
        "bad": replace(a_save(live, single, "x", 9), question_id=10**6),
    }
    outcomes: dict[str, object] = {}

    def send(name):
        try:
            outcomes[name] = writer.write(batch[name])
        except saves.NotCommitted as e:
            outcomes[name] = e

    first = threading.Thread(target=send, args=("first",))
    batch["first"] = a_save(live, item_of(live, "numeric"), "20", 1)
    with commits_counted() as commits:
        with attempt_locked(live.id):
            first.start()  # the writer takes it alone, and waits for the lock
            wait_for(lambda: not writer._pending, "the writer to take the first save")
            others = [threading.Thread(target=send, args=(n,)) for n in batch if n != "first"]
            for t in others:
                t.start()
            wait_for(lambda: len(writer._pending) == len(others), "the saves to wait together")
        for t in [first, *others]:
            t.join(30)

    assert outcomes["first"].stored
    assert outcomes["fresh"].stored and outcomes["fresh"].answer.value == makassar
    stale = outcomes["stale"]
    assert not stale.stored and not stale.refused
    assert (stale.answer.seq, stale.answer.value) == (5, {"text": "jawaban 5"})
    late = outcomes["late"]
    assert late.refused and not late.stored
    assert isinstance(outcomes["bad"], saves.NotCommitted)  # no such question: alone refused
    # The first save's commit, then the batch failed on the bad save and was tried save by save.
    assert commits[0] == 1 + 3
    assert stored(single).value == makassar
    assert (stored(short).seq, stored(short).value) == (5, {"text": "jawaban 5"})
    assert stored(item_of(over, "short")) is None


def test_saves_waiting_together_share_one_commit(app, live):
    items = live.questions[:4]
    writer = saves.GroupCommit(db.engine)
    results = {}

    def send(item):
        results[item.position] = writer.write(a_save(live, item, f"jawaban {item.position}", 1))

    first, *rest = [threading.Thread(target=send, args=(item,)) for item in items]
    with commits_counted() as commits:
        with attempt_locked(live.id):
            first.start()
            wait_for(lambda: not writer._pending, "the writer to take the first save")
            for t in rest:
                t.start()
            wait_for(lambda: len(writer._pending) == len(rest), "the saves to wait together")
        for t in [first, *rest]:
            t.join(30)
    assert all(r.stored for r in results.values()) and len(results) == 4
    assert commits[0] == 2  # the first alone, then the three that waited for it


def test_a_failed_commit_acknowledges_none_of_its_batch(app, live):
    items = live.questions[:3]
    writer = saves.GroupCommit(db.engine)

    def refuse(conn):
        raise OSError("disk full")

    outcomes = []

    def send(item):
        try:
            outcomes.append(writer.write(a_save(live, item, "tidak tersimpan", 1)))
        except saves.NotCommitted as e:
            outcomes.append(e)

    threads = [threading.Thread(target=send, args=(item,)) for item in items]
    event.listen(db.engine, "commit", refuse)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(db.engine, "commit", refuse)
    assert len(outcomes) == 3 and all(isinstance(o, saves.NotCommitted) for o in outcomes)
    assert all(stored(item) is None for item in items)
    # The writer goes on with the next saves.
    assert writer.write(a_save(live, items[0], "tersimpan", 2)).stored
    assert stored(items[0]).value == {"text": "tersimpan"}


def committing_threads():
    """The threads that commit on the app's engine while the block runs, in order, and the
    database connection of each commit."""
    idents: list[int] = []
    connections: list = []

    def on_commit(conn):
        idents.append(threading.get_ident())
        connections.append(conn.connection.dbapi_connection)

    event.listen(db.engine, "commit", on_commit)
    return idents, connections, lambda: event.remove(db.engine, "commit", on_commit)


def test_the_saves_requests_commit_them_with_no_thread_of_their_own(app, live):
    """A lone save is committed by its own request; a batch that waited, by one of its own,
    on the connection of the batch before it; the last batch gives it back to the pool."""
    items = live.questions[:4]
    writer = saves.GroupCommit(db.engine)
    before = threading.active_count()
    checked_out = db.engine.pool.checkedout()
    idents, connections, stop = committing_threads()
    try:
        assert writer.write(a_save(live, items[0], "sendiri", 1)).stored
        assert idents == [threading.get_ident()] and threading.active_count() == before
        assert db.engine.pool.checkedout() == checked_out

        senders: dict[int, threading.Thread] = {}
        with attempt_locked(live.id):
            senders[0] = threading.Thread(
                target=writer.write, args=(a_save(live, items[0], "pertama", 2),)
            )
            senders[0].start()  # leads: takes its save and waits for the lock
            wait_for(lambda: not writer._pending and writer._writing, "the first to lead")
            for n, item in enumerate(items[1:], 1):
                senders[n] = threading.Thread(
                    target=writer.write, args=(a_save(live, item, f"jawaban {n}", 1),)
                )
                senders[n].start()
            wait_for(lambda: len(writer._pending) == 3, "the others to wait")
        for t in senders.values():
            t.join(30)
    finally:
        stop()
    led_by = {t.ident: n for n, t in senders.items()}
    # Two commits after the lone one: the first save's, then the three waiting, by one of them.
    assert len(idents) == 3 and led_by.get(idents[1]) == 0 and led_by.get(idents[2]) in {1, 2, 3}
    assert connections[2] is connections[1]  # handed over with the lead
    assert db.engine.pool.checkedout() == checked_out
    assert not writer._writing and not writer._pending
    assert [stored(item).value["text"] for item in items] == [
        "pertama",
        "jawaban 1",
        "jawaban 2",
        "jawaban 3",
    ]


def test_the_batch_after_one_whose_connection_was_lost_is_written(app, live):
    # The connection is handed over with the lead; once lost, SQLAlchemy reconnects it.
    first, second = live.questions[:2]
    writer = saves.GroupCommit(db.engine)
    used = []

    def lose_the_first(conn):
        used.append(conn.connection.dbapi_connection)
        if len(used) == 1:
            conn.invalidate()
            raise OSError("connection reset by peer")

    outcome = {}

    def send(item, text):
        try:
            outcome[text] = writer.write(a_save(live, item, text, 1))
        except saves.NotCommitted as e:
            outcome[text] = e

    event.listen(db.engine, "commit", lose_the_first)
    try:
        with attempt_locked(live.id):
            leader = threading.Thread(target=send, args=(first, "hilang"))
            leader.start()
            wait_for(lambda: not writer._pending and writer._writing, "the first to lead")
            follower = threading.Thread(target=send, args=(second, "tersimpan"))
            follower.start()
            wait_for(lambda: len(writer._pending) == 1, "the second to wait")
        leader.join(30)
        follower.join(30)
    finally:
        event.remove(db.engine, "commit", lose_the_first)
    assert isinstance(outcome["hilang"], saves.NotCommitted) and stored(first) is None
    assert outcome["tersimpan"].stored and stored(second).value == {"text": "tersimpan"}
    assert len(used) == 2 and used[1] is not used[0]  # on a live database connection


def test_a_save_that_waits_too_long_is_not_written_later(app, live):
    first, second = live.questions[:2]
    writer = saves.GroupCommit(db.engine)
    outcome = []
    with attempt_locked(live.id):
        leader = threading.Thread(
            target=lambda: outcome.append(writer.write(a_save(live, first, "pertama", 1)))
        )
        leader.start()
        wait_for(lambda: not writer._pending and writer._writing, "the first to lead")
        with pytest.raises(saves.NotCommitted):
            writer.write(a_save(live, second, "terlambat", 1), timeout=0.2)
        assert not writer._pending  # given up: taken out of the queue
    leader.join(30)
    assert outcome[0].stored and stored(first).value == {"text": "pertama"}
    assert stored(second) is None  # not acknowledged, and not written behind the request's back
    assert not writer._writing
    assert writer.write(a_save(live, second, "lagi", 2)).stored


def test_a_forked_process_has_its_own_writer(app, live):
    item = item_of(live, "short")
    writer = saves.GroupCommit(db.engine)
    assert writer.write(a_save(live, item, "induk", 1)).stored
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() with threads running: what this test is about.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: starts with its own empty queue, no batch being written
        code = 1
        try:
            db.engine.dispose(close=False)  # the parent's connections stay the parent's
            code = 0 if writer.write(a_save(live, item, "anak", 2), timeout=20).stored else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert stored(item).value == {"text": "anak"}
    assert writer.write(a_save(live, item, "induk lagi", 3)).stored  # the parent's still works


def test_sqlite_writers_of_all_processes_take_turns(app, live):
    """The writer waits for the file lock another process's writer holds, then goes on."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the turn is SQLite's: PostgreSQL orders writers by the rows they lock")
    item = item_of(live, "short")
    writer = saves.GroupCommit(db.engine)
    outcome = []
    with open(f"{db.engine.url.database}-saves.lock", "ab") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # as another process's writer would
        saver = threading.Thread(
            target=lambda: outcome.append(writer.write(a_save(live, item, "bergiliran", 1)))
        )
        saver.start()
        saver.join(0.5)
        assert not outcome, "the writer did not wait for its turn"
        fcntl.flock(other, fcntl.LOCK_UN)
    saver.join(30)
    assert outcome[0].stored and stored(item).value == {"text": "bergiliran"}


# Against a submit -------------------------------------------------------------------------


def test_a_submit_waits_for_a_save_not_yet_committed(app, live):
    item = item_of(live, "short")
    done = threading.Event()

    def submit():
        with app.app_context():
            attempt = db.session.get(Attempt, live.id)
            services.submit_attempt(attempt, now=utcnow(), config=app.config)
            db.session.commit()
            done.set()

    with db.engine.connect() as conn:
        assert saves.write(conn, a_save(live, item, "sebelum kirim", 1)).stored
        submitter = threading.Thread(target=submit)
        submitter.start()
        assert not done.wait(0.5), "the submit did not wait for the save's lock"
        conn.commit()
    submitter.join(30)
    assert done.is_set()
    attempt = db.session.get(Attempt, live.id)
    db.session.refresh(attempt)
    assert attempt.state is not AttemptState.IN_PROGRESS
    assert stored(item).value == {"text": "sebelum kirim"}
    assert attempt.receipt == services.receipt_of(attempt)  # the receipt holds the answer


def test_a_save_waits_for_a_submit_not_yet_committed_and_is_refused(app, live):
    item = item_of(live, "short")
    writer = saves.GroupCommit(db.engine)
    outcome = []
    with app.app_context():  # the submit's own session, left open until its commit
        attempt = db.session.get(Attempt, live.id)
        assert services.submit_attempt(attempt, now=utcnow(), config=app.config)
        saver = threading.Thread(
            target=lambda: outcome.append(writer.write(a_save(live, item, "terlambat", 1)))
        )
        saver.start()
        saver.join(0.5)
        assert not outcome, "the save did not wait for the submit's lock"
        db.session.commit()
    saver.join(30)
    assert outcome[0].refused and not outcome[0].stored
    assert stored(item) is None


def test_saves_racing_a_submit_are_in_its_receipt_or_refused(app, new_client, exam, learner):
    clients = [new_client() for _ in range(5)]
    for c in clients:
        assert c.login(learner.nip).status_code == 302
    attempt_id = start(clients[0], exam)
    attempt = db.session.get(Attempt, attempt_id)
    typed = [q.position for q in attempt.questions if q.snapshot["type"] in ("short", "numeric")]
    tokens = [c.csrf_token() for c in clients]
    acked: dict[int, tuple[int, str]] = {}
    refused = []
    seqs = iter(range(1, 10**6))
    lock = threading.Lock()

    def saver(c, token):
        with app.app_context():
            while True:
                with lock:
                    seq = next(seqs)
                position, answer = random.choice(typed), f"jawaban {seq}"
                r = c.post(
                    f"/ujian/percobaan/{attempt_id}/jawab/{position}",
                    data={"csrf_token": token, "seq": seq, "answer": answer},
                    headers=HX,
                )
                if r.status_code == 409:
                    refused.append(seq)
                    return
                assert r.status_code == 200
                if int(NEXT_SEQ.search(r.get_data(as_text=True)).group(1)) == seq + 1:
                    with lock:
                        if acked.get(position, (0,))[0] < seq:
                            acked[position] = (seq, answer)

    threads = [
        threading.Thread(target=saver, args=ct) for ct in zip(clients[1:], tokens[1:], strict=True)
    ]
    for t in threads:
        t.start()
    wait_for(lambda: len(acked) == len(typed), "saves to every typed question")
    response = clients[0].post(
        f"/ujian/percobaan/{attempt_id}/kirim", data={"csrf_token": tokens[0], "confirm": "1"}
    )
    assert response.status_code == 302
    for t in threads:
        t.join(30)
    assert len(refused) == len(threads)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state is not AttemptState.IN_PROGRESS
    # Nothing was written after the submit read the answers, and nothing acknowledged is lost.
    assert attempt.receipt == services.receipt_of(attempt)
    answers = services.answers_by_position(attempt)
    for position, (seq, answer) in acked.items():
        assert answers[position].seq == seq and answers[position].value == {"text": answer}


# Over HTTP --------------------------------------------------------------------------------


def test_concurrent_saves_to_one_question_keep_the_highest_seq(app, new_client, exam, learner):
    clients = [new_client() for _ in range(6)]
    for c in clients:
        assert c.login(learner.nip).status_code == 302
    attempt_id = start(clients[0], exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")
    tokens = [c.csrf_token() for c in clients]
    sent = list(range(1, 61))
    random.shuffle(sent)
    shares = [sent[n :: len(clients)] for n in range(len(clients))]
    statuses = []

    def saver(c, token, seqs):
        with app.app_context():
            for seq in seqs:
                r = c.post(
                    f"/ujian/percobaan/{attempt_id}/jawab/{item.position}",
                    data={"csrf_token": token, "seq": seq, "answer": f"jawaban {seq}"},
                    headers=HX,
                )
                shown = int(NEXT_SEQ.search(r.get_data(as_text=True)).group(1)) - 1
                statuses.append((r.status_code, seq <= shown))

    threads = [
        threading.Thread(target=saver, args=args)
        for args in zip(clients, tokens, shares, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(statuses) == 60
    assert all(code == 200 and newer_or_ours for code, newer_or_ours in statuses)
    answer = stored(item)
    assert (answer.seq, answer.value) == (60, {"text": "jawaban 60"})


def test_saves_committed_in_the_request_when_group_commit_is_off(
    learner_client, exam, app, monkeypatch
):
    app.config["EXAM_SAVE_GROUP_COMMIT"] = False
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "short")
    assert save(learner_client, attempt_id, item.position, "baru", 5).status_code == 200
    stale = save(learner_client, attempt_id, item.position, "lama", 4)
    assert stale.status_code == 200 and "baru" in stale.get_data(as_text=True)
    assert (stored(item).seq, stored(item).value) == (5, {"text": "baru"})
    assert "exam_saves" not in app.extensions  # no group was formed
    late = attempt.deadline + timedelta(minutes=1)
    monkeypatch.setattr(views, "utcnow", lambda: late)
    assert save(learner_client, attempt_id, item.position, "telat", 6).status_code == 409


def test_a_save_not_committed_answers_503_and_is_not_acknowledged(
    learner_client, exam, monkeypatch
):
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")

    def fail(self, save, timeout=saves.WAIT_SECONDS):
        raise saves.NotCommitted("disk full")

    monkeypatch.setattr(saves.GroupCommit, "write", fail)
    response = save(learner_client, attempt_id, item.position, "hilang", 1)
    assert response.status_code == 503  # exam.js keeps the answer and sends it again
    assert "Tersimpan" not in response.get_data(as_text=True)
    plain = save(learner_client, attempt_id, item.position, "hilang", 1, headers={})
    assert plain.status_code == 503
    assert stored(item) is None


def test_a_submit_between_the_check_and_the_write_refuses_the_save(
    learner_client, exam, monkeypatch, app
):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "short")
    services.submit_attempt(attempt, now=utcnow())
    db.session.commit()
    # As if the submit landed after this request's check: the write itself must refuse.
    monkeypatch.setattr(services, "takes_saves", lambda *args, **kwargs: True)
    response = save(learner_client, attempt_id, item.position, "terlambat", 1)
    assert response.status_code == 409
    with app.test_request_context():
        assert str(services.REFUSED_SUBMITTED) in response.get_data(as_text=True)
    plain = save(learner_client, attempt_id, item.position, "terlambat", 2, headers={})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/hasil")
    assert stored(item) is None


def test_the_same_save_sent_again_is_acknowledged_and_changes_nothing(learner_client, exam):
    """A save whose answer never reached the phone is sent again by exam.js."""
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")
    assert save(learner_client, attempt_id, item.position, "sekali", 3).status_code == 200
    first = stored(item)
    again = save(learner_client, attempt_id, item.position, "sekali", 3)
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and 'class="msg error"' not in html
    assert 'name="seq" value="4"' in html
    assert (stored(item).seq, stored(item).saved_at) == (3, first.saved_at)
    other = save(learner_client, attempt_id, item.position, "lain", 3)  # same seq, not the same
    assert 'class="msg error"' in other.get_data(as_text=True)
    assert stored(item).value == {"text": "sekali"}


def test_a_seq_beyond_the_column_is_refused(learner_client, exam):
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")
    response = save(learner_client, attempt_id, item.position, "x", saves.MAX_SEQ + 1)
    assert response.status_code == 400
    assert save(learner_client, attempt_id, item.position, "x", saves.MAX_SEQ).status_code == 200


def test_the_postgres_statement_locks_the_attempt_row():
    """As an UPDATE of the row would; the waits above show the lock itself on PostgreSQL."""
    from sqlalchemy.dialects import postgresql

    sql = str(saves._write_statement("postgresql").compile(dialect=postgresql.dialect()))
    assert "FOR NO KEY UPDATE OF attempt" in sql


# What a save checks, and with how many statements -------------------------------------------


def statements_during(action):
    """The SQL statements the app's engine runs during action(), in order."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    return seen, result


def test_after_an_attempts_first_save_each_save_is_one_statement(learner_client, exam):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    short, numeric = item_of(attempt, "short"), item_of(attempt, "numeric")
    token = learner_client.csrf_token()

    def send(item, text, seq):
        url = f"/ujian/percobaan/{attempt_id}/jawab/{item}"
        data = {"csrf_token": token, "seq": str(seq), "answer": text}
        return statements_during(lambda: learner_client.post(url, data=data, headers=HX))

    first, response = send(short.position, "pertama", 1)
    assert response.status_code == 200 and first == ["SELECT", "INSERT"]  # its facts, the write
    again, response = send(short.position, "kedua", 2)
    assert response.status_code == 200 and again == ["INSERT"]  # the write checks the rest
    other, response = send(numeric.position, "20", 1)
    assert response.status_code == 200 and other == ["INSERT"]  # another question of it too
    assert stored(short).value == {"text": "kedua"} and stored(numeric).value == {"text": "20"}
    missing, response = send(99, "x", 1)
    assert response.status_code == 404 and "INSERT" not in missing  # (the error page reads)


@pytest.mark.parametrize("change", ["logged out everywhere", "deactivated"])
def test_a_save_after_the_login_ended_is_refused_and_not_written(
    learner_client, exam, learner, change
):
    attempt_id = start(learner_client, exam)
    item = item_of(db.session.get(Attempt, attempt_id), "short")
    assert save(learner_client, attempt_id, item.position, "sebelum", 1).status_code == 200
    if change == "deactivated":
        learner.active = False
    else:
        learner.session_version += 1  # what a logout everywhere or a password reset does
    db.session.commit()
    response = save(learner_client, attempt_id, item.position, "sesudah", 2)
    assert response.status_code == 401 and "/masuk" in response.headers["HX-Redirect"]
    assert "sebelum" not in response.get_data(as_text=True)  # shows nothing of the attempt
    assert (stored(item).seq, stored(item).value) == (1, {"text": "sebelum"})


def test_a_late_save_of_an_ended_login_is_refused_as_a_login_not_shown_the_answers(
    learner_client, exam, learner, monkeypatch
):
    attempt_id = start(learner_client, exam)
    attempt = db.session.get(Attempt, attempt_id)
    item = item_of(attempt, "short")
    assert save(learner_client, attempt_id, item.position, "rahasia", 1).status_code == 200
    learner.session_version += 1
    db.session.commit()
    late = attempt.deadline + timedelta(minutes=1)
    monkeypatch.setattr(views, "utcnow", lambda: late)
    response = save(learner_client, attempt_id, item.position, "telat", 2)
    assert response.status_code == 401 and "rahasia" not in response.get_data(as_text=True)
    assert stored(item).value == {"text": "rahasia"}
    assert db.session.get(Attempt, attempt_id).state is AttemptState.IN_PROGRESS  # untouched


def test_the_service_writes_no_answer_for_an_inactive_account(app, live, learner):
    item = item_of(live, "short")
    learner.active = False
    db.session.commit()
    with pytest.raises(services.SaveRefused, match="Akun ini tidak aktif"):
        services.save_answer(
            live, item.position, ["x"], seq=1, flagged=False, now=utcnow(), config=app.config
        )
    db.session.rollback()
    assert stored(item) is None


def test_a_batch_that_gets_no_connection_is_not_acknowledged(app, live, monkeypatch):
    item = item_of(live, "short")
    writer = saves.GroupCommit(db.engine)

    class NoDatabase:
        def connect(self):
            raise OSError("the database is unreachable")

    monkeypatch.setattr(writer, "_engine", NoDatabase())
    with pytest.raises(saves.NotCommitted):
        writer.write(a_save(live, item, "hilang", 1))
    assert stored(item) is None and not writer._writing  # the next save may lead
    monkeypatch.setattr(writer, "_engine", db.engine)
    assert writer.write(a_save(live, item, "ada", 2)).stored
