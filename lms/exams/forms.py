from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.clock import CITY_TZ
from lms.exams.models import GradingMethod, ShowAnswers

WITA_HELP = _l("Makassar time (WITA). Leave empty for no limit.")


def wita_to_utc(value: datetime | None) -> datetime | None:
    """A time typed in Makassar (naive) as a UTC moment."""
    return value.replace(tzinfo=CITY_TZ).astimezone(UTC) if value else None


def utc_to_wita(value: datetime | None) -> datetime | None:
    """A stored UTC moment as the naive Makassar time a form shows."""
    return value.astimezone(CITY_TZ).replace(tzinfo=None) if value else None


def _wita_field(label):
    return DateTimeLocalField(
        label, format="%Y-%m-%dT%H:%M", validators=[Optional()], description=WITA_HELP
    )


class ExamForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=200)]
    )
    instructions = TextAreaField(
        _l("Instructions"),
        validators=[Length(max=20_000)],
        description=_l("Markdown. Shown on the start page."),
        render_kw={"rows": 4},
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[InputRequired(_l("Enter the duration.")), NumberRange(1, 24 * 60)],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    opens_at = _wita_field(_l("Opens at"))
    closes_at = _wita_field(_l("Closes at"))
    attempts_allowed = IntegerField(
        _l("Attempts allowed"),
        validators=[InputRequired(_l("Enter the number of attempts.")), NumberRange(1, 100)],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    grading_method = SelectField(_l("Attempt that counts"), coerce=GradingMethod)
    pass_mark = DecimalField(
        _l("Pass mark (%)"),
        places=None,
        validators=[InputRequired(_l("Enter the pass mark.")), NumberRange(0, 100)],
        render_kw={"inputmode": "decimal"},
    )
    lesson_id = SelectField(_l("Lesson that presents it"), coerce=lambda v: int(v) if v else None)
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_options = BooleanField(_l("Shuffle the options"))
    one_per_page = BooleanField(_l("One question per page (otherwise all on one page)"))
    show_score = BooleanField(_l("Show the score right after submitting"))
    show_answers = SelectField(_l("Show the right answers"), coerce=ShowAnswers)
    access_code = StringField(
        _l("Access code"),
        validators=[Length(max=50)],
        description=_l("Optional: learners must type it to start."),
        render_kw={"autocomplete": "off"},
    )
    published = BooleanField(_l("Published (learners may start it)"))

    def data_for_service(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "instructions": self.instructions.data or "",
            "duration_minutes": self.duration_minutes.data,
            "opens_at": wita_to_utc(self.opens_at.data),
            "closes_at": wita_to_utc(self.closes_at.data),
            "attempts_allowed": self.attempts_allowed.data,
            "grading_method": self.grading_method.data,
            "pass_mark": Decimal(self.pass_mark.data),
            "lesson_id": self.lesson_id.data,
            "shuffle_questions": self.shuffle_questions.data,
            "shuffle_options": self.shuffle_options.data,
            "one_per_page": self.one_per_page.data,
            "show_score": self.show_score.data,
            "show_answers": self.show_answers.data,
            "access_code": (self.access_code.data or "").strip(),
            "published": self.published.data,
        }


class OverrideForm(FlaskForm):
    identifier = StringField(
        _l("NIP or e-mail"),
        validators=[DataRequired(_l("Enter the person's NIP or e-mail.")), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    extra_minutes = IntegerField(
        _l("Extra minutes"), validators=[Optional(), NumberRange(0, 24 * 60)], default=0
    )
    extra_attempts = IntegerField(
        _l("Extra attempts"), validators=[Optional(), NumberRange(0, 100)], default=0
    )
    opens_at = _wita_field(_l("Opens at (for this person)"))
    closes_at = _wita_field(_l("Closes at (for this person)"))
    reason = StringField(_l("Reason"), validators=[Length(max=200)])

    def data_for_service(self) -> dict:
        return {
            "extra_minutes": self.extra_minutes.data or 0,
            "extra_attempts": self.extra_attempts.data or 0,
            "opens_at": wita_to_utc(self.opens_at.data),
            "closes_at": wita_to_utc(self.closes_at.data),
            "reason": (self.reason.data or "").strip(),
        }


class StartForm(FlaskForm):
    access_code = StringField(_l("Access code"), render_kw={"autocomplete": "off"})


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons."""
