"""The participants' evaluation of a class (evaluasi penyelenggaraan), kept anonymous.

A participant evaluates once, after the class (from the start of its last session). What they
said is stored apart from the fact that they said it: the receipt names the person and the
day only; the response has a random key, no person and no time, so nothing pairs the two.
Results are aggregates, and comments are listed sorted by their text, never in the order they
came in.
"""

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.auth.models import User
from lms.classes.access import is_member
from lms.classes.models import (
    Cohort,
    EvaluationReceipt,
    EvaluationResponse,
    InstructorRating,
)
from lms.classes.sessions import instructors_of, sessions_of
from lms.core.clock import local_date
from lms.core.db import insert_if_absent
from lms.extensions import db

RATINGS = (1, 2, 3, 4, 5)
MAX_COMMENT = 2000


class EvaluationError(ValueError):
    """An evaluation that cannot be taken; the message is for the user."""


def opens_at(cohort: Cohort) -> datetime | None:
    """When the class may be evaluated: the start of its last session (None without sessions)."""
    sessions = sessions_of(cohort)
    return sessions[-1].starts_at if sessions else None


def is_open(cohort: Cohort, now: datetime) -> bool:
    """From the start of the last session, or once the class's last day is over."""
    start = opens_at(cohort)
    return (start is not None and now >= start) or local_date(now) > cohort.ends_on


def has_evaluated(cohort: Cohort, user: User) -> bool:
    return (
        db.session.scalar(
            select(EvaluationReceipt.id).where(
                EvaluationReceipt.cohort_id == cohort.id, EvaluationReceipt.user_id == user.id
            )
        )
        is not None
    )


def refusal(cohort: Cohort, user: User, now: datetime) -> str | None:
    """Why the person may not evaluate the class now, or None."""
    if not is_member(user, cohort):
        return _l("Only the participants of this class can evaluate it.")
    if has_evaluated(cohort, user):
        return _l("You have already evaluated this class. Thank you.")
    if not is_open(cohort, now):
        return _l("The evaluation opens when the last session of the class starts.")
    return None


def _comment(value: str | None) -> str:
    return (value or "").strip()[:MAX_COMMENT]


def submit(cohort: Cohort, user: User, data: dict, *, now: datetime) -> EvaluationResponse:
    """Store one participant's evaluation, once.

    `data` holds organisation (1-5), comment, and instructors: {name: (rating, comment)} for
    every instructor of the class. The receipt and the response are written in the caller's
    transaction; a second submission (or a double click) finds the receipt and is refused.
    """
    reason = refusal(cohort, user, now)
    if reason is not None:
        raise EvaluationError(reason)
    names = instructors_of(cohort)
    given = data.get("instructors") or {}
    ratings = [data["organisation"]] + [given.get(n, (None, ""))[0] for n in names]
    if any(r not in RATINGS for r in ratings):
        raise EvaluationError(_l("Give every rating, from 1 to 5."))
    # The receipt first, as one INSERT ... ON CONFLICT DO NOTHING: of two clicks, one wins.
    if (
        insert_if_absent(
            EvaluationReceipt, cohort_id=cohort.id, user_id=user.id, submitted_on=local_date(now)
        )
        is None
    ):
        raise EvaluationError(_l("You have already evaluated this class. Thank you."))
    response = EvaluationResponse(
        id=secrets.token_hex(16),
        cohort_id=cohort.id,
        organisation=data["organisation"],
        comment=_comment(data.get("comment")),
        ratings=[
            InstructorRating(
                id=secrets.token_hex(16),
                instructor=name,
                rating=given[name][0],
                comment=_comment(given[name][1]),
            )
            for name in names
        ],
    )
    db.session.add(response)
    db.session.flush()
    return response


# Results ----------------------------------------------------------------------------------


@dataclass
class Scale:
    """Answers to one 1-5 question: how many, their mean, and how many gave each value."""

    counts: Counter = field(default_factory=Counter)

    def add(self, value: int) -> None:
        self.counts[value] += 1

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        return sum(v * c for v, c in self.counts.items()) / self.n if self.n else None

    @property
    def distribution(self) -> list[tuple[int, int, int]]:
        """(value, count, percent of answers) for 1 to 5."""
        n = self.n
        return [(v, self.counts[v], round(100 * self.counts[v] / n) if n else 0) for v in RATINGS]


@dataclass
class Results:
    respondents: int = 0
    organisation: Scale = field(default_factory=Scale)
    comments: list[str] = field(default_factory=list)
    #: Per instructor, by name.
    instructors: dict[str, Scale] = field(default_factory=dict)
    instructor_comments: dict[str, list[str]] = field(default_factory=dict)


def results(cohort_ids: list[int]) -> Results:
    """The aggregate of the evaluations of these classes; comments sorted by text."""
    out = Results()
    if not cohort_ids:
        return out
    responses = db.session.execute(
        select(EvaluationResponse.organisation, EvaluationResponse.comment).where(
            EvaluationResponse.cohort_id.in_(cohort_ids)
        )
    ).all()
    for organisation, comment in responses:
        out.respondents += 1
        out.organisation.add(organisation)
        if comment.strip():
            out.comments.append(comment.strip())
    ratings = db.session.execute(
        select(InstructorRating.instructor, InstructorRating.rating, InstructorRating.comment)
        .join(EvaluationResponse, EvaluationResponse.id == InstructorRating.response_id)
        .where(EvaluationResponse.cohort_id.in_(cohort_ids))
    ).all()
    for name, rating, comment in ratings:
        out.instructors.setdefault(name, Scale()).add(rating)
        if comment.strip():
            out.instructor_comments.setdefault(name, []).append(comment.strip())
    out.comments.sort(key=str.casefold)
    for comments in out.instructor_comments.values():
        comments.sort(key=str.casefold)
    out.instructors = dict(sorted(out.instructors.items(), key=lambda kv: kv[0].casefold()))
    return out


def respondents_by_class(cohort_ids: list[int]) -> dict[int, tuple[int, float | None]]:
    """Per class: (responses, mean organisation rating)."""
    rows = db.session.execute(
        select(
            EvaluationResponse.cohort_id,
            func.count(EvaluationResponse.id),
            func.avg(EvaluationResponse.organisation),
        )
        .where(EvaluationResponse.cohort_id.in_(cohort_ids))
        .group_by(EvaluationResponse.cohort_id)
    ).all()
    return {cid: (n, float(mean) if mean is not None else None) for cid, n, mean in rows}


def classes_of(institution_id: int) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .where(Cohort.institution_id == institution_id)
            .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        )
    )
