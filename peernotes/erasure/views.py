"""The person's erasure page, and the staff list of requests waiting for their date.

Who may do what: only the person asks, for their own information (consumers, and carers for
their carer-support notes); nobody can ask on someone else's behalf, because erasing at once
cannot be undone. Coordinators and auditors see the pending requests (who, when, how many
notes were erased at once, the date the rest is due) and never any content: coordinators so
that they do not close an account whose erasure is still to come, auditors because
`peernotes retention run` acts on them.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from config import Config
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import record_event
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.erasure import service
from peernotes.erasure.forms import ErasureForm
from peernotes.web.routes import requires

bp = Blueprint("erasure", __name__)


def _years() -> int:
    config: Config = current_app.config["PEERNOTES"]
    return config.retention_years


@bp.route("/my/erasure", methods=["GET", "POST"])
@requires(Permission.ERASURE_REQUEST_OWN)
def request_own(actor: Actor, db: Session) -> str | Response:
    form = ErasureForm()
    today = utcnow().date()
    if form.validate_on_submit():
        made = service.request_erasure(db, actor, actor.id, today=today, years=_years())
        flash("Your request is recorded. This page says what happened and what comes next.")
        # The vault entries go once this commits (the route decorator commits on return).
        return redirect(url_for("erasure.request_own", done=made.id))
    plan = service.plan(db, actor.id, today, _years())
    latest = plan.earlier[0] if plan.earlier else None
    done = service.explain(service.as_done(plan, latest), done=True) if latest is not None else []
    return render_template(
        "erasure/request.html",
        form=form,
        plan=plan,
        what_will_happen=service.explain(plan),
        latest=latest,
        what_happened=done,
    )


@bp.route("/erasure-requests")
@requires(Permission.ERASURE_REVIEW)
def pending(actor: Actor, db: Session) -> str:
    requests = service.pending(db)
    names = dict(
        db.execute(
            select(User.id, User.display_name).where(User.id.in_([r.subject_id for r in requests]))
        ).all()
    )
    record_event(
        db, actor, Action.ERASURE_LIST, None, None, Outcome.ALLOWED, Basis.role(actor.role.value)
    )
    return render_template("erasure/pending.html", requests=requests, names=names)
