"""The coordinator's settings page: each setting, its value, who changed it last, and what
turning it off means for what already exists."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.settings import service as settings
from peernotes.settings.forms import ToggleForm
from peernotes.timefmt import local_today
from peernotes.web.routes import requires

bp = Blueprint("settings", __name__)


@bp.route("/admin/settings", methods=["GET", "POST"])
@requires(Permission.ADMIN_SETTINGS)
def manage(actor: Actor, db: Session) -> str | Response:
    form = ToggleForm()
    error: str | None = None
    if form.validate_on_submit():
        raw = form.value.data
        value: object = {"on": True, "off": False}.get(raw or "", raw)
        try:
            settings.change(db, actor, form.key.data or "", value)
        except settings.SettingsError as exc:
            error = str(exc)
        else:
            spec = settings.SETTINGS[form.key.data or ""]
            flash(f"“{spec.label}” is now {'on' if value else 'off'}.", "info")
            return redirect(url_for("settings.manage"))
    rows = []
    for key, spec in settings.SETTINGS.items():
        row = settings.row_of(db, key)
        changed_by = db.get(User, row.changed_by_id) if row and row.changed_by_id else None
        rows.append(
            {
                "spec": spec,
                "on": settings.value_of(db, key),
                "row": row,
                "changed_by": changed_by.display_name if changed_by else None,
            }
        )
    return render_template(
        "settings/manage.html",
        form=form,
        rows=rows,
        error=error,
        existing=settings.gated_assignments(db, local_today()),
    )
