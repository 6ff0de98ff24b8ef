"""The dashboard's settings, from its GET parameters (reading changes nothing: no CSRF token).

Every setting is optional and has a default; a value out of range is refused by name and the
page answers 400 with the form and its errors, showing no numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from peernotes.insight.service import Settings

DEFAULTS = Settings()


def _whole(label: str, low: int, high: int, default: int, description: str) -> IntegerField:
    return IntegerField(
        label,
        description=f"{description} ({low} to {high}).",
        default=default,
        validators=[
            Optional(),
            NumberRange(min=low, max=high, message=f"Give a whole number from {low} to {high}."),
        ],
        render_kw={"min": str(low), "max": str(high), "inputmode": "numeric"},
    )


class InsightForm(FlaskForm):
    class Meta:
        csrf = False

    days = _whole("Days", 1, 366, DEFAULTS.days, "How many days, ending today")
    top = _whole("Top readers", 1, 20, DEFAULTS.top, "How many readers to show for each person")
    person = SelectField("Whose readers to draw", validators=[Optional()])
    night_from = _whole(
        "Unusual hours from", 0, 23, DEFAULTS.night_from, "Local hour the unusual hours begin"
    )
    night_to = _whole("Unusual hours until", 0, 23, DEFAULTS.night_to, "Local hour they end")
    burst_count = _whole(
        "Refusals in a burst", 2, 1000, DEFAULTS.burst_count, "How many refusals make a burst"
    )
    burst_minutes = _whole(
        "Burst within minutes", 1, 1440, DEFAULTS.burst_minutes, "Within how many minutes"
    )

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        if not super().validate(extra_validators):
            return False
        # Across two fields, either of which may be left to its default (so not a field check).
        hours = self.settings()
        if hours.night_from == hours.night_to:
            self.night_to.errors = [
                *self.night_to.errors,
                "The unusual hours must end at another hour than they begin.",
            ]
            return False
        return True

    def settings(self) -> Settings:
        """The validated settings, defaults filled in."""

        def given(value: int | None, default: int) -> int:
            return default if value is None else value

        return Settings(
            days=given(self.days.data, DEFAULTS.days),
            top=given(self.top.data, DEFAULTS.top),
            person=int(self.person.data) if self.person.data else None,
            night_from=given(self.night_from.data, DEFAULTS.night_from),
            night_to=given(self.night_to.data, DEFAULTS.night_to),
            burst_count=given(self.burst_count.data, DEFAULTS.burst_count),
            burst_minutes=given(self.burst_minutes.data, DEFAULTS.burst_minutes),
        )
