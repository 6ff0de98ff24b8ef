"""Forms for setting up a group and recording one of its sessions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from peernotes.consent.forms import CheckboxList
from peernotes.workforce.groups.models import GroupKind


class GroupForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    name = StringField("Group name", description="For example: DBT skills group.")
    kind = RadioField(
        "Who the group is for",
        choices=[
            SelectChoice(GroupKind.CONSUMER.value, "Consumers"),
            SelectChoice(GroupKind.CARER.value, "Carers"),
        ],
        validate_choice=False,
    )
    description = TextAreaField(
        "About the group (optional)",
        description="When and where it meets, and what it is for. Nothing about any person.",
    )


class SessionForm(FlaskForm):
    held_on = DateField("Date of the session", validators=[Optional()])
    topic = StringField(
        "Topic",
        description="A short title, for example “Distress tolerance: TIPP skills”. Up to 200"
        " characters. Please do not write anything about the people who came.",
    )
    facilitators = CheckboxList("Who facilitated", validate_choice=False)
    attendees = CheckboxList("Who attended", validate_choice=False)
