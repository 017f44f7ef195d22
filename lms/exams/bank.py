"""A course's question bank: categories, questions, and imports and exports of whole files.

Services take plain arguments and flush; the view commits. An import is two steps: the upload is
stored and parsed for a preview, then parsed again from the stored copy when the author accepts
(the page carries only a signed reference to the stored file, never the questions themselves).
"""

import contextlib
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from lms.core import audit
from lms.core.storage import storage
from lms.core.uploads import IMAGE_TYPES, CheckedUpload, clean_name
from lms.courses.models import Course
from lms.exams import formats
from lms.exams.formats import OptionData, QuestionData
from lms.exams.models import AttemptQuestion, Question, QuestionCategory, QuestionOption
from lms.extensions import db

FORMATS = ("gift", "aiken", "xlsx")
MAX_UPLOAD = 5 * 1024 * 1024
#: How long a preview may wait for the author's decision.
STAGE_SECONDS = 3 * 3600
CATEGORY_LENGTH = 200
CENT = Decimal("0.01")


class BankError(ValueError):
    """What the bank cannot do; the message says why."""


# Categories and questions -------------------------------------------------------------------


def categories(course: Course) -> list[QuestionCategory]:
    """The course's categories by name, with their questions loaded."""
    return list(
        db.session.scalars(
            select(QuestionCategory)
            .where(QuestionCategory.course_id == course.id)
            .order_by(func.lower(QuestionCategory.name))
            .options(selectinload(QuestionCategory.questions))
        )
    )


def get_category(course: Course, category_id: int) -> QuestionCategory | None:
    category = db.session.get(QuestionCategory, category_id)
    return category if category is not None and category.course_id == course.id else None


def get_question(course: Course, question_id: int) -> Question | None:
    question = db.session.get(Question, question_id)
    return question if question is not None and question.course_id == course.id else None


def _category_named(course: Course, name: str) -> QuestionCategory | None:
    return db.session.scalar(
        select(QuestionCategory).where(
            QuestionCategory.course_id == course.id,
            func.lower(QuestionCategory.name) == name.lower(),
        )
    )


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BankError(_("Enter the category's name."))
    if len(name) > CATEGORY_LENGTH:
        raise BankError(_("The name is longer than %(n)s characters.", n=CATEGORY_LENGTH))
    return name


def add_category(course: Course, name: str) -> QuestionCategory:
    name = _check_name(name)
    if _category_named(course, name) is not None:
        raise BankError(_("This bank already has a category with that name."))
    category = QuestionCategory(course_id=course.id, name=name)
    db.session.add(category)
    db.session.flush()
    return category


def rename_category(category: QuestionCategory, name: str) -> None:
    name = _check_name(name)
    other = _category_named(category.course, name)
    if other is not None and other.id != category.id:
        raise BankError(_("This bank already has a category with that name."))
    category.name = name
    db.session.flush()


def category_for(course: Course, name: str) -> QuestionCategory:
    """The category of that name, created if the bank has none yet."""
    name = _check_name(name)
    return _category_named(course, name) or add_category(course, name)


def save_question(
    question: Question, course: Course, data: QuestionData, category: QuestionCategory, *, now
) -> Question:
    """Write `data` (already checked by formats.problem) into a new or existing question."""
    reason = formats.problem(data)
    if reason:
        raise BankError(reason)
    if question.id is None:
        question.course_id = course.id
        question.type = data.type
        question.created_at = now
        db.session.add(question)
    question.category = category
    question.title = data.title.strip()
    question.text = data.text.strip()
    question.points = data.points.quantize(CENT)
    question.feedback = data.feedback.strip()
    question.updated_at = now
    # Attempts keep their own snapshot of the options, so replacing them is safe.
    question.options = [
        QuestionOption(
            position=i,
            text=o.text.strip(),
            fraction=o.fraction,
            tolerance=o.tolerance,
            feedback=o.feedback.strip(),
        )
        for i, o in enumerate(data.options)
    ]
    db.session.flush()
    return question


def is_used(question: Question) -> bool:
    """Whether an attempt has drawn it (then it may only be retired)."""
    return bool(
        db.session.scalar(select(exists().where(AttemptQuestion.question_id == question.id)))
    )


def remove_question(question: Question, *, now: datetime, actor) -> bool:
    """Delete the question, or retire it if an attempt used it; True if it was deleted."""
    target = f"question:{question.id}"
    if is_used(question):
        question.active = False
        question.updated_at = now
        audit.record("question.retire", now=now, actor=actor, target=target)
        db.session.flush()
        return False
    audit.record(
        "question.delete",
        now=now,
        actor=actor,
        target=target,
        before={"title": question.title, "text": question.text[:200]},
    )
    db.session.delete(question)
    db.session.flush()
    return True


def set_image(
    question: Question, upload: CheckedUpload | None, remove: bool, *, now: datetime
) -> str | None:
    """Store a new picture for the question, or take its picture away.

    Returns the key of the old file when no attempt can show it (the question was never drawn),
    for the caller to delete once this is committed; None when there is nothing to delete. An
    attempt's snapshot names the picture it started with, so that file is kept for good.
    """
    if upload is None and not remove:
        return None
    if upload is not None and upload.content_type not in IMAGE_TYPES:
        raise BankError(_("This kind of file is not accepted."))
    old = question.image_key
    if upload is not None:
        stored = storage().save(upload.stream)
        question.image_key, question.image_type = stored.key, upload.content_type
    else:
        question.image_key, question.image_type = "", ""
    question.updated_at = now
    db.session.flush()
    if not old or old == question.image_key or is_used(question):
        return None
    return old


def delete_image_file(key: str | None) -> None:
    """Delete a picture's file, after the change that let it go is committed."""
    # An orphan file harms no one; the page must not fail for it.
    if key:
        with contextlib.suppress(OSError, ValueError):
            storage().delete(key)


def restore_question(question: Question, *, now: datetime) -> None:
    question.active = True
    question.updated_at = now
    db.session.flush()


def to_data(question: Question) -> QuestionData:
    """The question as the formats read and write it."""
    return QuestionData(
        type=question.type,
        text=question.text,
        title=question.title,
        category=question.category.name,
        points=question.points,
        feedback=question.feedback,
        options=[
            OptionData(
                o.text,
                o.fraction.normalize(),
                None if o.tolerance is None else o.tolerance.normalize(),
                o.feedback,
            )
            for o in question.options
        ],
    )


def export_data(course: Course) -> list[QuestionData]:
    """The bank's active questions, category by category."""
    out = []
    for category in categories(course):
        out += [to_data(q) for q in category.questions if q.active]
    return out


def type_counts(course: Course) -> Counter:
    rows = db.session.execute(
        select(Question.type, func.count())
        .where(Question.course_id == course.id, Question.active.is_(True))
        .group_by(Question.type)
    )
    return Counter(dict(rows.all()))


# Import -------------------------------------------------------------------------------------


@dataclass
class Preview:
    """What a file holds: the questions that can be imported and why the others cannot."""

    filename: str
    format: str
    questions: list[QuestionData]
    errors: list[tuple[int, str]]
    #: A problem with the whole file; nothing can be imported.
    fatal: str = ""
    token: str = ""


def guess_format(data: bytes, filename: str, chosen: str) -> str:
    if data[:2] == b"PK":
        return "xlsx"
    if chosen in FORMATS:
        return chosen
    if filename.lower().endswith((".gift", ".gift.txt")):
        return "gift"
    text = data[:20000].decode("utf-8", "replace")
    if "{" not in text and "ANSWER" in text.upper():
        return "aiken"
    return "gift"


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise BankError(_("This is not a text file."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BankError(_("This is not a text file."))


def parse(data: bytes, fmt: str, default_category: str):
    """(questions, errors) of a file's bytes; BankError if the file as a whole is unreadable."""
    if not data.strip():
        raise BankError(_("The file is empty."))
    if fmt == "xlsx":
        if data[:2] != b"PK":
            raise BankError(_("This file is not a real XLSX file."))
        try:
            return formats.parse_xlsx(data, default_category)
        except formats.XlsxProblem as e:
            raise BankError(str(e)) from None
    if data[:2] == b"PK":
        raise BankError(_("This is an XLSX file; choose the XLSX format."))
    text = _decode(data)
    if fmt == "aiken":
        return formats.parse_aiken(text, default_category)
    return formats.parse_gift(text, default_category)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="exams.bank-import")


def stage_import(
    stream: IO[bytes], filename: str, chosen_format: str, default_category: str, *, course, actor
) -> Preview:
    """Store the upload and parse it for the preview; the token names the stored copy."""
    filename = clean_name(filename)
    data = stream.read(MAX_UPLOAD + 1)
    preview = Preview(filename=filename, format="", questions=[], errors=[])
    if len(data) > MAX_UPLOAD:
        preview.fatal = _("The file is larger than %(n)s MB.", n=MAX_UPLOAD // (1024 * 1024))
        return preview
    preview.format = guess_format(data, filename, chosen_format)
    try:
        default_category = _check_name(default_category)
        preview.questions, preview.errors = parse(data, preview.format, default_category)
    except BankError as e:
        preview.fatal = str(e)
        return preview
    if not preview.questions:
        return preview
    stored = storage().save(io.BytesIO(data))
    preview.token = _serializer().dumps(
        {
            "key": stored.key,
            "sha256": stored.sha256,
            "course": course.id,
            "user": actor.id,
            "name": filename,
            "format": preview.format,
            "category": default_category,
        }
    )
    return preview


def load_staged(token: str, *, course, actor) -> Preview:
    """Parse the stored upload again, from the token the preview page carried."""
    try:
        staged = _serializer().loads(token, max_age=STAGE_SECONDS)
    except SignatureExpired:
        raise BankError(_("This preview has expired; upload the file again.")) from None
    except BadSignature:
        raise BankError(_("This import is not known; upload the file again.")) from None
    if staged.get("course") != course.id or staged.get("user") != actor.id:
        raise BankError(_("This import is not known; upload the file again."))
    try:
        with storage().open(staged["key"]) as f:
            data = f.read()
    except (OSError, ValueError):
        raise BankError(_("This import was already finished or cancelled.")) from None
    if hashlib.sha256(data).hexdigest() != staged["sha256"]:
        raise BankError(_("This import is not known; upload the file again."))
    questions, errors = parse(data, staged["format"], staged["category"])
    return Preview(staged["name"], staged["format"], questions, errors, token=token)


def discard_staged(token: str, *, course, actor) -> None:
    """Forget a stored upload (after its import, or when the author cancels)."""
    try:
        staged = _serializer().loads(token)
        if staged.get("course") == course.id and staged.get("user") == actor.id:
            storage().delete(staged["key"])
    except (BadSignature, KeyError, ValueError, OSError):
        pass


def import_questions(course: Course, preview: Preview, *, now: datetime, actor) -> int:
    """Add the valid questions of a preview to the bank; log the counts."""
    for data in preview.questions:
        category = category_for(course, data.category[:CATEGORY_LENGTH])
        save_question(Question(), course, data, category, now=now)
    audit.record(
        "bank.import",
        now=now,
        actor=actor,
        target=f"course:{course.id}",
        after={
            "file": preview.filename,
            "format": preview.format,
            "imported": len(preview.questions),
            "rejected": len(preview.errors),
        },
    )
    return len(preview.questions)
