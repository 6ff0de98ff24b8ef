"""The consumer's consent form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from peernotes.access.decision import Act, Category


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GrantForm(FlaskForm):
    grantee = SelectField("Who", validators=[DataRequired("Choose who can see it.")])
    categories = CheckboxList(
        "What they can see",
        choices=[SelectChoice(c.value, c.label.capitalize()) for c in Category],
        validators=[DataRequired("Choose at least one kind of information.")],
        # The service refuses a kind the person may not share, and logs it: a carer naming a
        # kind of the consumer's record is an attempt on record, not a form typo.
        validate_choice=False,
    )
    act = RadioField(
        "What they can do",
        choices=[
            SelectChoice(Act.READ.value, "Read it"),
            SelectChoice(Act.CONTRIBUTE.value, "Add notes to my record"),
        ],
        default=Act.READ.value,
        validators=[InputRequired("Choose what they can do.")],
    )
    purpose = StringField(
        "What it is for",
        description="For example: so my peer worker understands my care plan.",
        validators=[DataRequired("Say what it is for."), Length(max=200)],
    )
    days = IntegerField(
        "For how many days",
        default=30,
        validators=[
            InputRequired("Say for how many days."),
            NumberRange(1, 730, "Between 1 and 730 days; you can renew it later."),
        ],
    )


PRESENT = "The consumer is here with me and asked for this change"


class WitnessedGrantForm(GrantForm):
    present = BooleanField(PRESENT, validators=[DataRequired("Only with the consumer present.")])


class WitnessedRevokeForm(FlaskForm):
    present = BooleanField(PRESENT, validators=[DataRequired("Only with the consumer present.")])
