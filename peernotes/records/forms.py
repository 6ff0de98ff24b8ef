"""Record entry forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from peernotes.access.decision import RECORD_CATEGORIES
from peernotes.records.service import MAX_BODY, MAX_TITLE


class EntryForm(FlaskForm):
    category = SelectField(
        "Kind of entry",
        choices=[SelectChoice(c.value, c.label.capitalize()) for c in RECORD_CATEGORIES],
        validators=[DataRequired("Choose the kind of entry.")],
    )
    title = StringField("Title", validators=[DataRequired("Give a title."), Length(max=MAX_TITLE)])
    body = TextAreaField(
        "Entry", validators=[DataRequired("Write the entry."), Length(max=MAX_BODY)]
    )


class AmendForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=MAX_TITLE)])
    body = TextAreaField("Entry", validators=[Length(max=MAX_BODY)])
    reason = StringField(
        "Why are you changing it?", validators=[DataRequired("Say why."), Length(max=500)]
    )
    entered_in_error = BooleanField("This entry was entered in error")
