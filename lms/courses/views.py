from flask import Blueprint

from lms.courses import models  # noqa: F401

bp = Blueprint("courses", __name__)
