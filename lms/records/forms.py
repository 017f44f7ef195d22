from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields import DateField, IntegerField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from lms.core.clock import local_date, utcnow
from lms.records.models import EntryKind, kind_labels
from lms.records.services import MANUAL_KINDS, MAX_JP, MIN_JP


def manual_kind_choices() -> list[tuple[EntryKind, str]]:
    labels = kind_labels()
    return [(k, labels[k]) for k in MANUAL_KINDS]


class EntryForm(FlaskForm):
    """Training done elsewhere, recorded by an admin with its evidence."""

    kind = SelectField(_l("Kind of activity"), coerce=EntryKind)
    title = StringField(
        _l("Name of the activity"),
        validators=[DataRequired(_l("Enter the name of the activity.")), Length(max=200)],
    )
    organizer = StringField(
        _l("Organiser"),
        validators=[DataRequired(_l("Enter who organised it.")), Length(max=200)],
    )
    start_date = DateField(
        _l("Start date"), validators=[InputRequired(_l("Enter the start date."))]
    )
    end_date = DateField(
        _l("End date"),
        validators=[InputRequired(_l("Enter the end date."))],
        description=_l("The entry counts in the year of this date."),
    )
    jp = IntegerField(
        _l("JP (hours of learning)"),
        validators=[
            InputRequired(_l("Enter the number of JP.")),
            NumberRange(
                MIN_JP,
                MAX_JP,
                _l("JP must be between %(min)s and %(max)s.", min=MIN_JP, max=MAX_JP),
            ),
        ],
        render_kw={"min": MIN_JP, "max": MAX_JP, "inputmode": "numeric"},
    )
    certificate_number = StringField(
        _l("Certificate number"),
        validators=[Length(max=100)],
        description=_l("Optional."),
    )
    evidence = FileField(
        _l("Evidence (PDF, PNG or JPEG)"),
        validators=[FileRequired(_l("Choose the evidence file."))],
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = manual_kind_choices()

    def validate_end_date(self, field):
        if field.data is None:
            return
        if self.start_date.data is not None and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
        if field.data > local_date(utcnow()):
            raise ValidationError(_l("The end date cannot be in the future."))


class ConfirmForm(FlaskForm):
    """An empty form: a POST with its CSRF token."""
