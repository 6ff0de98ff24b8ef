"""Two-step sign-in forms (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class EnrolForm(FlaskForm):
    code = StringField(
        "Code from the app",
        description="After scanning, type the 6-digit code the app shows for PeerNotes.",
        validators=[DataRequired("Enter the code the app shows."), Length(max=32)],
    )


class DisableForm(FlaskForm):
    code = StringField(
        "Code from the app",
        description="Type the code your app shows now (or a recovery code) to switch it off.",
        # Both settings forms ask for a code on one page: each its own id, for its label.
        id="disable-code",
        validators=[DataRequired("Enter the code the app shows."), Length(max=32)],
    )


class RegenerateForm(FlaskForm):
    code = StringField(
        "Code from the app",
        description="Type the code your app shows now: new recovery codes need your phone.",
        id="regenerate-code",
        validators=[DataRequired("Enter the code the app shows."), Length(max=32)],
    )
