"""Essays graded by a person: a blind queue, grading, objections, and regrading after a key change.

Graders see an essay under an anonymous code, never whose it is. An attempt's result is released
(state GRADED, through services.recompute) when its last essay is graded. A learner may object
once to an essay's grade: the first grading is kept in first_*, the essay goes back to the queue
for a different person, and the released result stands until the second grade arrives.

Regrading: an attempt keeps its frozen snapshot when the bank changes; an owner may refresh the
key part of finished attempts' snapshots (points, option fractions and tolerances, accepted
answers) from the bank and total them again. The learner's options keep their order and text.
"""

import copy
import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.core.audit import record
from lms.exams import grading, services
from lms.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptState,
    Exam,
    Question,
    QuestionType,
)
from lms.extensions import db

CENT = Decimal("0.01")
COMMENT_LENGTH = 5000
REASON_LENGTH = 2000


class MarkingError(services.ExamError):
    """A grading or an objection the rules do not allow; its message is for the person."""

    #: The HTTP status a page refusing it answers with.
    status = 422


class ScoreError(MarkingError):
    """The score typed is not one this question can have."""


class NotAllowed(MarkingError):
    """This person may not grade this essay (their own, or they graded it first)."""

    status = 403


class AlreadyDone(MarkingError):
    """The essay was graded (or objected to) already."""

    status = 409


def _money(value: Decimal | None) -> str | None:
    """A score as the audit log keeps it."""
    return None if value is None else str(value)


def anonymous_code(answer_id: int, secret: str | bytes) -> str:
    """A short code that names an answer to graders without saying whose it is."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"answer:{answer_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:8].upper()


def _lock(attempt: Attempt) -> None:
    """Lock the attempt's row (a no-op update), so that two gradings finishing at once total the
    attempt one after the other, each seeing the other's grade; then forget what was loaded."""
    db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(state=Attempt.state)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


# The queue --------------------------------------------------------------------------------


def waiting_essays(exam: Exam):
    """Answered essays of the exam that wait for a grade (is_waiting, in SQL), oldest first."""
    rows = db.session.execute(
        select(Answer, AttemptQuestion, Attempt)
        .join(AttemptQuestion, Answer.attempt_question_id == AttemptQuestion.id)
        .join(Attempt, AttemptQuestion.attempt_id == Attempt.id)
        .join(Question, AttemptQuestion.question_id == Question.id)
        .where(
            Attempt.exam_id == exam.id,
            Question.type == QuestionType.ESSAY,
            Answer.graded_at.is_(None),
            (Attempt.state == AttemptState.SUBMITTED) | Answer.objected_at.is_not(None),
        )
        .order_by(Attempt.finished_at, Attempt.id, AttemptQuestion.position)
    ).all()
    return [(a, q, t) for a, q, t in rows if grading.is_answered(a.value)]


def is_waiting(answer: Answer, attempt: Attempt) -> bool:
    """Whether the essay waits for a grade: its first one, or a second one after an objection."""
    if answer.graded_at is not None:
        return False
    return answer.objected_at is not None or attempt.state is AttemptState.SUBMITTED


def why_not_grade(answer: Answer, grader) -> str | None:
    """Why this person may not grade this essay now, or None when they may."""
    attempt = answer.attempt_question.attempt
    if answer.graded_at is not None:
        return _("This answer has already been graded.")
    if not is_waiting(answer, attempt):
        return _("This answer is not waiting for a grade.")
    if attempt.user_id == grader.id:
        return _("This is your own answer: someone else must grade it.")
    if answer.objected_at is not None and answer.first_graded_by_id == grader.id:
        return _(
            "You gave this answer its first grade; a different person must grade the objection."
        )
    return None


@dataclass(frozen=True)
class QueueItem:
    answer: Answer
    #: The anonymous name graders see ("Answer #3F9A1C07").
    code: str
    title: str
    points: Decimal
    objection: bool
    #: Why the person looking at the queue may not grade it (e.g. they graded it first).
    blocked: str | None


def queue(exam: Exam, grader, *, secret: str | bytes) -> list[QueueItem]:
    """Essays waiting for a grade, objections first (their results are already out)."""
    items = [
        QueueItem(
            answer=answer,
            code=anonymous_code(answer.id, secret),
            title=item.snapshot.get("title") or _("Question %(n)s", n=item.position),
            points=Decimal(item.snapshot["points"]),
            objection=answer.objected_at is not None,
            blocked=why_not_grade(answer, grader),
        )
        for answer, item, _attempt in waiting_essays(exam)
    ]
    return sorted(items, key=lambda x: not x.objection)


def next_for(exam: Exam, grader, *, secret: str | bytes) -> QueueItem | None:
    """The first essay in the queue that this person may grade."""
    return next((x for x in queue(exam, grader, secret=secret) if x.blocked is None), None)


def get_essay(exam: Exam, answer_id: int) -> Answer | None:
    """An answered essay of a finished attempt of this exam, or None."""
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        return None
    item = answer.attempt_question
    if (
        item.attempt.exam_id != exam.id
        or item.attempt.state is AttemptState.IN_PROGRESS
        or item.snapshot.get("type") != QuestionType.ESSAY.value
        or not grading.is_answered(answer.value)
    ):
        return None
    return answer


# Grading ----------------------------------------------------------------------------------


def parse_score(raw: str | None, points: Decimal) -> Decimal:
    """The score a grader typed ("3", "3.5" or "3,5"), between 0 and the question's points."""
    text = (raw or "").strip()
    if not text:
        raise ScoreError(_("Enter a score."))
    score = grading.parse_number(text)
    if score is None:
        raise ScoreError(_("The score must be a number, such as 3 or 3,5."))
    if score < 0 or score > points:
        raise ScoreError(
            _("The score must be between 0 and %(max)s.", max=format_decimal(float(points)))
        )
    if score != score.quantize(CENT):
        raise ScoreError(_("Use at most two decimal places."))
    return score.quantize(CENT)


def grade_essay(answer: Answer, raw_score: str, comment: str, *, grader, now: datetime) -> Decimal:
    """Give an essay its grade (or its second grade after an objection); audit-logged.

    The grade of the attempt's last waiting essay releases the attempt's result; a second grade
    totals the released result again. Nothing changes when the input or the grader is refused.
    """
    reason = why_not_grade(answer, grader)
    if reason:
        waiting = is_waiting(answer, answer.attempt_question.attempt)
        raise (NotAllowed if waiting else AlreadyDone)(reason)
    item = answer.attempt_question
    score = parse_score(raw_score, Decimal(item.snapshot["points"]))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LENGTH:
        raise MarkingError(
            _("The comment is too long (at most %(n)s characters).", n=COMMENT_LENGTH)
        )
    attempt, answer_id, second = item.attempt, answer.id, answer.objected_at is not None
    _lock(attempt)
    before = {"score": _money(attempt.score), "passed": attempt.passed}
    # Compare-and-set: only if no one graded it meanwhile, nor an objection came in between.
    done = db.session.execute(
        update(Answer)
        .where(
            Answer.id == answer_id,
            Answer.graded_at.is_(None),
            Answer.objected_at.is_not(None) if second else Answer.objected_at.is_(None),
            Answer.first_graded_by_id.is_distinct_from(grader.id),
        )
        .values(score=score, comment=comment, graded_by_id=grader.id, graded_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.expire_all()
        raise AlreadyDone(_("Someone else has just graded this answer; nothing was changed."))
    db.session.expire_all()
    services.recompute(attempt, now=now)
    answer = db.session.get(Answer, answer_id)
    if second:
        record(
            "answer.second_grade",
            now=now,
            actor=grader,
            target=f"answer:{answer_id}",
            before={"first_score": _money(answer.first_score), "attempt_score": before["score"]},
            after={
                "score": _money(score),
                "attempt_score": _money(attempt.score),
                "passed": attempt.passed,
            },
        )
    else:
        record(
            "answer.grade",
            now=now,
            actor=grader,
            target=f"answer:{answer_id}",
            after={"score": _money(score), "released": attempt.state is AttemptState.GRADED},
        )
    return score


# Objections -------------------------------------------------------------------------------


def may_object(answer: Answer | None, attempt: Attempt, now: datetime) -> bool:
    """Whether the learner may object to this essay's grade now (once, after the release)."""
    return (
        answer is not None
        and attempt.state is AttemptState.GRADED
        and answer.attempt_question.snapshot.get("type") == QuestionType.ESSAY.value
        and answer.graded_at is not None
        and answer.objected_at is None
        and services.may_see_score(attempt, now)
    )


def file_objection(
    attempt: Attempt, position: int, reason: str, *, learner, now: datetime
) -> Answer:
    """Object to the grade of one essay of the learner's own attempt; audit-logged.

    The first grading moves to first_*, the essay waits for a second, different grader, and the
    attempt's released result stands meanwhile (services.essay_points counts the first grade).
    """
    if attempt.user_id != learner.id:
        raise NotAllowed(_("You may only object to your own answers."))
    item = services.question_at(attempt, position)
    answer = item.answer if item is not None else None
    if answer is not None and answer.objected_at is not None:
        raise AlreadyDone(_("You have already objected to this grade; it can be done only once."))
    if not may_object(answer, attempt, now):
        raise MarkingError(_("This answer's grade cannot be objected to."))
    reason = (reason or "").strip()
    if not reason:
        raise MarkingError(_("Write why you object to the grade."))
    if len(reason) > REASON_LENGTH:
        raise MarkingError(_("The reason is too long (at most %(n)s characters).", n=REASON_LENGTH))
    first_score = answer.score
    done = db.session.execute(
        update(Answer)
        .where(
            Answer.id == answer.id,
            Answer.objected_at.is_(None),
            Answer.graded_at.is_not(None),
        )
        .values(
            first_score=Answer.score,
            first_comment=Answer.comment,
            first_graded_by_id=Answer.graded_by_id,
            score=None,
            comment="",
            graded_by_id=None,
            graded_at=None,
            objection=reason,
            objected_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    if done.rowcount != 1:
        raise AlreadyDone(_("You have already objected to this grade; it can be done only once."))
    record(
        "answer.objection",
        now=now,
        actor=learner,
        target=f"answer:{answer.id}",
        before={"score": _money(first_score)},
        after={"objection": reason[:500]},
    )
    return db.session.get(Answer, answer.id)


# Regrading after a key change --------------------------------------------------------------


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _key(option: dict) -> tuple:
    return _dec(option.get("fraction")), _dec(option.get("tolerance"))


def _match(seen: list[dict], now: list[dict]) -> list[dict] | None:
    """The bank's option for each option the learner saw: by id, else by text; None if unsure."""
    if len(seen) != len(now):
        return None
    by_id = {o["id"]: o for o in now}
    if all(o["id"] in by_id for o in seen):
        return [by_id[o["id"]] for o in seen]
    # The bank replaces options when a question is saved, so their ids change: match the texts.
    left = {}
    for o in now:
        left.setdefault(grading.normalise_text(o["text"]), []).append(o)
    matched = []
    for o in seen:
        candidates = left.get(grading.normalise_text(o["text"]))
        if not candidates:
            return None
        matched.append(candidates.pop(0))
    return matched


UNCHANGED, UNMATCHED = "unchanged", "unmatched"


def refreshed(snapshot: dict, current: dict) -> dict | str:
    """The snapshot with the key of the question as the bank has it now.

    Keeps the learner's option order, texts and ids (their answer refers to the ids). Returns
    UNCHANGED when the key is the same, UNMATCHED when the options the learner saw can no longer
    be told apart in the bank (added, removed or reworded), so the key cannot be carried over.
    """
    new = copy.deepcopy(snapshot)
    changed = _dec(snapshot["points"]) != _dec(current["points"])
    new["points"] = current["points"]
    kind = snapshot["type"]
    if kind in grading.CHOICE_TYPES:
        matches = _match(snapshot["options"], current["options"])
        if matches is None:
            return UNMATCHED
        for option, now in zip(new["options"], matches, strict=True):
            if _key(option) != _key(now):
                option["fraction"], option["tolerance"] = now["fraction"], now["tolerance"]
                changed = True
    elif kind in grading.TEXT_TYPES and kind != QuestionType.ESSAY.value:
        # Accepted answers: the learner never saw them, so the bank's list replaces the old one.
        def accepted(options):
            return [(o["text"], *_key(o)) for o in options]

        if accepted(snapshot["options"]) != accepted(current["options"]):
            new["options"] = copy.deepcopy(current["options"])
            changed = True
    return new if changed else UNCHANGED


class _Bank:
    """The bank's current key of each question, computed once per question."""

    def __init__(self):
        self._cache: dict[int, dict] = {}

    def __getitem__(self, question_id: int) -> dict:
        if question_id not in self._cache:
            question = db.session.get(Question, question_id)
            # Unshuffled: only the key is taken from it, never the order.
            self._cache[question_id] = services.snapshot_of(question, random.Random(0), False)
        return self._cache[question_id]


@dataclass(frozen=True)
class RegradePlan:
    #: Ids of the submitted or graded attempts whose key differs from the bank's.
    attempt_ids: list[int]
    #: Questions whose key differs for some of those attempts.
    questions: list[Question]
    #: Questions whose options changed too much to carry the key over; left as they were.
    unmatched: list[Question]
    #: Attempts in progress that use a changed question; they are left alone.
    in_progress: int


def plan_regrade(exam: Exam) -> RegradePlan:
    """Which finished attempts of the exam a regrade would change (a preview; changes nothing)."""
    bank = _Bank()
    attempt_ids, changed, unmatched, live = [], set(), set(), 0
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.id)
    )
    for attempt in attempts:
        differs = False
        for item in attempt.questions:
            result = refreshed(item.snapshot, bank[item.question_id])
            if result == UNMATCHED:
                unmatched.add(item.question_id)
            elif result != UNCHANGED:
                differs = True
                if attempt.state is not AttemptState.IN_PROGRESS:
                    changed.add(item.question_id)
        if differs and attempt.state is AttemptState.IN_PROGRESS:
            live += 1
        elif differs:
            attempt_ids.append(attempt.id)

    def questions(ids):
        return [db.session.get(Question, i) for i in sorted(ids)]

    return RegradePlan(attempt_ids, questions(changed), questions(unmatched), live)


def _scaled(score: Decimal | None, old: Decimal, new: Decimal) -> Decimal | None:
    """A person's essay grade carried to new points: the same share of them."""
    if score is None or not old:
        return score
    share = min(max(score / old, Decimal(0)), Decimal(1))
    return (new * share).quantize(CENT, rounding=ROUND_HALF_UP)


def regrade(exam: Exam, *, actor, now: datetime) -> int:
    """Refresh the key of the exam's finished attempts from the bank and total them again.

    Each changed attempt is audit-logged with its score before and after. A completion (and JP
    credit) already recorded stays, whatever the new score. Returns how many attempts changed.
    """
    changed, bank = 0, _Bank()
    for attempt_id in plan_regrade(exam).attempt_ids:
        attempt = db.session.get(Attempt, attempt_id)
        _lock(attempt)  # a grade given meanwhile is seen, and totalled with the new key
        attempt = db.session.get(Attempt, attempt_id)
        before = _totals(attempt)
        questions = []
        for item in attempt.questions:
            result = refreshed(item.snapshot, bank[item.question_id])
            if isinstance(result, str):  # UNCHANGED or UNMATCHED
                continue
            old, new = Decimal(item.snapshot["points"]), Decimal(result["points"])
            answer = item.answer
            if answer is not None and result["type"] == QuestionType.ESSAY.value and old != new:
                answer.score = _scaled(answer.score, old, new)
                answer.first_score = _scaled(answer.first_score, old, new)
            item.snapshot = result
            questions.append(item.question_id)
        if not questions:
            continue
        attempt.max_score = sum(
            (Decimal(q.snapshot["points"]) for q in attempt.questions), Decimal(0)
        )
        services.recompute(attempt, now=now)
        record(
            "attempt.regrade",
            now=now,
            actor=actor,
            target=f"attempt:{attempt.id}",
            before={**before, "questions": sorted(questions)},
            after=_totals(attempt),
        )
        changed += 1
    db.session.flush()
    return changed


def _totals(attempt: Attempt) -> dict:
    return {
        "score": _money(attempt.score),
        "max_score": _money(attempt.max_score),
        "passed": attempt.passed,
    }
