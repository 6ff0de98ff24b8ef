"""Searches refuse what they cannot serve with a 400 naming the parameter, never a 500 and
never a page larger than the cap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask

from peernotes.api.paging import encode_cursor
from tests.api.tokens import bearer, make_token
from tests.helpers import user_id

FAR_EAST = timezone(timedelta(hours=23, minutes=59))
FAR_WEST = timezone(-timedelta(hours=23, minutes=59))


@pytest.mark.parametrize(
    ("who", "query", "parameter"),
    [
        ("dr.chen", "DocumentReference?subject=Patient/{alex}&_count=0050000", "_count"),
        ("dr.chen", "DocumentReference?subject=Patient/{alex}&_count=" + "1" * 30, "_count"),
        ("auditor", "AuditEvent?_count=0000101", "_count"),
        ("auditor", "AuditEvent?date=le9999-12-31", "date"),
        ("alex", "AuditEvent?date=ge0001-01-01", "date"),
        (
            "dr.chen",
            "DocumentReference?subject=Patient/{alex}&_cursor="
            + encode_cursor(1, datetime(1, 1, 1, tzinfo=FAR_EAST), 1),
            "_cursor",
        ),
        (
            "dr.chen",
            "DocumentReference?subject=Patient/{alex}&_cursor="
            + encode_cursor(1, datetime(9999, 12, 31, 23, 59, 59, tzinfo=FAR_WEST), 1),
            "_cursor",
        ),
    ],
)
def test_a_search_out_of_range_is_a_400_naming_it(
    app: Flask, who: str, query: str, parameter: str
) -> None:
    path = "/fhir/" + query.format(alex=user_id(app, "alex"))
    answer = app.test_client().get(path, headers=bearer(make_token(app, who)))
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    outcome = answer.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [parameter]
