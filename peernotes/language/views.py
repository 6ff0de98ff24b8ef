"""The coordinator's page for the service's own language terms (added on top of the packaged
list, retired rather than deleted)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.language import service as terms
from peernotes.language.forms import TermForm
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires

bp = Blueprint("language", __name__)


@bp.route("/admin/language", methods=["GET", "POST"])
@requires(Permission.ADMIN_LANGUAGE)
def manage(actor: Actor, db: Session) -> str | Response:
    form = TermForm()
    if form.validate_on_submit():
        try:
            added = terms.add_term(
                db, actor, form.term.data or "", form.suggestion.data or "", form.why.data or ""
            )
        except terms.LanguageError as exc:
            field_error(form, exc, "term")
        else:
            flash(f"“{added.term}” is checked from now on, in every note and entry.", "info")
            return redirect(url_for("language.manage"))
    rows = terms.service_terms(db)
    return render_template(
        "language/manage.html",
        form=form,
        rows=rows,
        packaged=terms.packaged_terms(),
        names=display_names(db, {r.added_by_id for r in rows}),
        confirm=ConfirmForm(),
    )


@bp.route("/admin/language/<int:term_id>/retire", methods=["POST"])
@requires(Permission.ADMIN_LANGUAGE)
def retire(actor: Actor, db: Session, term_id: int) -> Response:
    def run() -> str:
        row = terms.retire_term(db, actor, term_id)
        return f"“{row.term}” is retired: it is kept here, and no longer checked."

    return confirmed_action(run, url_for("language.manage"))
