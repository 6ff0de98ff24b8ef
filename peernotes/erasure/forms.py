"""The one form of an erasure request: the person confirms they understood what happens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class ErasureForm(FlaskForm):
    understood = BooleanField(
        "I have read what will happen, and I want my information erased.",
        validators=[DataRequired("Tick the box to say you have read what will happen.")],
    )
