from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from lms.auth.nip import NipError, check_nip
from lms.auth.passwords import PasswordRejected, check_new_password
from lms.core.clock import utcnow


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("NIP or e-mail"),
        validators=[DataRequired(_l("Enter your NIP or e-mail address."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()

    def validate_identifier(self, field):
        value = field.data.strip()
        compact = "".join(value.split())
        if compact.isdigit():
            try:
                field.data = check_nip(compact, utcnow().date())
            except NipError as e:
                raise ValidationError(str(e)) from None
        elif "@" not in value:
            raise ValidationError(_l("Enter an 18-digit NIP or an e-mail address."))
        else:
            field.data = value


class NewPasswordMixin:
    """The new password twice, checked against the rules."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password", "minlength": 12},
        description=_l("At least 12 characters. A few words together are easy to remember."),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_new_password(self, field):
        try:
            check_new_password(field.data)
        except PasswordRejected as e:
            raise ValidationError(str(e)) from None


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class FirstPasswordForm(NewPasswordMixin, FlaskForm):
    """For a one-time password: the person has just typed it to log in."""
