"""Course operations: the catalog query, authoring, files and the review flow.

Every function takes plain arguments (objects, data, the acting person, `now`) and flushes;
the view commits. Nothing here reads the request.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import Select, exists, func, or_, select

from lms.auth.models import Role, User
from lms.core import audit
from lms.core.db import taken
from lms.core.storage import storage
from lms.core.uploads import CheckedUpload
from lms.courses.models import (
    CompetencyType,
    Course,
    CourseState,
    IllegalTransition,
    LearningMode,
    Lesson,
    LessonFile,
    LessonKind,
    Module,
    ReviewState,
)
from lms.extensions import db
from lms.learning.models import LessonProgress

#: Paths under /kursus/ that are pages, so never a course's slug.
RESERVED_SLUGS = frozenset({"kelola", "baru", "tinjauan"})
SLUG_LENGTH = 100


class CourseError(ValueError):
    """An operation the course's content or state does not allow; the message says why."""


# Catalog ----------------------------------------------------------------------------------


def catalog_query(
    q: str = "",
    competency: str = "",
    mode: str = "",
    jp_min: int | None = None,
    jp_max: int | None = None,
    owner: str = "",
) -> Select:
    """Published courses matching the search and filters, by title."""
    stmt = select(Course).where(Course.state == CourseState.PUBLISHED)
    if q:
        # % and _ typed by a person are letters, not wildcards.
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(Course.title.ilike(like, escape="\\"), Course.summary.ilike(like, escape="\\"))
        )
    if competency in set(CompetencyType):
        stmt = stmt.where(Course.competency_type == CompetencyType(competency))
    if mode in set(LearningMode):
        stmt = stmt.where(Course.mode == LearningMode(mode))
    if jp_min is not None:
        stmt = stmt.where(Course.jp >= jp_min)
    if jp_max is not None:
        stmt = stmt.where(Course.jp <= jp_max)
    if owner == "bkpsdm":
        stmt = stmt.where(Course.institution_id.is_(None))
    elif owner.isdigit():
        stmt = stmt.where(Course.institution_id == int(owner))
    return stmt.order_by(Course.title, Course.id)


def catalog_owners() -> list:
    """The partner institutions that have a published course, by name."""
    from lms.partners.models import Institution

    has_course = exists().where(
        Course.institution_id == Institution.id, Course.state == CourseState.PUBLISHED
    )
    stmt = select(Institution).where(has_course).order_by(Institution.name)
    return list(db.session.scalars(stmt))


def editable_courses(user: User, state: CourseState | None = None) -> Select:
    """The courses `user` may change (as lms.courses.access.can_edit decides), newest first."""
    stmt = select(Course)
    if not user.has_role(Role.ADMIN):
        if user.institution_id is None:
            stmt = stmt.where(False)
        else:
            stmt = stmt.where(Course.institution_id == user.institution_id)
    if state is not None:
        stmt = stmt.where(Course.state == state)
    return stmt.order_by(Course.updated_at.desc(), Course.id.desc())


def count_by_state(stmt: Select) -> dict[CourseState, int]:
    """How many of the courses `stmt` selects are in each state."""
    sub = stmt.order_by(None).subquery()
    rows = db.session.execute(select(sub.c.state, func.count()).group_by(sub.c.state)).all()
    counts = dict.fromkeys(CourseState, 0)
    counts.update({CourseState(state): n for state, n in rows})
    return counts


def review_queue() -> Select:
    """Courses waiting for review, the longest waiting first."""
    return (
        select(Course)
        .where(Course.state == CourseState.REVIEW)
        .order_by(Course.updated_at, Course.id)
    )


# Courses ----------------------------------------------------------------------------------


def unique_slug(title: str) -> str:
    """A slug made from the title, with -2, -3... when it is taken or reserved."""
    base = slugify(title, max_length=SLUG_LENGTH, word_boundary=True) or "kursus"
    used = set(
        db.session.scalars(
            select(Course.slug).where(or_(Course.slug == base, Course.slug.like(f"{base}-%")))
        )
    )
    slug, n = base, 1
    while slug in used or slug in RESERVED_SLUGS:
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_course(course: Course, data: dict, *, actor: User, now: datetime) -> None:
    """Create or update a course's description; the slug is made once, from the first title.

    A new course belongs to the author's institution, or to BKPSDM when an admin makes it.
    """
    creating = course.id is None
    code = data["code"].strip().upper()
    if taken(Course.code, code, other_than=course):
        raise CourseError(_l("Another course already has the code %(code)s.", code=code))
    before = None if creating else _audit(course)
    course.title = data["title"].strip()
    course.code = code
    course.summary = (data.get("summary") or "").strip()
    course.description = data.get("description") or ""
    course.competency_type = CompetencyType(data["competency_type"])
    course.mode = LearningMode(data["mode"])
    course.jp = int(data["jp"])
    course.open_enrollment = bool(data.get("open_enrollment"))
    if "certificate_template_id" in data:  # chosen by BKPSDM's admins only
        course.certificate_template_id = data["certificate_template_id"] or None
        course.auto_certificate = bool(data.get("auto_certificate"))
    if "score_bands" in data:  # read with certificates.issuing.parse_bands; the form checks it
        lines = (data["score_bands"] or "").splitlines()
        course.score_bands = "\n".join(line.strip() for line in lines if line.strip())
    course.updated_at = now
    if creating:
        if actor.has_role(Role.ADMIN):
            course.institution_id = None
        elif actor.has_role(Role.PARTNER) and actor.institution_id is not None:
            course.institution_id = actor.institution_id
        else:
            raise CourseError(_l("Only BKPSDM and partner institutions' staff create courses."))
        course.slug = unique_slug(course.title)
        course.state = CourseState.DRAFT
        course.created_by_id = actor.id
        course.created_at = now
        db.session.add(course)
    db.session.flush()
    audit.record_save("course", course, before, _audit(course), now=now, actor=actor)


def _audit(course: Course) -> dict:
    return {
        "title": course.title,
        "code": course.code,
        "competency_type": str(course.competency_type),
        "mode": str(course.mode),
        "jp": course.jp,
        "open_enrollment": course.open_enrollment,
        "certificate_template_id": course.certificate_template_id,
        "auto_certificate": course.auto_certificate,
        "score_bands": course.score_bands,
    }


# Review flow ------------------------------------------------------------------------------


def _transition(course: Course, action: str, actor: User, now: datetime, change, **after) -> None:
    before = course.state
    change()
    db.session.flush()
    audit.record(
        f"course.{action}",
        now=now,
        actor=actor,
        target=f"course:{course.id}",
        before={"state": str(before)},
        after={"state": str(course.state), **after},
    )


def _check_ready(course: Course) -> None:
    if not course.lessons:
        raise CourseError(_l("Add at least one lesson before the course goes to review."))


def submit(course: Course, *, actor: User, now: datetime) -> None:
    """Send a draft to BKPSDM's review."""
    if course.state is CourseState.DRAFT:
        _check_ready(course)
    _transition(course, "submit", actor, now, lambda: course.submit(now))


def publish(course: Course, *, actor: User, now: datetime) -> None:
    """Publish a course (from draft, review or archive): it enters the catalog."""
    if course.state is not CourseState.PUBLISHED:
        _check_ready(course)
    _transition(course, "publish", actor, now, lambda: course.publish(now))


def return_course(course: Course, reason: str, *, actor: User, now: datetime) -> None:
    """Send a course in review back to its authors, with the reason they will read."""
    if course.state is not CourseState.REVIEW:
        raise IllegalTransition(course.state)
    reason = (reason or "").strip()
    if not reason:
        raise CourseError(_l("Say what the authors should change."))
    _transition(
        course, "return", actor, now, lambda: course.return_to_draft(reason, now), reason=reason
    )


def archive(course: Course, *, actor: User, now: datetime) -> None:
    """Take a course out of the catalog; enrollments, progress and credits stay."""
    _transition(course, "archive", actor, now, lambda: course.archive(now))


# Modules and lessons ----------------------------------------------------------------------


def _touch(course: Course, now: datetime) -> None:
    course.updated_at = now


def add_module(course: Course, title: str, *, now: datetime) -> Module:
    title = _title(title)
    module = Module(title=title, position=_next_position(course.modules))
    course.modules.append(module)
    _touch(course, now)
    db.session.flush()
    return module


def rename_module(module: Module, title: str, *, now: datetime) -> None:
    module.title = _title(title)
    _touch(module.course, now)
    db.session.flush()


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise CourseError(_l("Enter a title."))
    if len(title) > 200:
        raise CourseError(_l("The title is too long (200 characters at most)."))
    return title


def _next_position(items) -> int:
    return max((i.position for i in items), default=-1) + 1


def _has_progress(lesson_ids: list[int]) -> bool:
    if not lesson_ids:
        return False
    return (
        db.session.scalar(
            select(LessonProgress.id).where(LessonProgress.lesson_id.in_(lesson_ids)).limit(1)
        )
        is not None
    )


def _check_deletable(course: Course, lessons: list[Lesson]) -> None:
    """Refuse to delete what learners rely on: their progress would go with it."""
    if course.state is CourseState.PUBLISHED:
        raise CourseError(
            _l(
                "This course is published: deleting would erase learners' progress. "
                "Make the lesson optional instead, or archive the course."
            )
        )
    if _has_progress([lesson.id for lesson in lessons]):
        raise CourseError(
            _l(
                "Learners have already done this; deleting would erase their progress. "
                "Make the lesson optional instead."
            )
        )


def delete_module(module: Module, *, now: datetime) -> list[str]:
    """Delete a module and its lessons; return the storage keys of their files to remove."""
    course = module.course
    _check_deletable(course, module.lessons)
    keys = [v.storage_key for lesson in module.lessons for v in lesson.versions]
    for lesson in module.lessons:
        _drop_files(lesson)
    course.modules.remove(module)
    _renumber(course.modules)
    _touch(course, now)
    db.session.flush()
    return keys


def delete_lesson(lesson: Lesson, *, now: datetime) -> list[str]:
    """Delete a lesson; return the storage keys of its files to remove after the commit."""
    module = lesson.module
    _check_deletable(module.course, [lesson])
    keys = [v.storage_key for v in lesson.versions]
    _drop_files(lesson)
    module.lessons.remove(lesson)
    _renumber(module.lessons)
    _touch(module.course, now)
    db.session.flush()
    return keys


def _drop_files(lesson: Lesson) -> None:
    # The lesson points at its current file and the files at the lesson: break the cycle first.
    lesson.file = None
    db.session.flush()
    for version in lesson.versions:
        db.session.delete(version)


def _renumber(items: list) -> None:
    for i, item in enumerate(sorted(items, key=lambda x: (x.position, x.id or 0))):
        item.position = i


def _move(items: list, item, direction: str) -> bool:
    """Swap `item` with its neighbour; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise CourseError(_l("Choose up or down."))
    ordered = sorted(items, key=lambda x: (x.position, x.id))
    i = ordered.index(item)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(ordered):
        return False
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for n, x in enumerate(ordered):
        x.position = n
    return True


def move_module(module: Module, direction: str, *, now: datetime) -> bool:
    moved = _move(module.course.modules, module, direction)
    _touch(module.course, now)
    db.session.flush()
    return moved


def move_lesson(lesson: Lesson, direction: str, *, now: datetime) -> bool:
    moved = _move(lesson.module.lessons, lesson, direction)
    _touch(lesson.module.course, now)
    db.session.flush()
    return moved


def save_lesson(lesson: Lesson, module: Module | None, data: dict, *, now: datetime) -> None:
    """Create a lesson at the end of `module`, or update one in place (its id, and so the
    learners' progress on it, stays)."""
    lesson.title = _title(data["title"])
    lesson.kind = LessonKind(data["kind"])
    lesson.body = data.get("body") or ""
    lesson.video_url = (data.get("video_url") or "").strip()
    lesson.required = bool(data.get("required"))
    if lesson.id is None:
        lesson.position = _next_position(module.lessons)
        module.lessons.append(lesson)
    _touch(lesson.module.course if lesson.module else module.course, now)
    db.session.flush()


def replace_lesson_file(
    lesson: Lesson, checked_upload: CheckedUpload, actor: User, now: datetime, ip: str = ""
) -> LessonFile:
    """Store a checked upload as a new version of the lesson's file; earlier versions stay.

    An admin's upload becomes the lesson's file at once. Partner staff's waits for an admin's
    review: until it is approved learners keep the approved version, or none. A version still
    waiting is withdrawn by a newer upload, so only the latest is ever reviewed.
    """
    stored = storage().save(checked_upload.stream)
    approved = actor.has_role(Role.ADMIN)
    withdrawn = _withdraw_pending(lesson, now)
    version = LessonFile(
        lesson_id=lesson.id,
        storage_key=stored.key,
        original_name=checked_upload.original_name,
        content_type=checked_upload.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id,
        uploaded_at=now,
        review_state=ReviewState.APPROVED if approved else ReviewState.PENDING,
        reviewed_by_id=actor.id if approved else None,
        reviewed_at=now if approved else None,
    )
    db.session.add(version)
    db.session.flush()
    if approved:
        lesson.file = version
    _touch(lesson.module.course, now)
    db.session.flush()
    audit.record(
        "lesson_file.upload",
        now=now,
        actor=actor,
        target=f"lesson_file:{version.id}",
        after={
            **_file_audit(version),
            "state": str(version.review_state),
            **({"withdrawn": withdrawn} if withdrawn else {}),
        },
        ip=ip,
    )
    return version


def _withdraw_pending(lesson: Lesson, now: datetime) -> list[int]:
    """Set aside the lesson's versions still waiting for review (returned, by nobody)."""
    waiting = db.session.scalars(
        select(LessonFile).where(
            LessonFile.lesson_id == lesson.id, LessonFile.review_state == ReviewState.PENDING
        )
    ).all()
    for version in waiting:
        version.review_state, version.reviewed_at = ReviewState.RETURNED, now
    return [v.id for v in waiting]


def _file_audit(version: LessonFile) -> dict:
    return {
        "lesson_id": version.lesson_id,
        "name": version.original_name,
        "size": version.size,
        "sha256": version.sha256,
    }


# Materials review -------------------------------------------------------------------------


def files_to_review() -> Select:
    """Uploaded versions waiting for review, the longest waiting first, with their lesson,
    course and uploader."""
    return (
        select(LessonFile, Lesson, Course, User)
        .join(Lesson, Lesson.id == LessonFile.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .join(Course, Course.id == Module.course_id)
        .outerjoin(User, User.id == LessonFile.uploaded_by_id)
        .where(LessonFile.review_state == ReviewState.PENDING)
        .order_by(LessonFile.uploaded_at, LessonFile.id)
    )


def lessons_under_review(course: Course) -> set[int]:
    """The ids of the course's lessons that have a file waiting for review."""
    return set(
        db.session.scalars(
            select(LessonFile.lesson_id)
            .join(Lesson, Lesson.id == LessonFile.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Module.course_id == course.id, LessonFile.review_state == ReviewState.PENDING)
        )
    )


def _review(version: LessonFile, action: str, actor: User, now: datetime, ip: str, **after):
    if version.review_state is not ReviewState.PENDING:
        raise CourseError(_l("This file is not waiting for review any more."))
    lesson = db.session.get(Lesson, version.lesson_id)
    version.reviewed_by_id, version.reviewed_at = actor.id, now
    if action == "approve":
        version.review_state, version.review_reason = ReviewState.APPROVED, ""
        lesson.file = version
    else:
        version.review_state, version.review_reason = ReviewState.RETURNED, after["reason"]
    _touch(lesson.module.course, now)
    db.session.flush()
    audit.record(
        f"lesson_file.{action}",
        now=now,
        actor=actor,
        target=f"lesson_file:{version.id}",
        before={"state": str(ReviewState.PENDING)},
        after={"state": str(version.review_state), **_file_audit(version), **after},
        ip=ip,
    )


def approve_file(version: LessonFile, *, actor: User, now: datetime, ip: str = "") -> None:
    """Approve a waiting version: it becomes the file learners see."""
    _review(version, "approve", actor, now, ip)


def return_file(
    version: LessonFile, reason: str, *, actor: User, now: datetime, ip: str = ""
) -> None:
    """Return a waiting version to its uploader with the reason; learners never see it."""
    reason = (reason or "").strip()
    if not reason:
        raise CourseError(_l("Say why the file is returned."))
    _review(version, "return", actor, now, ip, reason=reason)


def remove_stored(keys: list[str]) -> None:
    """Remove files from storage once the rows that named them are gone (after the commit)."""
    for key in keys:
        storage().delete(key)
