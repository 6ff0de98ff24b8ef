"""Each role's home page: what that person does first."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.care import service as care
from peernotes.care.models import CareAssignment, Team
from peernotes.db import utcnow
from peernotes.emergency import service as emergency
from peernotes.timefmt import local_today
from peernotes.training import service as training
from peernotes.web.routes import public, requires
from peernotes.workforce.choosing import handover
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.contacts import service as contacts
from peernotes.workforce.profiles import service as profiles

bp = Blueprint("home", __name__)


@bp.route("/")
@requires(Permission.SESSION_USE)
def show_home(actor: Actor, db: Session) -> str:
    now = utcnow()
    context: dict[str, object] = {}
    if actor.role == Role.CONSUMER:
        context["care_team"] = care.care_team(db, actor.id, now)
        context["carers"] = care.nominations_by(db, actor.id)
        context["peer_request"] = choosing.open_request(db, actor.id)
    elif actor.role == Role.CARER:
        context["care_team"] = care.care_team(db, actor.id, now)
        context["nominated_by"] = care.nominations_of(db, actor.id)
        context["peer_request"] = choosing.open_request(db, actor.id)
    elif actor.role is Role.CLINICIAN:
        context["caseload"] = care.caseload(db, actor.id, now)
    elif actor.role in (Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER):
        today = local_today()
        people = care.caseload(db, actor.id, now)
        context["caseload"] = people
        context["contact_summary"] = contacts.caseload_summary(db, actor.id, people, today)
        context["handovers_asked"] = handover.asked_of(db, actor.id, now)
        shared = handover.shared_with(db, actor.id, now)
        context["handovers_shared"] = shared
        context["names"] = display_names(db, {r.subject_id for r in shared})
        context["training_warnings"] = training.warnings_for(db, actor.id, today)
        context["profile"] = profiles.profile_of(db, actor.id)
    elif actor.role == Role.AUDITOR:
        context["emergency_waiting"] = emergency.waiting_for_review(db)
    elif actor.role == Role.ADMIN:
        context["active_accounts"] = db.scalar(
            select(func.count()).select_from(User).where(User.active.is_(True))
        )
        context["active_teams"] = db.scalar(
            select(func.count()).select_from(Team).where(Team.deactivated_at.is_(None))
        )
        context["active_assignments"] = db.scalar(
            select(func.count()).select_from(CareAssignment).where(CareAssignment.active_at(now))
        )
        context["worker_requests_waiting"] = len(choosing.waiting_requests(db))
    return render_template(f"home/{actor.role.value}.html", **context)


@bp.route("/health")
@public
def health(db: Session) -> Response:
    """Liveness and database reachability, for load balancers. Reveals nothing else."""
    db.execute(text("SELECT 1"))
    return jsonify(status="ok")
