"""Checking an uploaded file by its content, not its name, before it is stored."""

from dataclasses import dataclass
from typing import IO

import filetype
from flask_babel import lazy_gettext as _l

#: What a lesson file may be: MIME type -> extension used in downloads.
LESSON_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "video/mp4": "mp4",
    "image/png": "png",
    "image/jpeg": "jpg",
}
#: Evidence of training done elsewhere: a scan or a PDF.
EVIDENCE_TYPES = {k: v for k, v in LESSON_TYPES.items() if v in ("pdf", "png", "jpg")}
#: Enough of the head of a file for every signature filetype knows, Office ZIPs included.
HEAD = 8192


class UploadRejected(ValueError):
    """A file that may not be stored; the message says why."""


@dataclass(frozen=True)
class CheckedUpload:
    stream: IO[bytes]
    content_type: str
    extension: str
    original_name: str


def clean_name(name: str | None) -> str:
    """An original file name fit to keep and show: no folders, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(". ")
    return name[:200] or "berkas"


def check(stream: IO[bytes], original_name: str | None, allowed: dict[str, str]) -> CheckedUpload:
    """Identify the file by its first bytes; refuse a type not in `allowed`."""
    name = original_name or ""
    if "\x00" in name:
        raise UploadRejected(_l("The file name is not valid."))
    head = stream.read(HEAD)
    stream.seek(0)
    if not head:
        raise UploadRejected(_l("The file is empty."))
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise UploadRejected(
            _l(
                "This kind of file is not accepted. Allowed: %(types)s.",
                types=", ".join(sorted({e.upper() for e in allowed.values()})),
            )
        )
    return CheckedUpload(stream, kind.mime, allowed[kind.mime], clean_name(name))
