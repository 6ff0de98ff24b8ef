"""The contact log page: a peer worker records contacts with the people they support and sees
their recent ones, each gently marked when it fell outside the agreement in force.

`CONTACTS_LOG` (peer workers); the service checks that the person is in the worker's care
now. The marks are the worker's own (and their supervisor's, on the agreement page): this
page is only ever the worker's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.care.service import caseload
from peernotes.db import utcnow
from peernotes.parsing import parse_id
from peernotes.timefmt import local_today
from peernotes.web.routes import field_error, requires
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.contacts import service as contacts
from peernotes.workforce.contacts.forms import ContactForm
from peernotes.workforce.contacts.models import Contact

bp = Blueprint("contacts", __name__)


def _saved_message(name: str, contact: Contact, agreed: bool) -> str:
    if contact.outside_agreement:
        return (
            f"Saved. This one was a little outside your agreement with {name}"
            f" ({'; '.join(contact.outside_agreement)}). That happens; it may be worth a word"
            " in supervision."
        )
    if not agreed:
        return f"Saved. There's no agreement with {name} yet, so there was nothing to check."
    return f"Saved. It was within your agreement with {name}."


@bp.route("/contacts", methods=["GET", "POST"])
@requires(Permission.CONTACTS_LOG)
def log(actor: Actor, db: Session) -> str | Response:
    today = local_today()
    people = caseload(db, actor.id, utcnow())
    names = display_names(db, {a.subject_id for a in people})
    form = ContactForm()
    form.subject.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(str(a.subject_id), names.get(a.subject_id, "Someone")) for a in people
    ]
    if form.is_submitted():
        if not form.validate():
            if form.csrf_token.errors:
                abort(400)
            # Only a date or a number that is not one gets here (Optional lets empty ones by).
            if form.occurred_on.errors:
                form.occurred_on.errors[:] = ["Enter a date, for example 2026-05-03."]
            if form.minutes.errors:
                form.minutes.errors[:] = ["Enter the minutes as a whole number, for example 45."]
        else:
            raw = form.subject.data or ""
            try:
                contact = contacts.record(
                    db,
                    actor,
                    parse_id(raw),
                    occurred_on=form.occurred_on.data,
                    at_time=form.at_time.data or "",
                    minutes=form.minutes.data,
                    channel=form.channel.data or "",
                    place=form.place.data or "",
                    group=bool(form.group.data),
                    today=today,
                )
            except contacts.ContactError as exc:
                field_error(form, exc, "subject")
            else:
                agreed = (
                    agreements.in_force(db, actor.id, contact.subject_id, contact.occurred_on)
                    is not None
                )
                flash(
                    _saved_message(names.get(contact.subject_id, "them"), contact, agreed), "info"
                )
                return redirect(url_for("contacts.log"))
    else:
        form.occurred_on.data = today
    summary = contacts.caseload_summary(db, actor.id, people, today)
    recent = contacts.recent(db, actor.id, today)
    everyone = display_names(db, {c.contact.subject_id for c in recent} | set(names))
    # Every confirmed agreement of this worker in one query, not one query per person.
    confirmed = agreements.in_force_for_worker(db, actor.id, today)
    return render_template(
        "workforce/contacts/log.html",
        form=form,
        people=sorted(summary.items(), key=lambda item: everyone.get(item[0], "")),
        agreed_now={
            s for s in summary if agreements.pick_in_force(confirmed.get(s, []), today) is not None
        },
        recent=recent,
        names=everyone,
        labels=contacts,
        summary_days=contacts.SUMMARY_DAYS,
    )
