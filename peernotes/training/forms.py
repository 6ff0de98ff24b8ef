"""Forms for recording a peer worker's training and importing completions from a CSV file."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from peernotes.training import service as training


class TrainingForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    person = SelectField("Peer worker", validate_choice=False)
    module = SelectField(
        "Module",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(m.value, label) for m, label in training.MODULE_LABELS.items()],
        validate_choice=False,
    )
    completed_on = DateField("Completed on", validators=[Optional()])
    expires_on = DateField("Expires on", validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        description="A header row naming email, module, completed_on and expires_on, then one"
        " completed module per row. Dates like 2026-05-03.",
    )
