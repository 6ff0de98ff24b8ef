"""The access log in plain words, for the person it is about, grouped by day.

"10:14 Dr Mei Chen (clinician, your care team) read your care plan in your record, because
they are in your care team."

Each line says who (by name, with their role), what they did to which kind of information, and
why: the basis of a permit, or the reason for a refusal. The words are in
`peernotes.accesslog.phrases`; the person's own shares and emergency accesses, which explain
`consent:` and `emergency:` bases, arrive in a `Context` built by the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peernotes.accesslog import phrases
from peernotes.audit.events import Action
from peernotes.audit.models import AuditEntry
from peernotes.auth.roles import ROLE_LABELS, Role

SERVICE = "The PeerNotes service"
#: What a slot says when the entry's target cannot be named.
FALLBACK = {"other": "another person", "what": "an entry"}


@dataclass(frozen=True)
class Emergency:
    """One emergency access to the person's record, as their page names it."""

    id: int
    opened: datetime
    reason: str


@dataclass(frozen=True)
class Context:
    """What the lines of one page need besides the entries themselves."""

    viewer_id: int
    tz: ZoneInfo
    names: Mapping[int, str] = field(default_factory=dict)
    #: Entry seq → slot → words (`peernotes.audit.words.describe`).
    targets: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    care_team: frozenset[int] = frozenset()
    #: The person's consent provision id → with whom they shared ("you shared with them").
    shares: Mapping[int, str] = field(default_factory=dict)
    #: Emergency access id → the emergency, for `emergency:<id>` bases.
    emergencies: Mapping[int, Emergency] = field(default_factory=dict)
    #: The person is not to be told of a safety flag (`flags.service`): refusals it caused
    #: say only that the reader may not read for now.
    flags_untold: bool = False


@dataclass(frozen=True)
class Line:
    seq: int
    #: When, in the service's time zone.
    at: datetime
    who: str
    #: What they did, or tried to do, to which information.
    did: str
    #: Why it was allowed (None for the person's own acts), or why it was refused.
    why: str | None
    denied: bool
    #: The emergency access the line was allowed under, to link to its details.
    emergency_id: int | None = None

    @property
    def time(self) -> str:
        return f"{self.at:%H:%M}"

    @property
    def sentence(self) -> str:
        if self.denied:
            was = "were" if self.who == "You" else "was"
            text = f"{self.who} {self.did}, and {was} refused: {self.why}"
        else:
            text = f"{self.who} {self.did}" + (f", {self.why}" if self.why else "")
        return text if text.endswith((".", "”", "!", "?")) else text + "."


@dataclass(frozen=True)
class Day:
    day: date
    heading: str
    lines: list[Line]


def _who(entry: AuditEntry, context: Context) -> str:
    if entry.actor_id is None:
        return SERVICE
    if entry.actor_id == context.viewer_id:
        return "You"
    name = context.names.get(entry.actor_id, "A person who no longer has an account")
    details = []
    if entry.actor_role:
        details.append(ROLE_LABELS.get(Role(entry.actor_role), entry.actor_role))
    if entry.actor_id in context.care_team:
        details.append("your care team")
    return f"{name} ({', '.join(details)})" if details else name


def _qualifier(basis: str) -> tuple[str, str]:
    kind, _, qualifier = basis.partition(":")
    return kind, qualifier


def _emergency_words(emergency: Emergency, action: str, tz: ZoneInfo) -> str:
    if action == Action.EMERGENCY_START.value:
        return f"giving this reason: “{emergency.reason}”"
    opened = emergency.opened.astimezone(tz)
    return (
        f"using the emergency access opened on {opened.day} {opened:%B %Y} at {opened:%H:%M},"
        f" for this reason: “{emergency.reason}”"
    )


def _allowed_because(entry: AuditEntry, context: Context) -> tuple[str | None, int | None]:
    """Why it was allowed, and the emergency access it rests on (if it does)."""
    basis = entry.basis
    if basis in phrases.ALLOWED_BECAUSE:
        return phrases.ALLOWED_BECAUSE[basis], None
    kind, qualifier = _qualifier(basis)
    if kind == "emergency" and qualifier.isdigit():
        emergency = context.emergencies.get(int(qualifier))
        if emergency is not None:
            return _emergency_words(emergency, entry.action, context.tz), emergency.id
    if kind == "consent" and qualifier.isdigit() and int(qualifier) in context.shares:
        return f"because {context.shares[int(qualifier)]}", None
    if kind == "role" and qualifier in phrases.ALLOWED_BY_ROLE:
        return phrases.ALLOWED_BY_ROLE[qualifier], None
    if kind in phrases.ALLOWED_BECAUSE:
        return phrases.ALLOWED_BECAUSE[kind], None
    return phrases.ALLOWED_UNKNOWN, None


def _refused_because(entry: AuditEntry, context: Context) -> str:
    if entry.basis == phrases.SAFETY_FLAG and context.flags_untold:
        return phrases.REFUSED_WITHHELD
    kind, _ = _qualifier(entry.basis)
    return phrases.REFUSED_BECAUSE.get(
        entry.basis, phrases.REFUSED_BECAUSE.get(kind, phrases.REFUSED_UNKNOWN)
    )


def _fill(entry: AuditEntry, context: Context) -> dict[str, str]:
    said = context.targets.get(entry.seq, {})
    fill = dict(FALLBACK)
    if "other" in said:
        fill["other"] = said["other"]
    if "category" in said:
        fill["what"] = f"your {said['category']}"
    fill["finding"] = phrases.FINDINGS.get(entry.basis, "recorded what they found")
    return fill


def _words_of(action: str) -> phrases.ActionWords:
    try:
        return phrases.ACTIONS[Action(action)]
    except (ValueError, KeyError):
        return phrases.UNKNOWN_ACTION


def describe(entry: AuditEntry, context: Context) -> Line:
    """One entry as one line of the person's history."""
    words = _words_of(entry.action)
    fill = _fill(entry, context)
    at = entry.occurred_at.astimezone(context.tz)
    who = _who(entry, context)
    if entry.denied:
        return Line(
            entry.seq, at, who, words.tried.format(**fill), _refused_because(entry, context), True
        )
    why, emergency_id = _allowed_because(entry, context)
    if entry.actor_id is not None and entry.actor_id == context.viewer_id:
        why = None  # one's own act needs no reason
    return Line(entry.seq, at, who, words.did.format(**fill), why, False, emergency_id)


def day_heading(day: date, today: date) -> str:
    # No weekday: "Today" and "Yesterday" carry what it would, the heading stays short on a
    # phone, and weekday names stay free to serve as canaries for contact flags (tests check
    # that "on a Saturday" never reaches the person).
    said = f"{day.day} {day:%B %Y}"
    if day == today:
        return f"Today, {said}"
    if day == today - timedelta(days=1):
        return f"Yesterday, {said}"
    return said


def by_day(lines: Iterable[Line], today: date) -> list[Day]:
    """Lines grouped by their local date, in the order given (newest first on the page)."""
    days: list[Day] = []
    for line in lines:
        day = line.at.date()
        if not days or days[-1].day != day:
            days.append(Day(day, day_heading(day, today), []))
        days[-1].lines.append(line)
    return days
