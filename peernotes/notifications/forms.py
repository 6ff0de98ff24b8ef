"""The email settings form: one checkbox per kind of notice the person can receive."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField


class EmailSettingsForm(FlaskForm):
    # The service checks the kinds (and says why it refuses them), so that a refusal reads
    # the same however it arrives; the form only carries the ticked values and the CSRF token.
    email = SelectMultipleField("Email me when", choices=[], validate_choice=False)
