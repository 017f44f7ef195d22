"""Examinees over real HTTP, shared by bench/exam_load.py and tests/test_exam_durability.py.

- `prepare`: migrate a database and put one open exam and N enrolled examinees in it;
- `Server`: the app under gunicorn (lms/core/gunicorn_conf.py) on a free loopback port;
- `Connection`: a small keep-alive HTTP/1.1 client, light enough not to starve the server;
- `Examinee`: logs in, starts an attempt and saves answers as static/exam.js does through htmx,
  keeping the latest save the server acknowledged for each question;
- `lost_saves`: every acknowledged save that the database does not hold.
"""

import gzip
import html
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import brotli
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "ujian-serentak-losari"
HOST = "127.0.0.1"
#: What a phone's browser sends with every request; the server compresses accordingly.
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14) bina-asn-load",
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "id-ID,id;q=0.9",
}


# The database --------------------------------------------------------------------------------


def migrate(database_url: str, instance: Path) -> None:
    """Build the schema with the migrations, as `make db` does."""
    env = _server_env(database_url, instance)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@dataclass(frozen=True)
class Setup:
    exam_id: int
    logins: list[str]


def prepare(database_url: str, instance: Path, *, examinees: int, questions: int) -> Setup:
    """Migrate, then add an open exam of `questions` questions and `examinees` enrolled ASN.

    Every fifth question asks for a typed answer, the others are single choice of four. People
    are inserted in bulk with one cheap password hash (as the tests' CHEAPEST profile).
    """
    migrate(database_url, instance)
    from lms import create_app
    from lms.auth.models import Role, Unit, User, UserRole
    from lms.auth.passwords import hash_password
    from lms.core.clock import utcnow
    from lms.courses.models import CompetencyType, Course, CourseState, LearningMode
    from lms.exams.models import (
        Exam,
        ExamDraw,
        Question,
        QuestionCategory,
        QuestionOption,
        QuestionType,
        ShowAnswers,
    )
    from lms.extensions import db
    from lms.learning.models import Enrollment, EnrollmentSource

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "prepare",
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
        }
    )
    now = utcnow()
    with app.app_context():
        unit = Unit(name="Unit Ujian Serentak")
        course = Course(
            slug="ujian-serentak",
            code="SERENTAK-01",
            title="Ujian Serentak",
            competency_type=CompetencyType.TECHNICAL,
            mode=LearningMode.ELEARNING,
            jp=2,
            state=CourseState.PUBLISHED,
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        db.session.add_all([unit, course])
        db.session.flush()
        category = QuestionCategory(course_id=course.id, name="Umum")
        db.session.add(category)
        db.session.flush()
        for n in range(1, questions + 1):
            typed = n % 5 == 0
            q = Question(
                course_id=course.id,
                category_id=category.id,
                type=QuestionType.SHORT if typed else QuestionType.SINGLE,
                title=f"Soal {n}",
                text=f"Soal nomor {n}?",
                created_at=now,
                updated_at=now,
            )
            answers = [("jawaban", 1)] if typed else [(f"Pilihan {k}", k == 0) for k in range(4)]
            for k, (option, right) in enumerate(answers):
                q.options.append(QuestionOption(position=k, text=option, fraction=int(right)))
            db.session.add(q)
        exam = Exam(
            course_id=course.id,
            title="Ujian Serentak",
            duration_minutes=180,
            attempts_allowed=1,
            shuffle_questions=True,
            shuffle_options=True,
            one_per_page=False,
            show_answers=ShowAnswers.AFTER_CLOSE,
            access_code="",
            published=True,
            instructions="",
            created_at=now,
            updated_at=now,
        )
        exam.draws.append(ExamDraw(category_id=category.id, count=questions))
        db.session.add(exam)
        db.session.flush()
        password_hash = hash_password(PASSWORD)
        logins = [nip_of(n) for n in range(examinees)]
        db.session.execute(
            insert(User),
            [
                {
                    "nip": nip,
                    "name": f"Peserta {n}",
                    "position": "",
                    "rank": "",
                    "unit_id": unit.id,
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "active": True,
                    "session_version": 1,
                    "created_at": now,
                }
                for n, nip in enumerate(logins)
            ],
        )
        ids = db.session.scalars(select(User.id).where(User.nip.in_(logins))).all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.ASN} for i in ids])
        db.session.execute(
            insert(Enrollment),
            [
                {
                    "course_id": course.id,
                    "user_id": i,
                    "source": EnrollmentSource.SELF,
                    "enrolled_at": now,
                }
                for i in ids
            ],
        )
        exam_id = exam.id
        db.session.commit()
        db.session.remove()  # gives the connection back, so that dispose() closes it
        db.engine.dispose()
    return Setup(exam_id=exam_id, logins=logins)


def nip_of(n: int) -> str:
    """The n-th examinee's NIP: born 1990-01-01, appointed 2015, a valid gender and sequence."""
    return f"19900101{2015}{1 + n // 1998:02d}{1 + n // 999 % 2}{n % 999 + 1:03d}"


def scratch_postgres(admin_url: str, name: str) -> str:
    """Create an empty PostgreSQL database `name` beside `admin_url`'s; return its URL."""
    url = make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    url = make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# The server ----------------------------------------------------------------------------------


def _server_env(database_url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_INSTANCE_PATH=str(instance),
        LMS_DATABASE_URL=database_url,
        # Set here, so that workers booting at once do not race to create instance/secret_key.
        LMS_SECRET_KEY="load-" + os.urandom(16).hex(),
        LMS_PASSWORD_HASH_PROFILE="CHEAPEST",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """The app under gunicorn with the project's settings, on a free loopback port."""

    def __init__(self, database_url: str, instance: Path, *, workers: int, threads: int):
        self.port = free_port()
        self.log_path = instance / "gunicorn.log"
        env = _server_env(database_url, instance)
        env.update(
            LMS_BIND=f"{HOST}:{self.port}", LMS_WORKERS=str(workers), LMS_THREADS=str(threads)
        )
        self.workers = workers
        self._log = open(self.log_path, "ab")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:lms.core.gunicorn_conf", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until every worker is up and the server answers."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            if len(self.worker_pids()) >= self.workers:
                conn = Connection(self.port)
                try:
                    if conn.request("GET", "/sehat").status == 200:
                        return
                except OSError:
                    pass
                finally:
                    conn.close()
            time.sleep(0.1)
        raise TimeoutError(f"gunicorn did not answer; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The live worker processes (children of the master)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == self.process.pid and state != "Z":
                pids.append(int(entry))
        return pids

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its live workers."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# HTTP ----------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class Connection:
    """One keep-alive HTTP/1.1 connection to the server; reconnects after a failure.

    Any failure (refused, reset, closed mid-response) closes the connection and raises OSError:
    the caller decides whether to try again, as a browser's user would.
    """

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self._sock: socket.socket | None = None
        self._file = None

    def close(self) -> None:
        if self._sock is not None:
            self._file.close()
            self._sock.close()
        self._sock = self._file = None

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes = b""):
        try:
            return self._request(method, path, headers or {}, body)
        except BaseException:
            self.close()
            raise

    def _request(self, method: str, path: str, headers: dict, body: bytes) -> Response:
        if self._sock is None:
            self._sock = socket.create_connection((HOST, self.port), timeout=self.timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._file = self._sock.makefile("rb")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        f = self._file
        status_line = f.readline()
        if not status_line:
            raise ConnectionResetError("connection closed before a response")
        status = int(status_line.split(None, 2)[1])
        response_headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        while True:
            line = f.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ConnectionResetError("connection closed in the headers")
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                cookie, _, cookie_value = pair.partition("=")
                cookies[cookie.strip()] = cookie_value.strip()
            response_headers[name] = value
        if response_headers.get("transfer-encoding", "").lower() == "chunked":
            data = bytearray()
            while size := int(f.readline().split(b";")[0], 16):
                data += f.read(size)
                f.readline()
            while f.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
        else:
            length = int(response_headers.get("content-length", 0))
            data = f.read(length)
            if len(data) != length:
                raise ConnectionResetError("connection closed in the body")
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        encoding = response_headers.get("content-encoding", "")
        if encoding == "br":
            data = brotli.decompress(bytes(data))
        elif encoding == "gzip":
            data = gzip.decompress(bytes(data))
        return Response(status, response_headers, cookies, bytes(data))


# Examinees -----------------------------------------------------------------------------------

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM = re.compile(r'<form id="q-(\d+)".*?</form>', re.S)
CHOICE = re.compile(r'<input type="radio" name="answer" value="(\d+)"( checked)?>')
TYPED = re.compile(r'<input id="answer-\d+" name="answer"[^>]*? value="([^"]*)">')
NEXT_SEQ = re.compile(r'name="seq" value="(\d+)"')
REMAINING = re.compile(r'id="timer" data-remaining="(\d+)"')


@dataclass
class Examinee:
    """One learner's browser: cookies, the attempt page's form state, and the saves made."""

    login: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    attempt_id: int = 0
    #: position -> the option ids offered (empty for a typed answer).
    options: dict[int, list[str]] = field(default_factory=dict)
    #: position -> the seq the page's form holds (what the server said comes next).
    form_seq: dict[int, int] = field(default_factory=dict)
    #: position -> the last seq exam.js sent.
    sent_seq: dict[int, int] = field(default_factory=dict)
    #: position -> (seq, value) of the latest save the server acknowledged.
    acked: dict[int, tuple[int, dict]] = field(default_factory=dict)

    def request(self, conn: Connection, method: str, path: str, form=None, headers=None):
        h = dict(BROWSER_HEADERS)
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        response = conn.request(method, path, h, body)
        self.cookies.update(response.cookies)
        return response

    def _token(self, page: Response) -> str:
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on the page ({page.status})"
        return match.group(1)

    def log_in(self, conn: Connection) -> None:
        token = self._token(self.request(conn, "GET", "/masuk"))
        form = {"csrf_token": token, "identifier": self.login, "password": PASSWORD, "next": ""}
        response = self.request(conn, "POST", "/masuk", form)
        assert response.status == 302, f"login of {self.login}: {response.status}"

    def start(self, conn: Connection, exam_id: int) -> None:
        """Press "start" on the exam page and open the attempt it leads to."""
        token = self._token(self.request(conn, "GET", f"/ujian/{exam_id}"))
        form = {"csrf_token": token, "access_code": ""}
        response = self.request(conn, "POST", f"/ujian/{exam_id}/mulai", form)
        match = re.search(r"/ujian/percobaan/(\d+)$", response.headers.get("location", ""))
        assert response.status == 302 and match, f"start of {self.login}: {response.status}"
        self.attempt_id = int(match.group(1))
        self.open_attempt(conn)

    def open_attempt(self, conn: Connection) -> Response:
        """Load the attempt page (as on a resume) and take its forms' state."""
        page = self.request(conn, "GET", self.attempt_path)
        assert page.status == 200, f"attempt page of {self.login}: {page.status}"
        self.csrf = self._token(page)
        for match in FORM.finditer(page.text):
            position, form = int(match.group(1)), match.group(0)
            self.options[position] = [m.group(1) for m in CHOICE.finditer(form)]
            self.form_seq[position] = int(NEXT_SEQ.search(form).group(1))
        return page

    @property
    def attempt_path(self) -> str:
        return f"/ujian/percobaan/{self.attempt_id}"

    def save(self, conn: Connection, rng: random.Random) -> bool:
        """Change the answer to a random question; True if the server acknowledged the save.

        The request is the one htmx makes for exam.js: the form's fields in page order, the
        seq raised above the last one sent, htmx's headers and the layout's CSRF header.
        """
        position = rng.choice(list(self.options))
        seq = max(self.form_seq[position], self.sent_seq.get(position, 0) + 1)
        self.sent_seq[position] = seq
        choices = self.options[position]
        if choices:
            answer, value = (choice := rng.choice(choices)), {"options": [int(choice)]}
        else:
            answer = f"jawaban {self.login[-4:]} {seq}"
            value = {"text": answer}
        form = [("csrf_token", self.csrf), ("answer", answer), ("seq", seq)]
        headers = {
            "HX-Request": "true",
            "HX-Trigger": f"q-{position}",
            "HX-Target": f"save-{position}",
            "HX-Current-URL": f"http://{HOST}:{self.port}{self.attempt_path}",
            "X-CSRFToken": self.csrf,
            "Origin": f"http://{HOST}:{self.port}",
        }
        path = f"{self.attempt_path}/jawab/{position}"
        response = self.request(conn, "POST", path, form, headers)
        if response.status != 200:
            return False
        match = NEXT_SEQ.search(response.text)
        self.form_seq[position] = int(match.group(1))
        # The fragment carries the stored answer's seq + 1: equal to ours + 1 means ours is in.
        if self.form_seq[position] != seq + 1 or 'class="msg error"' in response.text:
            return False
        self.acked[position] = (seq, value)
        return True


def page_answers(page_html: str) -> dict[int, dict]:
    """The answers an attempt page shows, by position, in the form they are stored."""
    shown = {}
    for match in FORM.finditer(page_html):
        position, form = int(match.group(1)), match.group(0)
        choices = CHOICE.findall(form)
        if choices:
            shown[position] = {"options": [int(v) for v, checked in choices if checked]}
        else:
            shown[position] = {"text": html.unescape(TYPED.search(form).group(1))}
    return shown


def remaining_on(page_html: str) -> int:
    return int(REMAINING.search(page_html).group(1))


def stored_answers(database_url: str) -> dict[tuple[int, int], tuple[int, dict]]:
    """(attempt id, position) -> (seq, value) of every answer in the database."""
    from lms.exams.models import Answer, AttemptQuestion

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                AttemptQuestion.attempt_id, AttemptQuestion.position, Answer.seq, Answer.value
            ).join(Answer, Answer.attempt_question_id == AttemptQuestion.id)
        ).all()
    engine.dispose()
    return {(a, p): (seq, value) for a, p, seq, value in rows}


def lost_saves(database_url: str, examinees: list[Examinee]) -> list[str]:
    """Each acknowledged save the database lacks: no answer, an older seq, or another value.

    A newer seq than the acknowledged one is fine (a save whose answer never arrived, because
    its connection broke after the commit); the same seq must hold the same value.
    """
    stored = stored_answers(database_url)
    lost = []
    for e in examinees:
        for position, (seq, value) in e.acked.items():
            have = stored.get((e.attempt_id, position))
            if have is None or have[0] < seq or (have[0] == seq and have[1] != value):
                lost.append(f"attempt {e.attempt_id} q{position}: acked {seq} {value}, db {have}")
    return lost
