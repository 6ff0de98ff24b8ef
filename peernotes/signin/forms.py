"""Sign-in and password forms (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from peernotes.auth.passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6-digit code your authenticator app shows now, or a recovery code.",
        validators=[DataRequired("Enter the code."), Length(max=32)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_LENGTH} characters. A few words together work well.",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("new_password", "The two new passwords don't match."),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Your email address",
        validators=[
            DataRequired("Enter your email address."),
            Length(max=254),
            # The format only: whether an account has it is never said.
            Email("That doesn't look like an email address. Check it and try again."),
        ],
    )


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_LENGTH} characters. A few words together work well.",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("new_password", "The two new passwords don't match."),
        ],
    )
