"""Forms for raising and answering a workplace concern, and for choosing topics to see
collapsed. Checks live in the service, so that every refusal reads the same."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from peernotes.workforce.wellbeing import service
from peernotes.workforce.wellbeing.topics import CONTENT_NOTES


class ConcernForm(FlaskForm):
    reader = RadioField(
        "Who should read it",
        validate_choice=False,
        description="Only you and the person you choose ever read it.",
    )
    kind = SelectField(
        "What is it about",
        choices=[
            SelectChoice("", "Choose…"),
            *(SelectChoice(k, w) for k, w in service.KINDS.items()),
        ],
        validate_choice=False,
    )
    text = TextAreaField(
        "What happened, and what would help",
        description="In your own words. You can add to it later.",
        render_kw={"rows": 6},
    )


class AnswerForm(FlaskForm):
    what = HiddenField(default=service.REPLY)
    text = TextAreaField("Your reply", render_kw={"rows": 4})


class TopicsForm(FlaskForm):
    topics = SelectMultipleField(
        "Topics to show collapsed",
        choices=[SelectChoice(c, w) for c, w in CONTENT_NOTES.items()],
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        description="Anything an author tagged with one of these is shown folded behind its"
        " content note. You can always open it; nothing is hidden from you.",
    )
