"""A log with known entries over the last days, written at chosen local times.

Built on the demo service, in Melbourne time (so that local days and hours differ from UTC's),
entries written in the order they happened, as the service would have written them:

- allowed and refused entries over several days;
- two uses of emergency access: Dr Walsh on Jordan, reviewed (justified), three reads; Dr Chen
  on Maya, not reviewed, one read and one refused read;
- Tui reading Alex on consent twice, with no care assignment between them (outside caseload),
  then once while assigned for a day (inside), then again after (outside); Sam reading Alex
  on consent while assigned, and Dr Walsh reading an agreement as a supervisor (neither
  flagged);
- Dr Chen reading Alex at 02:00 local (unusual hours), and at 21:30 and 06:30 (not unusual);
  Sam at 23:15 another night; Dr Chen twice a week ago, a list between; Linh (a carer) and Alex himself at night (not workers: not
  flagged);
- Maya refused six times within four minutes (a burst), then twice more an hour later (not
  in it); Jordan refused four times within two minutes (too few for a burst);
- one read forty days ago, outside a 30-day window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Outcome
from peernotes.audit.writer import By, Target, append_pending, record_event
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.db import get_database
from peernotes.emergency.models import EmergencyAccess, ReviewOutcome
from tests.helpers import demo_email

TZ = ZoneInfo("Australia/Melbourne")


def local(days_ago: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    day = datetime.now(TZ).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute, second), tzinfo=TZ)


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    #: Entry numbers of the entries each pattern should flag, or must not.
    outside_caseload: set[int] = field(default_factory=set)
    inside_caseload: set[int] = field(default_factory=set)
    night_reads: set[int] = field(default_factory=set)
    not_night: set[int] = field(default_factory=set)
    burst: set[int] = field(default_factory=set)
    not_burst: set[int] = field(default_factory=set)
    emergency_reviewed: int = 0
    emergency_waiting: int = 0


class _Writer:
    def __init__(self, db: Session, ids: dict[str, int], roles: dict[str, Role]) -> None:
        self.db, self.ids, self.roles = db, ids, roles

    def __call__(
        self,
        who: str,
        action: Action,
        about: str | None,
        at: datetime,
        basis: str,
        *,
        outcome: Outcome = Outcome.ALLOWED,
        target: Target | None = None,
    ) -> int:
        by = By(self.ids[who], self.roles[who], "insight-world")
        subject = self.ids[about] if about else None
        entry = record_event(self.db, by, action, subject, target, outcome, basis, now=at)
        append_pending(self.db)  # entries are numbered when appended (at commit, or now)
        return entry.seq


def build(app: Flask) -> World:
    world = World()
    with app.app_context(), get_database(app).session() as db:
        people = {
            u.email.split("@")[0]: u
            for u in db.scalars(select(User).where(User.email.like("%@peernotes.example")))
        }
        assert demo_email("alex") == people["alex"].email
        world.ids = {k: u.id for k, u in people.items()}
        write = _Writer(db, world.ids, {k: u.role for k, u in people.items()})
        read, denied = Action.RECORD_READ, Outcome.DENIED

        write("dr.chen", read, "alex", local(40, 10), "care_assignment")  # outside the window
        write("dr.chen", read, "alex", local(8, 9), "care_assignment")
        refused = Target("route", "admin.list_accounts")

        def refuse(who: str, at: datetime) -> int:
            """A page their role may not use."""
            return write(
                who, Action.ACCESS_DENIED, None, at, "no_permission", outcome=denied, target=refused
            )

        refuse("jordan", local(8, 9, 5))

        # Emergency access A: Dr Walsh on Jordan, three reads, found justified the next day.
        start = local(6, 14)
        a = EmergencyAccess(
            clinician_id=world.ids["dr.walsh"],
            subject_id=world.ids["jordan"],
            starts_at=start,
            ends_at=start + timedelta(hours=4),
            review_outcome=ReviewOutcome.JUSTIFIED,
            reviewed_by_id=world.ids["auditor"],
            reviewed_at=local(5, 10),
        )
        db.add(a)
        db.flush()
        world.emergency_reviewed = a.id
        basis = f"emergency:{a.id}"
        write("dr.walsh", Action.EMERGENCY_START, "jordan", start, basis)
        for minute in (5, 10, 15):
            seq = write("dr.walsh", read, "jordan", local(6, 14, minute), basis)
            world.outside_caseload.add(seq)
        write("auditor", Action.EMERGENCY_REVIEW, "jordan", local(5, 10), "justified")

        world.inside_caseload.add(write("sam", read, "alex", local(5, 10, 30), "consent:77"))
        # A supervisor reads the agreement of a worker they supervise: not their caseload, but
        # asked of them by the service.
        world.inside_caseload.add(
            write("dr.walsh", Action.AGREEMENT_READ, "robert", local(5, 11), "supervisor")
        )
        for minute in (0, 20):
            world.outside_caseload.add(
                write("tui", read, "alex", local(4, 15, minute), "consent:99")
            )

        # Emergency access B: Dr Chen on Maya, one read and one refused, not yet reviewed.
        start = local(3, 11)
        b = EmergencyAccess(
            clinician_id=world.ids["dr.chen"],
            subject_id=world.ids["maya"],
            starts_at=start,
            ends_at=start + timedelta(hours=4),
        )
        db.add(b)
        db.flush()
        world.emergency_waiting = b.id
        basis = f"emergency:{b.id}"
        write("dr.chen", Action.EMERGENCY_START, "maya", start, basis)
        world.outside_caseload.add(write("dr.chen", read, "maya", local(3, 11, 5), basis))
        write("dr.chen", read, "maya", local(3, 11, 30), "no_consent", outcome=denied)

        # Maya: a burst of six refusals in four minutes, then two more an hour and a half on.
        for minute, second in ((0, 0), (1, 0), (1, 30), (2, 0), (3, 0), (4, 0)):
            world.burst.add(refuse("maya", local(3, 16, minute, second)))
        for minute in (30, 45):
            world.not_burst.add(refuse("maya", local(3, 17, minute)))
        # Jordan: four refusals in two minutes, one short of a burst.
        for minute in (0, 1, 1, 2):
            world.not_burst.add(refuse("jordan", local(3, 18, minute)))

        # Night reads: Dr Chen at 02:00; Linh (a carer) and Alex himself too, who are no
        # workers; Dr Chen at 21:30 and 06:30, outside the unusual hours; Sam at 23:15.
        world.night_reads.add(write("dr.chen", read, "alex", local(2, 2), "care_assignment"))
        write("linh", Action.NOTE_READ, "alex", local(2, 2, 30), "consent:5")
        write("alex", read, "alex", local(2, 3), "self")
        world.not_night.add(write("dr.chen", read, "alex", local(2, 21, 30), "care_assignment"))
        world.not_night.add(write("dr.chen", read, "alex", local(1, 6, 30), "care_assignment"))
        world.night_reads.add(write("sam", Action.NOTE_READ, "alex", local(1, 23, 15), "author"))
        # Dr Chen late a week ago: Alex, then the list of concerns (about nobody: not a read
        # of someone), then Jordan. The list splits the two reads into two flags.
        world.night_reads.add(write("dr.chen", read, "alex", local(7, 23), "care_assignment"))
        write("dr.chen", Action.RISK_LIST, None, local(7, 23, 5), "role:clinician")
        world.night_reads.add(write("dr.chen", read, "jordan", local(7, 23, 10), "care_assignment"))

        # Tui is assigned to Alex from two days ago until yesterday noon: her read while
        # assigned is inside her caseload, the one after is outside it again.
        db.add(
            CareAssignment(
                worker_id=world.ids["tui"],
                subject_id=world.ids["alex"],
                starts_on=local(2, 0).astimezone(UTC).date(),
                ends_on=None,
                ended_at=local(1, 12),
                created_by_id=world.ids["admin"],
            )
        )
        world.inside_caseload.add(write("tui", read, "alex", local(1, 10), "consent:99"))
        world.outside_caseload.add(write("tui", read, "alex", local(1, 13), "consent:99"))
        db.commit()
    return world
