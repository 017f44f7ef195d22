"""Builders for the certificate tests: an enrollment, completed or not, straight in the
database (how courses are completed is tested with the courses)."""

from lms.core.clock import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource


def enroll(user, course, *, completed: bool = True) -> Enrollment:
    now = utcnow()
    enrollment = Enrollment(
        course_id=course.id,
        user_id=user.id,
        source=EnrollmentSource.SELF,
        enrolled_at=now,
        completed_at=now if completed else None,
    )
    db.session.add(enrollment)
    db.session.commit()
    return enrollment
