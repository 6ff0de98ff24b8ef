"""Forms for raising a risk concern and for delaying telling the person about it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Optional

from peernotes.risk import service as risk


class RaiseForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    observed = TextAreaField(
        risk.FIELD_LABELS["observed"],
        description="What you saw or heard, in plain words. Facts, not labels.",
    )
    why_now = TextAreaField(
        risk.FIELD_LABELS["why_now"],
        description="Why the care team needs to know today, rather than at your next note.",
    )
    what_done = TextAreaField(
        risk.FIELD_LABELS["what_done"],
        description="What you did, who you contacted, and what you agreed with the person.",
    )


class DelayForm(FlaskForm):
    reason = TextAreaField(
        "Why telling them must wait",
        description="The care team and the worker who raised it read this; the person does not.",
    )
    hours = IntegerField("For how many hours", validators=[Optional()])
