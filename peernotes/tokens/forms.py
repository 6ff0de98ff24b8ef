"""The form that makes a token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from peernotes.auth.api_tokens import (
    DEFAULT_LIFETIME_DAYS,
    MAX_LIFETIME_DAYS,
    NAME_MAX,
    TokenScope,
)


class NewTokenForm(FlaskForm):
    name = StringField(
        "What it is for",
        description="The app's name, so you know later which token is which.",
        validators=[DataRequired("Give the token a name."), Length(max=NAME_MAX)],
    )
    scope = RadioField(
        "What the app may do",
        choices=[
            SelectChoice(TokenScope.READ.value, "Read only"),
            SelectChoice(TokenScope.WRITE.value, "Read and make changes"),
        ],
        default=TokenScope.READ.value,
        validators=[InputRequired("Choose what the app may do.")],
    )
    days = IntegerField(
        "For how many days",
        description=f"Up to {MAX_LIFETIME_DAYS} days. Afterwards, make a new one.",
        default=DEFAULT_LIFETIME_DAYS,
        validators=[
            InputRequired("Say for how many days."),
            NumberRange(1, MAX_LIFETIME_DAYS, f"Between 1 and {MAX_LIFETIME_DAYS} days."),
        ],
    )
