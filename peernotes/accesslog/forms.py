"""The auditor's filter form (a GET form: filtering changes nothing, so no CSRF token).

Actions are offered in words, grouped by area (`audit.labels`); the code rides along as the
option's title. A time window can be narrowed to the second, and to entry numbers: the
insight dashboard's flags link here with exactly the entries behind them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from peernotes.audit.events import Outcome
from peernotes.audit.labels import ACTION_GROUPS, READS_CHOICE, READS_LABEL
from peernotes.parsing import BIGINT_MAX

#: Entry numbers are database integers: a larger one would overflow the query, not match nothing.
_SEQ_RANGE = [
    NumberRange(min=1, message="Entry numbers start at 1."),
    NumberRange(max=BIGINT_MAX, message="Entry numbers have at most 19 digits."),
]


def _sane_date(_form: FlaskForm, field: DateField) -> None:
    """Years 1 and 9999 are dates, but a day after or a time zone before them is not: the
    window's ends overflowed (a 500). No entry is older than the app or centuries ahead."""
    if field.data is not None and not 1900 <= field.data.year <= 2999:
        raise ValidationError("Give a year between 1900 and 2999.")


OUTCOME_WORDS = {Outcome.ALLOWED: "Allowed", Outcome.DENIED: "Refused"}


def action_choices() -> list[SelectChoice]:
    """The choices: any action, any read, then each action in words, an `<optgroup>` per area."""
    choices = [SelectChoice("", "Any action"), SelectChoice(READS_CHOICE, READS_LABEL)]
    for group in ACTION_GROUPS:
        choices.extend(
            SelectChoice(a.value, label, render_kw={"title": a.value}, optgroup=group.label)
            for a, label in group.actions
        )
    return choices


def _has_seconds(field: TimeField) -> bool:
    raw = field.raw_data[0] if field.raw_data else ""
    return raw.count(":") == 2


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor_id = SelectField("Who", validators=[Optional()])
    subject_id = SelectField(
        "About", description="The person the information is about.", validators=[Optional()]
    )
    action = SelectField("What happened", choices=action_choices(), validators=[Optional()])
    outcome = SelectField(
        "Outcome",
        choices=[SelectChoice("", "Allowed or refused")]
        + [SelectChoice(o.value, words) for o, words in OUTCOME_WORDS.items()],
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
    date_from = DateField("From (date)", validators=[Optional(), _sane_date])
    time_from = TimeField(
        "From time (optional)",
        format=["%H:%M:%S", "%H:%M"],
        render_kw={"step": "1"},
        validators=[Optional()],
    )
    date_to = DateField("To (date)", validators=[Optional(), _sane_date])
    time_to = TimeField(
        "To time (optional)",
        format=["%H:%M:%S", "%H:%M"],
        render_kw={"step": "1"},
        validators=[Optional()],
    )
    seq_from = IntegerField(
        "From entry #",
        validators=[Optional(), *_SEQ_RANGE],
    )
    seq_to = IntegerField(
        "To entry #",
        validators=[Optional(), *_SEQ_RANGE],
    )
    denied_only = BooleanField("Refusals only")

    def validate_time_from(self, field: TimeField) -> None:
        if field.data is not None and self.date_from.data is None:
            raise ValidationError("Give the date as well as the time.")

    def validate_time_to(self, field: TimeField) -> None:
        if field.data is not None and self.date_to.data is None:
            raise ValidationError("Give the date as well as the time.")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date can't be before the start date.")

    def validate_seq_to(self, field: IntegerField) -> None:
        if field.data and self.seq_from.data and field.data < self.seq_from.data:
            raise ValidationError("The last entry number can't be before the first.")

    def since(self, tz: ZoneInfo) -> datetime | None:
        """The window's first instant (local midnight of the date, or its time)."""
        start: date | None = self.date_from.data
        if start is None:
            return None
        return datetime.combine(start, self.time_from.data or time.min, tzinfo=tz)

    def until(self, tz: ZoneInfo) -> datetime | None:
        """The first instant after the window: the day, minute or second given is included."""
        end: date | None = self.date_to.data
        if end is None:
            return None
        if self.time_to.data is None:
            return datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
        step = timedelta(seconds=1) if _has_seconds(self.time_to) else timedelta(minutes=1)
        return datetime.combine(end, self.time_to.data, tzinfo=tz) + step

    def validate_window(self, tz: ZoneInfo) -> bool:
        """Field checks, then that the window does not end before it starts (to the second)."""
        if not self.validate():
            return False
        since, until = self.since(tz), self.until(tz)
        if since is not None and until is not None and until <= since:
            self.time_to.errors = [*self.time_to.errors, "The end can't be before the start."]
            return False
        return True
