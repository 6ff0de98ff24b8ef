"""A withheld object and a missing one: the same answer, and what telling them apart by time costs.

For notes, timelines, record entries and handovers, a person with no access asks in turn for
an object that exists and for an id that names nothing. The answers must be identical; the
test then prints the median time of each and their difference, measured in the same run
(interleaved, so drift in the machine's load falls on both alike). It prints and does not
assert on time: timings belong in figures a person reads, not in a pass or a fail.
"""

from __future__ import annotations

import statistics
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import client_as, query, user_id, without_csrf

ROUNDS = 40


def _timed(client: FlaskClient, url: str) -> tuple[float, bytes, int]:
    start = time.perf_counter()
    response = client.get(url)
    return time.perf_counter() - start, without_csrf(response.get_data()), response.status_code


def test_withheld_and_missing_answer_alike_and_their_timing_is_printed(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    alex, maya = user_id(app, "alex"), user_id(app, "maya")
    note = query(app, "SELECT min(id) FROM notes WHERE subject_id = :s", {"s": alex})[0][0]
    entry = query(app, "SELECT min(id) FROM record_entries WHERE subject_id = :s", {"s": alex})
    handover = query(app, "SELECT min(id) FROM worker_requests")[0][0]
    nobody = int(str(query(app, "SELECT max(id) FROM users")[0][0])) + 1000
    assert note and entry[0][0] and handover
    pairs = {
        "note": (f"/notes/{note}", "/notes/999999"),
        "timeline": (f"/people/{alex}/timeline", f"/people/{nobody}/timeline"),
        "record entry": (f"/people/{maya}/record/{entry[0][0]}", f"/people/{maya}/record/999999"),
        "handover": (f"/handover/{handover}", "/handover/999999"),
    }
    client = client_as(app, "maya")
    for url in (u for pair in pairs.values() for u in pair):
        client.get(url)  # warm: first requests compile templates and fill caches
    lines = []
    for kind, (withheld_url, missing_url) in pairs.items():
        withheld, missing = [], []
        for _ in range(ROUNDS):
            w_time, w_body, w_status = _timed(client, withheld_url)
            m_time, m_body, m_status = _timed(client, missing_url)
            assert (w_status, w_body) == (m_status, m_body), kind
            withheld.append(w_time)
            missing.append(m_time)
        w, m = statistics.median(withheld) * 1000, statistics.median(missing) * 1000
        lines.append(
            f"{kind:13} withheld {w:6.2f} ms  missing {m:6.2f} ms  difference {w - m:+6.2f} ms"
        )
    with capsys.disabled():  # shown in every run's output (CI's too), not only on a failure
        print(f"\nmedians of {ROUNDS}, interleaved, as Maya (no access to any of them):")
        print("\n".join(lines))
