from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from lms.core.clock import local_date, utcnow

#: Whom a course is assigned to.
TARGET_PEOPLE, TARGET_UNIT, TARGET_POSITION = "people", "unit", "position"


def target_labels() -> dict[str, str]:
    return {
        TARGET_PEOPLE: _l("People, by NIP"),
        TARGET_UNIT: _l("Everyone in a unit"),
        TARGET_POSITION: _l("Everyone with a position (jabatan)"),
    }


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class AssignForm(FlaskForm):
    course_id = SelectField(
        _l("Course"), coerce=_optional_id, validators=[DataRequired(_l("Choose a course."))]
    )
    due_date = DateField(
        _l("Due date"),
        validators=[DataRequired(_l("Enter the due date."))],
        description=_l("The learners see it, and the course is marked overdue after it."),
    )
    target = RadioField(_l("Assign to"), default=TARGET_PEOPLE)
    nips = TextAreaField(
        _l("NIPs"),
        description=_l("One per line, or separated by commas."),
        render_kw={"rows": 5, "inputmode": "numeric", "autocomplete": "off"},
    )
    unit_id = SelectField(_l("Unit"), coerce=_optional_id)
    include_sub_units = BooleanField(_l("Include its sub-units"), default=True)
    position = StringField(
        _l("Position (jabatan)"),
        validators=[Length(max=200)],
        description=_l("Exactly as written in the people's records; capitals do not matter."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = list(target_labels().items())

    def validate_due_date(self, field):
        if field.data and field.data < local_date(utcnow()):
            raise ValidationError(_l("The due date cannot be in the past."))

    def validate_nips(self, field):
        if self.target.data == TARGET_PEOPLE and not (field.data or "").strip():
            raise ValidationError(_l("Enter at least one NIP."))

    def validate_unit_id(self, field):
        if self.target.data == TARGET_UNIT and not field.data:
            raise ValidationError(_l("Choose a unit."))

    def validate_position(self, field):
        if self.target.data == TARGET_POSITION and not (field.data or "").strip():
            raise ValidationError(_l("Enter the position."))
