"""The form a coordinator turns a setting on or off with (one form per setting)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice


class ToggleForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    key = HiddenField()
    value = RadioField(
        "Setting",
        choices=[SelectChoice("on", "On"), SelectChoice("off", "Off")],
        validate_choice=False,
    )
