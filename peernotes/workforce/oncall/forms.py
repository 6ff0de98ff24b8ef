"""The coordinator's form for an on-call time. Checks live in the service, so every refusal
reads the same."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from peernotes.workforce.oncall.schedule import WEEKDAYS


class SlotForm(FlaskForm):
    worker = SelectField("Carer peer worker", validate_choice=False)
    weekday = SelectField(
        "Day",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(str(n), day) for n, day in enumerate(WEEKDAYS)],
        validate_choice=False,
    )
    start = StringField("From", description="24-hour time in the service's time zone, e.g. 18:00.")
    end = StringField(
        "Until",
        description="An end before the start runs past midnight (22:00 to 06:00). 24:00 is"
        " midnight at the end of the day.",
    )
    reach = StringField(
        "How carers reach them",
        description="For example: call or text the carer line 0400 000 000.",
    )
