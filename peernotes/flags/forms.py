"""The form for setting or lifting a safety flag."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from peernotes.flags.service import FLAG_LABELS


class FlagForm(FlaskForm):
    """A safety flag. Length rules live in the service, so the messages are the same everywhere."""

    kind = RadioField(
        "Kind of risk",
        choices=[SelectChoice(k.value, label.capitalize()) for k, label in FLAG_LABELS.items()],
        validate_choice=False,
    )
    reason = TextAreaField(
        "Why",
        description=(
            "Carers and carer peer workers lose all access to this person at once. Unless you"
            " say they should not be told, the person reads this."
        ),
    )
    do_not_tell = BooleanField("Do not tell the person about this flag")
    not_told_because = TextAreaField(
        "Why the person should not be told",
        description="Required when the person is not told. Other clinicians will read it.",
    )
