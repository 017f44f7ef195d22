"""The flask lms commands: demo data, create-admin; and the configuration they rely on."""

from sqlalchemy import func, select

from lms import create_app
from lms.auth.models import Role, Unit, User
from lms.extensions import db


def test_demo_loads_once_and_prints_the_accounts(runner):
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    for login in (
        "admin@bina.demo",
        "supervisor@bina.demo",
        "199001012015031001",
        "199202022016032002",
        "mitra@kampus.demo",
    ):
        assert login in first.output
    people = db.session.scalar(select(func.count(User.id)))
    units = db.session.scalar(select(func.count(Unit.id)))
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == people == 5
    assert db.session.scalar(select(func.count(Unit.id))) == units


def test_demo_accounts_log_in_with_the_demo_password(runner, client):
    runner.invoke(args=["lms", "demo"])
    for login in ("admin@bina.demo", "199202022016032002", "mitra@kampus.demo"):
        response = client.login(login, "demo-bina-2026")
        assert response.status_code == 302, login
        client.post_form("/keluar")


def test_demo_if_empty_leaves_a_database_with_people_alone(runner, make_user):
    make_user(nip="199001012015031001")
    result = runner.invoke(args=["lms", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_admin_asks_for_the_password_without_echo(runner, client):
    result = runner.invoke(
        args=["lms", "create-admin", "--email", "Kepala@BKPSDM.id", "--name", "Kepala BKPSDM"],
        input="pendek\npendek\nbaruga sipakatau 2026\nbaruga sipakatau 2026\n",
    )
    assert result.exit_code == 0, result.output
    assert "baruga sipakatau" not in result.output
    assert "12" in result.output  # the too-short password was refused with the rule
    user = db.session.scalar(select(User).where(User.email == "kepala@bkpsdm.id"))
    assert user.roles == {Role.ADMIN}
    assert client.login("kepala@bkpsdm.id", "baruga sipakatau 2026").status_code == 302


def test_create_admin_refuses_an_existing_email(runner, make_user):
    make_user(email="ada@test.id", roles=(Role.ADMIN,))
    result = runner.invoke(args=["lms", "create-admin", "--email", "ada@test.id", "--name", "X"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    key_file = tmp_path / "secret_key"
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    first = create_app(config)
    second = create_app(config)
    assert first.secret_key == second.secret_key == key_file.read_text()
    assert len(first.secret_key) >= 40
    assert key_file.stat().st_mode & 0o077 == 0


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:5432/bina")
    monkeypatch.setenv("LMS_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1:5432/bina"
    assert app.secret_key == "from-env"
    with app.app_context():
        assert db.engine.url.get_backend_name() == "postgresql"
        db.engine.dispose()
