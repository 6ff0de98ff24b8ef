"""The forms of "my wishes": writing a version (the person or their chosen peer worker) and a
clinician's reply. Checks live in the service, so that every refusal reads the same."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from peernotes.wishes.models import Transition

TEXT_LABELS: dict[str, str] = {
    "know": "What I want the team to know",
    "call": "Who to call",
    "not_want": "What I do not want",
}


class WishTextsForm(FlaskForm):
    """The three parts of a statement."""

    know = TextAreaField(
        TEXT_LABELS["know"],
        description="For example: what helps when I am unwell, what being ready to go home"
        " looks like for me. Up to 2000 characters.",
    )
    call = TextAreaField(
        TEXT_LABELS["call"],
        description="Who you want told, and how to reach them.",
    )
    not_want = TextAreaField(
        TEXT_LABELS["not_want"],
        description="For example: things that have not helped before.",
    )


class NewWishForm(WishTextsForm):
    transition = RadioField(
        "These are my wishes for",
        choices=[SelectChoice(t.value, t.label.capitalize()) for t in Transition],
        validate_choice=False,
    )
    helper = SelectField(
        "Write it with",
        validate_choice=False,
        description="A peer worker who supports you can help you write it. Only you send it"
        " to your care team.",
    )


class ReplyForm(FlaskForm):
    text = TextAreaField(
        "Your reply",
        description="They read your reply beside their wishes. Up to 2000 characters.",
    )
