"""Forms for writing a handover summary, for declining a request for a worker, and for
confirming one without the handover the person agreed to."""

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


class OverrideForm(FlaskForm):
    reason = TextAreaField(
        "Why the change can't wait for the handover",
        description="The person reads this, and it is kept with the request. The previous "
        "worker's support ends when you confirm, so they won't write the handover.",
    )
