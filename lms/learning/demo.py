"""Demo enrollments, loaded by `flask lms demo` after the demo courses.

Ahmad Fauzi has completed one course (credited to his JP ledger earlier this year), is part
way through another and has one assigned; Nurul Hidayah has an assignment that is overdue.
A person who already follows a course is left alone, so loading twice changes nothing.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.auth.models import Role, User, UserRole
from lms.core.clock import CITY_TZ, local_date
from lms.courses.models import Course, CourseState, LessonKind
from lms.extensions import db
from lms.learning import services
from lms.learning.completion import check_completion, required_lessons
from lms.learning.models import Enrollment, EnrollmentSource

AHMAD, NURUL = "199001012015031001", "199202022016032002"
SERVICE = "Pelayanan Publik Prima"
LEADERSHIP = "Kepemimpinan Pengawas"
MODERATION = "Moderasi Beragama dan Wawasan Kebangsaan"


def _course(title: str) -> Course | None:
    return db.session.scalar(
        select(Course).where(Course.title == title, Course.state == CourseState.PUBLISHED)
    )


def _person(nip: str) -> User | None:
    return db.session.scalar(select(User).where(User.nip == nip))


def _admin() -> User | None:
    return db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id)
    ).first()


def _new_enrollment(course: Course, user: User, at: datetime) -> Enrollment | None:
    """A self-chosen enrollment, or None when the person already follows the course."""
    if services.get_enrollment(course, user) is not None:
        return None
    enrollment = Enrollment(
        course_id=course.id, user_id=user.id, source=EnrollmentSource.SELF, enrolled_at=at
    )
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def _earlier_this_year(now: datetime) -> datetime:
    """About six weeks ago, but not before 2 January (so it counts in this year's ledger)."""
    start = datetime(local_date(now).year, 1, 2, 10, tzinfo=CITY_TZ).astimezone(UTC)
    return min(now, max(start, now - timedelta(days=45)))


def load(now: datetime) -> list[str]:
    """Create what is missing and return lines to print."""
    ahmad, nurul, admin = _person(AHMAD), _person(NURUL), _admin()
    out = []
    today = local_date(now)

    moderation = _course(MODERATION)
    if ahmad and moderation:
        finished = _earlier_this_year(now)
        enrollment = _new_enrollment(moderation, ahmad, finished - timedelta(days=10))
        if enrollment is not None:
            lessons = required_lessons(moderation)
            for i, lesson in enumerate(lessons):
                done_at = finished - timedelta(days=len(lessons) - 1 - i)
                services.mark_done(enrollment, lesson, now=done_at)
            enrollment.last_lesson_id = lessons[-1].id if lessons else None
            check_completion(enrollment, finished)
            out.append(f"  {ahmad.name}: {moderation.title} (completed)")

    service = _course(SERVICE)
    if ahmad and service:
        enrollment = _new_enrollment(service, ahmad, now - timedelta(days=6))
        if enrollment is not None:
            first = service.lessons[:2]
            for i, lesson in enumerate(first):
                how = "downloaded" if lesson.kind is LessonKind.FILE else "marked"
                services.mark_done(enrollment, lesson, now=now - timedelta(days=5 - i), how=how)
            enrollment.last_lesson_id = first[-1].id if first else None
            out.append(f"  {ahmad.name}: {service.title} (in progress)")

    assignments = [(ahmad, LEADERSHIP, 30, 1), (nurul, SERVICE, -7, 30)]
    for person, title, due_in_days, assigned_days_ago in assignments:
        course = _course(title)
        if not (person and course and admin) or services.get_enrollment(course, person):
            continue
        when = now - timedelta(days=assigned_days_ago)
        services.assign(
            course,
            [person],
            due_date=today + timedelta(days=due_in_days),
            actor=admin,
            now=when,
            target={"target": "people", "nips": 1},
        )
        state = "overdue" if due_in_days < 0 else "assigned"
        out.append(f"  {person.name}: {course.title} ({state})")
    return ["Demo learning:", *out] if out else []
