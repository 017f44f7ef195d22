"""Pictures in questions: to a bank's authors, and to a learner for a question of their attempt.

An attempt shows the picture its snapshot names, so a picture replaced in the bank later does not
change a running or finished attempt.
"""

from flask import abort, send_file
from flask_login import current_user, login_required

from lms.auth.access import role_required
from lms.core.storage import storage
from lms.core.uploads import IMAGE_TYPES
from lms.courses.access import AUTHORS, can_edit, get_course_for_edit_or_404
from lms.exams import services
from lms.exams.bank_views import get_question_or_404
from lms.exams.models import Attempt
from lms.exams.views import bp
from lms.extensions import db

#: A stored picture never changes under its key, so the browser may keep it, but only for the
#: person who fetched it (a shared cache must not hand out an exam's pictures).
CACHE = "private, max-age=86400"


def send_image(key: str, content_type: str):
    """Send a stored picture shown inline, typed as it was checked at upload."""
    if not key or content_type not in IMAGE_TYPES:
        abort(404)
    try:
        path = storage().path(key)
        source = path if path is not None and path.is_file() else storage().open(key)
    except (OSError, ValueError):
        abort(404)
    response = send_file(source, mimetype=content_type, etag=key, conditional=True, max_age=0)
    response.headers["Cache-Control"] = CACHE
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/ujian/bank/<slug>/soal/<int:question_id>/gambar")
@role_required(*AUTHORS)
def question_image(slug: str, question_id: int):
    course = get_course_for_edit_or_404(slug)
    question = get_question_or_404(course, question_id)
    return send_image(question.image_key, question.image_type)


@bp.get("/ujian/percobaan/<int:attempt_id>/gambar/<int:position>")
@login_required
def attempt_image(attempt_id: int, position: int):
    """The picture of one question as the attempt froze it: for its learner and the exam's
    editors (who grade it); anyone else is not told the attempt exists."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not (
        attempt.user_id == current_user.id or can_edit(current_user, attempt.exam.course)
    ):
        abort(404)
    item = services.question_at(attempt, position)
    if item is None:
        abort(404)
    return send_image(item.snapshot.get("image_key", ""), item.snapshot.get("image_type", ""))
