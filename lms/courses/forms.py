from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from lms.courses.models import (
    CompetencyType,
    LearningMode,
    LessonKind,
    competency_labels,
    mode_labels,
)

MAX_JP = 200


def kind_labels() -> dict[LessonKind, str]:
    return {
        LessonKind.TEXT: _l("Text"),
        LessonKind.FILE: _l("File (PDF, slides, document, video file, image)"),
        LessonKind.VIDEO: _l("Video link"),
        LessonKind.EXAM: _l("Exam (coming soon)"),
    }


def _id_or_zero(value) -> int:
    """A chosen row's id; 0 for "none"."""
    return int(value) if value not in (None, "") else 0


class CourseForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=200)]
    )
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter a code.")), Length(max=40)],
        description=_l("Short and unique, e.g. TEK-2026-01."),
        render_kw={"autocomplete": "off"},
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Length(max=500)],
        description=_l("One or two sentences, shown in the catalog."),
        render_kw={"rows": 2},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=50_000)],
        description=_l("Markdown: **bold**, *italic*, lists with -, links as [text](https://...)."),
        render_kw={"rows": 8},
    )
    competency_type = SelectField(_l("Competency type"), coerce=CompetencyType)
    mode = SelectField(_l("Learning mode"), coerce=LearningMode)
    jp = IntegerField(
        _l("JP (lesson hours)"),
        validators=[
            InputRequired(_l("Enter the JP.")),
            NumberRange(0, MAX_JP, _l("Between 0 and %(max)s.", max=MAX_JP)),
        ],
        description=_l("Credited to each learner who completes the course."),
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_JP},
    )
    open_enrollment = BooleanField(_l("Anyone may enroll (otherwise by assignment only)"))
    #: 0 for none; the choices are the active templates (and the course's own, if inactive now).
    certificate_template_id = SelectField(
        _l("Certificate template"),
        coerce=_id_or_zero,
        description=_l("What a learner who completes the course receives."),
    )
    auto_certificate = BooleanField(_l("Issue the certificate automatically on completion"))
    score_bands = TextAreaField(
        _l("Score bands (predicates)"),
        validators=[Length(max=2000)],
        description=_l(
            "One band a line: the lowest score and the predicate, e.g. “85 Sangat "
            "Memuaskan”. Without bands, or without a score, a certificate says “Lulus”."
        ),
        render_kw={"rows": 4, "placeholder": "85 Sangat Memuaskan\n70 Memuaskan\n60 Cukup"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.competency_type.choices = list(competency_labels().items())
        self.mode.choices = list(mode_labels().items())

    def set_templates(self, templates) -> None:
        """Offer these certificate templates, after "none"."""
        field = self.certificate_template_id
        field.choices = [(0, _l("No certificate")), *templates]
        if field.data is None:  # the course has none (WTForms does not coerce None)
            field.data = 0

    def validate_score_bands(self, field) -> None:
        # Imported here: the certificates package imports this module (its ConfirmForm).
        from lms.certificates.issuing import IssueError, parse_bands

        try:
            parse_bands(field.data)
        except IssueError as e:
            raise ValidationError(str(e)) from None

    def validate_auto_certificate(self, field) -> None:
        chosen = "certificate_template_id" in self and self.certificate_template_id.data
        if field.data and not chosen:
            raise ValidationError(_l("Choose the certificate template to issue."))


def http_url(form, field) -> None:
    """Accept only an http or https address with a host."""
    if not field.data:
        return
    field.data = field.data.strip()
    try:
        parts = urlsplit(field.data)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter an address starting with https:// or http://."))


class LessonForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=200)]
    )
    kind = SelectField(_l("Kind"), coerce=LessonKind)
    body = TextAreaField(
        _l("Text"),
        validators=[Length(max=200_000)],
        description=_l("Markdown. For a file or video lesson, a short introduction."),
        render_kw={"rows": 10},
    )
    video_url = StringField(
        _l("Video address"),
        validators=[Length(max=500), http_url],
        description=_l("A link learners open themselves; the page never loads the video."),
        render_kw={"type": "url", "inputmode": "url", "placeholder": "https://"},
    )
    required = BooleanField(_l("Required to complete the course"))
    #: Not "file": that would be filled from Lesson.file, the current LessonFile.
    upload = FileField(_l("File"))

    def __init__(self, *args, has_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(kind_labels().items())
        self.has_file = has_file

    def validate_video_url(self, field) -> None:
        if self.kind.data is LessonKind.VIDEO and not field.data:
            raise ValidationError(_l("Enter the video's address."))

    def validate_upload(self, field) -> None:
        if self.kind.data is LessonKind.FILE and not self.has_file and not field.data:
            raise ValidationError(_l("Choose a file to upload."))


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("What should the authors change?"),
        validators=[DataRequired(_l("Say what the authors should change.")), Length(max=5000)],
        render_kw={"rows": 3},
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST with its CSRF token."""
