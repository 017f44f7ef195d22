from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.partners.models import InstitutionType


def institution_type_labels() -> dict[InstitutionType, str]:
    return {
        InstitutionType.UNIVERSITY: _l("University"),
        InstitutionType.POLYTECHNIC: _l("Polytechnic"),
        InstitutionType.TRAINING_INSTITUTE: _l("Training institute"),
        InstitutionType.GOVERNMENT_AGENCY: _l("Government agency"),
    }


class InstitutionForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=200)]
    )
    type = SelectField(_l("Type"), coerce=InstitutionType)
    active = BooleanField(_l("Active"), default=True)
