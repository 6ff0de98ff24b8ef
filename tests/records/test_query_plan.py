"""The record list's SQL as the database plans it: the keyset page walks the index on
(subject_id, id) and its consent subqueries look rows up by index.

The statements are the ones `list_entries` really sends (captured with an engine listener,
never re-typed here), explained with their own parameters: EXPLAIN QUERY PLAN on SQLite, and
EXPLAIN (FORMAT JSON) on PostgreSQL.

Why these plans are the real ones:
- SQLite: the app never runs ANALYZE, so its planner works from the schema alone, here as in
  production.
- PostgreSQL: the world below is big enough (2,000 entries, 200 consumers) that the planner
  has real choices, and is ANALYZEd first, as autovacuum would do after a load. Its plan is
  asked for with the parameter values, which is the plan PostgreSQL runs: `list_entries`
  sets `plan_cache_mode = force_custom_plan` for its transaction (checked below), so the
  generic plan of a prepared statement never replaces it. Tables smaller than `LARGE` rows may
  be scanned whole: reading two pages is what a planner should do there. We do not switch
  `enable_seqscan` off, which would only ask whether an index *could* serve a query, not
  whether PostgreSQL will use it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event, func, inspect, select, table, text

from bench.records_bench import World, build_world
from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.records import service as records

#: The world: many consumers, one of them with a long record.
WORLD = {"consumers": 200, "entries": 2000, "consumer_entries": 200}
#: A table with fewer rows than this may be read whole (a few pages) rather than by index.
LARGE = 300
#: The keyset page's index, from the migration that created record_entries.
KEYSET_INDEX = ["subject_id", "id"]


@dataclass(frozen=True)
class Step:
    """One table access or sort in a plan, the same for both engines."""

    table: str | None
    indexes: tuple[str, ...]
    full_scan: bool
    sort: bool
    detail: str


def _world(app: Flask) -> World:
    engine = get_database(app).engine
    world = build_world(engine, **WORLD)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return world


def _readers(world: World) -> dict[str, By]:
    return {
        "consumer": By(world.consumer_id, Role.CONSUMER, "plan-consumer"),
        "peer worker": By(world.peer_worker_id, Role.CONSUMER_PEER_WORKER, "plan-peer"),
        "clinician": By(world.clinician_id, Role.CLINICIAN, "plan-clinician"),
    }


def _list(
    app: Flask, actor: By, subject_id: int, before: int | None = None
) -> tuple[list[tuple[str, Any]], records.EntryPage]:
    """Run `list_entries` and return every statement it sent, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with get_database(app).session() as db:
            page = records.list_entries(db, actor, subject_id, before=before)
            db.commit()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return sent, page


def _keyset(sent: list[tuple[str, Any]]) -> tuple[str, Any]:
    (found,) = [s for s in sent if "ORDER BY record_entries.id DESC" in s[0] and "EXISTS" in s[0]]
    return found


def _plan(engine: Engine, statement: str, parameters: Any) -> list[Step]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return [_sqlite_step(row[-1]) for row in rows]
        (document,) = conn.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + statement, parameters
        ).one()
    plan = document if isinstance(document, list) else json.loads(document)
    steps: list[Step] = []
    _pg_steps(plan[0]["Plan"], steps)
    return steps


def _sqlite_step(detail: str) -> Step:
    words = detail.split()
    if words[0] in ("SCAN", "SEARCH") and not words[1].startswith("anon_"):
        index = ()
        if " INDEX " in detail:
            index = (words[words.index("INDEX") + 1],)
        elif "INTEGER PRIMARY KEY" in detail:
            index = ("rowid",)
        # "SCAN t USING COVERING INDEX i" reads the whole index: a full scan all the same.
        return Step(words[1], index, words[0] == "SCAN", False, detail)
    return Step(None, (), False, "TEMP B-TREE" in detail, detail)


def _pg_steps(node: dict[str, Any], steps: list[Step]) -> None:
    kind = node["Node Type"]
    relation = node.get("Relation Name")
    if kind == "Seq Scan":
        steps.append(Step(relation, (), True, False, f"Seq Scan on {relation}"))
    elif kind in ("Index Scan", "Index Only Scan"):
        direction = node.get("Scan Direction", "")
        detail = f"{kind} {direction} using {node['Index Name']} on {relation}"
        detail += f" {node.get('Index Cond', '')}"
        steps.append(Step(relation, (node["Index Name"],), False, False, detail))
    elif kind == "Bitmap Heap Scan":
        used = _bitmap_indexes(node)
        detail = f"Bitmap Heap Scan on {relation} " + " ".join(c for _, c in used)
        steps.append(Step(relation, tuple(i for i, _ in used), False, False, detail))
    elif kind in ("Sort", "Incremental Sort"):
        steps.append(Step(None, (), False, True, kind))
    for child in node.get("Plans", []):
        if kind != "Bitmap Heap Scan":
            _pg_steps(child, steps)


def _bitmap_indexes(node: dict[str, Any]) -> list[tuple[str, str]]:
    """The indexes under a bitmap heap scan, with their conditions."""
    found = [(node["Index Name"], node.get("Index Cond", ""))] if "Index Name" in node else []
    for child in node.get("Plans", []):
        found += _bitmap_indexes(child)
    return found


def _indexes_with(engine: Engine, leading: list[str]) -> set[str]:
    """The record_entries indexes whose first columns are `leading`."""
    found = inspect(engine).get_indexes("record_entries")
    return {ix["name"] for ix in found if ix["column_names"][: len(leading)] == leading and ix["name"]}


def _large_tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {
            name
            for name in inspect(engine).get_table_names()
            if conn.scalar(select(func.count()).select_from(table(name))) >= LARGE
        }


def _full_scans(steps: list[Step], large: set[str]) -> list[str]:
    return [s.detail for s in steps if s.full_scan and s.table in large]


def test_the_keyset_page_walks_the_subject_id_id_index(app: Flask) -> None:
    world = _world(app)
    engine = get_database(app).engine
    keyset = _indexes_with(engine, KEYSET_INDEX)
    assert keyset, "record_entries has no index on (subject_id, id)"
    for reader, actor in _readers(world).items():
        sent, first = _list(app, actor, world.consumer_id)
        assert first.older is not None, reader  # more than a page: the walk must stop early
        steps = _plan(engine, *_keyset(sent))
        entries = [s for s in steps if s.table == "record_entries"]
        assert entries and all(set(s.indexes) & keyset for s in entries), (reader, steps)
        # The index gives the order: no sort of the record, so the walk stops after a page.
        assert not any(s.full_scan for s in entries), (reader, steps)
        assert not any(s.sort for s in steps), (reader, steps)
        if engine.dialect.name == "postgresql":
            assert all("Index Scan Backward" in s.detail for s in entries), (reader, steps)

        # A later page starts at its cursor by seeking the index, never by skipping rows.
        # (Near the end of a record PostgreSQL may rightly prefer to fetch the few entries
        # left below the cursor and sort them: its estimate of what remains is from the same
        # index, so that choice stays small. Where many remain, it walks as above.)
        sent, _ = _list(app, actor, world.consumer_id, before=first.older)
        steps = _plan(engine, *_keyset(sent))
        entries = [s for s in steps if s.table == "record_entries"]
        assert entries and all(set(s.indexes) & keyset for s in entries), (reader, steps)
        assert all(re.search(r"\bid ?< ?", s.detail) for s in entries), (reader, steps)
        assert not any(s.full_scan for s in entries), (reader, steps)


def test_no_statement_of_a_record_page_reads_a_large_table_whole(app: Flask) -> None:
    world = _world(app)
    engine = get_database(app).engine
    large = _large_tables(engine)
    assert {"record_entries", "consent_provisions", "care_assignments"} <= large, large
    for reader, actor in _readers(world).items():
        sent, _ = _list(app, actor, world.consumer_id)
        statements = [(s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT")]
        for statement, parameters in statements:
            steps = _plan(engine, statement, parameters)
            assert not _full_scans(steps, large), (reader, statement[:120], steps)
        if engine.dialect.name == "postgresql":
            # The plans above are custom plans, made with the parameters' values; this is what
            # keeps PostgreSQL from switching to a generic plan after five runs.
            settings = [i for i, (s, _) in enumerate(sent) if "plan_cache_mode" in s]
            assert settings and settings[0] < sent.index(_keyset(sent)), reader
