"""Question banks, exams, attempts and answers.

An attempt freezes what it asks at start (AttemptQuestion holds a snapshot of each question and
its option order), so editing the bank later changes no live or finished attempt.
"""

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db

POINTS = Numeric(8, 2)


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "truefalse"
    SHORT = "short"
    NUMERIC = "numeric"
    ESSAY = "essay"


def question_type_labels() -> dict:
    return {
        QuestionType.SINGLE: _l("Single choice"),
        QuestionType.MULTIPLE: _l("Multiple choice"),
        QuestionType.TRUE_FALSE: _l("True/false"),
        QuestionType.SHORT: _l("Short answer"),
        QuestionType.NUMERIC: _l("Numeric"),
        QuestionType.ESSAY: _l("Essay"),
    }


class QuestionCategory(db.Model):
    """A category of a course's question bank; exams draw questions at random per category."""

    __tablename__ = "question_category"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    course = relationship("Course")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="category", order_by="Question.id"
    )


class Question(db.Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_category.id", ondelete="RESTRICT"), index=True
    )
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType, 20))
    #: A short name for lists (GIFT's ::title::); the text itself is Markdown.
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[Decimal] = mapped_column(POINTS, default=Decimal(1))
    #: General feedback shown after the attempt, as the exam's review setting allows.
    feedback: Mapped[str] = mapped_column(Text, default="")
    #: An optional picture shown with the text (a storage key and its checked media type).
    image_key: Mapped[str] = mapped_column(String(64), default="")
    image_type: Mapped[str] = mapped_column(String(50), default="")
    #: Retired questions stay for the attempts that used them but are drawn no more.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    category: Mapped[QuestionCategory] = relationship(back_populates="questions")
    options: Mapped[list["QuestionOption"]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )


class QuestionOption(db.Model):
    """A choice (single, multiple, true/false) or an accepted answer (short, numeric).

    `fraction` is the share of the question's points it earns: 1 for a right single choice, parts
    of 1 for multiple choice (negative for wrong ones; the question's total never goes below 0).
    """

    __tablename__ = "question_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    fraction: Mapped[Decimal] = mapped_column(Numeric(6, 5), default=Decimal(0))
    #: For numeric answers: how far from `text` an answer may be and still count.
    tolerance: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    #: Feedback for this choice.
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="options")


class GradingMethod(enum.StrEnum):
    HIGHEST = "highest"
    LAST = "last"


class ShowAnswers(enum.StrEnum):
    NEVER = "never"
    AFTER_CLOSE = "after_close"
    AFTER_SUBMIT = "after_submit"


class Exam(db.Model):
    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    #: The course lesson (kind "exam") that presents this exam, if any.
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson.id", ondelete="SET NULL"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    grading_method: Mapped[GradingMethod] = mapped_column(
        enum_column(GradingMethod, 10), default=GradingMethod.HIGHEST
    )
    #: Percentage of the maximum score needed to pass.
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(70))
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    #: True: one question per page; False: all on one page.
    one_per_page: Mapped[bool] = mapped_column(default=False)
    show_score: Mapped[bool] = mapped_column(default=True)
    show_answers: Mapped[ShowAnswers] = mapped_column(
        enum_column(ShowAnswers, 20), default=ShowAnswers.AFTER_CLOSE
    )
    #: If set, learners type it to start.
    access_code: Mapped[str] = mapped_column(String(50), default="")
    #: Whether learners may start it (a draft is only visible to its editors).
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    course = relationship("Course")
    draws: Mapped[list["ExamDraw"]] = relationship(
        back_populates="exam", cascade="all, delete-orphan", order_by="ExamDraw.id"
    )
    overrides: Mapped[list["ExamOverride"]] = relationship(
        back_populates="exam", cascade="all, delete-orphan"
    )


class ExamDraw(db.Model):
    """Draw `count` questions at random from a category for each attempt."""

    __tablename__ = "exam_draw"
    __table_args__ = (UniqueConstraint("exam_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_category.id", ondelete="RESTRICT")
    )
    count: Mapped[int]

    exam: Mapped[Exam] = relationship(back_populates="draws")
    category: Mapped[QuestionCategory] = relationship()


class ExamOverride(db.Model):
    """Different terms for one person: extra time, more attempts, other dates."""

    __tablename__ = "exam_override"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")

    exam: Mapped[Exam] = relationship(back_populates="overrides")
    user = relationship("User")


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    #: Submitted (or finalised at the deadline); essays may still wait for a grader.
    SUBMITTED = "submitted"
    GRADED = "graded"


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("exam_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: 1 for the first attempt; unique per person, so a double start makes one attempt.
    number: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(
        enum_column(AttemptState, 20), default=AttemptState.IN_PROGRESS, index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: min(start + duration (+ extra time), closing time): stored once, at start.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: When it ended: the submit time, or the deadline if it ran out.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[Decimal | None] = mapped_column(POINTS)
    max_score: Mapped[Decimal] = mapped_column(POINTS, default=Decimal(0))
    passed: Mapped[bool | None]
    #: SHA-256 of the saved answers at submission, given to the learner as a receipt.
    receipt: Mapped[str] = mapped_column(String(64), default="")

    exam: Mapped[Exam] = relationship()
    user = relationship("User")
    questions: Mapped[list["AttemptQuestion"]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )


class AttemptQuestion(db.Model):
    """A question as it was when the attempt started: its text, options in order, and key."""

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int]
    #: {"type", "text", "points", "feedback", "options": [{"id", "text", "fraction",
    #: "tolerance", "feedback"}, ...]} with options in the order this learner sees them.
    snapshot: Mapped[dict] = mapped_column(JSON)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    answer: Mapped["Answer | None"] = relationship(back_populates="attempt_question")


class Answer(db.Model):
    """The learner's latest saved answer to one question of an attempt (an upsert target)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_question_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_question.id", ondelete="CASCADE")
    )
    #: Chosen option ids, or the typed text/number: {"options": [...]} or {"text": "..."}.
    value: Mapped[dict] = mapped_column(JSON)
    #: The client's sequence number: a save with a lower or equal one never overwrites this.
    seq: Mapped[int]
    flagged: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[Decimal | None] = mapped_column(POINTS)
    #: For essays: the grader's comment, and who graded it.
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A learner's objection to a graded essay (once): the first grading is kept here and the
    #: essay goes back to the queue for a second, different grader.
    objection: Mapped[str] = mapped_column(Text, default="")
    objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_score: Mapped[Decimal | None] = mapped_column(POINTS)
    first_comment: Mapped[str] = mapped_column(Text, default="")
    first_graded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )

    attempt_question: Mapped[AttemptQuestion] = relationship(back_populates="answer")
