"""Forms of class sessions, attendance, check-in and evaluation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from lms.classes.evaluation import MAX_COMMENT, RATINGS
from lms.classes.sessions import CODE_LENGTH, MAX_TOPIC
from lms.exams.forms import utc_to_wita, wita_to_utc

WITA = _l("Makassar time (WITA).")


def _when(label, message):
    return DateTimeLocalField(
        label, format="%Y-%m-%dT%H:%M", validators=[InputRequired(message)], description=WITA
    )


class SessionForm(FlaskForm):
    starts_at = _when(_l("Starts"), _l("Enter the date and time the session starts."))
    ends_at = _when(_l("Ends"), _l("Enter the date and time the session ends."))
    topic = StringField(
        _l("Topic"),
        validators=[DataRequired(_l("Enter the topic of the session.")), Length(max=MAX_TOPIC)],
    )
    instructors = TextAreaField(
        _l("Instructors"),
        description=_l("One name per line."),
        validators=[Length(max=5000)],
        render_kw={"rows": 3},
    )

    def fill(self, session) -> None:
        """Show a stored session's times in WITA."""
        self.starts_at.data = utc_to_wita(session.starts_at)
        self.ends_at.data = utc_to_wita(session.ends_at)

    def data_for_service(self) -> dict:
        return {
            "starts_at": wita_to_utc(self.starts_at.data),
            "ends_at": wita_to_utc(self.ends_at.data),
            "topic": self.topic.data or "",
            "instructors": self.instructors.data or "",
        }


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Check-in code"),
        validators=[DataRequired(_l("Enter the code shown in the room.")), Length(max=20)],
        description=_l("%(n)s letters and digits, shown by the class's staff.", n=CODE_LENGTH),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": 20,
        },
    )


def _scale(label):
    return RadioField(
        label,
        choices=[str(v) for v in RATINGS],
        coerce=int,
        validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
    )


def _comment(label):
    return TextAreaField(label, validators=[Length(max=MAX_COMMENT)], render_kw={"rows": 3})


class EvaluationForm(FlaskForm):
    organisation = _scale(_l("How well was the class organised?"))
    comment = _comment(_l("Comments on the organisation (optional)"))

    @classmethod
    def for_instructors(cls, names: list[str]) -> "EvaluationForm":
        """The form with a rating and a comment for each instructor (fields i0, i1, ...)."""

        class Form(cls):
            pass

        for i, name in enumerate(names):
            setattr(Form, f"rating_{i}", _scale(_l("How well did %(name)s teach?", name=name)))
            setattr(
                Form, f"comment_{i}", _comment(_l("Comments on %(name)s (optional)", name=name))
            )
        form = Form()
        form.instructor_names = names
        return form

    def instructor_fields(self):
        return [
            (name, self[f"rating_{i}"], self[f"comment_{i}"])
            for i, name in enumerate(self.instructor_names)
        ]

    def data_for_service(self) -> dict:
        return {
            "organisation": self.organisation.data,
            "comment": self.comment.data or "",
            "instructors": {
                name: (rating.data, comment.data or "")
                for name, rating, comment in self.instructor_fields()
            },
        }
