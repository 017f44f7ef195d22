from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Regexp

from lms.certificates.models import MAX_SIGNATORIES, Layout


def layout_labels() -> dict[Layout, str]:
    return {
        Layout.CLASSIC: _l("Classic: a double gold frame"),
        Layout.FORMAL: _l("Formal: navy bands at the top and bottom"),
        Layout.MODERN: _l("Modern: a coloured stripe, text on the left"),
    }


class SignatoryForm(Form):
    """One signatory; a row left blank means none (a plain Form: the outer form has the CSRF)."""

    name = StringField(_l("Name"), validators=[Length(max=200)])
    nip = StringField(
        _l("NIP"),
        validators=[Regexp(r"^(\d{18})?$", message=_l("A NIP has 18 digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    title = StringField(_l("Position"), validators=[Length(max=200)])
    signature = FileField(_l("Signature image"))
    remove_signature = BooleanField(_l("Remove the signature image"))


class TemplateForm(FlaskForm):
    name = StringField(
        _l("Name of the template"),
        validators=[DataRequired(_l("Enter the name.")), Length(max=200)],
    )
    layout = SelectField(_l("Layout"), coerce=Layout)
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter the title.")), Length(max=120)],
        default="SERTIFIKAT",
        description=_l("The big word at the top, e.g. SERTIFIKAT."),
    )
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(_l("Enter the text.")), Length(max=4000)],
        description=_l(
            "Paragraphs separated by a blank line. Placeholders in braces are replaced by the "
            "holder's data; everything else is printed exactly as typed."
        ),
        render_kw={"rows": 7},
    )
    place = StringField(
        _l("Place of signing"),
        validators=[DataRequired(_l("Enter the place.")), Length(max=120)],
        default="Makassar",
    )
    number_pattern = StringField(
        _l("Certificate numbers"),
        validators=[DataRequired(_l("Enter the pattern of the numbers.")), Length(max=120)],
        default="800/{seq}/BKPSDM/{year}",
        description=_l("{seq} is the running number, {year} the year, {month} the month."),
    )
    active = BooleanField(_l("Offered for new certificates"), default=True)
    logo = FileField(_l("BKPSDM logo"))
    remove_logo = BooleanField(_l("Remove the logo"))
    background = FileField(_l("Background image"))
    remove_background = BooleanField(_l("Remove the background image"))
    signatories = FieldList(
        FormField(SignatoryForm), min_entries=MAX_SIGNATORIES, max_entries=MAX_SIGNATORIES
    )
