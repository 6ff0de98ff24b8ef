"""The filters of a person's own history (a GET form: filtering changes nothing, so no CSRF).

Kept apart from the auditor's filter form (`forms.py`): the two pages filter different things
for different people.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

#: The person's choice for "The PeerNotes service" (entries with no person behind them).
SERVICE = "service"
#: What a ticked box sends (`y`, from the page's own checkboxes) and what else means yes.
_YES = frozenset({"y", "yes", "on", "1", "true"})


def _a_box(_form: FlaskForm, field: BooleanField) -> None:
    """A checkbox is ticked or absent: anything else was not sent by the page."""
    if field.raw_data and field.raw_data[-1].lower() not in _YES:
        raise ValidationError("Tick the box, or leave it empty.")


class OwnLogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    others_only = BooleanField("Only what other people did", validators=[_a_box])
    refused_only = BooleanField("Only attempts that were refused", validators=[_a_box])
    person = SelectField("Who", validate_choice=False)

    def offer(self, people: Iterable[tuple[str, str]]) -> None:
        """The people the person may pick: those who appear in their own history."""
        offered = list(people)
        self._offered = {value for value, _ in offered}
        self.person.choices = [SelectChoice("", "Anyone")] + [
            SelectChoice(value, label) for value, label in offered
        ]

    def validate_person(self, field: SelectField) -> None:
        if field.data and field.data not in getattr(self, "_offered", set()):
            raise ValidationError("Choose someone from the list: the people in your history.")

    @property
    def person_id(self) -> int | None:
        """The chosen person's account id (None for anyone, or for the service)."""
        data = self.person.data
        return int(data) if data and data.isdigit() else None

    @property
    def service_only(self) -> bool:
        return bool(self.person.data == SERVICE)
