"""The consent gate and the worker's training page read training by the same rule: the newest
completion of each module counts. A correction (the module recorded again with an earlier
expiry) takes access away as the page says it does, and a renewal gives it back."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peernotes.access.queries import training_current
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import Database, get_database, utcnow
from peernotes.training import service as training
from peernotes.training.models import TrainingModule, TrainingRecord
from tests.helpers import client_as, grant_by_form, last_entry, query, user_id
from tests.workforce.test_training_import import _record, _today


def _sams_care_plan_read(app: Flask) -> int:
    """Alex shares his care plan with Sam; Sam opens it. Returns the status code."""
    alex, sam = client_as(app, "alex"), client_as(app, "sam")
    subject = user_id(app, "alex")
    if not query(
        app,
        "SELECT 1 FROM consent_provisions p JOIN consent_provision_categories c"
        " ON c.provision_id = p.id WHERE p.person_id = :s AND c.category = 'care_plan'",
        {"s": user_id(app, "sam")},
    ):
        to_sam = f"person:{user_id(app, 'sam')}"
        response = grant_by_form(alex, to_sam, ["care_plan"], purpose="my plan")
        assert response.status_code == 302, response.get_data(as_text=True)
    entry = query(
        app,
        "SELECT id FROM record_entries WHERE subject_id = :s AND category = 'care_plan'",
        {"s": subject},
    )[0][0]
    return sam.get(f"/people/{subject}/record/{entry}").status_code


def test_a_correction_with_an_earlier_expiry_shuts_access_as_the_page_says(app: Flask) -> None:
    # The demo's confidentiality record runs 265 days more; the coordinator then records the
    # module again, completed later but already expired (the first expiry was a mistake).
    assert _sams_care_plan_read(app) == 200
    _record(app, "sam", "confidentiality", -50, -3)
    page = client_as(app, "sam").get("/my/training").get_data(as_text=True)
    assert "Your confidentiality training lapsed on" in page
    assert _sams_care_plan_read(app) == 404
    assert last_entry(app, "record:read")[4:] == ("denied", "training_lapsed")

    # Renewed today: access is back, and the page says all is current.
    _record(app, "sam", "confidentiality", 0, 365)
    assert _sams_care_plan_read(app) == 200
    assert last_entry(app, "record:read")[4] == "allowed"
    assert "All your training is current." in client_as(app, "sam").get("/my/training").get_data(
        as_text=True
    )


def test_two_completions_on_one_day_the_later_recorded_counts(app: Flask) -> None:
    _record(app, "sam", "duty_of_care", -10, 300)
    _record(app, "sam", "duty_of_care", -10, -1)
    sam = user_id(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        assert not training_current(db, sam, utcnow())
    _record(app, "sam", "duty_of_care", -10, 300)
    with app.app_context(), get_database(app).session() as db:
        assert training_current(db, sam, utcnow())


# Any history of records: the gate and the status page agree ---------------------------------

history = st.lists(
    st.tuples(
        st.sampled_from(list(TrainingModule)),
        st.integers(-400, 0),  # completed, days from today
        st.integers(1, 500),  # lasts this many days
    ),
    max_size=8,
)


def test_the_gate_and_the_status_page_agree_on_any_history(empty_database_url: str) -> None:
    database = Database(empty_database_url, audit_key=lambda: b"k" * 32)
    today = _today()
    examples = 0

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records=history)
    def check(records: list[tuple[TrainingModule, int, int]]) -> None:
        nonlocal examples
        examples += 1
        with database.session() as db:
            tag = uuid.uuid4().hex[:8]
            admin = User(
                email=f"a-{tag}@t.example", display_name="A", role=Role.ADMIN, password_hash="x"
            )
            worker = User(
                email=f"w-{tag}@t.example",
                display_name="W",
                role=Role.CONSUMER_PEER_WORKER,
                password_hash="x",
            )
            db.add_all([admin, worker])
            db.flush()
            for module, completed, lasts in records:
                start = today + timedelta(days=completed)
                db.add(
                    TrainingRecord(
                        user_id=worker.id,
                        module=module,
                        completed_on=start,
                        expires_on=start + timedelta(days=lasts),
                        recorded_by_id=admin.id,
                    )
                )
            db.flush()
            page_says_current = all(
                s.state in (training.ModuleState.CURRENT, training.ModuleState.EXPIRING)
                for s in training.status_of(db, [worker.id], today)[worker.id]
            )
            assert training_current(db, worker.id, utcnow()) == page_says_current, records
            db.rollback()

    check()
    database.engine.dispose()
    assert examples == 60
