"""Courses, their modules and lessons, and the versions of lesson files."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db


class CompetencyType(enum.StrEnum):
    TECHNICAL = "teknis"
    MANAGERIAL = "manajerial"
    SOCIOCULTURAL = "sosial_kultural"


class LearningMode(enum.StrEnum):
    ELEARNING = "elearning"
    CLASSICAL = "klasikal"
    BLENDED = "blended"


class CourseState(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class LessonKind(enum.StrEnum):
    TEXT = "text"
    FILE = "file"
    VIDEO = "video"
    EXAM = "exam"


def competency_labels() -> dict:
    return {
        CompetencyType.TECHNICAL: _l("Technical"),
        CompetencyType.MANAGERIAL: _l("Managerial"),
        CompetencyType.SOCIOCULTURAL: _l("Socio-cultural"),
    }


def mode_labels() -> dict:
    return {
        LearningMode.ELEARNING: _l("E-learning"),
        LearningMode.CLASSICAL: _l("Classical"),
        LearningMode.BLENDED: _l("Blended"),
    }


def state_labels() -> dict:
    return {
        CourseState.DRAFT: _l("Draft"),
        CourseState.REVIEW: _l("In review"),
        CourseState.PUBLISHED: _l("Published"),
        CourseState.ARCHIVED: _l("Archived"),
    }


class IllegalTransition(ValueError):
    """A state change the course's current state does not allow."""


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The address: /kursus/<slug>.
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    #: A short code such as "TEK-2026-01", unique.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Markdown; rendered through lms.core.markdown.
    description: Mapped[str] = mapped_column(Text, default="")
    competency_type: Mapped[CompetencyType] = mapped_column(enum_column(CompetencyType, 20))
    mode: Mapped[LearningMode] = mapped_column(enum_column(LearningMode, 20))
    #: Jam pelajaran credited on completion.
    jp: Mapped[int] = mapped_column(default=0)
    #: The partner institution that owns the course; None for BKPSDM's own.
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[CourseState] = mapped_column(
        enum_column(CourseState, 20), default=CourseState.DRAFT, index=True
    )
    #: Why a course was returned from review, shown to its authors.
    review_note: Mapped[str] = mapped_column(Text, default="")
    #: Whether anyone may enroll themselves; otherwise only by assignment.
    open_enrollment: Mapped[bool] = mapped_column(default=True)
    #: The certificate given on completion, and whether it is issued by itself then.
    certificate_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_template.id", ondelete="SET NULL")
    )
    auto_certificate: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Predicates by score, one band a line, highest first: "85 Sangat Memuaskan".
    score_bands: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    institution = relationship("Institution", lazy="joined")
    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    @property
    def owner_name(self) -> str:
        return self.institution.name if self.institution else "BKPSDM Kota Makassar"

    @property
    def lessons(self) -> list["Lesson"]:
        return [lesson for module in self.modules for lesson in module.lessons]

    # State transitions: partners submit, admins publish or return, anyone archives.
    def submit(self, now: datetime) -> None:
        if self.state is not CourseState.DRAFT:
            raise IllegalTransition(self.state)
        self.state, self.updated_at = CourseState.REVIEW, now

    def publish(self, now: datetime) -> None:
        if self.state not in (CourseState.DRAFT, CourseState.REVIEW, CourseState.ARCHIVED):
            raise IllegalTransition(self.state)
        self.state, self.review_note = CourseState.PUBLISHED, ""
        self.published_at = self.published_at or now
        self.updated_at = now

    def return_to_draft(self, reason: str, now: datetime) -> None:
        if self.state is not CourseState.REVIEW:
            raise IllegalTransition(self.state)
        self.state, self.review_note, self.updated_at = CourseState.DRAFT, reason, now

    def archive(self, now: datetime) -> None:
        if self.state is CourseState.ARCHIVED:
            raise IllegalTransition(self.state)
        self.state, self.updated_at = CourseState.ARCHIVED, now


class Module(db.Model):
    __tablename__ = "course_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(db.Model):
    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LessonKind] = mapped_column(enum_column(LessonKind, 10))
    position: Mapped[int] = mapped_column(default=0)
    #: Markdown, for text lessons (and an introduction for the others).
    body: Mapped[str] = mapped_column(Text, default="")
    #: For video lessons: a link, never embedded or loaded by the page.
    video_url: Mapped[str] = mapped_column(String(500), default="")
    #: Whether completing the course needs this lesson done.
    required: Mapped[bool] = mapped_column(default=True)
    #: The file learners see now; older versions stay in lesson_file.
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_file.id", ondelete="SET NULL", use_alter=True)
    )

    module: Mapped[Module] = relationship(back_populates="lessons")
    file: Mapped["LessonFile | None"] = relationship(foreign_keys=[file_id], post_update=True)
    versions: Mapped[list["LessonFile"]] = relationship(
        foreign_keys="LessonFile.lesson_id", order_by="LessonFile.id.desc()", viewonly=True
    )


class ReviewState(enum.StrEnum):
    """Where an uploaded version stands: learners see only approved versions."""

    APPROVED = "approved"
    PENDING = "pending"
    RETURNED = "returned"


class LessonFile(db.Model):
    """One uploaded version of a lesson's file; replacing a file adds a version."""

    __tablename__ = "lesson_file"
    __table_args__ = (UniqueConstraint("storage_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64))
    #: The name it was uploaded with; used only for display and downloads.
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Partner staff's uploads wait for an admin's review; an approved version becomes the
    #: lesson's file. Admins' own uploads are approved as they are made.
    review_state: Mapped[ReviewState] = mapped_column(
        enum_column(ReviewState, 10), default=ReviewState.APPROVED, server_default="approved"
    )
    #: Why a version was returned, for the uploader.
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
