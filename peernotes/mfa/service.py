"""Two-step sign-in with TOTP (RFC 6238, pyotp): enrol, check a code, recovery codes, reset.

- The secret is sealed under the person's data key, bound to its row (`secret_aad`).
- A code is accepted once: the enrolment keeps the newest time step accepted, and a code of
  that step or an earlier one is a replay, refused and logged. The step moves forward with a
  conditional UPDATE, so two requests racing with one code cannot both win.
- One step of drift either way is allowed (pyotp's `valid_window=1`), for phones whose clock
  is a little off.
- Recovery codes are random, shown once, stored as argon2 hashes, and each works once.

Every function takes the session explicitly, flushes, and never commits.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.api_tokens import TokenRevokeReason, revoke_all_tokens
from peernotes.auth.models import User
from peernotes.auth.roles import MFA_REQUIRED_ROLES, SUBJECT_ROLES, Role
from peernotes.auth.sessions import revoke_all_sessions
from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.mfa.models import MfaEnrolment, RecoveryCode, secret_aad

ISSUER = "PeerNotes"
INTERVAL = 30
#: Codes one step early or late are accepted too (pyotp's `valid_window=1`).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: Why a coordinator's reset ended a person's sessions (`login_sessions.revoked_reason`).
REVOKED_BY_RESET = "mfa_reset"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
#: Recovery codes carry 12 random characters (about 59 bits), so a fast argon2id profile
#: (OWASP's minimum: t=2, m=19 MiB, p=1) is plenty; checking one tries every unused code.
_recovery_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


class MfaError(Refused):
    """An MFA operation was refused; the message is safe to show."""


class CodeResult(StrEnum):
    ACCEPTED = "accepted"
    RECOVERY = "recovery"
    WRONG = "wrong"
    REPLAYED = "replayed"

    @property
    def ok(self) -> bool:
        return self in (CodeResult.ACCEPTED, CodeResult.RECOVERY)


def required_for(role: Role) -> bool:
    """Whether people in `role` must use two-step sign-in (clinicians, auditors, coordinators)."""
    return role in MFA_REQUIRED_ROLES


def current(db: Session, user_id: int) -> MfaEnrolment | None:
    """The person's confirmed, unended enrolment, if any."""
    return db.scalar(
        select(MfaEnrolment)
        .where(
            MfaEnrolment.user_id == user_id,
            MfaEnrolment.confirmed_at.is_not(None),
            MfaEnrolment.ended_at.is_(None),
        )
        .order_by(MfaEnrolment.id.desc())
        .limit(1)
    )


def is_enrolled(db: Session, user_id: int) -> bool:
    return current(db, user_id) is not None


def enrolled_ids(db: Session) -> set[int]:
    """Everyone with a confirmed, unended enrolment: whose two-step sign-in a coordinator
    could reset (one query for the accounts list)."""
    return set(
        db.scalars(
            select(MfaEnrolment.user_id).where(
                MfaEnrolment.confirmed_at.is_not(None), MfaEnrolment.ended_at.is_(None)
            )
        )
    )


def _pending(db: Session, user_id: int, enrolment_id: int) -> MfaEnrolment | None:
    """The enrolment `enrolment_id`, if it is `user_id`'s and still waiting for its code."""
    return db.scalar(
        select(MfaEnrolment).where(
            MfaEnrolment.id == enrolment_id,
            MfaEnrolment.user_id == user_id,
            MfaEnrolment.confirmed_at.is_(None),
            MfaEnrolment.ended_at.is_(None),
        )
    )


def _new_enrolment(db: Session, user_id: int, secret: str) -> MfaEnrolment:
    enrolment = MfaEnrolment(user_id=user_id, secret_sealed=b"")
    db.add(enrolment)
    db.flush()  # the id, which the sealed secret is bound to
    enrolment.secret_sealed = seal_about(db, user_id, secret.encode("ascii"), secret_aad(enrolment))
    db.flush()
    return enrolment


def secret_of(db: Session, enrolment: MfaEnrolment) -> str:
    return unseal_about(
        db, enrolment.user_id, enrolment.secret_sealed, secret_aad(enrolment)
    ).decode("ascii")


@dataclass(frozen=True)
class Setup:
    """What the enrolment page shows: the secret (for typing in) and its QR code as SVG."""

    enrolment_id: int
    secret: str
    uri: str
    qr_svg: str


def start_enrolment(db: Session, user: User, keep: int | None = None) -> Setup:
    """An enrolment in progress for `user`, to show as a QR code: the one `keep` names when it
    is still theirs and waiting (this browser's, across a reload or a wrong code), else a new
    secret, which ends any other waiting one.

    A waiting secret is never handed to another browser: someone who has only the password
    must not be able to copy the secret the person is about to scan (a second step they
    would then share). The browser that starts an enrolment is the only one that can
    confirm it (`confirm_enrolment` takes its id from that browser's session).

    Raises:
        MfaError: the person already uses an authenticator.
    """
    if is_enrolled(db, user.id):
        raise MfaError("You already use an authenticator app.")
    enrolment = _pending(db, user.id, keep) if keep is not None else None
    if enrolment is None:
        _end_pending(db, user.id)
        enrolment = _new_enrolment(db, user.id, pyotp.random_base32())
    secret = secret_of(db, enrolment)
    uri = pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )
    return Setup(enrolment.id, secret, uri, qr_svg(uri))


def _end_pending(db: Session, user_id: int) -> None:
    for waiting in db.scalars(
        select(MfaEnrolment).where(
            MfaEnrolment.user_id == user_id,
            MfaEnrolment.confirmed_at.is_(None),
            MfaEnrolment.ended_at.is_(None),
        )
    ):
        waiting.ended_at = utcnow()
        waiting.ended_reason = "superseded"
    db.flush()


def qr_svg(data: str) -> str:
    """`data` as a QR code, drawn here as an inline SVG: the secret never leaves the server
    for an image service. Dark modules in the text colour, so it follows the page's theme."""
    svg: str = segno.make(data, error="m").svg_inline(
        scale=5,
        border=4,
        title="QR code to scan with your authenticator app",
        dark="#000",
        light="#fff",
    )
    return svg


def _step_of(at: datetime) -> int:
    return int(at.timestamp()) // INTERVAL


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step, within the drift window, whose code is `code`; None when none is."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    found = None
    centre = _step_of(now)
    # Every step is compared (no early exit), each in constant time.
    for candidate in range(centre - DRIFT_STEPS, centre + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            found = candidate
    return found


def _claim_step(db: Session, enrolment: MfaEnrolment, matched: int) -> bool:
    """Move the enrolment's last step to `matched`, unless it is there or past it already."""
    result = db.execute(
        update(MfaEnrolment)
        .where(
            MfaEnrolment.id == enrolment.id,
            (MfaEnrolment.last_step.is_(None)) | (MfaEnrolment.last_step < matched),
        )
        .values(last_step=matched)
        .execution_options(synchronize_session=False)
    )
    db.refresh(enrolment)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _log_code(db: Session, by: Acting, user_id: int, result: CodeResult) -> None:
    action, outcome, basis = {
        CodeResult.ACCEPTED: (Action.MFA_CODE_ACCEPTED, Outcome.ALLOWED, Basis.TOTP),
        CodeResult.RECOVERY: (Action.MFA_RECOVERY_USED, Outcome.ALLOWED, Basis.RECOVERY_CODE),
        CodeResult.WRONG: (Action.MFA_CODE_REFUSED, Outcome.DENIED, Basis.WRONG_CODE),
        CodeResult.REPLAYED: (Action.MFA_CODE_REPLAYED, Outcome.DENIED, Basis.REPLAYED_CODE),
    }[result]
    record_event(db, by, action, None, Target("user", user_id), outcome, basis)


def check_code(
    db: Session,
    by: Acting,
    user: User,
    code: str,
    *,
    allow_recovery: bool = True,
    now: datetime | None = None,
) -> CodeResult:
    """Check a sign-in code (or, when allowed, a recovery code) for `user`; log the answer.

    A code of a time step already accepted (or earlier) is `REPLAYED`; the caller shows the
    same message as for a wrong one.
    """
    enrolment = current(db, user.id)
    typed = _normalise(code)
    result = CodeResult.WRONG
    if enrolment is not None:
        matched = _matching_step(secret_of(db, enrolment), typed, now or utcnow())
        if matched is not None:
            result = (
                CodeResult.ACCEPTED
                if _claim_step(db, enrolment, matched)
                else (CodeResult.REPLAYED)
            )
        elif allow_recovery and _use_recovery_code(db, enrolment, typed):
            result = CodeResult.RECOVERY
    _log_code(db, by, user.id, result)
    return result


def _use_recovery_code(db: Session, enrolment: MfaEnrolment, typed: str) -> bool:
    if len(typed) != 12:
        return False
    unused = db.scalars(
        select(RecoveryCode).where(
            RecoveryCode.enrolment_id == enrolment.id,
            RecoveryCode.used_at.is_(None),
            RecoveryCode.retired_at.is_(None),
        )
    ).all()
    for row in unused:
        if _verify_recovery(row.code_hash, typed):
            # Conditional, like the time step: a code raced twice is used once.
            claimed = db.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.refresh(row)
            return bool(claimed.rowcount)  # type: ignore[attr-defined]
    return False


def _verify_recovery(code_hash: str, typed: str) -> bool:
    try:
        return _recovery_hasher.verify(code_hash, typed)
    except (VerificationError, InvalidHashError):
        return False


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _issue_recovery_codes(db: Session, enrolment: MfaEnrolment) -> list[str]:
    now = utcnow()
    db.execute(
        update(RecoveryCode)
        .where(RecoveryCode.enrolment_id == enrolment.id, RecoveryCode.retired_at.is_(None))
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.add(
            RecoveryCode(
                enrolment_id=enrolment.id,
                code_hash=_recovery_hasher.hash(_normalise(code)),
                created_at=now,
            )
        )
    db.flush()
    return codes


def _record_change(db: Session, by: Acting, action: Action, user: User, outcome: Outcome) -> None:
    # As for account changes: a consumer's or carer's account is about them (their own log
    # shows it); a staff account is about no one's care.
    subject = user.id if user.role in SUBJECT_ROLES else None
    if outcome is Outcome.DENIED:
        basis = Basis.WRONG_CODE
    else:
        basis = Basis.SELF if by.id == user.id else acting_basis(by)
    record_event(db, by, action, subject, Target("user", user.id), outcome, basis)


@step
def confirm_enrolment(
    db: Session,
    by: Acting,
    user: User,
    code: str,
    enrolment_id: int | None,
    *,
    now: datetime | None = None,
) -> list[str]:
    """Confirm the enrolment this browser started (`enrolment_id`) with a first code; return
    the recovery codes (shown once, never stored in the clear).

    Raises:
        MfaError: nothing to confirm (none started here, or another browser started a newer
            one), or the code is not right (logged).
    """
    enrolment = _pending(db, user.id, enrolment_id) if enrolment_id is not None else None
    if enrolment is None or is_enrolled(db, user.id):
        raise MfaError("Start again: open the set-up page to get a new QR code.")
    matched = _matching_step(secret_of(db, enrolment), _normalise(code), now or utcnow())
    if matched is None:
        _record_change(db, by, Action.MFA_ENROL, user, Outcome.DENIED)
        raise MfaError(
            "That code isn't right. Check the app shows PeerNotes, and type the code it shows now.",
            "code",
        )
    enrolment.confirmed_at = utcnow()
    enrolment.last_step = matched
    codes = _issue_recovery_codes(db, enrolment)
    _record_change(db, by, Action.MFA_ENROL, user, Outcome.ALLOWED)
    return codes


def enrol_with_secret(db: Session, by: Acting, user: User, secret: str) -> MfaEnrolment:
    """Enrol `user` with a known secret, confirmed at once, without recovery codes: for the
    demo's staff (whose secrets are printed) and for tests. Ends any enrolment they had."""
    _end_all(db, user.id, "replaced")
    enrolment = _new_enrolment(db, user.id, secret)
    enrolment.confirmed_at = utcnow()
    db.flush()
    _record_change(db, by, Action.MFA_ENROL, user, Outcome.ALLOWED)
    return enrolment


def _end_all(db: Session, user_id: int, reason: str) -> int:
    ended = db.scalars(
        select(MfaEnrolment).where(MfaEnrolment.user_id == user_id, MfaEnrolment.ended_at.is_(None))
    ).all()
    now = utcnow()
    for enrolment in ended:
        enrolment.ended_at = now
        enrolment.ended_reason = reason
        db.execute(
            update(RecoveryCode)
            .where(RecoveryCode.enrolment_id == enrolment.id, RecoveryCode.retired_at.is_(None))
            .values(retired_at=now)
            .execution_options(synchronize_session=False)
        )
    db.flush()
    return len(ended)


@step
def regenerate_recovery_codes(db: Session, by: Acting, user: User, code: str) -> list[str]:
    """A new set of recovery codes; the old set stops working. Only with a fresh code from
    the authenticator (not a recovery code): a signed-in browser alone (a hijacked session,
    an unlocked computer) must not be able to mint a lasting second step.

    Raises:
        MfaError: the person has no authenticator set up, or the code is not a fresh,
            right one (logged).
    """
    enrolment = current(db, user.id)
    if enrolment is None:
        raise MfaError("Set up an authenticator app first.")
    if not check_code(db, by, user, code, allow_recovery=False).ok:
        raise MfaError("That code isn't right, or was already used.", "code")
    codes = _issue_recovery_codes(db, enrolment)
    _record_change(db, by, Action.MFA_RECOVERY_REGENERATE, user, Outcome.ALLOWED)
    return codes


def unused_recovery_codes(db: Session, user_id: int) -> int:
    enrolment = current(db, user_id)
    if enrolment is None:
        return 0
    return len(
        db.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.enrolment_id == enrolment.id,
                RecoveryCode.used_at.is_(None),
                RecoveryCode.retired_at.is_(None),
            )
        ).all()
    )


@step
def disable(db: Session, by: Acting, user: User, code: str) -> None:
    """Switch off one's own authenticator, confirmed with a current code. People whose role
    requires it cannot (a coordinator resets it for a lost phone instead).

    Raises:
        MfaError: required for their role, not enrolled, or the code is wrong (logged).
    """
    if required_for(user.role):
        raise MfaError("Your role needs two-step sign-in, so it stays on.")
    if current(db, user.id) is None:
        raise MfaError("Two-step sign-in is not on for your account.")
    if not check_code(db, by, user, code).ok:
        raise MfaError("That code isn't right, or was already used.", "code")
    _end_all(db, user.id, "disabled")
    _record_change(db, by, Action.MFA_DISABLE, user, Outcome.ALLOWED)


@step
def reset(db: Session, by: Acting, user: User) -> None:
    """A coordinator ends a person's authenticator (a lost phone) and signs them out
    everywhere; at their next sign-in they set up a new one (required roles must).

    Raises:
        MfaError: the person has no authenticator set up, or it is the coordinator's own.
    """
    if by.id == user.id:
        raise MfaError("Ask another coordinator to reset your own two-step sign-in.")
    if not _end_all(db, user.id, "reset"):
        raise MfaError("That person has no authenticator app set up.")
    # Whoever holds the lost phone may also hold a signed-in browser.
    revoke_all_sessions(db, user.id, REVOKED_BY_RESET)
    revoke_all_tokens(db, user.id, TokenRevokeReason.MFA_RESET)
    _record_change(db, by, Action.MFA_RESET, user, Outcome.ALLOWED)
