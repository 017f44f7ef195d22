from flask import Blueprint

from lms.records import models  # noqa: F401

bp = Blueprint("records", __name__)
