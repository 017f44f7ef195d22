"""One way to build an exam in tests: published, drawing `count` questions of a category."""

from decimal import Decimal

from lms.core.clock import utcnow
from lms.exams.models import Exam, ExamDraw, ShowAnswers


def new_exam(course, category, count: int, **settings) -> Exam:
    """An exam of `course` with the usual test settings; `settings` overrides any of them."""
    now = utcnow()
    values = dict(
        course_id=course.id,
        title="Ujian Etika",
        duration_minutes=60,
        attempts_allowed=2,
        pass_mark=Decimal(60),
        shuffle_questions=True,
        shuffle_options=True,
        one_per_page=False,
        show_score=True,
        show_answers=ShowAnswers.AFTER_SUBMIT,
        published=True,
        access_code="",
        instructions="",
        created_at=now,
        updated_at=now,
    )
    values.update(settings)
    exam = Exam(**values)
    exam.draws.append(ExamDraw(category_id=category.id, count=count))
    return exam
