"""Static files under content-hashed URLs, cached for a year."""

import hashlib
from pathlib import Path

from flask import Flask, request

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Add ?v=<hash of the file> to every url_for('static') and cache those responses long."""
    static = Path(app.static_folder)
    hashes: dict[str, str] = {}

    def digest(filename: str) -> str:
        if filename not in hashes:
            try:
                data = (static / filename).read_bytes()
            except OSError:
                return ""
            hashes[filename] = hashlib.sha256(data).hexdigest()[:12]
        return hashes[filename]

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = digest(values["filename"])

    @app.after_request
    def _close_files(response):
        # Flask-Compress reads a file response whole and replaces its body without closing the
        # file; close it with the response. (Registered after Compress, so it runs before it.)
        if response.is_streamed and hasattr(response.response, "close"):
            response.call_on_close(response.response.close)
        return response

    @app.after_request
    def _immutable(response):
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and request.args.get("v") == digest(request.view_args.get("filename", ""))
        ):
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response
