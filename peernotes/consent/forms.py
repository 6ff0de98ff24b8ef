"""The consumer's consent form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from peernotes.consent.decision import Act, Category
from peernotes.consent.flags import FLAG_LABELS
from peernotes.consent.models import ReviewOutcome


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GrantForm(FlaskForm):
    grantee = SelectField("Who", validators=[DataRequired("Choose who can see it.")])
    categories = CheckboxList(
        "What they can see",
        choices=[SelectChoice(c.value, c.label.capitalize()) for c in Category],
        validators=[DataRequired("Choose at least one kind of information.")],
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


PRESENT = "The consumer is here with me and asked for this change"


class WitnessedGrantForm(GrantForm):
    present = BooleanField(PRESENT, validators=[DataRequired("Only with the consumer present.")])


class WitnessedRevokeForm(FlaskForm):
    present = BooleanField(PRESENT, validators=[DataRequired("Only with the consumer present.")])
