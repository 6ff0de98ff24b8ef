"""What waits for the people who run the service: the coordinator (worker requests, with any
handover still to be written; accounts locked out; training lapsing) and the auditor
(emergency uses to review, unusual patterns)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from config import Config
from peernotes.audit.events import Action, Outcome
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.emergency import service as emergency
from peernotes.home.attention.items import Item, Kind, last_did, plural
from peernotes.insight.service import Settings, flags_for
from peernotes.insight.window import Window
from peernotes.timefmt import zone
from peernotes.training import service as training
from peernotes.workforce.choosing import service as choosing


def coordinator_items(db: Session, now: datetime, today: date) -> list[Item]:
    return [
        *_worker_requests(db, now),
        *_locked_out(db, now),
        *_training(db, today),
    ]


#: How far back the auditor's "unusual patterns" item looks (the dashboard's own default is
#: longer; a week is what a weekly review covers).
PATTERN_DAYS = 7


def auditor_items(db: Session, actor: Actor, now: datetime, today: date) -> list[Item]:
    return [*_emergency_to_review(db), *_new_patterns(db, actor, today)]


def _new_patterns(db: Session, actor: Actor, today: date) -> list[Item]:
    """Patterns the insight page flags in the last week that are newer than this auditor's
    last look at it: opening the page (logged as audit:insight) is acting on them."""
    flags = flags_for(db, Window.ending(today, PATTERN_DAYS, zone()), Settings(PATTERN_DAYS))
    seen = last_did(db, actor.id, Action.AUDIT_INSIGHT)
    new = [f for f in flags if seen is None or micros_since_epoch(f.last_at) > seen]
    if not new:
        return []
    return [
        Item(
            Kind.UNUSUAL_PATTERN,
            f"{plural(len(new), 'unusual pattern')} in the access log since you last looked",
            url_for("insight.dashboard", days=PATTERN_DAYS),
            len(new),
            "Reads outside a caseload, at unusual hours, or bursts of refusals: each links to"
            " its entries.",
        )
    ]


def _emergency_to_review(db: Session) -> list[Item]:
    waiting = emergency.waiting_for_review(db)
    found: list[Item] = []
    if waiting:
        found.append(
            Item(
                Kind.EMERGENCY_TO_REVIEW,
                f"{plural(waiting, 'use')} of emergency access waiting for review",
                url_for("emergency.list_reviews"),
                waiting,
                urgent=True,
            )
        )
    return found


def _worker_requests(db: Session, now: datetime) -> list[Item]:
    waiting = choosing.waiting_for_coordinator(db, now)
    if not waiting:
        return []
    held = [r for r in waiting if r.held]
    detail = (
        f"{plural(len(held), 'request')} {'waits' if len(held) == 1 else 'wait'} for the "
        "previous peer worker's handover."
        if held
        else ""
    )
    return [
        Item(
            Kind.WORKER_REQUESTS_WAITING,
            f"{plural(len(waiting), 'request')} for a peer worker waiting for you",
            url_for("choosing.requests_list"),
            len(waiting),
            detail,
        )
    ]


def _locked_out(db: Session, now: datetime) -> list[Item]:
    """Accounts refused for too many failed sign-ins within the throttle's window, with no
    successful sign-in since: the person may be stuck, and may need a reset."""
    config: Config = current_app.config["PEERNOTES"]
    since = micros_since_epoch(now - timedelta(minutes=config.login_window_minutes))
    throttled = {
        int(target): at
        for target, at in db.execute(
            select(AuditEntry.target_id, func.max(AuditEntry.occurred_at_us))
            .where(
                AuditEntry.action == Action.AUTH_LOGIN_THROTTLED.value,
                AuditEntry.target_type == "user",
                AuditEntry.occurred_at_us >= since,
            )
            .group_by(AuditEntry.target_id)
        )
        if target is not None
    }
    if not throttled:
        return []
    signed_in = aliased(AuditEntry)
    recovered = {
        actor
        for actor, at in db.execute(
            select(signed_in.actor_id, func.max(signed_in.occurred_at_us))
            .where(
                signed_in.action == Action.AUTH_LOGIN.value,
                signed_in.outcome == Outcome.ALLOWED.value,
                signed_in.actor_id.in_(throttled),
            )
            .group_by(signed_in.actor_id)
        )
        if actor is not None and at > throttled[actor]
    }
    locked = [user_id for user_id in throttled if user_id not in recovered]
    names = display_names(db, locked)
    return [
        Item(
            Kind.ACCOUNT_LOCKED,
            f"{names.get(user_id, 'An account')} is locked out after failed sign-ins",
            url_for("admin.list_accounts"),
            detail=f"It opens again {config.login_window_minutes} minutes after the last try;"
            " if they have forgotten their password, you can issue a reset link.",
            subject_id=user_id,
        )
        for user_id in sorted(locked, key=lambda u: names.get(u, ""))
    ]


def _training(db: Session, today: date) -> list[Item]:
    expiring, lapsed = training.needing_attention(db, today)
    found: list[Item] = []
    if lapsed:
        people = len({a.person.id for a in lapsed})
        found.append(
            Item(
                Kind.TRAINING_LAPSING,
                f"Training lapsed or missing for {plural(people, 'peer worker')}",
                url_for("training.manage"),
                len(lapsed),
                "Until it is renewed, they have no consent-based access.",
                urgent=True,
            )
        )
    if expiring:
        people = len({a.person.id for a in expiring})
        found.append(
            Item(
                Kind.TRAINING_LAPSING,
                f"Training lapses within {training.WARN_DAYS} days for "
                f"{plural(people, 'peer worker')}",
                url_for("training.manage"),
                len(expiring),
            )
        )
    return found
