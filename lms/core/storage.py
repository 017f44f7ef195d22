"""Where uploaded files live: local disk under the instance folder by default.

The interface is small on purpose (save, open, size, delete) so that an S3-compatible store can
stand in without changing callers. Keys are random; original names stay in the database.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from flask import Flask, current_app

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class Storage(Protocol):
    def save(self, stream: IO[bytes]) -> StoredFile: ...
    def open(self, key: str) -> IO[bytes]: ...
    def path(self, key: str) -> Path | None: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under one folder, named by random keys, two levels of sub-folders."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("not a storage key")  # never a path from outside
        return self.root / key[:2] / key[2:4] / key

    def save(self, stream: IO[bytes]) -> StoredFile:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        tmp = path.with_suffix(".part")
        with tmp.open("wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    def path(self, key: str) -> Path | None:
        return self._path(key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """The storage of the current app."""
    return current_app.extensions["lms_storage"]


def init_app(app: Flask) -> None:
    root = app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
    app.extensions["lms_storage"] = LocalStorage(root)
