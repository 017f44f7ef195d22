"""Pages of classes under /kelas."""

from flask import Blueprint

from lms.classes import models  # noqa: F401  (the tables exist before any page does)

bp = Blueprint("classes", __name__, url_prefix="/kelas")
