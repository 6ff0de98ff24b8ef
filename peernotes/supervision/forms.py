"""Forms for setting a peer worker's supervisor and for logging a supervision session."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import Optional

from peernotes.supervision import sessions


class SupervisionForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    worker = SelectField("Peer worker", validate_choice=False)
    supervisor = SelectField("Supervising clinician", validate_choice=False)


class SessionForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    held_on = DateField("Date of the session", validators=[Optional()])
    topics = TextAreaField(
        sessions.FIELD_LABELS["topics"],
        description="The themes, not the people: say 'a consumer', not their name.",
    )
    wellbeing = TextAreaField(
        sessions.FIELD_LABELS["wellbeing"],
        description="How they are, in their words where you can. Only they and you read this.",
    )
    actions = TextAreaField(
        sessions.FIELD_LABELS["actions"],
        description="What each of you will do before the next session.",
    )
