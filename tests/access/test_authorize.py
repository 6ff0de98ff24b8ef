"""`load_and_authorize` knows every governed model, and refuses loudly to guess for others."""

from __future__ import annotations

import pytest

from peernotes.access.authorize import governed_models, load_and_authorize
from peernotes.audit.events import Action
from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.crypto.models import DataKey
from peernotes.notes import service as _notes  # noqa: F401  (importing a service registers it)
from peernotes.notes.models import Note
from peernotes.risk import service as _risk  # noqa: F401
from peernotes.risk.models import RiskConcern
from peernotes.supervision import sessions as _sessions  # noqa: F401
from peernotes.supervision.models import SupervisionSession
from peernotes.workforce.agreements import service as _agreements  # noqa: F401
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.choosing import service as _choosing  # noqa: F401
from peernotes.workforce.choosing.models import WorkerRequest
from peernotes.workforce.groups import service as _groups  # noqa: F401
from peernotes.workforce.groups.models import GroupSession
from peernotes.workforce.wellbeing import service as _wellbeing  # noqa: F401
from peernotes.workforce.wellbeing.models import WorkplaceConcern


def test_each_governed_model_is_registered_once_with_its_own_refusal() -> None:
    governed = governed_models()
    expected = {
        Note,
        RiskConcern,
        SupportAgreement,
        SupervisionSession,
        GroupSession,
        WorkerRequest,
        WorkplaceConcern,
    }
    assert expected <= set(governed)
    for model in expected:
        refusal = governed[model].not_found(7)
        # A withheld row is answered like a missing one: a LookupError the views turn into 404.
        assert isinstance(refusal, LookupError), model


def test_a_model_nobody_registered_is_an_error_not_an_allow() -> None:
    by = By(1, Role.CLINICIAN, "0" * 32)
    with pytest.raises(KeyError):
        load_and_authorize(None, by, DataKey, 1, Action.RECORD_READ)  # type: ignore[arg-type]
