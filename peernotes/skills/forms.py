"""Adding or changing a skill or resource (checks live in the service)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from peernotes.skills.service import MAX_WORKED, Kind


class SkillForm(FlaskForm):
    kind = RadioField(
        "What is it?",
        choices=[SelectChoice(k.value, k.label) for k in Kind],
        default=Kind.SKILL.value,
        validate_choice=False,
    )
    name = StringField(
        "Name", description="For example: Opposite action, TIPP, the carers' group on Tuesdays."
    )
    about = TextAreaField(
        "What it is, or where to find it", description="Optional. A few words, a place, a link."
    )
    worked = TextAreaField(
        "What worked, and what didn't",
        description=f"Optional. In your own words, up to {MAX_WORKED} characters.",
    )


class SkillChangeForm(FlaskForm):
    """A change keeps the kind: only the words change."""

    name = SkillForm.name
    about = SkillForm.about
    worked = SkillForm.worked
