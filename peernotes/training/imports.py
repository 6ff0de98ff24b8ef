"""Training records from a CSV file: every row is checked first, and one bad row fails the whole
import, with a report of every problem, row by row. Nothing is stored then. Flushes, never
commits.

The file has a header row naming the columns `email,module,completed_on,expires_on` (in any
order); dates are ISO (2026-05-03); modules are the `TrainingModule` values. Rows are numbered
as a spreadsheet numbers them: the header is row 1, so the first record is row 2.

A good file is stored through `training.record`, one row at a time: each row gets its own
`training:record` entry in the access log, and the import as a whole one `training:import`
entry (its target is the number of rows).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.errors import Refused
from peernotes.training import service as training
from peernotes.training.models import TrainingModule

COLUMNS = ("email", "module", "completed_on", "expires_on")
#: Far more than a service's peer workers times their modules; keeps a mistaken upload small.
MAX_BYTES = 256 * 1024
MAX_ROWS = 2_000
MODULE_NAMES = ", ".join(m.value for m in TrainingModule)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one row (row 0: the file as a whole)."""

    row: int
    message: str


class ImportRefused(Refused):
    """The file was refused; `problems` says where and why. Nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len({p.row for p in problems})
        super().__init__(
            "Nothing was imported: "
            + (
                "the file cannot be read."
                if problems[0].row == 0
                else f"{count} row(s) need fixing."
            )
            + " Fix the file and upload it again.",
            "file",
        )
        self.problems = problems


@dataclass(frozen=True)
class Planned:
    row: int
    user: User
    module: TrainingModule
    completed_on: date
    expires_on: date


@dataclass(frozen=True)
class Summary:
    stored: int
    people: int
    #: (display name, module label, expiry) for each stored row, in file order.
    rows: list[tuple[str, str, date]]


def _text(data: bytes) -> str:
    if not data.strip():
        raise ImportRefused([Problem(0, "The file is empty.")])
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            [
                Problem(
                    0,
                    f"The file is larger than {MAX_BYTES // 1024} KB; split it into smaller files.",
                )
            ]
        )
    try:
        # utf-8-sig: spreadsheets often start a CSV with a byte-order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            [
                Problem(
                    0,
                    "The file is not a plain-text CSV file (UTF-8). Save it as CSV and try again.",
                )
            ]
        ) from None


def _header(names: list[str]) -> dict[str, int]:
    cleaned = [n.strip().lower() for n in names]
    problems = []
    missing = [c for c in COLUMNS if c not in cleaned]
    if len(missing) == len(COLUMNS):
        raise ImportRefused(
            [
                Problem(
                    1,
                    "There is no header row. The first row must name the columns:"
                    f" {','.join(COLUMNS)}.",
                )
            ]
        )
    if missing:
        problems.append(
            Problem(
                1,
                f"The header row is missing the column{'s' if len(missing) > 1 else ''} "
                + ", ".join(missing)
                + f". The first row must name the columns: {','.join(COLUMNS)}.",
            )
        )
    unknown = [n for n in cleaned if n and n not in COLUMNS]
    if unknown:
        problems.append(
            Problem(1, "Unknown column(s) in the header row: " + ", ".join(unknown) + ".")
        )
    repeated = sorted({n for n in cleaned if n in COLUMNS and cleaned.count(n) > 1})
    if repeated:
        problems.append(
            Problem(1, "The header row names a column twice: " + ", ".join(repeated) + ".")
        )
    if problems:
        raise ImportRefused(problems)
    return {c: cleaned.index(c) for c in COLUMNS}


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: str, column: str, row: int, problems: list[Problem]) -> date | None:
    if not value:
        problems.append(Problem(row, f"{column} is empty; give a date such as 2026-05-03."))
        return None
    try:
        # Year-month-day only, as the page asks: Python also reads "20260503" and week dates,
        # which a spreadsheet slip could produce and nobody meant.
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(
            Problem(row, f"{column} “{value[:40]}” is not a date; write it as 2026-05-03.")
        )
        return None


def check(db: Session, data: bytes, *, today: date) -> list[Planned]:
    """Every row of the file, checked. Raises ImportRefused listing every problem found."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        lines = [(reader.line_num, cells) for cells in reader]
    except csv.Error:
        raise ImportRefused(
            [Problem(0, "The file is not a CSV file that can be read (check its quotes).")]
        ) from None
    lines = [(n, cells) for n, cells in lines if any(c.strip() for c in cells)]
    if not lines:
        raise ImportRefused([Problem(0, "The file is empty.")])
    columns = _header(lines[0][1])
    body = lines[1:]
    if not body:
        raise ImportRefused([Problem(0, "The file has a header row but no training records.")])
    if len(body) > MAX_ROWS:
        raise ImportRefused(
            [
                Problem(
                    0, f"The file has more than {MAX_ROWS:,} records; split it into smaller files."
                )
            ]
        )
    emails = {
        cells[columns["email"]].strip().lower()
        for _, cells in body
        if len(cells) > columns["email"]
    }
    people = {
        u.email: u for u in db.scalars(select(User).where(func.lower(User.email).in_(emails)))
    }
    problems: list[Problem] = []
    planned: list[Planned] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row, cells in body:
        found: list[Problem] = []
        if len(cells) != len(lines[0][1]):
            found.append(
                Problem(
                    row,
                    f"This row has {len(cells)} value(s); the header has {len(lines[0][1])}.",
                )
            )
            problems.extend(found)
            continue
        email, module, done, expires = (cells[columns[c]].strip() for c in COLUMNS)
        person = people.get(email.lower())
        if not email:
            found.append(Problem(row, "email is empty."))
        elif person is None:
            found.append(Problem(row, f"No one has the email address {email[:80]}."))
        elif person.role not in training.PEER_WORKER_ROLES:
            found.append(
                Problem(row, f"{person.display_name} is not a peer worker ({person.role.label}).")
            )
        parsed: TrainingModule | None = None
        try:
            parsed = TrainingModule(module.lower())
        except ValueError:
            found.append(
                Problem(
                    row,
                    f"“{module[:40]}” is not a training module; use one of {MODULE_NAMES}."
                    if module
                    else f"module is empty; use one of {MODULE_NAMES}.",
                )
            )
        completed_on = _date(done, "completed_on", row, found)
        expires_on = _date(expires, "expires_on", row, found)
        if completed_on is not None and expires_on is not None:
            try:
                training.check_dates(completed_on, expires_on, today=today)
            except training.TrainingError as exc:
                found.append(Problem(row, str(exc)))
        key = (email.lower(), module.lower(), done)
        if key in seen:
            found.append(
                Problem(
                    row, f"This repeats row {seen[key]} (same person, module and completion date)."
                )
            )
        else:
            seen[key] = row
        if found:
            problems.extend(found)
            continue
        assert person is not None and parsed is not None
        assert completed_on is not None and expires_on is not None
        planned.append(Planned(row, person, parsed, completed_on, expires_on))
    if problems:
        raise ImportRefused(problems)
    return planned


@step
def import_csv(db: Session, by: Acting, data: bytes, *, today: date) -> Summary:
    """Check the whole file, then store every row.

    Raises:
        ImportRefused: any problem at all (nothing stored).
    """
    planned = check(db, data, today=today)
    stored: list[tuple[str, str, date]] = []
    for p in planned:
        try:
            training.record(
                db, by, p.user.id, p.module.value, p.completed_on, p.expires_on, today=today
            )
        except training.TrainingError as exc:
            # Checked above with the same rules: reaching this is a bug, and must roll the
            # whole import back rather than be shown (and committed) as a refusal.
            raise RuntimeError(f"row {p.row} passed the checks but was refused") from exc
        stored.append((p.user.display_name, training.MODULE_LABELS[p.module], p.expires_on))
    logged = Target("training_import", len(planned))
    record_event(db, by, Action.TRAINING_IMPORT, None, logged, Outcome.ALLOWED, acting_basis(by))
    return Summary(len(planned), len({p.user.id for p in planned}), stored)
