"""Admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from peernotes.auth.passwords import MAX_LENGTH, MIN_LENGTH
from peernotes.auth.roles import Role


class CreateAccountForm(FlaskForm):
    display_name = StringField(
        "Name", validators=[DataRequired("Enter the person's name."), Length(max=120)]
    )
    email = EmailField("Email", validators=[DataRequired("Enter an email."), Length(max=254)])
    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.label.capitalize()) for r in Role],
        validators=[DataRequired("Choose a role.")],
    )
    password = PasswordField(
        "First password",
        description=(
            f"At least {MIN_LENGTH} characters. Give it to the person privately: "
            "they choose their own the first time they sign in."
        ),
        validators=[DataRequired("Set a first password."), Length(max=MAX_LENGTH)],
    )
