"""The Apps and tokens page: a person's personal access tokens, beside where they are signed in.

A new token is shown once, on the page that answers the form (never stored, never sent again);
revoking one takes a confirmed, CSRF-checked post.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.api_tokens import TokenScope, tokens_of
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.tokens import service
from peernotes.tokens.forms import NewTokenForm
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import field_error, requires

bp = Blueprint("tokens", __name__)


def _list_page(db: Session, actor: Actor, form: NewTokenForm) -> str:
    return render_template(
        "tokens/list.html",
        tokens=tokens_of(db, actor.id),
        now=utcnow(),
        form=form,
        confirm=ConfirmForm(),
    )


@bp.route("/account/tokens", methods=["GET", "POST"])
@requires(Permission.SESSION_USE)
def list_tokens(actor: Actor, db: Session) -> str:
    form = NewTokenForm()
    if form.validate_on_submit():
        try:
            issued = service.make(
                db, actor, form.name.data or "", TokenScope(form.scope.data), form.days.data or 0
            )
        except Refused as refusal:
            field_error(form, refusal, "name")
        else:
            # The one time the whole token is shown: answered here, not after a redirect, so
            # it is never kept anywhere to show again (every page is sent `no-store`).
            return render_template("tokens/created.html", issued=issued)
    return _list_page(db, actor, form)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.SESSION_USE)
def revoke(actor: Actor, db: Session, token_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.revoke(db, actor, token_id)
    except service.NoSuchToken:
        abort(404)  # the refusal is on record; the wrapper commits it
    flash("That token is revoked: any app using it is refused from now on.", "info")
    return redirect(url_for("tokens.list_tokens"))
