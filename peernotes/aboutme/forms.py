"""The "about me" form: five short parts, each optional (checks live in the service)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from peernotes.aboutme.service import MAX_PART, PARTS


class AboutMeForm(FlaskForm):
    helps = TextAreaField(PARTS[0][1], description=PARTS[0][2])
    upsets = TextAreaField(PARTS[1][1], description=PARTS[1][2])
    enjoy = TextAreaField(PARTS[2][1], description=PARTS[2][2])
    contact = TextAreaField(PARTS[3][1], description=PARTS[3][2])
    words = TextAreaField(
        PARTS[4][1], description=f"{PARTS[4][2]} Each part up to {MAX_PART} characters."
    )
