"""Forms for teams, assignments and carer nominations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class NominateCarerForm(FlaskForm):
    email = EmailField(
        "Their email",
        description="The email your carer uses to sign in to PeerNotes.",
        validators=[DataRequired("Enter your carer's email."), Length(max=254)],
    )
    relationship_label = StringField(
        "How they are related to you (optional)",
        description="For example: mum, partner, friend.",
        validators=[Optional(), Length(max=80)],
    )


class TeamForm(FlaskForm):
    name = StringField(
        "Team name", validators=[DataRequired("Give the team a name."), Length(max=120)]
    )
    description = TextAreaField(
        "What the team does (optional)", validators=[Optional(), Length(max=500)]
    )


class MembershipForm(FlaskForm):
    user_id = SelectField("Person", coerce=int, validators=[DataRequired("Choose a person.")])


class AssignmentForm(FlaskForm):
    worker_id = SelectField(
        "Worker", coerce=int, validators=[DataRequired("Choose a clinician or peer worker.")]
    )
    subject_id = SelectField(
        "Supports", coerce=int, validators=[DataRequired("Choose the consumer or carer.")]
    )
    team_id = SelectField("Team", coerce=int, validators=[Optional()])
    starts_on = DateField("Starts on", validators=[InputRequired("Give a start date.")])
    ends_on = DateField("Ends on (optional)", validators=[Optional()])
