"""Forms for writing a handover summary and for declining a request for a worker."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField


class HandoverForm(FlaskForm):
    summary = TextAreaField(
        "Handover summary",
        description="What would help the next peer worker: what has worked, what to avoid, the "
        "person's own goals. The person reads every word.",
    )


class DeclineForm(FlaskForm):
    note = TextAreaField(
        "Why you can't confirm it",
        description="The person reads this. Say what happens next.",
    )
