"""Each role's home page: what that person does first."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request, session
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.home.attention import attention_count, log_shown, needs_attention
from peernotes.home.service import home_context
from peernotes.ops import readiness
from peernotes.timefmt import local_today
from peernotes.web.counts import counts_shown
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


#: How long the count beside "Home" is reused on other pages. Counting costs a dozen small
#: queries, which every page would otherwise pay; a minute's delay in hearing of someone
#: else's action is fine, and the person's own change (any POST) forgets it at once.
COUNT_FRESH_SECONDS = 60


@bp.before_app_request
def _forget_count_after_a_change() -> None:
    if request.method not in ("GET", "HEAD"):
        session.pop("attention", None)


@bp.app_context_processor
def _attention_count() -> dict[str, int]:
    """The count beside "Home" on every page: what waits for this person. The home page
    passes the list it shows; other pages reuse a count under a minute old."""
    from flask_login import current_user

    from peernotes.db import request_session

    if not counts_shown() or current_user.must_change_password:
        return {}
    now = utcnow()
    items = g.get("attention")
    if items is None:
        cached = session.get("attention")
        if (
            isinstance(cached, list)
            and len(cached) == 3
            and cached[0] == current_user.id
            and 0 <= now.timestamp() - cached[2] < COUNT_FRESH_SECONDS
        ):
            return {"attention_count": int(cached[1])}
        items = needs_attention(request_session(), current_user, now, local_today())
    count = attention_count(items)
    session["attention"] = [current_user.id, count, int(now.timestamp())]
    return {"attention_count": count}


@bp.route("/health")
@public
def health(db: Session) -> Response:
    """Liveness and database reachability, for load balancers. Reveals nothing else."""
    db.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/ready")
@public
def ready(db: Session) -> tuple[Response, int]:
    """Readiness, for load balancers and deploys: the database answers, its schema is at the
    migrations' head, the master key is loaded and opens the database's secrets. 503 naming
    the failed check otherwise; no error text, key, path or row is ever in the answer."""
    from peernotes.crypto.keyring import keyring_of
    from peernotes.db import get_database

    result = readiness.check(db, keyring_of(get_database().info))
    return jsonify(result.as_json()), 200 if result.ready else 503
