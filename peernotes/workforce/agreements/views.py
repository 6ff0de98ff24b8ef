"""Support agreement pages: a peer worker proposes boundaries to someone they support, that
person confirms them, and the worker's supervisor can read them.

Every page needs `AGREEMENTS_USE` (consumers, carers, peer workers and clinicians hold it);
who reaches *this* agreement is then decided by the service (`agreements.reader_of`):
  - `/people/<id>/agreement`: the peer worker who supports that person now (versions, and a
    form to propose a new one);
  - `/agreements/<id>`: the worker, the person it is with, the worker's current supervisor;
  - `/agreements/<id>/change`: either of the two (the person supported can suggest a change
    too), while they still work together; the supervisor is refused (403);
  - `/agreements/<id>/confirm`: the one of the two who has not confirmed yet;
  - `/my/agreements`: one's own list (for a clinician: the workers they supervise).
Anyone else is answered as if the agreement did not exist, after a denied log entry.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from peernotes.audit.events import Action
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.timefmt import local_today
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import field_error, requires
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.agreements import terms as wording
from peernotes.workforce.agreements.forms import AgreementForm
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.contacts import service as contacts

bp = Blueprint("agreements", __name__)

#: How far back the worker's and supervisor's pages show contacts outside the agreement.
FLAG_DAYS = 90


def _prefill(form: AgreementForm, latest: SupportAgreement | None, places: str) -> None:
    """A change starts from what was agreed last (`places`: its places, opened by the
    service after the page's permit); a first agreement from a common pattern."""
    today = local_today()
    if latest is None:
        form.methods.data = ["phone", "in_person"]
        form.days.data = ["0", "1", "2", "3", "4"]
        form.starts_at.data = "09:00"
        form.ends_at.data = "17:00"
        form.review_on.data = today + timedelta(days=91)
        return
    form.methods.data = list(latest.methods)
    form.days.data = [str(d) for d in latest.days]
    form.starts_at.data = f"{latest.starts_at:%H:%M}"
    form.ends_at.data = f"{latest.ends_at:%H:%M}"
    form.places.data = places
    form.community_contact.data = latest.community_contact
    form.ward_visits.data = latest.ward_visits
    every = latest.contact_every_days
    form.contact_every_days.data = "" if every is None else str(every)
    form.review_on.data = max(latest.review_on, today)


def _checked_terms(form: AgreementForm, today: date) -> wording.Terms | None:
    """The proposal's terms, or None with the reason shown next to its field."""
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        # Only a review date that is not a date gets here (Optional lets an empty one by).
        form.review_on.errors[:] = ["Enter a date, for example 2027-03-01."]
        return None
    try:
        return wording.validate_terms(
            methods=form.methods.data or [],
            days=form.days.data or [],
            starts_at=form.starts_at.data or "",
            ends_at=form.ends_at.data or "",
            places=form.places.data or "",
            community_contact=bool(form.community_contact.data),
            ward_visits=bool(form.ward_visits.data),
            review_on=form.review_on.data,
            today=today,
            contact_every_days=form.contact_every_days.data,
        )
    except wording.AgreementError as exc:
        field_error(form, exc, "methods")
        return None


# The worker's page for one person -----------------------------------------------------------------


@bp.route("/people/<int:subject_id>/agreement", methods=["GET", "POST"])
@requires(Permission.AGREEMENTS_USE)
def for_person(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = agreements.works_with(db, actor, subject_id)
    form = AgreementForm()
    if subject is None:
        # Not someone this worker supports now: the page does not exist for them.
        action = Action.AGREEMENT_PROPOSE if form.is_submitted() else Action.AGREEMENT_READ
        agreements.log_refused(db, actor, action, subject_id)
        abort(404)
    today = local_today()
    if form.is_submitted():
        terms = _checked_terms(form, today)
        if terms is not None:
            try:
                row = agreements.propose(db, actor, subject.id, terms)
            except wording.AgreementError as exc:
                field_error(form, exc, "methods")
            else:
                flash(
                    f"Proposed. {subject.display_name} can read it and confirm it on their"
                    " support agreements page. Until then, what you agreed before still stands.",
                    "info",
                )
                return redirect(url_for("agreements.show", agreement_id=row.id))
    pair = agreements.for_worker(db, actor, subject.id, today)
    if not form.is_submitted():
        latest = pair.versions[0] if pair.versions else None
        _prefill(form, latest, agreements.places_of(db, latest))
    return render_template(
        "workforce/agreements/person.html",
        subject=subject,
        pair=pair,
        form=form,
        flags=contacts.flagged_between(db, actor.id, subject.id, today - timedelta(days=FLAG_DAYS)),
        labels=contacts,
        words=wording,
    )


# One version ------------------------------------------------------------------------------------


@bp.route("/agreements/<int:agreement_id>")
@requires(Permission.AGREEMENTS_USE)
def show(actor: Actor, db: Session, agreement_id: int) -> str:
    today = local_today()
    try:
        view = agreements.read(db, actor, agreement_id, today)
    except agreements.AgreementNotFound:
        abort(404)
    agreement = view.agreement
    staff = view.reader is not agreements.Reader.SUBJECT
    return render_template(
        "workforce/agreements/show.html",
        view=view,
        agreement=agreement,
        names=display_names(db, {agreement.worker_id, agreement.subject_id}),
        confirm=ConfirmForm(),
        # Contacts outside the agreement: for the worker and their supervisor, never the person.
        flags=contacts.flagged_between(
            db, agreement.worker_id, agreement.subject_id, today - timedelta(days=FLAG_DAYS)
        )
        if staff
        else [],
        labels=contacts,
        words=wording,
    )


@bp.route("/agreements/<int:agreement_id>/change", methods=["GET", "POST"])
@requires(Permission.AGREEMENTS_USE)
def change(actor: Actor, db: Session, agreement_id: int) -> str | Response:
    """Either of the two suggests a change, starting from this version; the other confirms."""
    form = AgreementForm()
    action = Action.AGREEMENT_PROPOSE if form.is_submitted() else Action.AGREEMENT_READ
    try:
        agreement, reader = agreements.may_change(db, actor, agreement_id, action)
    except agreements.AgreementNotFound:
        abort(404)
    except agreements.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    names = display_names(db, {agreement.worker_id, agreement.subject_id})
    other = agreement.worker_id if reader is agreements.Reader.SUBJECT else agreement.subject_id
    if form.is_submitted():
        terms = _checked_terms(form, local_today())
        if terms is not None:
            row = agreements.propose_change(db, actor, agreement, reader, terms)
            flash(
                f"Sent to {names.get(other, 'them')}. It becomes your agreement once they confirm"
                " it; until then, what you agreed before still stands.",
                "info",
            )
            return redirect(url_for("agreements.show", agreement_id=row.id))
    else:
        agreements.log_read(db, actor, agreement, reader)
        _prefill(form, agreement, agreements.places_of(db, agreement))
    return render_template(
        "workforce/agreements/change.html",
        agreement=agreement,
        reader=reader,
        other=names.get(other, "them"),
        form=form,
    )


@bp.route("/agreements/<int:agreement_id>/confirm", methods=["POST"])
@requires(Permission.AGREEMENTS_USE)
def confirm(actor: Actor, db: Session, agreement_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        agreement = agreements.confirm(db, actor, agreement_id)
    except agreements.AgreementNotFound:
        abort(404)
    except agreements.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    except wording.AgreementError as exc:
        flash(str(exc), "info")  # a second click, or a newer version: said calmly
    else:
        flash(
            f"Confirmed. This is your agreement now, until you change it together or look at it"
            f" again on {agreement.review_on.day} {agreement.review_on:%B %Y}.",
            "info",
        )
    return redirect(url_for("agreements.show", agreement_id=agreement_id))


# Lists ------------------------------------------------------------------------------------------


@bp.route("/my/agreements")
@requires(Permission.AGREEMENTS_USE)
def mine(actor: Actor, db: Session) -> str:
    listed = agreements.listed_for(db, actor, local_today())
    return render_template(
        "workforce/agreements/mine.html",
        listed=listed,
        names=display_names(db, {a.worker_id for a in listed} | {a.subject_id for a in listed}),
    )
