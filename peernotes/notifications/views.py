"""Notification pages: the person's own list, opening one, and which are emailed.

Every page needs `NOTIFICATIONS_OWN` (every role holds it); whose notification it is, is then
decided by `load_and_authorize` in the service: someone else's answers like a missing one.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from config import Config
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.db import request_session
from peernotes.notifications import service
from peernotes.notifications.forms import EmailSettingsForm
from peernotes.notifications.kinds import ALWAYS_EMAILED, LABELS, SETTING_LABELS
from peernotes.web.counts import counts_shown
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import field_error, requires

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@requires(Permission.NOTIFICATIONS_OWN)
def index(actor: Actor, db: Session) -> str:
    return render_template(
        "notifications/index.html",
        items=service.listed(db, actor.id),
        labels=LABELS,
        form=ConfirmForm(),
    )


@bp.route("/notifications/<int:notification_id>")
@requires(Permission.NOTIFICATIONS_OWN)
def open_one(actor: Actor, db: Session, notification_id: int) -> Response:
    """Mark it read and go where it leads (a GET: email links open it)."""
    try:
        link = service.open_notification(db, actor, notification_id)
    except service.NotificationNotFound:
        abort(404)
    return redirect(link)


@bp.route("/notifications/read-all", methods=["POST"])
@requires(Permission.NOTIFICATIONS_OWN)
def read_all(actor: Actor, db: Session) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = service.mark_all_read(db, actor.id)
    flash("Everything here is marked as read." if count else "Nothing was unread.", "info")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@requires(Permission.NOTIFICATIONS_OWN)
def settings(actor: Actor, db: Session) -> str | Response:
    form = EmailSettingsForm()
    if form.validate_on_submit():
        try:
            service.set_email_choices(db, actor, form.email.data or [])
        except service.SettingsError as exc:
            field_error(form, exc, "email")
        else:
            flash("Your email choices are saved.", "info")
            return redirect(url_for("notifications.settings"))
    config: Config = current_app.config["PEERNOTES"]
    return render_template(
        "notifications/settings.html",
        form=form,
        choices=service.email_choices(db, actor.id, actor.role),
        labels=SETTING_LABELS,
        always=ALWAYS_EMAILED,
        mail_enabled=config.smtp is not None,
    )


@bp.app_context_processor
def _notifications_unread() -> dict[str, int]:
    """The count beside "Notifications" in the navigation."""
    if not counts_shown() or not current_user.can(Permission.NOTIFICATIONS_OWN):
        return {}
    return {"notifications_unread": service.unread_count(request_session(), int(current_user.id))}
