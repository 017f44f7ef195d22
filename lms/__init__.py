"""Bina ASN: the application factory."""

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import extensions as ext


def create_app(test_config: dict | None = None) -> Flask:
    """Create and wire the application; no I/O beyond the instance folder."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object("lms.config.Defaults")
    app.config.from_prefixed_env("LMS")
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _finish_config(app)

    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from lms.core import assets, errors, i18n, jobs, markdown, security, storage
    from lms.core import db as core_db

    ext.db.init_app(app)
    core_db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(Path(app.root_path).parent / "migrations"))
    ext.csrf.init_app(app)
    ext.htmx.init_app(app)
    ext.compress.init_app(app)
    ext.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    markdown.init_app(app)
    storage.init_app(app)
    jobs.init_app(app)

    from lms import admin, auth, certificates, classes, partners
    from lms.core import views as core_views
    from lms.courses import views as courses_views
    from lms.exams import tasks as _exam_tasks  # noqa: F401  (jobs known to every process)
    from lms.exams import views as exams_views
    from lms.learning import views as learning_views
    from lms.records import views as records_views

    auth.init_app(app)
    app.register_blueprint(core_views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(partners.bp)
    app.register_blueprint(courses_views.bp)
    app.register_blueprint(learning_views.bp)
    app.register_blueprint(records_views.bp)
    app.register_blueprint(exams_views.bp)
    app.register_blueprint(classes.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(certificates.public_bp)

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app


def _finish_config(app: Flask) -> None:
    """Derive settings that depend on the instance folder or on other settings."""
    cfg = app.config
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"] or (
            "sqlite:///" + str(Path(app.instance_path) / "lms.sqlite3")
        )
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg["REDIS_URL"] or "memory://")
    # A server's connections can drop (a restart, a network cut): test each before use. A
    # SQLite file cannot, and the test would be one more statement in every request.
    options = cfg["SQLALCHEMY_ENGINE_OPTIONS"] = dict(cfg["SQLALCHEMY_ENGINE_OPTIONS"])
    if not cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("pool_pre_ping", True)


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first run."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
