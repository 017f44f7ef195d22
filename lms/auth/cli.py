import click
from flask.cli import with_appcontext

from lms.auth.models import Role, User, find_by_login
from lms.auth.passwords import PasswordRejected, check_new_password, hash_password
from lms.core import audit
from lms.core.clock import utcnow
from lms.extensions import db


@click.command("create-admin")
@click.option("--email", prompt="E-mail", help="The administrator's e-mail address.")
@click.option("--name", prompt="Full name", help="The administrator's name.")
@with_appcontext
def create_admin_command(email: str, name: str) -> None:
    """Create a BKPSDM administrator (asks for the password; never echoes it)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="--email")
    if find_by_login(email) is not None:
        raise click.ClickException(f"{email} already has an account.")
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            check_new_password(password, context=(email, name))
            break
        except PasswordRejected as e:
            click.echo(str(e), err=True)
    now = utcnow()
    user = User(
        email=email, name=name.strip(), password_hash=hash_password(password), created_at=now
    )
    user.set_roles({Role.ADMIN})
    db.session.add(user)
    db.session.flush()
    audit.record_save("user", user, None, user.as_audit(), now=now)
    db.session.commit()
    click.echo(f"Administrator {email} created.")
