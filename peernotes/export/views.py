"""The "Download my information" page: what the copy holds, and the button that makes it.

The page (GET) only explains; the copy is made on a POST with the form's CSRF token, so that a
link or an image elsewhere can never make one. Consumers and carers download what is theirs
(`Permission.INFORMATION_DOWNLOAD_OWN`); the service reads it through the same services as
their pages, and the download is logged.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from config import Config
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.export import package
from peernotes.export.service import gather
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import requires

bp = Blueprint("export", __name__)


def _tz() -> ZoneInfo:
    config: Config = current_app.config["PEERNOTES"]
    return ZoneInfo(config.timezone)


@bp.route("/my/information", methods=["GET", "POST"])
@requires(Permission.INFORMATION_DOWNLOAD_OWN)
def information(actor: Actor, db: Session) -> str | Response:
    form = ConfirmForm()
    if not form.is_submitted():
        return render_template(
            "export/page.html", form=form, keeps_record=actor.can(Permission.RECORD_OWN)
        )
    if not form.validate():
        abort(400)  # no CSRF token, or a stale one: nothing is made, nothing is read
    tz = _tz()
    info = gather(db, actor, tz)
    response = Response(package.build(info, tz), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{package.filename(info)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
