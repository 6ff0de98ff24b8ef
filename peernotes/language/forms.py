"""The coordinator's form for adding a term. Checks live in the service, so every refusal
reads the same."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class TermForm(FlaskForm):
    term = StringField(
        "Word or phrase to look for",
        description="Whole words, any case. A space also matches a hyphen or a line break.",
    )
    suggestion = TextAreaField(
        "What to suggest instead",
        description="Plain words the writer sees beside the match, e.g. “say what happened”.",
    )
    why = TextAreaField("Why it hurts (optional)")
