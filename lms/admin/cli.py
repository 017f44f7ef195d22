import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.admin import importing
from lms.core.clock import utcnow
from lms.extensions import db


@click.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--passwords",
    "passwords_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the new one-time passwords (CSV, mode 0600).",
)
@with_appcontext
def import_people_command(file: Path, passwords_out: Path | None) -> None:
    """Import people from a CSV or XLSX personnel export (matched by NIP)."""
    with file.open("rb") as f:
        report = importing.import_people(f, file.name, actor=None, now=utcnow())
    if report.fatal:
        raise click.ClickException(report.fatal)
    for line, nip, reason in report.errors:
        click.echo(f"line {line}: {nip or '-'}: {reason}", err=True)
    target = None
    if report.batch_token:
        batch = importing.batch_by_token(report.batch_token)
        credentials = importing.take_credentials(batch, actor=None, now=utcnow())
        target = passwords_out or Path(f"kata-sandi-impor-{batch.id}.csv")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # the mode above applies only to a file that did not exist
        with os.fdopen(fd, "w", newline="") as out:
            out.write(credentials)
    db.session.commit()
    click.echo(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} invalid."
    )
    if target is not None:
        click.echo(f"One-time passwords written to {target}.")
