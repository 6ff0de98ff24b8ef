"""Each role's home page: what that person does first."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.home.service import home_context
from peernotes.timefmt import local_today
from peernotes.web.routes import public, requires

bp = Blueprint("home", __name__)


@bp.route("/")
@requires(Permission.SESSION_USE)
def show_home(actor: Actor, db: Session) -> str:
    context = home_context(db, actor, utcnow(), local_today())
    return render_template(f"home/{actor.role.value}.html", **context)


@bp.route("/health")
@public
def health(db: Session) -> Response:
    """Liveness and database reachability, for load balancers. Reveals nothing else."""
    db.execute(text("SELECT 1"))
    return jsonify(status="ok")
