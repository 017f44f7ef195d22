"""A throwaway app with its own SQLite database and the demo data, for benchmarks."""

import os
import tempfile

from lms import create_app
from lms.extensions import db


def demo_app():
    """Return (app, client factory) on a fresh database holding the demo data."""
    folder = tempfile.mkdtemp(prefix="bina-bench-")
    os.environ["LMS_INSTANCE_PATH"] = folder
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["lms", "demo"])  # every feature's demo data
    assert result.exit_code == 0, result.output
    return app


def login(client, identifier: str) -> None:
    response = client.post("/masuk", data={"identifier": identifier, "password": "demo-bina-2026"})
    assert response.status_code == 302, identifier
