"""Pages of classes under /kelas."""

from flask import Blueprint

from lms.classes import models  # noqa: F401  (the tables exist before any page does)

bp = Blueprint("classes", __name__, url_prefix="/kelas")


# Sessions, attendance, check-in and evaluation register their routes on this blueprint.
from lms.classes import evaluation_views, session_views  # noqa: E402, F401
