from flask import Blueprint, abort

from lms.learning import models  # noqa: F401

bp = Blueprint("learning", __name__)


# Placeholders so other features can link here; replaced by the real views.
@bp.get("/kursus/<slug>/pelajaran/<int:lesson_id>")
def lesson(slug: str, lesson_id: int):
    abort(404)


@bp.get("/berkas/<int:file_id>")
def download(file_id: int):
    abort(404)


@bp.post("/kursus/<slug>/daftar")
def enroll(slug: str):
    abort(404)


@bp.get("/pembelajaran")
def my_learning():
    abort(404)
