from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.auth.models import Role, UnitKind
from lms.auth.nip import NipError, check_nip
from lms.core.clock import utcnow


def role_labels() -> dict[Role, str]:
    return {
        Role.ASN: _l("ASN (learner)"),
        Role.SUPERVISOR: _l("Supervisor (head of unit)"),
        Role.PARTNER: _l("Partner staff"),
        Role.ADMIN: _l("BKPSDM administrator"),
    }


def unit_kind_labels() -> dict[UnitKind, str]:
    return {
        UnitKind.SECRETARIAT: _l("Secretariat"),
        UnitKind.DINAS: _l("Dinas (department)"),
        UnitKind.BADAN: _l("Badan (agency)"),
        UnitKind.KECAMATAN: _l("Kecamatan (district)"),
        UnitKind.KELURAHAN: _l("Kelurahan (sub-district)"),
        UnitKind.BAGIAN: _l("Bagian (division)"),
        UnitKind.OTHER: _l("Other"),
    }


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class PersonForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the name.")), Length(max=200)]
    )
    nip = StringField(
        _l("NIP"),
        validators=[Optional()],
        description=_l("18 digits; leave empty for partner staff."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    email = StringField(
        _l("E-mail"),
        validators=[
            Optional(),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    position = StringField(_l("Position (jabatan)"), validators=[Length(max=200)])
    rank = StringField(_l("Rank (pangkat/golongan)"), validators=[Length(max=100)])
    unit_id = SelectField(_l("Unit"), coerce=_optional_id, validate_choice=True)
    institution_id = SelectField(_l("Partner institution"), coerce=_optional_id)
    roles = CheckboxList(_l("Roles"), coerce=Role)

    def validate_nip(self, field):
        if field.data:
            try:
                field.data = check_nip(field.data, utcnow().date())
            except NipError as e:
                raise ValidationError(str(e)) from None


class UnitForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=200)]
    )
    code = StringField(
        _l("Code"),
        validators=[Length(max=40)],
        description=_l("As the personnel system spells it; used to match imported people."),
    )
    kind = SelectField(_l("Kind"), coerce=UnitKind)
    parent_id = SelectField(_l("Part of"), coerce=_optional_id)
    active = BooleanField(_l("Active"), default=True)


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Only CSV or XLSX files can be imported.")),
        ],
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST with its CSRF token."""
