"""The crisis-lines page ("Need help now?"), open to everyone, signed in or not, and the lines
every page's footer shows. The lines are the service's own (`PEERNOTES_CRISIS_LINES`)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy.orm import Session

from config import Config, CrisisLine
from peernotes.web.routes import public

bp = Blueprint("help", __name__)


def _lines() -> tuple[CrisisLine, ...]:
    config: Config = current_app.config["PEERNOTES"]
    return config.crisis_lines


@bp.route("/help")
@public
def crisis_lines(db: Session) -> str:
    # Public on purpose: someone locked out, or not yet signed in, may need it most.
    return render_template("help/crisis.html")


@bp.app_context_processor
def _crisis_lines() -> dict[str, object]:
    """Every page names the first lines in its footer and links to the rest."""
    return {"crisis_lines": _lines()}
