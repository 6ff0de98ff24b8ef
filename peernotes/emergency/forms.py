"""Forms for starting emergency access and for reviewing it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from peernotes.emergency.models import ReviewOutcome


class EmergencyForm(FlaskForm):
    """Break the glass. Length rules live in the service, so a refusal is also logged."""

    subject = SelectField("Whose record", validate_choice=False)
    reason = TextAreaField(
        "Why you need it now",
        description=(
            "At least 20 characters. The consumer will read this, and an auditor will review it."
        ),
    )
    password = PasswordField("Your password, again")
    code = StringField(
        "A fresh code from your authenticator app",
        description="Wait for a new code if you used the one showing to sign in.",
    )


class ReviewForm(FlaskForm):
    outcome = RadioField(
        "Finding",
        choices=[
            SelectChoice(ReviewOutcome.JUSTIFIED.value, "Justified"),
            SelectChoice(ReviewOutcome.NOT_JUSTIFIED.value, "Not justified"),
        ],
        validate_choice=False,
    )
    comment = TextAreaField("Comment", description="What you found, in a few sentences.")
