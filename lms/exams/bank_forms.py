"""Forms of the question bank: categories, a question of each type, and imports."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from lms.core.uploads import IMAGE_TYPES, size_text
from lms.exams import formats
from lms.exams.formats import ONE, ZERO, OptionData, QuestionData
from lms.exams.models import Question, QuestionType

ROWS = formats.MAX_OPTIONS


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Category name"),
        validators=[DataRequired(_l("Enter the category's name.")), Length(max=200)],
    )


class ConfirmForm(FlaskForm):
    """A button that posts: only the CSRF token."""


class OptionForm(Form):
    text = StringField(_l("Option"))
    percent = StringField(_l("Share (%)"), render_kw={"inputmode": "decimal", "size": 6})
    feedback = StringField(_l("Feedback for this option"))


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class QuestionForm(FlaskForm):
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[Optional()])
    new_category = StringField(
        _l("Or a new category"),
        validators=[Length(max=200)],
        description=_l("Creates the category if the bank has none of that name."),
    )
    title = StringField(
        _l("Title"),
        validators=[Length(max=200)],
        description=_l("A short name for lists; optional."),
    )
    text = TextAreaField(
        _l("Question"),
        validators=[DataRequired(_l("Enter the question."))],
        description=_l("Markdown: **bold**, *italic*, lists, links."),
        render_kw={"rows": 5},
    )
    points = StringField(_l("Points"), default="1", render_kw={"inputmode": "decimal", "size": 6})
    options = FieldList(FormField(OptionForm), min_entries=ROWS, max_entries=ROWS)
    right = RadioField(_l("Right answer"), validate_choice=False, validators=[Optional()])
    value = StringField(_l("Right value"), render_kw={"inputmode": "decimal"})
    tolerance = StringField(
        _l("Tolerance"),
        default="0",
        description=_l("How far an answer may be from the value and still count."),
        render_kw={"inputmode": "decimal"},
    )
    feedback = TextAreaField(
        _l("General feedback"),
        description=_l("Shown after the exam, as the exam's review setting allows; optional."),
        render_kw={"rows": 2},
    )
    image = FileField(_l("Picture"), render_kw={"accept": ",".join(IMAGE_TYPES)})
    remove_image = BooleanField(_l("Remove the picture"))

    def __init__(self, *args, image_limit: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.image.description = _l(
            "Optional: a PNG, JPEG, WebP or GIF file of at most %(limit)s, shown under the "
            "question. A new file replaces the current picture.",
            limit=size_text(image_limit),
        )

    def to_data(self, qtype: QuestionType, category: str = "") -> QuestionData:
        """The question as typed; ValueError says what is wrong."""
        points = formats.decimal(self.points.data)
        if points is None:
            raise ValueError(_l("The points must be a number."))
        rows = [
            (o.form.text.data or "", o.form.percent.data or "", o.form.feedback.data or "")
            for o in self.options
        ]
        right = self.right.data or ""
        options: list[OptionData] = []
        if qtype is QuestionType.SINGLE:
            options = [
                OptionData(t.strip(), ONE if str(i) == right else ZERO, feedback=f.strip())
                for i, (t, _p, f) in enumerate(rows)
                if t.strip()
            ]
        elif qtype is QuestionType.MULTIPLE:
            for t, p, f in rows:
                if not t.strip():
                    continue
                percent = formats.decimal(p) if p.strip() else ZERO
                if percent is None:
                    raise ValueError(_l("A share is not a number: %(value)s", value=p))
                options.append(OptionData(t.strip(), formats.share(percent), feedback=f.strip()))
        elif qtype is QuestionType.TRUE_FALSE:
            if right not in (formats.TRUE, formats.FALSE):
                raise ValueError(_l("Choose the right answer: true or false."))
            options = [
                OptionData(code, ONE if right == code else ZERO, feedback=rows[i][2].strip())
                for i, code in enumerate((formats.TRUE, formats.FALSE))
            ]
        elif qtype is QuestionType.SHORT:
            options = [OptionData(t.strip(), ONE) for t, _p, _f in rows if t.strip()]
        elif qtype is QuestionType.NUMERIC:
            value = formats.decimal(self.value.data)
            if value is None:
                raise ValueError(_l("The right value must be a number."))
            tolerance = formats.decimal(self.tolerance.data) if self.tolerance.data else ZERO
            if tolerance is None:
                raise ValueError(_l("The tolerance must be a number of 0 or more."))
            options = [OptionData(formats.plain(value), ONE, tolerance)]
        data = QuestionData(
            type=qtype,
            text=self.text.data or "",
            title=(self.title.data or "").strip(),
            category=category,
            points=points,
            feedback=self.feedback.data or "",
            options=options,
        )
        reason = formats.problem(data)
        if reason:
            raise ValueError(reason)
        return data

    def fill(self, question: Question) -> None:
        """Show a saved question's values (on GET)."""
        self.category_id.data = question.category_id
        self.title.data = question.title
        self.text.data = question.text
        self.points.data = formats.plain(question.points)
        self.feedback.data = question.feedback
        opts = list(question.options)
        if question.type is QuestionType.NUMERIC and opts:
            self.value.data = opts[0].text
            self.tolerance.data = formats.plain(opts[0].tolerance or ZERO)
            return
        if question.type is QuestionType.TRUE_FALSE:
            for o in opts:
                if o.fraction == ONE:
                    self.right.data = o.text
            opts = sorted(opts, key=lambda o: o.text != formats.TRUE)
        for i, o in enumerate(opts[:ROWS]):
            row = self.options[i].form
            row.text.data = o.text
            row.percent.data = formats.plain(o.fraction * 100)
            row.feedback.data = o.feedback
            if question.type is QuestionType.SINGLE and o.fraction == ONE:
                self.right.data = str(i)


class ImportForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    format = SelectField(_l("Format"), default="auto")
    category = StringField(
        _l("Category for questions without one"),
        validators=[DataRequired(_l("Enter the category's name.")), Length(max=200)],
        description=_l("Aiken files have no categories; GIFT and XLSX files may."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = [
            ("auto", _l("Recognise from the file")),
            ("gift", "GIFT"),
            ("aiken", "Aiken"),
            ("xlsx", "XLSX"),
        ]


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    accept = SubmitField(_l("Import"))
    cancel = SubmitField(_l("Cancel"))
