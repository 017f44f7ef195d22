"""`flask lms sweep-attempts`: finalise abandoned attempts (run it from cron every minute)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.core.clock import utcnow
from lms.exams import services
from lms.extensions import db


@click.command("sweep-attempts")
@with_appcontext
def sweep_attempts_command() -> None:
    """Finalise every attempt still in progress past its deadline plus the grace."""
    done = services.sweep(utcnow(), current_app.config)
    db.session.commit()
    click.echo(f"Finalised {done} attempt(s).")
