"""Fixtures: an app with its own database per test, clients that log in, and factories."""

import contextvars
import itertools
import os
import re
from contextlib import contextmanager
from functools import cache

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.auth.models import Role, Unit, User
from lms.auth.passwords import hash_password
from lms.core.clock import utcnow
from lms.extensions import db, limiter

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")
PASSWORD = "kopi-pisang-epe-losari"
_counter = itertools.count(1)


class Client(FlaskClient):
    """A test client that can send forms with the CSRF token a browser would have.

    Each request runs as in a real server: in its own application context (its own `g` and
    database session), not in the one the test holds open; afterwards the test's session
    forgets what it had loaded, so the test reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        html = self.get("/", follow_redirects=True).get_data(as_text=True)
        match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
        assert match, "the layout carries no CSRF token"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login(self, identifier: str, password: str = PASSWORD, **kwargs):
        return self.post_form("/masuk", {"identifier": identifier, "password": password}, **kwargs)


@contextmanager
def pg_database(name: str, template: str | None = None):
    """Create a PostgreSQL database (a copy of `template`, if given) and drop it afterwards."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_template():
    """With PostgreSQL, build the schema once in a template database; tests copy it."""
    if not PG_URL:
        yield None
        return
    with pg_database(f"lms_tmpl_{os.getpid()}") as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        yield make_url(url).database


@pytest.fixture
def database_url(tmp_path, _pg_template):
    """A fresh database for one test, with the schema."""
    if _pg_template is None:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    with pg_database(f"lms_t_{os.getpid()}_{next(_counter)}", template=_pg_template) as url:
        yield url


@pytest.fixture
def app_config(database_url, tmp_path):
    """The configuration of the test app; a test may change it before `app` is built."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Fast hashes; test_passwords_are_hashed_with_argon2id checks the real profile.
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
    }


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """Keep a developer's LMS_* settings and instance folder out of the tests."""
    for name in list(os.environ):
        if name.startswith("LMS_") and name != "LMS_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    limiter.reset()  # the in-memory counters outlive one app
    with app.app_context():
        if not PG_URL:
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> Client:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def new_client(app):
    """Another browser: a client with its own cookies."""
    app.test_client_class = Client
    return app.test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@cache
def _hash(password: str) -> str:
    return hash_password(password)  # with the CHEAPEST profile the app fixture set


@pytest.fixture
def make_unit(app):
    def make(name: str | None = None, code: str | None = None, parent: Unit | None = None, **kw):
        n = next(_counter)
        unit = Unit(name=name or f"Unit {n}", code=code, parent=parent, **kw)
        db.session.add(unit)
        db.session.commit()
        return unit

    return make


_nips = (f"19900101201503{1 + n % 2}{n % 999 + 1:03d}" for n in itertools.count(7))


@pytest.fixture
def make_user(app, make_unit):
    def make(
        name: str = "Siti Aminah",
        *,
        nip: str | None = None,
        email: str | None = None,
        roles=(Role.ASN,),
        unit: Unit | None = None,
        institution=None,
        password: str = PASSWORD,
        **kw,
    ) -> User:
        roles = {Role(r) for r in roles}
        if nip is None and email is None:
            nip = next(_nips)
        if unit is None and roles & {Role.ASN, Role.SUPERVISOR}:
            unit = make_unit()
        user = User(
            name=name,
            nip=nip,
            email=email,
            unit=unit,
            institution=institution,
            password_hash=_hash(password),
            created_at=utcnow(),
            **kw,
        )
        user.set_roles(roles)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("Admin BKPSDM", email="admin@test.id", roles=(Role.ADMIN,))


@pytest.fixture
def admin_client(client, admin_user) -> Client:
    response = client.login("admin@test.id")
    assert response.status_code == 302
    return client


@pytest.fixture
def make_institution(app):
    def make(name: str | None = None, **kw):
        from lms.partners.models import Institution, InstitutionType

        inst = Institution(
            name=name or f"Universitas {next(_counter)}",
            type=kw.pop("type", InstitutionType.UNIVERSITY),
            **kw,
        )
        db.session.add(inst)
        db.session.commit()
        return inst

    return make


@pytest.fixture
def make_template(app, admin_user):
    def make(body: str = "telah mengikuti {judul}.", **kw):
        from lms.certificates import services
        from lms.certificates.models import CertificateTemplate, Layout

        t = CertificateTemplate()
        data = {
            "name": kw.pop("name", "Templat Uji"),
            "layout": kw.pop("layout", Layout.CLASSIC),
            "title": kw.pop("title", "SERTIFIKAT"),
            "body": body,
            "place": "Makassar",
            "number_pattern": kw.pop("number_pattern", "800/{seq}/BKPSDM/{year}"),
        }
        signatories = kw.pop(
            "signatories",
            [services.SignatoryInput("Dr. H. Andi Zulkifli", "", "Kepala BKPSDM Kota Makassar")],
        )
        services.save_template(t, data, signatories, actor=admin_user, now=utcnow())
        for name, value in kw.items():
            setattr(t, name, value)
        db.session.commit()
        return t

    return make


@pytest.fixture
def make_certificate(app, make_user, make_course, make_template):
    """An issued certificate with its PDF: a person who completed a course (or `enrollment`)."""

    def make(user=None, *, template=None, enrollment=None, pdf: bool = True, **kw):
        from lms.certificates import issuing
        from tests.certificate_support import enroll

        now = utcnow()
        if enrollment is None:
            enrollment = enroll(user or make_user(), make_course(jp=kw.pop("jp", 10)))
        from lms.certificates.models import CertificateTemplate

        active = db.select(CertificateTemplate).where(CertificateTemplate.active.is_(True))
        template = template or db.session.scalar(active) or make_template()
        certificate = issuing.issue(enrollment, template, now=now, **kw)
        db.session.commit()
        return issuing.ensure_pdf(certificate) if pdf else certificate

    return make


@pytest.fixture
def make_course(app):
    """A course with modules and lessons: lessons=[("Modul 1", [("Title", "text"), ...]), ...]."""

    def make(
        title: str = "Pelayanan Publik Prima",
        *,
        institution=None,
        state: str = "published",
        jp: int = 10,
        competency_type: str = "teknis",
        mode: str = "elearning",
        lessons=(("Modul 1", (("Pengantar", "text"), ("Materi inti", "text"))),),
        **kw,
    ):
        from lms.courses.models import (
            CompetencyType,
            Course,
            CourseState,
            LearningMode,
            Lesson,
            LessonKind,
            Module,
        )

        n = next(_counter)
        now = utcnow()
        course = Course(
            slug=kw.pop("slug", f"kursus-{n}"),
            code=kw.pop("code", f"K-{n:04d}"),
            title=title,
            summary=kw.pop("summary", f"Ringkasan {title}"),
            competency_type=CompetencyType(competency_type),
            mode=LearningMode(mode),
            jp=jp,
            institution=institution,
            state=CourseState(state),
            created_at=now,
            updated_at=now,
            published_at=now if state == "published" else None,
            **kw,
        )
        for m, (module_title, module_lessons) in enumerate(lessons):
            module = Module(title=module_title, position=m)
            for i, (lesson_title, kind) in enumerate(module_lessons):
                module.lessons.append(
                    Lesson(
                        title=lesson_title,
                        kind=LessonKind(kind),
                        position=i,
                        body=f"Isi {lesson_title}",
                    )
                )
            course.modules.append(module)
        db.session.add(course)
        db.session.commit()
        return course

    return make
