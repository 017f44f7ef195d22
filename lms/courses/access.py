"""Who may see and who may change a course; one helper per question, used by every route."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.courses.models import Course, CourseState
from lms.extensions import db

#: The roles that author courses, their question banks and exams.
AUTHORS = (Role.ADMIN, Role.PARTNER)


def can_edit(user: User, course: Course) -> bool:
    """Admins edit any course (BKPSDM's, and partners' in review); partners only their own."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.ADMIN):
        return True
    return (
        user.has_role(Role.PARTNER)
        and course.institution_id is not None
        and course.institution_id == user.institution_id
    )


def can_see(user: User, course: Course) -> bool:
    """Published courses are public; others only to those who may edit them."""
    return course.state is CourseState.PUBLISHED or can_edit(user, course)


def _by_slug(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    return course


def get_visible_course_or_404(slug: str, user=None) -> Course:
    """The course if the person may see it; 404 otherwise (a draft's existence is not told)."""
    course = _by_slug(slug)
    if not can_see(user or current_user, course):
        abort(404)
    return course


def get_course_for_edit_or_404(slug: str, user=None) -> Course:
    """The course if the person may change it: 404 if they cannot even see it, else 403."""
    user = user or current_user
    course = _by_slug(slug)
    if not can_edit(user, course):
        abort(404 if not can_see(user, course) else 403)
    return course
