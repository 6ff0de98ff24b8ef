"""Each role's home page: what that person does first."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.home.attention import attention_count, log_shown, needs_attention
from peernotes.home.service import home_context
from peernotes.timefmt import local_today
from peernotes.web.routes import public, requires

bp = Blueprint("home", __name__)


@bp.route("/")
@requires(Permission.SESSION_USE)
def show_home(actor: Actor, db: Session) -> str:
    now, today = utcnow(), local_today()
    context = home_context(db, actor, now, today)
    attention = needs_attention(db, actor, now, today)
    g.attention = attention
    log_shown(db, actor, attention)
    return render_template(
        f"home/{actor.role.value}.html",
        attention=attention,
        attention_count=attention_count(attention),
        **context,
    )


@bp.app_context_processor
def _attention_count() -> dict[str, int]:
    """The count beside "Home" on every page: what waits for this person (the home page
    passes its own, computed once with the list it shows)."""
    from flask_login import current_user

    from peernotes.db import request_session

    if not current_user.is_authenticated or current_user.must_change_password:
        return {}
    items = g.get("attention")
    if items is None:
        items = needs_attention(request_session(), current_user, utcnow(), local_today())
    return {"attention_count": attention_count(items)}


@bp.route("/health")
@public
def health(db: Session) -> Response:
    """Liveness and database reachability, for load balancers. Reveals nothing else."""
    db.execute(text("SELECT 1"))
    return jsonify(status="ok")
