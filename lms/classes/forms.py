import re
from decimal import Decimal
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from lms.classes.models import ClassMode, FundingSource, JoinMode

#: Seats, JP and amounts a person can mean; anything larger is a typing mistake.
MAX_CAPACITY = 10_000
MAX_JP = 1_000
#: The largest amount a money column holds (Numeric(14, 2)).
MAX_AMOUNT = Decimal("999999999999")

#: Whole rupiah with optional thousands separators ("12.500.000", "12,500,000", "12 500 000"),
#: and at most two decimals after the last separator ("12500000,50").
_RUPIAH = re.compile(
    r"^(?P<int>\d{1,3}(?:(?P<sep>[.,\s])\d{3})(?:(?P=sep)\d{3})*|\d+)"
    r"(?:[.,](?P<dec>\d{1,2}))?$"
)


def mode_labels() -> dict:
    return {
        ClassMode.CLASSICAL: _l("Classical (in a room)"),
        ClassMode.ONLINE: _l("Online, synchronous"),
        ClassMode.BLENDED: _l("Blended"),
    }


def join_mode_labels() -> dict:
    return {
        JoinMode.NOMINATED: _l("Nominated by BKPSDM"),
        JoinMode.OPEN: _l("Open registration, with quotas per unit"),
    }


def source_labels() -> dict:
    return {
        FundingSource.APBD: _l("City budget (APBD)"),
        FundingSource.PARTNER: _l("Partner institution"),
        FundingSource.GRANT: _l("Grant (hibah)"),
        FundingSource.CSR: _l("CSR"),
        FundingSource.SELF: _l("Self-funded by participants"),
        FundingSource.OTHER: _l("Other"),
    }


def parse_rupiah(text: str | None) -> Decimal | None:
    """An amount as people type rupiah, or None when it cannot be read."""
    value = re.sub(r"^rp\.?\s*", "", (text or "").strip(), flags=re.IGNORECASE)
    match = _RUPIAH.match(value)
    if not match:
        return None
    whole = re.sub(r"\D", "", match["int"])
    return Decimal(f"{whole}.{match['dec'] or 0}")


def is_web_link(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name of the class"),
        validators=[DataRequired(_l("Enter the name of the class.")), Length(max=200)],
        description=_l("E.g. “Analisis Data Angkatan I 2026”."),
    )
    course_id = SelectField(
        _l("Course"), coerce=_optional_id, validators=[DataRequired(_l("Choose a course."))]
    )
    institution_id = SelectField(_l("Run by"), coerce=_optional_id, validate_choice=True)
    mode = RadioField(
        _l("Mode"), coerce=ClassMode, validators=[InputRequired(_l("Choose the mode."))]
    )
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter the first day."))])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(_l("Enter the last day."))])
    venue = StringField(
        _l("Venue"),
        validators=[Length(max=300)],
        description=_l("Required for a classical class; for a blended one, a venue or a link."),
    )
    meeting_url = StringField(
        _l("Meeting link"),
        validators=[Length(max=500)],
        description=_l("An http(s) link; required for an online class."),
        render_kw={"inputmode": "url", "autocomplete": "off"},
    )
    capacity = IntegerField(
        _l("Capacity (seats)"),
        validators=[InputRequired(_l("Enter the number of seats.")), NumberRange(1, MAX_CAPACITY)],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    join_mode = RadioField(
        _l("Participants"),
        coerce=JoinMode,
        validators=[InputRequired(_l("Choose how people join."))],
    )
    attendance_threshold = IntegerField(
        _l("Attendance needed to complete (%)"),
        default=80,
        validators=[InputRequired(_l("Enter the attendance needed.")), NumberRange(0, 100)],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    jp = IntegerField(
        _l("JP credited on completion"),
        validators=[Optional(), NumberRange(0, MAX_JP)],
        description=_l("Leave empty for the course's JP."),
        render_kw={"inputmode": "numeric", "min": 0},
    )
    # The certificate: set by admins only (the view removes these fields for partner staff).
    certificate_template_id = SelectField(
        _l("Certificate template"),
        coerce=_optional_id,
        description=_l("Leave empty for the course's template."),
    )
    auto_certificate = BooleanField(_l("Issue the certificate automatically on completion"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = list(mode_labels().items())
        self.join_mode.choices = list(join_mode_labels().items())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.venue.data = " ".join((self.venue.data or "").split())
        self.meeting_url.data = (self.meeting_url.data or "").strip()
        if self.starts_on.data and self.ends_on.data and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors.append(_l("The class cannot end before it starts."))
            ok = False
        if self.meeting_url.data and not is_web_link(self.meeting_url.data):
            self.meeting_url.errors.append(_l("Enter a link that starts with http:// or https://."))
            ok = False
        mode = self.mode.data
        if mode is ClassMode.CLASSICAL and not self.venue.data:
            self.venue.errors.append(_l("Enter the venue of a classical class."))
            ok = False
        elif mode is ClassMode.ONLINE and not self.meeting_url.data:
            self.meeting_url.errors.append(_l("Enter the meeting link of an online class."))
            ok = False
        elif mode is ClassMode.BLENDED and not (self.venue.data or self.meeting_url.data):
            self.venue.errors.append(_l("Enter a venue, a meeting link, or both."))
            ok = False
        return ok

    def data_for_service(self) -> dict:
        data = {
            "name": " ".join(self.name.data.split()),
            "course_id": self.course_id.data,
            "institution_id": self.institution_id.data,
            "mode": self.mode.data,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "venue": self.venue.data,
            "meeting_url": self.meeting_url.data,
            "capacity": self.capacity.data,
            "join_mode": self.join_mode.data,
            "attendance_threshold": self.attendance_threshold.data,
            "jp": self.jp.data,
        }
        if "certificate_template_id" in self:
            data["certificate_template_id"] = self.certificate_template_id.data
            data["auto_certificate"] = self.auto_certificate.data
        return data


class NominateForm(FlaskForm):
    nips = TextAreaField(
        _l("NIPs"),
        validators=[DataRequired(_l("Enter at least one NIP."))],
        description=_l("One per line, or separated by commas."),
        render_kw={"rows": 5, "inputmode": "numeric", "autocomplete": "off"},
    )


class RupiahField(StringField):
    """An amount in rupiah as people type it: "12.500.000", "Rp 12500000", "12500000,50"."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.amount: Decimal | None = None

    def pre_validate(self, form) -> None:
        self.amount = None
        raw = "" if self.data is None else str(self.data).strip()  # a Decimal from `obj`
        if not raw:
            return
        amount = parse_rupiah(raw)
        if amount is None:
            raise ValidationError(_l("Enter an amount in rupiah, e.g. 12.500.000."))
        if amount > MAX_AMOUNT:
            raise ValidationError(_l("The amount is too large."))
        self.amount = amount


class FundingForm(FlaskForm):
    source = SelectField(_l("Source"), coerce=FundingSource)
    amount = RupiahField(_l("Amount (Rp)"), validators=[DataRequired(_l("Enter the amount."))])
    note = StringField(
        _l("Note"),
        validators=[Length(max=300)],
        description=_l("E.g. the budget line or the grant agreement."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = list(source_labels().items())


class CostForm(FlaskForm):
    name = StringField(
        _l("Cost item"),
        validators=[DataRequired(_l("Enter what the cost is for.")), Length(max=200)],
        description=_l("E.g. instructors' fees, venue, meals, modules."),
    )
    amount = RupiahField(_l("Amount (Rp)"), validators=[DataRequired(_l("Enter the amount."))])
