"""Record entry forms: writing and amending entries, and the person's own words on them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, Label, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from peernotes.access.decision import RECORD_CATEGORIES
from peernotes.records.models import StatementKind
from peernotes.records.service import MAX_BODY, MAX_TITLE
from peernotes.workforce.wellbeing.topics import CONTENT_NOTES


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
    content_note = SelectField(
        "Content note (optional)",
        choices=[SelectChoice("", "None"), *(SelectChoice(c, w) for c, w in CONTENT_NOTES.items())],
        validate_choice=False,
        description="If the entry describes one of these, tag it: peer workers who asked to see"
        " that topic folded see it behind the note, and open it when ready. It changes nothing"
        " about who may read the entry.",
    )


class AmendForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=MAX_TITLE)])
    body = TextAreaField("Entry", validators=[Length(max=MAX_BODY)])
    reason = StringField(
        "Why are you changing it?", validators=[DataRequired("Say why."), Length(max=500)]
    )
    entered_in_error = BooleanField("This entry was entered in error")


def _place(field: Field, field_id: str, label: str) -> None:
    """Give a field an id of its own, and its label: the entry page holds several forms with
    the same field names (two for the person, one per open correction request for a
    clinician), and each label must point at its own box."""
    field.id = field_id
    field.label = Label(field_id, label)


_STATEMENT_LABELS = {
    StatementKind.OWN_WORDS: "In your own words",
    StatementKind.CORRECTION: "What is not right, and what should it say?",
}


class StatementForm(FlaskForm):
    """The person's own words, or a correction request, on an entry about them.

    Only the CSRF token is checked here: what may be added, by whom, and how long it may be
    is the service's to decide (`records.service.add_statement`), so a page and a crafted
    request meet the same rules and the same messages.
    """

    kind = HiddenField()
    text = TextAreaField(render_kw={"rows": 4})

    def placed(self, kind: StatementKind) -> StatementForm:
        """This form as the entry page shows it for `kind` (the kind it sends is the box's)."""
        self.kind.data = kind.value
        self.kind.id = f"{kind.value.replace('_', '-')}-kind"
        _place(self.text, f"{kind.value.replace('_', '-')}-text", _STATEMENT_LABELS[kind])
        return self


class AnswerForm(FlaskForm):
    """A clinician's answer to one correction request (checked by the service, like above)."""

    text = TextAreaField(render_kw={"rows": 3})

    def placed(self, correction_id: int) -> AnswerForm:
        _place(self.text, f"answer-{correction_id}", "Your answer: what you changed, or why not")
        return self
