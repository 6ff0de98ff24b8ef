"""Choosing a peer worker (consumers and carers), the coordinator's decisions, and handovers.

Which permission guards which page:
  - the person's own pages under `/my/peer-worker`: `WORKER_CHOOSE` (consumers, carers);
  - the coordinator's list, each request's page and the decisions under
    `/admin/worker-requests`: `ADMIN_MATCHES` (confirming waits while a handover is pending;
    `confirm_without_handover` goes ahead and keeps the coordinator's reason);
  - writing a handover, `/handover/<id>/write` (endpoint `choosing.write_handover`, the one
    address to link to): `PROFILE_OWN` (peer workers), then "the previous worker of this
    change" in the service;
  - reading a handover, `/handover/<id>`: `NOTES_READ` (the subject, and peer workers; who reads
    *this* one is `access.objects.decide_handover`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.db import utcnow
from peernotes.parsing import parse_id
from peernotes.settings import service as settings
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires
from peernotes.workforce.choosing import handover
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.choosing.forms import DeclineForm, HandoverForm, OverrideForm
from peernotes.workforce.choosing.matching import CHOICES, Criterion, PreferenceError
from peernotes.workforce.choosing.models import RequestState, WorkerRequest
from peernotes.workforce.profiles import service as profiles
from peernotes.workforce.vocabulary import FREQUENCIES, Attribute, Importance

bp = Blueprint("choosing", __name__)

#: The rows of the preferences form: two for the attributes people often want more than one of.
FORM_ROWS: tuple[Attribute, ...] = (
    Attribute.GENDER,
    Attribute.AGE_BAND,
    Attribute.LANGUAGE,
    Attribute.LANGUAGE,
    Attribute.CULTURE,
    Attribute.LIVED_EXPERIENCE,
    Attribute.LIVED_EXPERIENCE,
    Attribute.FORMAT,
    Attribute.FORMAT,
    Attribute.RECOVERY_STAGE,
    Attribute.SEXUAL_ORIENTATION,
)
#: Rows only one kind of person is offered: consumers may ask for a consumer peer worker
#: further along in recovery; carers for a carer peer worker in a carer role for some time,
#: and for someone who has lived it (when the service allows consumer peer workers to
#: support carers).
ROWS_FOR: dict[Role, tuple[Attribute, ...]] = {
    Role.CONSUMER: (Attribute.FURTHER_ALONG,),
    Role.CARER: (Attribute.CARER_YEARS, Attribute.LIVED_IT),
}
MAX_ROWS = 40


def _form_rows(db: Session, role: Role) -> tuple[Attribute, ...]:
    extra = ROWS_FOR.get(role, ())
    if not settings.may_newly_support(db, Role.CONSUMER_PEER_WORKER, role):
        extra = tuple(a for a in extra if a is not Attribute.LIVED_IT)
    return (*FORM_ROWS, *extra)


@dataclass(frozen=True)
class Row:
    index: int
    attribute: Attribute
    value: str
    importance: str
    choices: dict[str, str] | None


def _checked() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _rows_from(criteria: tuple[Criterion, ...], attributes: tuple[Attribute, ...]) -> list[Row]:
    """Saved wishes placed into the form's rows, in order, attribute by attribute."""
    left = list(criteria)
    rows = []
    for index, attribute in enumerate(attributes):
        found = next((c for c in left if c.attribute is attribute), None)
        if found is not None:
            left.remove(found)
        rows.append(
            Row(
                index,
                attribute,
                found.value if found else "",
                found.importance.value if found else "",
                CHOICES.get(attribute),
            )
        )
    return rows


def _posted_rows() -> list[tuple[str, str, str]]:
    """(attribute, value, importance) as posted, for the service to check every one."""
    rows = []
    for index in range(MAX_ROWS):
        attribute = request.form.get(f"attribute-{index}")
        if attribute is None:
            break
        rows.append(
            (
                attribute,
                request.form.get(f"value-{index}", ""),
                request.form.get(f"importance-{index}", ""),
            )
        )
    return rows


# The person's own pages ----------------------------------------------------------------------


@bp.route("/my/peer-worker")
@requires(Permission.WORKER_CHOOSE)
def overview(actor: Actor, db: Session) -> str:
    now = utcnow()
    me = db.get_one(User, actor.id)
    current = choosing.current_assignments(db, me, now)
    requests = choosing.requests_of(db, actor.id)
    waiting = next((r for r in requests if r.state.value == "requested"), None)
    names = display_names(db, {r.worker_id for r in requests} | {a.worker_id for a in current})
    summaries = {r.id: handover.summary_for(db, r.id) for r in requests if r.previous_assignment_id}
    prefs = choosing.preferences_of(db, actor.id)
    # While a request waits there is nothing to choose: the page shows the request instead.
    matches = [] if waiting else choosing.matches_for(db, me, now)
    waiting_status = choosing.status_of(db, waiting, now) if waiting else None
    if waiting_status and waiting_status.previous_worker_id:
        names |= display_names(db, {waiting_status.previous_worker_id})
    return render_template(
        "workforce/choosing/choose.html",
        current=current,
        current_profiles={a.worker_id: profiles.shown_profile(db, a.worker_id) for a in current},
        # Whom asking for each match would replace: the current worker of the same kind.
        replaces={
            m.candidate.worker_id: choosing.replaced_by(current, m.candidate.role) for m in matches
        },
        waiting=waiting,
        waiting_status=waiting_status,
        requests=requests,
        # The coordinator's words on each decided request, for the person's own page.
        words={r.id: choosing.words_of(db, r) for r in requests if r.decided_at},
        names=names,
        summaries=summaries,
        summaries_written=[i for i, found in summaries.items() if found is not None],
        prefs=prefs,
        frequencies=FREQUENCIES,
        choices=CHOICES,
        matches=matches,
        profiles_shown=profiles.shown_profiles(db, [m.candidate.worker_id for m in matches]),
        named={
            a.worker_id: choosing.named_provisions(db, actor.id, a.worker_id, now) for a in current
        },
        teams_sharing={
            a.worker_id: choosing.teams_sharing_with(db, actor.id, a.worker_id, now)
            for a in current
        },
        form=ConfirmForm(),
    )


@bp.route("/my/peer-worker/preferences", methods=["GET", "POST"])
@requires(Permission.WORKER_CHOOSE)
def preferences(actor: Actor, db: Session) -> tuple[str, int] | Response:
    form = ConfirmForm()
    error: str | None = None
    prefs = choosing.preferences_of(db, actor.id)
    me = db.get_one(User, actor.id)
    rows = _rows_from(prefs.criteria, _form_rows(db, me.role))
    frequency = prefs.frequency
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        posted = _posted_rows()
        frequency = request.form.get("frequency", "")
        try:
            choosing.save_preferences(db, actor, posted, frequency)
        except PreferenceError as exc:
            error = str(exc)
            # Show what they typed, so nothing has to be entered twice.
            rows = [
                Row(
                    i,
                    row.attribute,
                    posted[i][1] if i < len(posted) else "",
                    posted[i][2] if i < len(posted) else "",
                    row.choices,
                )
                for i, row in enumerate(rows)
            ]
        else:
            flash("Your wishes are saved. Here are the peer workers who fit them.", "info")
            return redirect(url_for("choosing.overview"))
    return render_template(
        "workforce/choosing/preferences.html",
        form=form,
        rows=rows,
        frequency=frequency,
        frequencies=FREQUENCIES,
        importances=Importance,
        error=error,
    ), (400 if error else 200)


@bp.route("/my/peer-worker/request", methods=["POST"])
@requires(Permission.WORKER_CHOOSE)
def ask(actor: Actor, db: Session) -> Response:
    _checked()
    raw = request.form.get("worker_id", "")
    try:
        row = choosing.request_worker(
            db,
            actor,
            parse_id(raw) or 0,
            handover=request.form.get("handover") == "yes",
            stop_named_sharing=request.form.get("stop_named_sharing") == "yes",
        )
    except choosing.ChoosingError as exc:
        flash(str(exc), "error")
    else:
        asked = f"You asked for {choosing.waiting_name(db, row)}."
        if row.handover_consent:
            writer = handover.previous_worker_id(db, row)
            name = display_names(db, {writer})[writer] if writer else "your peer worker"
            then = f"The coordinator will confirm it once {name} has written the handover."
        else:
            then = "The coordinator will confirm it, usually within two working days."
        flash(f"{asked} {then} You can cancel before then.", "info")
    return redirect(url_for("choosing.overview"))


@bp.route("/my/peer-worker/requests/<int:request_id>/cancel", methods=["POST"])
@requires(Permission.WORKER_CHOOSE)
def cancel(actor: Actor, db: Session, request_id: int) -> Response:
    _checked()
    try:
        choosing.cancel_request(db, actor, request_id)
    except LookupError:
        abort(404)
    except choosing.ChoosingError as exc:
        flash(str(exc), "error")
    else:
        flash("Your request is cancelled.", "info")
    return redirect(url_for("choosing.overview"))


@bp.route("/my/peer-worker/requests/<int:request_id>/handover", methods=["POST"])
@requires(Permission.WORKER_CHOOSE)
def handover_consent(actor: Actor, db: Session, request_id: int) -> Response:
    _checked()
    given = request.form.get("consent") == "yes"
    try:
        row = choosing.set_handover_consent(db, actor, request_id, given)
    except LookupError:
        abort(404)
    except choosing.ChoosingError as exc:
        flash(str(exc), "error")
    else:
        written = handover.summary_for(db, row.id) is not None
        if given:
            message = "Your new peer worker may read the handover summary."
        elif written:
            message = (
                "The handover summary is private to you now. Your new peer worker can't read it."
            )
        elif row.state is RequestState.REQUESTED:
            # Nothing was written: withdrawing is what lets a waiting change go ahead.
            message = (
                "There will be no handover: your new peer worker starts fresh, and the "
                "coordinator no longer waits for it."
            )
        else:
            message = "There will be no handover: your new peer worker starts fresh."
        flash(message, "info")
    return redirect(url_for("choosing.overview"))


# Handover summaries ------------------------------------------------------------------------------


@bp.route("/handover/<int:request_id>/write", methods=["GET", "POST"])
@requires(Permission.PROFILE_OWN)
def write_handover(actor: Actor, db: Session, request_id: int) -> str | Response:
    """Where the previous worker writes a handover: the one address every link to "write this
    handover" uses. When there is nothing (more) to write, the page says why instead."""
    try:
        row, previous = handover.for_writer(db, actor, request_id)
    except LookupError:
        abort(404)
    form = HandoverForm()
    if form.validate_on_submit():
        try:
            handover.write(db, actor, request_id, form.summary.data or "")
        except handover.HandoverError as exc:
            form.summary.errors = [*form.summary.errors, str(exc)]
        except LookupError:
            abort(404)
        else:
            flash(
                "The handover summary is saved. The person can read it now, and the coordinator "
                "can go ahead with the change.",
                "info",
            )
            return redirect(url_for("home.show_home"))
    state = handover.writing_state(db, row, previous, utcnow())
    return render_template(
        "workforce/choosing/handover_write.html",
        form=form,
        request_row=row,
        subject_name=db.get_one(User, row.subject_id).display_name,
        state=state.value,
        why_not=handover.WHY_NOT_OPEN.get(state, ""),
    )


@bp.route("/handover/<int:request_id>")
@requires(Permission.NOTES_READ)
def read_handover(actor: Actor, db: Session, request_id: int) -> str:
    try:
        summary, text = handover.read(db, actor, request_id)
    except LookupError:
        abort(404)
    names = display_names(db, {summary.author_id, summary.subject_id})
    if actor.id == summary.subject_id:
        reader = "subject"
    elif actor.id == summary.author_id:
        reader = "author"
    else:
        reader = "new_worker"
    return render_template(
        "workforce/choosing/handover.html",
        reader=reader,
        summary=summary,
        text=text,
        names=names,
        mine=actor.id == summary.subject_id,
    )


# The coordinator ------------------------------------------------------------------------------


def _names_for(statuses: list[choosing.RequestStatus]) -> set[int]:
    ids: set[int] = set()
    for status in statuses:
        ids |= {status.request.subject_id, status.request.worker_id}
        if status.previous_worker_id is not None:
            ids.add(status.previous_worker_id)
    return ids


@bp.route("/admin/worker-requests")
@requires(Permission.ADMIN_MATCHES)
def requests_list(actor: Actor, db: Session) -> str:
    now = utcnow()
    waiting = choosing.waiting_for_coordinator(db, now)
    decided = choosing.statuses(db, choosing.decided_requests(db), now)
    return render_template(
        "workforce/choosing/admin_requests.html",
        waiting=waiting,
        decided=decided,
        names=display_names(db, _names_for(waiting + decided)),
        prefs={
            s.request.subject_id: choosing.preferences_of(db, s.request.subject_id) for s in waiting
        },
        frequencies=FREQUENCIES,
        form=ConfirmForm(),
        decline_form=DeclineForm(),
    )


def _request_page(
    db: Session, row: WorkerRequest, override_form: OverrideForm | None = None
) -> str:
    status = choosing.status_of(db, row, utcnow())
    return render_template(
        "workforce/choosing/admin_request.html",
        s=status,
        r=row,
        words=choosing.words_of(db, row),
        names=display_names(db, _names_for([status]) | {row.decided_by_id or row.subject_id}),
        prefs=choosing.preferences_of(db, row.subject_id),
        frequencies=FREQUENCIES,
        form=ConfirmForm(),
        decline_form=DeclineForm(),
        override_form=override_form or OverrideForm(),
    )


@bp.route("/admin/worker-requests/<int:request_id>")
@requires(Permission.ADMIN_MATCHES)
def request_page(actor: Actor, db: Session, request_id: int) -> str:
    """One request: what the person asked for, its handover, and the coordinator's choices."""
    row = db.get(WorkerRequest, request_id) or abort(404)
    return _request_page(db, row)


@bp.route("/admin/worker-requests/<int:request_id>/confirm", methods=["POST"])
@requires(Permission.ADMIN_MATCHES)
def confirm(actor: Actor, db: Session, request_id: int) -> Response:
    def act() -> str:
        try:
            assignment = choosing.confirm(db, actor, request_id)
        except LookupError:
            abort(404)
        return (
            f"Confirmed: {assignment.worker.display_name} supports "
            f"{assignment.subject.display_name} from today."
        )

    return confirmed_action(act, url_for("choosing.request_page", request_id=request_id))


@bp.route("/admin/worker-requests/<int:request_id>/confirm-without-handover", methods=["POST"])
@requires(Permission.ADMIN_MATCHES)
def confirm_without_handover(actor: Actor, db: Session, request_id: int) -> str | Response:
    form = OverrideForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        assignment = choosing.confirm_without_handover(
            db, actor, request_id, form.reason.data or ""
        )
    except LookupError:
        abort(404)
    except choosing.ChoosingError as exc:
        if exc.field != "reason":
            flash(str(exc), "error")
            return redirect(url_for("choosing.request_page", request_id=request_id))
        # Show the page again with what they typed and the error beside it.
        field_error(form, exc, "reason")
        return _request_page(db, db.get_one(WorkerRequest, request_id), form)
    flash(
        f"Confirmed without the handover: {assignment.worker.display_name} supports "
        f"{assignment.subject.display_name} from today. The reason is kept with the request.",
        "info",
    )
    return redirect(url_for("choosing.request_page", request_id=request_id))


@bp.route("/admin/worker-requests/<int:request_id>/decline", methods=["POST"])
@requires(Permission.ADMIN_MATCHES)
def decline(actor: Actor, db: Session, request_id: int) -> Response:
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        choosing.decline(db, actor, request_id, form.note.data or "")
    except LookupError:
        abort(404)
    except choosing.ChoosingError as exc:
        flash(str(exc), "error")
    else:
        flash("The request is declined, and the person can read why.", "info")
    return redirect(url_for("choosing.requests_list"))
