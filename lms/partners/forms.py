from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from lms.courses.forms import http_url
from lms.partners.models import AgreementKind, InstitutionType


def institution_type_labels() -> dict[InstitutionType, str]:
    return {
        InstitutionType.UNIVERSITY: _l("University"),
        InstitutionType.POLYTECHNIC: _l("Polytechnic"),
        InstitutionType.TRAINING_INSTITUTE: _l("Training institute"),
        InstitutionType.GOVERNMENT_AGENCY: _l("Government agency"),
    }


def agreement_kind_labels() -> dict[AgreementKind, str]:
    return {
        AgreementKind.MOU: _l("MoU (memorandum of understanding)"),
        AgreementKind.PKS: _l("PKS (cooperation agreement)"),
    }


def _email(label):
    return StringField(
        label,
        validators=[
            Optional(),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )


class InstitutionForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=200)]
    )
    type = SelectField(_l("Type"), coerce=InstitutionType)
    active = BooleanField(_l("Active"), default=True)
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_email = _email(_l("E-mail"))
    contact_phone = StringField(
        _l("Phone"),
        validators=[
            Length(max=40),
            Regexp(r"^[0-9+()\-. ]*$", message=_l("Use digits, spaces and + ( ) - only.")),
        ],
        render_kw={"type": "tel", "inputmode": "tel"},
    )
    address = TextAreaField(_l("Address"), validators=[Length(max=500)], render_kw={"rows": 2})
    website = StringField(
        _l("Website"),
        validators=[Length(max=300), http_url],
        render_kw={"type": "url", "inputmode": "url", "placeholder": "https://"},
    )
    logo = FileField(_l("Logo file"))
    remove_logo = BooleanField(_l("Remove the logo"))


class AgreementForm(FlaskForm):
    kind = SelectField(_l("Kind"), coerce=AgreementKind)
    number = StringField(
        _l("Number"),
        validators=[DataRequired(_l("Enter the agreement's number.")), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=300)]
    )
    scope = TextAreaField(
        _l("Scope"),
        validators=[Length(max=5000)],
        description=_l("What the institution and BKPSDM agreed to do together."),
        render_kw={"rows": 4},
    )
    starts_on = DateField(
        _l("In force from"), validators=[InputRequired(_l("Enter the first day."))]
    )
    ends_on = DateField(
        _l("In force until"),
        validators=[InputRequired(_l("Enter the last day."))],
        description=_l("The last day it is in force, included."),
    )
    document = FileField(_l("Signed document (PDF)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(agreement_kind_labels().items())

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot come before the first."))


class StaffForm(FlaskForm):
    """A new member of a partner institution's staff, who logs in with their e-mail."""

    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the name.")), Length(max=200)]
    )
    email = StringField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter the e-mail address they will log in with.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    position = StringField(_l("Position"), validators=[Length(max=200)])
