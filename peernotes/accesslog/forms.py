"""The auditor's filter form (a GET form: filtering changes nothing, so no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp

from peernotes.audit.events import Action, Outcome


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor_id = SelectField("Person", validators=[Optional()])
    subject_id = SelectField("About", validators=[Optional()])
    action = SelectField(
        "Action",
        choices=[SelectChoice("", "Any action")] + [SelectChoice(a.value, a.value) for a in Action],
        validators=[Optional()],
    )
    outcome = SelectField(
        "Outcome",
        choices=[SelectChoice("", "Allowed or denied")]
        + [SelectChoice(o.value, o.value.capitalize()) for o in Outcome],
        validators=[Optional()],
    )
    basis = StringField(
        "Basis or reason",
        description=(
            "A kind (consent, emergency, care_assignment, no_permission) matches every entry of"
            " that kind; a full basis such as emergency:3 matches exactly."
        ),
        validators=[
            Optional(),
            Length(max=100),
            Regexp(r"^[A-Za-z0-9_:.-]+$", message="Use letters, digits, _ : . or - only."),
        ],
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    denied_only = BooleanField("Denials only")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            from wtforms.validators import ValidationError

            raise ValidationError("The end date can't be before the start date.")
