"""Every line a person's own history can hold says who, what, to which information and why, in
words: every action the log knows, allowed on every basis and refused for every reason the code
writes. No line says "something"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from peernotes.access.decision import Reason
from peernotes.access.objects import ObjectBasis
from peernotes.accesslog import phrases, plain
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.auth.roles import Role
from peernotes.consent.service import ConsentBasis
from peernotes.emergency.models import ReviewOutcome
from peernotes.emergency.service import EmergencyBasis
from peernotes.notes.service.sections import NoteBasis
from peernotes.records.models import StatementKind
from peernotes.records.service import RecordBasis
from peernotes.risk.service import RiskBasis

VIEWER, CLINICIAN = 8, 3
TZ = ZoneInfo("Australia/Melbourne")
AT = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # 10:30 on 5 December in Melbourne
REASON = "Alex came to the emergency department out of hours; I need his crisis plan."

#: Bases a permit is written with, as the code writes them (enums where there are some, and
#: the few spelled in place: the timeline's `filtered`, qualified bases with an id).
ALLOWED = sorted(
    {
        Basis.SELF,
        Basis.PASSWORD,
        Basis.CARE_ASSIGNMENT,
        Basis.CLI,
        f"{Basis.CLI}:rewrapped_12",
        Basis.role("admin"),
        Basis.role("auditor"),
        Basis.role("clinician"),
        *(
            b.value
            for b in (
                ObjectBasis.SELF,
                ObjectBasis.AUTHOR,
                ObjectBasis.SUBJECT,
                ObjectBasis.PARTY,
                ObjectBasis.SUPERVISOR,
                ObjectBasis.FACILITATOR,
                ObjectBasis.DUTY_OF_CARE,
                ObjectBasis.HANDOVER_CONSENT,
            )
        ),
        "handover_consent:4",
        ConsentBasis.WITNESSED.value,
        *(o.value for o in ReviewOutcome),
        StatementKind.OWN_WORDS.value,
        StatementKind.CORRECTION.value,
        "filtered",
        "consent:7",
        "consent:999",  # a share that has ended since
        "emergency:5",
        "emergency:999",  # an emergency the page was not told of
    }
)
#: Reasons a refusal is written with.
REFUSED = sorted(
    {
        Basis.NO_PERMISSION,
        Basis.NOT_FOUND,
        Basis.UNKNOWN_ACCOUNT,
        Basis.WRONG_PASSWORD,
        Basis.ACCOUNT_INACTIVE,
        Basis.THROTTLED,
        *(v for k, v in vars(Reason).items() if k.isupper()),
        *(
            b.value
            for b in ObjectBasis
            if b.value not in phrases.ALLOWED_BECAUSE  # its permits are in ALLOWED
        ),
        *(b.value for b in RecordBasis),
        *(b.value for b in RiskBasis),
        *(b.value for b in NoteBasis),
        *(b.value for b in EmergencyBasis),
        ConsentBasis.NOT_THE_SUBJECT.value,
        ConsentBasis.NOT_THEIRS_TO_SHARE.value,
        "just_us",
        "nothing_shared",
    }
)
#: Words that say nothing, and codes that mean nothing to a person.
VAGUE = ("something", "do something", "someone", "somebody")
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+:[a-z0-9]|\{|\}|\bNone\b")


def _entry(
    action: Action | str,
    outcome: Outcome,
    basis: str,
    *,
    actor: int | None = CLINICIAN,
    role: Role | None = Role.CLINICIAN,
    seq: int = 1,
    at: datetime = AT,
) -> AuditEntry:
    return AuditEntry(
        seq=seq,
        occurred_at_us=micros_since_epoch(at),
        actor_id=actor,
        actor_role=role.value if role else None,
        action=str(action),
        subject_id=VIEWER,
        target_type=None,
        target_id=None,
        outcome=outcome.value,
        basis=basis,
    )


def _context(targets: dict[int, dict[str, str]] | None = None, **kw: object) -> plain.Context:
    return plain.Context(
        viewer_id=VIEWER,
        tz=TZ,
        names={CLINICIAN: "Dr Mei Chen", VIEWER: "Alex Nguyen"},
        targets=targets or {},
        care_team=frozenset(),
        shares={7: "you shared with everyone in Northside Team"},
        emergencies={5: plain.Emergency(5, AT - timedelta(minutes=20), REASON)},
        **kw,  # type: ignore[arg-type]
    )


def _assert_plain(sentence: str) -> None:
    lowered = sentence.lower()
    for vague in VAGUE:
        assert vague not in lowered, sentence
    assert not CODE.search(sentence.replace(REASON, "")), sentence
    assert sentence[0].isupper() and sentence.endswith((".", "”")), sentence


def test_every_action_the_log_knows_has_its_own_words() -> None:
    assert set(phrases.ACTIONS) == set(Action)
    for words in phrases.ACTIONS.values():
        assert words.tried.startswith("tried to "), words
        assert not words.did.startswith("tried"), words


def test_every_basis_and_reason_the_code_writes_has_its_own_words() -> None:
    for basis in ALLOWED:
        kind = basis.split(":", 1)[0]
        assert basis in phrases.ALLOWED_BECAUSE or kind in phrases.ALLOWED_BECAUSE, basis
    for reason in REFUSED:
        assert reason in phrases.REFUSED_BECAUSE, reason


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_no_line_is_vague_for_any_action_basis_or_reason(action: Action) -> None:
    described = {1: {"category": "medication"}, 2: {"other": "Sam Rivera"}}
    for targets in ({}, described):
        context = _context(targets)
        for seq in (1, 2):
            for basis in ALLOWED:
                line = plain.describe(_entry(action, Outcome.ALLOWED, basis, seq=seq), context)
                _assert_plain(line.sentence)
                assert line.sentence.startswith("Dr Mei Chen (clinician) ")
                if phrases.ALLOWED_BECAUSE.get(basis, "") is not None:
                    # Someone else's act says why (only a person's own acts, on bases such as
                    # `self`, need no reason).
                    assert line.why, (action, basis)
            for reason in REFUSED:
                line = plain.describe(_entry(action, Outcome.DENIED, reason, seq=seq), context)
                _assert_plain(line.sentence)
                assert " tried to " in line.sentence and ", and was refused: " in line.sentence
        # The service, and the person themselves.
        for actor, role, who in (
            (None, None, "The PeerNotes service "),
            (VIEWER, Role.CONSUMER, "You "),
        ):
            for outcome, basis in (
                (Outcome.ALLOWED, Basis.SELF),
                (Outcome.DENIED, Basis.NOT_FOUND),
            ):
                entry = _entry(action, outcome, basis, actor=actor, role=role)
                sentence = plain.describe(entry, context).sentence
                _assert_plain(sentence)
                assert sentence.startswith(who)


def test_an_action_this_version_does_not_know_still_reads_as_words() -> None:
    for outcome, basis in ((Outcome.ALLOWED, "brand_new"), (Outcome.DENIED, "brand_new")):
        line = plain.describe(_entry("future:thing", outcome, basis), _context())
        _assert_plain(line.sentence)


def test_lines_say_which_information_and_why() -> None:
    context = _context({1: {"category": "medication"}})
    read = plain.describe(_entry(Action.RECORD_READ, Outcome.ALLOWED, "care_assignment"), context)
    assert read.sentence == (
        "Dr Mei Chen (clinician) read your medication in your record,"
        " because they are in your care team."
    )
    shared = plain.describe(_entry(Action.RECORD_READ, Outcome.ALLOWED, "consent:7"), context)
    assert shared.why == "because you shared with everyone in Northside Team"
    refused = plain.describe(_entry(Action.RECORD_READ, Outcome.DENIED, "no_consent"), context)
    assert refused.sentence == (
        "Dr Mei Chen (clinician) tried to read your medication in your record,"
        " and was refused: you have not shared this with them."
    )
    own = plain.describe(
        _entry(Action.RECORD_READ, Outcome.ALLOWED, "self", actor=VIEWER, role=Role.CONSUMER),
        context,
    )
    assert own.sentence == "You read your medication in your record." and own.why is None


def test_an_emergency_read_names_the_emergency_and_its_reason() -> None:
    line = plain.describe(_entry(Action.RECORD_LIST, Outcome.ALLOWED, "emergency:5"), _context())
    assert line.emergency_id == 5
    assert line.sentence == (
        "Dr Mei Chen (clinician) looked at the list of your record entries, using the emergency"
        f" access opened on 5 December 2026 at 10:10, for this reason: “{REASON}”"
    )
    opened = plain.describe(
        _entry(Action.EMERGENCY_START, Outcome.ALLOWED, "emergency:5"), _context()
    )
    assert opened.sentence.endswith(
        f"opened your record with emergency access, giving this reason: “{REASON}”"
    )


def test_a_refusal_an_untold_safety_flag_caused_does_not_name_the_flag() -> None:
    entry = _entry(Action.RECORD_READ, Outcome.DENIED, Reason.SAFETY_FLAG, role=Role.CARER)
    told = plain.describe(entry, _context()).sentence
    untold = plain.describe(entry, _context(flags_untold=True)).sentence
    assert "safety flag" in told
    assert "safety flag" not in untold and "flag" not in untold
    _assert_plain(untold)


def test_lines_are_grouped_by_their_local_day_newest_first() -> None:
    late = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)  # 00:30 on 6 December in Melbourne
    entries = [
        _entry(Action.RECORD_LIST, Outcome.ALLOWED, "care_assignment", seq=3, at=late),
        _entry(Action.RECORD_LIST, Outcome.ALLOWED, "care_assignment", seq=2, at=AT),
        _entry(
            Action.RECORD_LIST,
            Outcome.ALLOWED,
            "care_assignment",
            seq=1,
            at=AT - timedelta(hours=1),
        ),
    ]
    days = plain.by_day([plain.describe(e, _context()) for e in entries], date(2026, 12, 6))
    assert [d.heading for d in days] == ["Today, 6 December 2026", "Yesterday, 5 December 2026"]
    assert [[line.seq for line in d.lines] for d in days] == [[3], [2, 1]]
    assert [line.time for line in days[1].lines] == ["10:30", "09:30"]
    assert plain.day_heading(date(2026, 11, 30), date(2026, 12, 6)) == "30 November 2026"
