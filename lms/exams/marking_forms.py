"""Forms of essay grading; the rules on their values live in lms/exams/marking.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from lms.exams.marking import COMMENT_LENGTH


class GradeForm(FlaskForm):
    # Text, not type=number: graders type Indonesian decimal commas ("3,5"); marking.parse_score
    # says what is wrong with anything else.
    score = StringField(_l("Score"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    comment = TextAreaField(
        _l("Comment for the learner"),
        description=_l("Optional. The learner reads it with the grade."),
        render_kw={"rows": 4, "maxlength": COMMENT_LENGTH},
    )
