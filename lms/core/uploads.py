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
#: A picture in a question: what every phone's browser shows (no SVG: it may carry script).
IMAGE_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
}
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


def size_text(size: int) -> str:
    """A size limit as people read it: 512 KB, 5 MB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(1, size // 1024)} KB"


def check(
    stream: IO[bytes],
    original_name: str | None,
    allowed: dict[str, str],
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Identify the file by its first bytes; refuse a type not in `allowed` or above `max_bytes`."""
    name = original_name or ""
    if "\x00" in name:
        raise UploadRejected(_l("The file name is not valid."))
    head = stream.read(HEAD)
    stream.seek(0)
    if not head:
        raise UploadRejected(_l("The file is empty."))
    if max_bytes is not None:
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        if size > max_bytes:
            raise UploadRejected(
                _l("The file is larger than %(limit)s.", limit=size_text(max_bytes))
            )
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise UploadRejected(
            _l(
                "This kind of file is not accepted. Allowed: %(types)s.",
                types=", ".join(sorted({e.upper() for e in allowed.values()})),
            )
        )
    return CheckedUpload(stream, kind.mime, allowed[kind.mime], clean_name(name))
