"""The `flask lms ...` command group; each feature adds its commands here."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.admin.cli import import_people_command
from lms.auth.cli import create_admin_command
from lms.core.clock import utcnow
from lms.core.jobs import worker_command
from lms.exams.cli import sweep_attempts_command
from lms.extensions import db

lms_cli = AppGroup("lms", help="Bina ASN commands.")
lms_cli.add_command(create_admin_command)
lms_cli.add_command(import_people_command)
lms_cli.add_command(worker_command)
lms_cli.add_command(sweep_attempts_command)

#: Each feature's demo loader, in dependency order: load(now) -> list of lines to print.
DEMO_LOADERS = (
    "lms.auth.demo",
    "lms.courses.demo",
    "lms.partners.demo",
    "lms.learning.demo",
    "lms.records.demo",
    "lms.exams.demo",
    "lms.classes.demo",
    "lms.certificates.demo",
)


@lms_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when anyone has an account already.")
def demo_command(if_empty: bool) -> None:
    """Load the demo data (idempotent) and print what was made."""
    from importlib import import_module

    from lms.auth.models import User

    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Database not empty; demo data not loaded.")
        return
    now = utcnow()
    for name in DEMO_LOADERS:
        for line in import_module(name).load(now):
            click.echo(line)
    db.session.commit()
