"""Completing a class: attendance over all its sessions at the threshold, with the course's exam;
the class's JP credited once, as a class."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.classes import attendance
from lms.classes.completion import attendance_progress, sessions_needed
from lms.classes.models import Member
from lms.core.clock import local_date, utcnow
from lms.exams import services as exams
from lms.exams.models import (
    Question,
    QuestionCategory,
    QuestionOption,
    QuestionType,
)
from lms.extensions import db
from lms.learning import completion
from lms.records.models import EntryKind, LedgerEntry
from tests.class_support import add_session, enrollment_of, join, new_class
from tests.exam_support import new_exam


def _exam_course(make_course, inst):
    """A course whose only requirement is a required exam of one true/false question."""
    course = make_course(
        "Manajemen ASN", institution=inst, lessons=(("Modul 1", (("Ujian akhir", "exam"),)),)
    )
    lesson = course.lessons[0]
    lesson.required = True
    now = utcnow()
    cat = QuestionCategory(course_id=course.id, name="Umum")
    db.session.add(cat)
    db.session.flush()
    q = Question(
        course_id=course.id,
        category_id=cat.id,
        type=QuestionType("truefalse"),
        title="ASN",
        text="ASN melayani publik.",
        points=Decimal(1),
        feedback="",
        created_at=now,
        updated_at=now,
    )
    q.options = [
        QuestionOption(position=0, text="Benar", fraction=Decimal(1), feedback=""),
        QuestionOption(position=1, text="Salah", fraction=Decimal(0), feedback=""),
    ]
    exam = new_exam(
        course,
        cat,
        1,
        lesson_id=lesson.id,
        title="Ujian Manajemen ASN",
        duration_minutes=30,
        attempts_allowed=3,
        shuffle_questions=False,
        shuffle_options=False,
    )
    db.session.add_all([q, exam])
    db.session.commit()
    return course, exam


def take_exam(exam, user, answer: str, now):
    attempt = exams.start_attempt(exam, user, now=now)
    item = attempt.questions[0]
    option = next(o["id"] for o in item.snapshot["options"] if o["text"] == answer)
    exams.save_answer(attempt, item.position, [str(option)], seq=1, flagged=False, now=now)
    exams.submit_attempt(attempt, now=now + timedelta(minutes=1))
    db.session.commit()


@pytest.fixture
def world(make_course, make_institution, make_user):
    inst = make_institution("Universitas Negeri Demo")
    course, exam = _exam_course(make_course, inst)
    cohort = new_class(course, inst, threshold=80, jp=24, name="Angkatan I 2026")
    staff = make_user("Staf", email="staf@kampus.test", roles=(Role.PARTNER,), institution=inst)
    person = make_user("Peserta Satu")
    member = join(cohort, person)
    base = utcnow() - timedelta(days=10)
    sessions = [add_session(cohort, base + timedelta(days=i)) for i in range(5)]
    return {
        "cohort": cohort,
        "exam": exam,
        "staff": staff,
        "person": person,
        "member": member,
        "sessions": sessions,
    }


def mark(world, indexes, present=True):
    for i in indexes:
        attendance.mark(
            world["sessions"][i], world["member"], present, actor=world["staff"], now=utcnow()
        )
    db.session.commit()


def entries(person):
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.user_id == person.id)))


def test_needed_is_the_threshold_of_all_sessions_rounded_up(world):
    cohort = world["cohort"]
    assert [sessions_needed(cohort, n) for n in (0, 1, 4, 5, 6, 10)] == [0, 1, 4, 4, 5, 8]
    cohort.attendance_threshold = 75
    assert sessions_needed(cohort, 6) == 5  # 4.5 rounds up
    assert attendance_progress(cohort, world["person"].id) == (0, 4)


def test_three_of_five_with_the_exam_does_not_complete(world):
    take_exam(world["exam"], world["person"], "Benar", utcnow())
    mark(world, [0, 1, 2])
    assert enrollment_of(world["cohort"], world["person"]).completed_at is None
    assert entries(world["person"]) == []


def test_four_of_five_without_the_exam_does_not_complete(world):
    mark(world, [0, 1, 2, 3])
    assert enrollment_of(world["cohort"], world["person"]).completed_at is None
    take_exam(world["exam"], world["person"], "Salah", utcnow())  # failed
    assert enrollment_of(world["cohort"], world["person"]).completed_at is None
    assert entries(world["person"]) == []


def test_four_of_five_and_the_exam_completes_and_credits_the_class_once(world):
    cohort, person = world["cohort"], world["person"]
    take_exam(world["exam"], person, "Benar", utcnow())
    assert enrollment_of(cohort, person).completed_at is None  # attendance still short
    mark(world, [0, 1, 2])
    mark(world, [3])  # the fourth present: 80% of 5
    enrollment = enrollment_of(cohort, person)
    assert enrollment.completed_at is not None
    member = db.session.get(Member, world["member"].id)
    assert member.completed_at == enrollment.completed_at
    (entry,) = entries(person)
    assert entry.kind is EntryKind.CLASS
    assert entry.jp == 24
    assert entry.title == "Manajemen ASN — Angkatan I 2026"
    assert entry.organizer == "Universitas Negeri Demo"
    assert entry.start_date == cohort.starts_on
    assert entry.end_date == local_date(enrollment.completed_at)
    assert entry.enrollment_id == enrollment.id
    # More attendance, and taking attendance back, change nothing: credited once, stays completed.
    mark(world, [4])
    mark(world, [0, 1, 2, 3, 4], present=False)
    assert len(entries(person)) == 1
    assert enrollment_of(cohort, person).completed_at == enrollment.completed_at


def test_exam_passed_last_completes_through_the_exam(world):
    cohort, person = world["cohort"], world["person"]
    mark(world, [0, 1, 2, 3])
    take_exam(world["exam"], person, "Benar", utcnow())
    assert enrollment_of(cohort, person).completed_at is not None
    assert [e.kind for e in entries(person)] == [EntryKind.CLASS]


def test_self_check_in_can_complete(world, make_user):
    cohort, person = world["cohort"], world["person"]
    take_exam(world["exam"], person, "Benar", utcnow())
    mark(world, [0, 1, 2])
    now_session = add_session(cohort, utcnow() - timedelta(minutes=10))  # now 6 sessions: need 5
    mark(world, [3])
    assert enrollment_of(cohort, person).completed_at is None
    attendance.check_in(cohort, person, now_session.checkin_code, now=utcnow())
    db.session.commit()
    assert enrollment_of(cohort, person).completed_at is not None


def test_requirement_is_listed_with_progress(world):
    cohort, person = world["cohort"], world["person"]
    mark(world, [0, 1])
    enrollment = enrollment_of(cohort, person)
    reqs = completion.requirements_of(enrollment.course, enrollment)
    labels = [str(r.label) for r in reqs]
    assert any("80%" in label and "Angkatan I 2026" in label for label in labels)
    attendance_req = reqs[-1]
    assert attendance_req.progress(enrollment) == (2, 4)
    assert not attendance_req.met(enrollment)
    # Without the enrollment (the course page for a visitor) no class requirement is listed.
    assert len(completion.requirements_of(enrollment.course)) == len(reqs) - 1


def test_a_class_without_sessions_is_not_completed(make_course, make_user):
    course = make_course("Tanpa Sesi", lessons=(("M", (("Bacaan", "text"),)),))
    cohort = new_class(course, None)
    person = make_user("Peserta")
    join(cohort, person)
    enrollment = enrollment_of(cohort, person)
    from lms.learning.services import mark_done

    mark_done(enrollment, course.lessons[0], now=utcnow())
    db.session.commit()
    assert enrollment_of(cohort, person).completed_at is None


def test_deleting_an_unattended_session_rechecks_completion(world):
    from lms.classes import sessions

    cohort, person = world["cohort"], world["person"]
    take_exam(world["exam"], person, "Benar", utcnow())
    extra = add_session(cohort, utcnow() + timedelta(days=30))  # 6 sessions: 5 needed
    mark(world, [0, 1, 2, 3])
    assert enrollment_of(cohort, person).completed_at is None
    sessions.delete_session(extra, actor=world["staff"], now=utcnow())
    db.session.commit()
    assert enrollment_of(cohort, person).completed_at is not None


def test_course_without_class_still_credits_a_course(make_course, make_user):
    from lms.learning.models import Enrollment, EnrollmentSource
    from lms.learning.services import mark_done

    course = make_course("Mandiri", lessons=(("M", (("Bacaan", "text"),)),))
    person = make_user("Belajar Mandiri")
    enrollment = Enrollment(
        course_id=course.id, user_id=person.id, source=EnrollmentSource.SELF, enrolled_at=utcnow()
    )
    db.session.add(enrollment)
    db.session.commit()
    mark_done(enrollment, course.lessons[0], now=utcnow())
    db.session.commit()
    (entry,) = entries(person)
    assert entry.kind is EntryKind.COURSE and entry.jp == course.jp
