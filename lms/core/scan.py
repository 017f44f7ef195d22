"""An optional virus scan of uploaded files, before they are stored.

SCAN_COMMAND (LMS_SCAN_COMMAND), e.g. "clamdscan --no-summary --fdpass", is run with the path of a
private temporary copy of the file appended. Exit status 0 means clean and 1 infected, as ClamAV
and most scanners answer; any other status, a command that cannot be started or one that does not
answer within SCAN_TIMEOUT seconds refuses the file too (fail closed), and is logged. With no
command configured files are stored unscanned, and the pages that review uploads say so.
"""

import logging
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.core import uploads

log = logging.getLogger(__name__)

CLEAN, INFECTED = 0, 1


def configured() -> bool:
    """Whether uploads are scanned."""
    return bool(str(current_app.config.get("SCAN_COMMAND") or "").strip())


def scan(stream: IO[bytes], name: str = "") -> None:
    """Refuse the file (UploadRejected) unless the scanner calls it clean; the stream is rewound."""
    if not configured():
        return
    command = shlex.split(str(current_app.config["SCAN_COMMAND"]))
    timeout = float(current_app.config.get("SCAN_TIMEOUT") or 120)
    stream.seek(0)
    with tempfile.NamedTemporaryFile(prefix="lms-scan-") as copy:
        shutil.copyfileobj(stream, copy)
        copy.flush()
        stream.seek(0)
        try:
            status, output = _run([*command, copy.name], timeout)
        except subprocess.TimeoutExpired:
            log.error("virus scan of %r gave no answer within %ss", name, timeout)
            raise _unscanned() from None
        except OSError as e:
            log.error("virus scanner %r could not be run: %s", command[0], e)
            raise _unscanned() from None
    if status == CLEAN:
        return
    if status == INFECTED:
        log.warning("virus scanner refused %r: %s", name, output)
        raise uploads.UploadRejected(_l("The file was refused by the virus scanner."))
    log.error("virus scan of %r failed with status %s: %s", name, status, output)
    raise _unscanned()


def _run(args: list[str], timeout: float) -> tuple[int, str]:
    """Run the scanner; on timeout kill it with everything it started, so nothing lingers."""
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    ) as proc:
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return proc.returncode, output.decode(errors="replace").strip()[:500]


def _unscanned() -> uploads.UploadRejected:
    return uploads.UploadRejected(
        _l("The file could not be checked for viruses. Please try again in a few minutes.")
    )


def check(
    stream: IO[bytes],
    original_name: str | None,
    allowed: dict[str, str],
    max_bytes: int | None = None,
) -> uploads.CheckedUpload:
    """uploads.check, then the virus scan: what every upload path should call."""
    checked = uploads.check(stream, original_name, allowed, max_bytes)
    scan(checked.stream, checked.original_name)
    return checked


def checked_field(field, allowed: dict, max_bytes: int) -> uploads.CheckedUpload | None:
    """The file sent in a form's file `field`, checked and scanned; None when none was sent or
    it was refused (the reason is then among the field's errors)."""
    sent = field.data
    if not sent or not getattr(sent, "filename", ""):
        return None
    try:
        return check(sent.stream, sent.filename, allowed, max_bytes)
    except uploads.UploadRejected as e:
        field.errors = [*field.errors, str(e)]
        return None
