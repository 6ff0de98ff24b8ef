"""The auditors' insight dashboard: the log's numbers drawn as SVG, each chart beside its table,
and the flagged patterns, each linked to exactly its entries in the access log.

It needs what the access log's own page needs (`AUDIT_REVIEW`): it shows no more than that
page can, only counted. Every view of it is itself an entry in the log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from peernotes.audit import log
from peernotes.audit.events import Action, Outcome
from peernotes.audit.labels import action_label
from peernotes.audit.writer import acting_basis, record_event
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, SUBJECT_ROLES, Permission
from peernotes.insight import service, svg
from peernotes.insight.flags import FLAG_WORDS, FlagKind
from peernotes.insight.forms import InsightForm
from peernotes.insight.window import log_query
from peernotes.timefmt import clock, local_today, when, zone
from peernotes.web.routes import requires

bp = Blueprint("insight", __name__)


def _form(people: list[User]) -> InsightForm:
    form = InsightForm(request.args)
    form.person.choices = [SelectChoice("", "The most-read person")] + [
        SelectChoice(str(p.id), _who(p)) for p in people if p.role in SUBJECT_ROLES
    ]
    return form


def _who(user: User | None) -> str:
    if user is None:
        return "Someone no longer known"
    return f"{user.display_name} ({ROLE_LABELS[user.role]})"


def _span(first: datetime, last: datetime) -> str:
    """When a flag's entries happened: "2 December 2026 at 04:00, to 04:20" on one day."""
    if first == last:
        return when(first)
    if first.astimezone(zone()).date() == last.astimezone(zone()).date():
        return f"{when(first)}, to {clock(last)}"
    return f"{when(first)} to {when(last)}"


def _log_url(filters: log.Filters) -> str:
    query: dict[str, Any] = dict(log_query(filters, zone()))
    return url_for("accesslog.list_entries", **query)


@bp.route("/audit/insight")
@requires(Permission.AUDIT_REVIEW)
def dashboard(actor: Actor, db: Session) -> tuple[str, int] | str:
    # Everyone, once: the form offers the people information is about, the page names readers.
    people = list(db.scalars(select(User).order_by(User.display_name, User.id)))
    form = _form(people)
    if not form.validate():
        return render_template("insight/dashboard.html", form=form, report=None), 400
    settings = form.settings()
    report = service.report(db, settings, today=local_today(), tz=zone())
    # The auditor looked at the log in aggregate; about one person when they chose one.
    record_event(
        db, actor, Action.AUDIT_INSIGHT, settings.person, None, Outcome.ALLOWED, acting_basis(actor)
    )
    by_id = {u.id: u for u in people}

    def who(user_id: int) -> str:
        return _who(by_id.get(user_id))

    return render_template(
        "insight/dashboard.html",
        form=form,
        report=report,
        charts=_charts(report, who),
        who=who,
        log_url=_log_url,
        span=_span,
        action_label=action_label,
        review_words=service.REVIEW_WORDS,
        flag_words=FLAG_WORDS,
        kinds=list(FlagKind),
        statuses=list(service.ReviewStatus),
        emergency_by_status=service.by_status(report.emergency),
    )


def _charts(report: service.Report, who: Callable[[int], str]) -> dict[str, Markup]:
    days = report.days
    window = f"{len(days)} day{'s' if len(days) != 1 else ''}"
    emergency = service.by_status(report.emergency)
    person = report.person
    return {
        "days": svg.columns(
            "chart-days",
            "Entries allowed and refused, per day",
            f"Every entry in the access log over the last {window}, by local day: allowed"
            f" ({report.allowed:,} in all) and refused ({report.refused:,} in all).",
            [f"{d.day.day} {d.day:%b}" for d in days],
            [
                svg.Series("Allowed", "bar-allowed", [d.allowed for d in days]),
                svg.Series("Refused", "bar-refused", [d.refused for d in days]),
            ],
        ),
        "emergency": svg.bars(
            "chart-emergency",
            "Uses of emergency access, by review status",
            f"Uses of emergency access opened in the last {window}: "
            + ", ".join(f"{service.REVIEW_WORDS[s]} {n}" for s, n in emergency.items())
            + ".",
            [(service.REVIEW_WORDS[s], n) for s, n in emergency.items()],
            "bar-emergency",
        ),
        "readers": svg.bars(
            "chart-readers",
            "Top readers of " + (who(person.subject_id) if person else "anyone's information"),
            (
                f"Reads of {who(person.subject_id)}'s information by others over the last"
                f" {window}, by reader: "
                + ", ".join(f"{who(r.actor_id)} {r.reads}" for r in person.top)
                + "."
            )
            if person and person.top
            else f"Nobody read anyone else's information in the last {window}.",
            [(who(r.actor_id), r.reads) for r in person.top] if person else [],
            "bar-readers",
        ),
        "flags": svg.bars(
            "chart-flags",
            "Flagged patterns, by kind",
            f"How many flags of each kind the last {window} raised: "
            + ", ".join(f"{FLAG_WORDS[k]} {len(report.flags_of(k))}" for k in FlagKind)
            + ".",
            [(FLAG_WORDS[k], len(report.flags_of(k))) for k in FlagKind],
            "bar-flag",
        ),
    }
